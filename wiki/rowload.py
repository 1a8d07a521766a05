"""One model row read outside the ORM session, joined to the session as if the session had read it.

For the look-ups every request makes before its view runs (the signed-in user, an API token): a
statement through the session costs about ten times more on SQLite, mostly the BEGIN and ROLLBACK
around it (``pagecache.one_row``). The row is typed by the columns' own result processors, and the
object made from it is an ordinary persistent one: relationships load when asked for, changes
flush as usual.
"""
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from . import pagecache
from .extensions import db

_statements = {}  # (model, column name) → SQL text
_processors = {}  # (model, dialect name) → [(attribute, result processor or None)] in column order


def load(model, column, value):
    """The ``model`` whose ``column`` equals ``value`` (a unique column), or None."""
    if column == "id":
        found = db.session.identity_map.get(identity_key(model, value))
        if found is not None:
            return found
    engine = db.engine
    row = pagecache.one_row(engine, _sql(model, column), {"value": value})
    if row is None:
        return None
    key = identity_key(model, row[_primary_key_position(model)])
    found = db.session.identity_map.get(key)
    if found is not None:  # the session read it meanwhile: keep one object per row
        return found
    obj = model(**{name: process(value) if process else value
                   for (name, process), value in zip(_columns(model, engine.dialect), row)})
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


def _primary_key_position(model):
    (primary,) = model.__table__.primary_key.columns
    return list(model.__table__.columns).index(primary)


def _columns(model, dialect):
    key = (model, dialect.name)
    if key not in _processors:
        _processors[key] = [(column.key, column.type._cached_result_processor(dialect, None))
                            for column in model.__table__.columns]
    return _processors[key]
