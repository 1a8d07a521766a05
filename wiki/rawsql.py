"""Core statements run straight on the DBAPI cursor of the session's transaction.

For the few statements a hot write makes while it holds SQLite's write lock (a vote, the event
every change records). Through the session each one cost 100–180 µs of Python (cache key,
execution context, result objects) around 5 µs of SQLite; every other writer waits meanwhile.
A ``Statement`` is compiled once per dialect; each run types its parameters with the columns'
own bind processors and its rows with their result processors, so values go in and come out as
they do through SQLAlchemy. It runs in the session's transaction (the first one begins it, with
``BEGIN IMMEDIATE`` on SQLite in a write), is counted in ``X-SQL-Count``, and a driver error is
raised as SQLAlchemy's own (``IntegrityError``, ``OperationalError``), so retries work unchanged.

Statements that need Python-side defaults filled in at execution are refused when prepared: give
those columns values.
"""
import functools
import re
from collections import namedtuple

from flask import g, has_app_context
from sqlalchemy.exc import DBAPIError

from .extensions import db


class Statement:
    def __init__(self, stmt):
        self.stmt = stmt
        self._prepared = {}  # dialect name → [sql, defaults, bind processors, result processors,
        #                                   row type, result types]

    def _prepare(self, dialect):
        found = self._prepared.get(dialect.name)
        if found is None:
            compiled = self.stmt.compile(dialect=type(dialect)(paramstyle="named"))
            if compiled.insert_prefetch or compiled.update_prefetch:
                names = [c.name for c in (*compiled.insert_prefetch, *compiled.update_prefetch)]
                raise ValueError(f"give these columns values, no defaults run here: {names}")
            binds = {bind.key: bind.type._cached_bind_processor(dialect)
                     for bind in compiled.binds.values()}
            columns = compiled._result_columns
            found = self._prepared[dialect.name] = [
                driver_sql(dialect.name, compiled.string),
                dict(compiled.params),  # values written into the statement (``Vote.id == 5``)
                {name: process for name, process in binds.items() if process is not None},
                None,  # result processors: from the first answer's description (see rows)
                namedtuple("Row", [entry.keyname for entry in columns], rename=True),
                [entry.type for entry in columns]]
        return found

    def rows(self, params):
        """Every row (a named tuple of typed values); ``[]`` for a statement that returns none."""
        connection = db.session.connection()
        dialect = connection.dialect
        prepared = self._prepare(dialect)
        sql, defaults, binds, results, row_type, types = prepared
        values = {name: binds[name](value) if name in binds else value
                  for name, value in {**defaults, **params}.items()}
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.execute(sql, values)
            fetched = cursor.fetchall() if cursor.description else []
            if results is None and cursor.description:
                # a processor may depend on the driver's type code (psycopg's for a float)
                results = prepared[3] = [type_._cached_result_processor(dialect, described[1])
                                         for type_, described in zip(types, cursor.description)]
        except dialect.loaded_dbapi.Error as error:
            raise DBAPIError.instance(sql, values, error, dialect.loaded_dbapi.Error,
                                      dialect=dialect) from error
        finally:
            cursor.close()
        if has_app_context() and "sql_count" in g:  # the engine's counter does not see cursors
            g.sql_count += 1
        return [row_type._make(process(value) if process else value
                               for process, value in zip(results, row)) for row in fetched]

    def first(self, params):
        found = self.rows(params)
        return found[0] if found else None

    def run(self, params):
        """Run a statement that returns nothing."""
        self.rows(params)


NAMED_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@functools.lru_cache(maxsize=256)
def driver_sql(dialect_name, sql):
    """``sql``'s ``:name`` parameters in the driver's style: sqlite3 takes them as they are,
    psycopg wants ``%(name)s`` (and a literal ``%`` doubled)."""
    if dialect_name == "sqlite":
        return sql
    return NAMED_PARAM.sub(lambda m: f"%({m.group(1)})s", sql.replace("%", "%%"))
