"""One model row read outside the ORM session: its typed values, or an object joined to the
session as if the session had read it.

For the look-ups every request makes before its view runs (the signed-in user, an API token): a
statement through the session costs about ten times more on SQLite, mostly the BEGIN and ROLLBACK
around it (``pagecache.one_row``). The row is typed by the columns' own result processors, and the
object made from it is an ordinary persistent one: relationships load when asked for, changes
flush as usual.
"""
from collections import namedtuple

from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from . import pagecache
from .extensions import db

_statements = {}  # (model, column name) → SQL text
_processors = {}  # (model, dialect name) → (row type, result processors in column order)


def row(model, column, value):
    """The typed values of the ``model`` row whose ``column`` equals ``value`` (a unique column),
    as a named tuple of its columns' attributes, or None. No object: for look-ups that only read
    a few values (an API token)."""
    engine = db.engine
    found, description = pagecache.one_row(engine, _sql(model, column), {"value": value},
                                           described=True)
    if found is None:
        return None
    row_type, processors = _columns(model, engine.dialect, description)
    return row_type._make(process(value) if process else value
                          for process, value in zip(processors, found))


def load(model, column, value):
    """The ``model`` whose ``column`` equals ``value`` (a unique column), or None, persistent in
    the session as if the session had loaded it."""
    if column == "id":
        found = db.session.identity_map.get(identity_key(model, value))
        if found is not None:
            return found
    values = row(model, column, value)
    if values is None:
        return None
    found = db.session.identity_map.get(identity_key(model, getattr(values, _primary_key(model))))
    if found is not None:  # the session read it meanwhile: keep one object per row
        return found
    return attach(model, values._asdict())


def attach(model, values):
    """A ``model`` object holding ``values`` (its row as the database has it, primary key
    included), persistent in the session as if the session had loaded it. Filled as the ORM's
    own loader fills a loaded object, through its __dict__: through the constructor each value
    would go through the attribute events, a third of the cost."""
    obj = model.__mapper__.class_manager.new_instance()
    obj.__dict__.update(values)
    make_transient_to_detached(obj)
    db.session.add(obj)
    return obj


def _sql(model, column):
    key = (model, column)
    if key not in _statements:
        table = model.__table__
        _statements[key] = (f"SELECT {', '.join(c.name for c in table.columns)} "
                            f"FROM {table.name} WHERE {table.c[column].name} = :value")
    return _statements[key]


def _primary_key(model):
    (primary,) = model.__table__.primary_key.columns
    return primary.key


def _columns(model, dialect, description):
    """``(row type, result processors)`` for ``model``'s columns, in the table's order. A
    processor may depend on the driver's type code of the column (psycopg's for a float), so
    they are picked from the first answer's description."""
    key = (model, dialect.name)
    if key not in _processors:
        columns = list(model.__table__.columns)
        _processors[key] = (
            namedtuple(f"{model.__name__}Row", [c.key for c in columns]),
            [c.type._cached_result_processor(dialect, described[1])
             for c, described in zip(columns, description)])
    return _processors[key]
