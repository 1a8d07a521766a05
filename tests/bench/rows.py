"""Generic bulk inserts for the benchmark seeder.

Rows are plain dicts holding the columns the seeder knows about; every other column of the table
gets its Python-side default (``default=`` of mapped_column, which Core inserts do not apply by
themselves), or a zero value when it is NOT NULL and has neither default nor server default. So a
column added to the models later does not break seeding.
"""
import json
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    String,
    Text,
    text,
)

CHUNK = 5000


def _zero(column):
    kind = column.type
    impl = getattr(kind, "impl", kind)
    impl = impl if not isinstance(impl, type) else impl()
    if isinstance(impl, Boolean):
        return False
    if isinstance(impl, (Integer, Float, Numeric)):
        return 0
    if isinstance(impl, (String, Text)):
        return ""
    if isinstance(impl, DateTime):
        return datetime.now()
    if isinstance(impl, Date):
        return date.today()
    return None


class Filler:
    """Completes rows of one table with the columns the caller did not give."""

    def __init__(self, table, known):
        self.table = table
        self.columns = [c.name for c in table.columns]
        self.fixed = {}
        self.computed = {}
        for column in table.columns:
            if column.name in known:
                continue
            default = column.default
            if default is not None and getattr(default, "is_scalar", False):
                self.fixed[column.name] = default.arg
            elif default is not None and getattr(default, "is_callable", False):
                self.computed[column.name] = default.arg
            elif default is None and column.server_default is None and not column.nullable \
                    and not (column.primary_key and column.autoincrement in (True, "auto")):
                self.fixed[column.name] = _zero(column)
        # columns left out of the INSERT: the database fills them (server defaults, NULL)
        self.insert_columns = [c for c in self.columns
                               if c in known or c in self.fixed or c in self.computed]

    def complete(self, row):
        for name, value in self.fixed.items():
            row.setdefault(name, value)
        for name, fn in self.computed.items():
            if name not in row:
                row[name] = fn(None)
        return row


def bulk_insert(conn, table, rows, known=None):
    """Insert an iterable of dicts in chunks: COPY on PostgreSQL, executemany elsewhere."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    filler = Filler(table, set(known or first))
    count = 0
    chunk = [filler.complete(first)]
    postgres = conn.dialect.name == "postgresql"
    for row in rows:
        chunk.append(filler.complete(row))
        if len(chunk) >= CHUNK:
            count += _flush(conn, table, filler, chunk, postgres)
            chunk = []
    if chunk:
        count += _flush(conn, table, filler, chunk, postgres)
    return count


def _flush(conn, table, filler, chunk, postgres):
    if not postgres:
        conn.execute(table.insert(), chunk)
        return len(chunk)
    columns = filler.insert_columns
    names = ", ".join(f'"{c}"' for c in columns)
    json_columns = {c.name for c in table.columns if c.type.__class__.__name__ in ("JSON", "JSONB")}
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in chunk:
            copy.write_row([json.dumps(row[c]) if c in json_columns and row.get(c) is not None
                            else row.get(c)
                            for c in columns])
    cursor.close()
    return len(chunk)


def reset_sequences(conn, metadata):
    """After inserting explicit ids on PostgreSQL, move each id sequence past the largest id."""
    if conn.dialect.name != "postgresql":
        return
    for table in metadata.sorted_tables:
        for column in table.primary_key.columns:
            if isinstance(column.type, Integer) and column.autoincrement in (True, "auto") \
                    and len(table.primary_key.columns) == 1:
                sequence = conn.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                       {"t": table.name, "c": column.name})
                if sequence:
                    conn.execute(text(
                        f'SELECT setval(:s, COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 0) + 1, false)'),
                        {"s": sequence})
