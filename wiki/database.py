"""Engine set-up: SQLite pragmas (WAL, foreign keys, busy timeout) and small query helpers."""
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from flask import abort, current_app, has_request_context, request
from sqlalchemy import event, func, select

from .extensions import db
from .writegate import Checkpointer, WriteGate


def engine_options(config):
    """Engine options for the configured database (called before the engine is made)."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("timeout", config["SQLITE_BUSY_TIMEOUT_MS"] / 1000)
        connect_args.setdefault("check_same_thread", False)
        options["connect_args"] = connect_args
    else:
        options.setdefault("pool_pre_ping", True)
    return options


def configure_engine(app):
    app.teardown_request(forget_intents)
    if app.config.get("COUNT_SQL"):
        configure_sql_counting(app)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine
        busy = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])
        memory = ":memory:" in uri or uri in ("sqlite://", "sqlite:///")

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # take over transaction control so BEGIN IMMEDIATE works and pysqlite does not
            # silently open transactions on its own
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            if not memory:
                cursor.execute("PRAGMA wal_autocheckpoint=0")  # Checkpointer's work instead
            cursor.close()

        gate = None if memory else WriteGate(engine.url.database + ".write-lock",
                                             Checkpointer(engine.url.database))

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # A write transaction takes the write lock up front (BEGIN IMMEDIATE), so it waits
            # for the busy timeout instead of failing when it later upgrades a read lock.
            immediate = conn.info[_WRITES] = _wants_write()
            _write_intent.set(False)
            _read_intent.set(False)
            if not immediate:
                conn.exec_driver_sql("BEGIN")
                return
            dbapi_connection = conn.connection.dbapi_connection
            if gate is not None:
                gate.enter(dbapi_connection)
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                if gate is not None:
                    gate.leave(dbapi_connection)
                raise

        if gate is not None:
            gate.install(engine)
            app.extensions["sqlite_write_gate"] = gate


_write_intent = ContextVar("cowiki_write_intent", default=False)


def begin_write():
    """Say that the next transaction will write (on SQLite: BEGIN IMMEDIATE).

    Requests other than GET/HEAD/OPTIONS do this by themselves; call it in services that may
    run elsewhere (CLI commands, worker threads) before their first query. Inside an open
    transaction it changes nothing (and must not linger for a later, unrelated one).
    """
    if not db.session().in_transaction():
        _write_intent.set(True)


_read_intent = ContextVar("cowiki_read_intent", default=False)


def begin_read():
    """Say that the next transaction only reads: on SQLite a plain BEGIN, even inside a write
    request, so it does not take the write lock. Follow it with ``end_read()`` before anything
    writes."""
    if not db.session().in_transaction():
        _read_intent.set(True)


def _wants_write():
    return _write_intent.get() or (not _read_intent.get() and has_request_context()
                                   and request.method not in ("GET", "HEAD", "OPTIONS"))


_WRITES = "cowiki_writes"


def transaction_writes(connection):
    """Whether the transaction just begun on ``connection`` is meant to write: on SQLite one
    begun with ``BEGIN IMMEDIATE``; elsewhere by the same rule (``begin_write``, or a request
    other than GET/HEAD/OPTIONS outside ``begin_read``), asked as it begins."""
    if connection.dialect.name == "sqlite":
        return connection.info.get(_WRITES, False)
    return _wants_write()


def forget_intents(*_args):
    """Request teardown: an intent no transaction took up ends with its request (worker threads
    serve many requests in one context)."""
    _write_intent.set(False)
    _read_intent.set(False)


def end_read():
    """Commit the current transaction, which must only have read, keeping the objects it loaded
    as they are (no expiry, so using them does not start another transaction)."""
    _read_intent.set(False)  # not taken up when a transaction was already open
    session = db.session()
    if _in_batch.get() or not session.in_transaction() \
            or session.new or session.dirty or session.deleted:
        return  # a batch's transaction, or one holding changes, ends where it began
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


@contextmanager
def reading():
    """A read-only stretch at the start of a write request (loading what the write is about):
    on SQLite a plain BEGIN, committed at the end, so the write lock is taken by the write's
    own transaction and not held while objects load. What was loaded stays usable."""
    begin_read()
    yield
    end_read()


_in_batch = ContextVar("cowiki_in_batch", default=False)


def atomic(fn):
    """A service either commits everything it did or, when it raises, leaves nothing behind
    (inside ``batch()`` the batch's savepoint and transaction decide instead)."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception:
            if not _in_batch.get():
                db.session.rollback()
            raise

    return wrapper


def commit():
    """End a service's transaction: commit it, or inside ``batch()`` only flush it, so the
    batch commits every step at once."""
    if _in_batch.get():
        db.session.flush()
    else:
        db.session.commit()


@contextmanager
def batch():
    """Run several service calls as one transaction. Use ``step()`` around each call: a step
    that raises is undone alone (a savepoint); the caller commits once at the end, or rolls
    everything back when something unexpected fails."""
    token = _in_batch.set(True)
    try:
        yield
    finally:
        _in_batch.reset(token)


def step():
    """A savepoint for one step of a ``batch()``."""
    return db.session.begin_nested()


def is_sqlite():
    return db.engine.dialect.name == "sqlite"


class Pagination:
    """A page of results with the total, built from a select; shared by HTML lists and the API.

    ``exact=False`` means ``total`` is a lower bound: the list was counted only a few pages past
    this one (``paginate(..., capped=True)``), so there are more than ``total - 1`` rows and the
    last page is unknown.
    """

    AROUND = 2  # page links either side of the current one

    def __init__(self, items, page, per_page, total, exact=True):
        self.items = items
        self.page = page
        self.per_page = per_page
        self.total = total
        self.exact = exact

    @property
    def pages(self):
        """The number of pages, or with an inexact total the pages known to exist."""
        return max(1, -(-self.total // self.per_page)) if self.per_page else 1

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages

    def iter_pages(self, around=AROUND):
        last = self.pages
        shown = {*range(max(1, self.page - around), min(last, self.page + around) + 1), 1}
        if self.exact:
            shown.add(last)
        previous = 0
        for number in sorted(shown):
            if number - previous > 1:
                yield None
            yield number
            previous = number
        if not self.exact and previous < last:
            yield None  # more pages, how many is not counted


def page_args(default_per_page=None):
    """Read ``?page=&per_page=`` safely: bad values fall back, huge values are capped."""
    cfg = current_app.config
    default_per_page = default_per_page or cfg["PER_PAGE"]

    def _int(name, default):
        raw = request.args.get(name, "")
        try:
            value = int(raw)
        except (TypeError, ValueError):
            return default
        return value if value > 0 else default

    page = min(_int("page", 1), 100000)
    per_page = min(_int("per_page", default_per_page), cfg["MAX_PER_PAGE"])
    return page, per_page


def paginate(stmt, page=None, per_page=None, scalars=True, capped=False):
    """One page of ``stmt`` and its total.

    ``capped=True`` counts only as far as the pager links reach (a few pages past this one), so
    a long list (every event, every proposal) costs the same to page through as a short one; its
    Pagination says ``exact=False`` when there are more rows than were counted.
    """
    if page is None or per_page is None:
        page, per_page = page_args()
    counted = stmt.order_by(None)
    cap = None
    if capped:
        cap = (page + Pagination.AROUND) * per_page + 1
        counted = counted.limit(cap)
    total = db.session.scalar(select(func.count()).select_from(counted.subquery())) or 0
    result = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
    items = list(result.scalars().unique() if scalars else result)
    return Pagination(items, page, per_page, total, exact=cap is None or total < cap)


def get_or_404(model, ident):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


# -- statements per request (benchmarks and the query-budget test) -------------------------------

SQL_COUNT_HEADER = "X-SQL-Count"


def configure_sql_counting(app):
    """Count SQL statements per request and answer them in ``X-SQL-Count`` (``COUNT_SQL=True``)."""
    from flask import g, has_app_context

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count_statement(_conn, _cursor, _statement, _parameters, _context, _executemany):
        if has_app_context() and "sql_count" in g:
            g.sql_count += 1

    def _start_counting():
        g.sql_count = 0

    # first, so statements made by other before_request functions (API auth) are counted too
    app.before_request_funcs.setdefault(None, []).insert(0, _start_counting)

    @app.after_request
    def _report_count(response):
        if "sql_count" in g:
            response.headers[SQL_COUNT_HEADER] = str(g.sql_count)
        return response
