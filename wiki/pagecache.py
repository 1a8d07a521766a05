"""Fast anonymous reads: a cache of rendered pages, and ETag/Last-Modified with 304 answers.

Only anonymous GET/HEAD requests of the read views in ``PAGE_CACHE_ENDPOINTS`` take part: no
session user, no flashed messages, no remember cookie, no Authorization header. Their HTML is kept
in Flask-Caching's ``cache`` (SimpleCache per process, or Redis when ``CACHE_REDIS_URL`` is set)
under the URL plus a *generation* that the database gives for one cheap statement:

* SQLite: the id of the newest event. Every change of content writes an event in its
  transaction (votes, edits, status changes, hiding, …), and SQLite runs one write transaction at a
  time, so event ids grow in commit order: a new commit always means a new generation.
* PostgreSQL: the same newest event id, plus a sequence (``cowiki_page_generation``) that
  every transaction which recorded an event advances *after* its commit. Transactions commit
  in any order there, so an event id can become visible after a higher one; the bump after
  commit covers that case (an entry made before the bump holds older data under a key no one
  asks for again).

Search results also depend on the search index, which a queue updates just *after* the commit;
for them the generation adds the number of pages still queued (the queue removes its rows only
once the index has them), so results read while the index catches up are never asked for again.

The generation is read *before* anything the view reads, so an entry can only hold data at least as
new as its key says. Every worker process, on every machine, derives the same generation from the
shared database, so no process can serve HTML older than the last commit: invalidation needs no
message between processes. Entries also expire after ``PAGE_CACHE_TIMEOUT`` seconds (relative
times such as "5 minutes ago" move on).

Every such response carries a strong ETag (a hash of the body) and ``Cache-Control: no-cache`` so
browsers and proxies revalidate; a matching ``If-None-Match`` gets a 304. ``Last-Modified`` (the
time of the newest event, rounded up to the second) is sent only once that change is
``LAST_MODIFIED_SETTLE`` seconds old, so a transaction still committing cannot hide behind a
second-resolution date.
"""
import contextlib
import hashlib
import logging
import math
import os
import threading
import time
from collections import OrderedDict
from datetime import datetime, timedelta, timezone

from flask import current_app, g, has_app_context, request, session
from flask_caching.backends import NullCache, SimpleCache
from sqlalchemy import event as sa_event
from werkzeug.http import http_date

from . import events, personal
from .extensions import cache, db
from .rawsql import driver_sql

DEFAULT_ENDPOINTS = ("main.index", "pages.view", "pages.history", "pages.revision", "pages.diff",
                     "pages.recent", "pages.tags", "pages.tag", "products.index", "products.hub",
                     "proposals.index", "roadmap.index", "search.index", "feeds.recent",
                     "feeds.product", "feeds.tag", "feeds.proposals", "feeds.page_history")
INDEX_ENDPOINTS = ("search.index",)  # answers that come from the search index
LAST_MODIFIED_SETTLE = timedelta(seconds=30)
KEY_PREFIX = "page:v2:"  # entries are (body, headers); v2 so older entries are never read
# answered afresh for each request, never stored with an entry
PER_REQUEST_HEADERS = {"Content-Length", "Last-Modified", "X-Page-Cache", "Set-Cookie",
                       "X-SQL-Count", "Date"}
SEQUENCE = "cowiki_page_generation"
log = logging.getLogger(__name__)
_DIRTY = "pagecache_events"
_QUEUED_FOR_INDEX = "SELECT count(*) FROM search_pending"
_NEWEST_EVENT = "SELECT id, created_at FROM events ORDER BY id DESC LIMIT 1"
_PG_GENERATION = (f"SELECT (SELECT last_value FROM {SEQUENCE}), newest.id, newest.created_at "
                  "FROM (SELECT 1) AS one LEFT JOIN (SELECT id, created_at FROM events "
                  "ORDER BY id DESC LIMIT 1) AS newest ON true")
_BUMP = f"SELECT nextval('{SEQUENCE}')"
_sequences_ready = set()  # database URLs where this process made sure the sequence exists


def init_app(app):
    app.config.setdefault("PAGE_CACHE_ENDPOINTS", DEFAULT_ENDPOINTS)
    app.config.setdefault("PAGE_CACHE_TIMEOUT", 300)
    app.config.setdefault("PAGE_CACHE_NEAR_ENTRIES", 1000)
    if app.config["PAGE_CACHE_NEAR_ENTRIES"] > 0 and _shared(app):
        app.extensions["pagecache_near"] = NearCache(app.config["PAGE_CACHE_NEAR_ENTRIES"])
    personal.init_app(app)
    app.before_request(serve_from_cache)
    app.after_request(store_and_validate)
    from .pagecache_wsgi import FastPath

    app.wsgi_app = FastPath(app, app.wsgi_app)
    events.subscribe(_note_event)
    if not sa_event.contains(db.session, "after_commit", _bump_after_commit):
        sa_event.listen(db.session, "after_commit", _bump_after_commit)
        sa_event.listen(db.session, "after_soft_rollback", _forget_events)


def _note_event(event):
    """Event subscriber: remember that this transaction changed content."""
    db.session.info[_DIRTY] = True


def _forget_events(session, previous_transaction=None):
    session.info.pop(_DIRTY, None)


def _bump_after_commit(session):
    if not session.info.pop(_DIRTY, False):
        return
    engine = session.get_bind()
    if engine.dialect.name != "postgresql":
        return  # SQLite commits one writer at a time: the newest event id is enough
    # On this thread's own autocommit connection (``one_row``), not one of the pool's: the
    # session still holds its pooled connection while after_commit runs, and taking a second
    # one deadlocks once every pooled connection is held by a committing writer (50 concurrent
    # voters did). One round trip; a pooled checkout added a ping, a BEGIN and a COMMIT.
    _ensure_sequence(engine)
    one_row(engine, _BUMP)


def _ensure_sequence(engine):
    url = str(engine.url)
    if url in _sequences_ready:
        return
    with contextlib.suppress(engine.dialect.loaded_dbapi.IntegrityError):
        # another process created it at the same moment (autocommit: nothing to roll back)
        one_row(engine, f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}")
    _sequences_ready.add(url)


def is_anonymous_read():
    """True for an anonymous GET/HEAD of a cacheable read view (decided without loading a user)."""
    if request.method not in ("GET", "HEAD") or request.endpoint not in \
            current_app.config["PAGE_CACHE_ENDPOINTS"]:
        return False
    if "Authorization" in request.headers:
        return False
    if current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        return False
    if current_app.config["SESSION_COOKIE_NAME"] in request.cookies and (
            session.get("_user_id") or session.get("_flashes")):
        return False
    return True


def generation(engine=None):
    """``(key, newest_event_time)`` of the database's current state; one statement.

    It runs on every anonymous read, hits included, so it goes straight to a pooled DBAPI
    connection: no ORM session, no transaction left open (SQLite's connections are in autocommit
    until a BEGIN; PostgreSQL's are rolled back when they return to the pool)."""
    engine = engine or db.engine
    if engine.dialect.name == "postgresql":
        _ensure_sequence(engine)
        row = one_row(engine, _PG_GENERATION)
        return f"{row[1] or 0}.{row[0]}", _aware(row[2])
    row = one_row(engine, _NEWEST_EVENT)
    if row is None:
        return "0", None
    return str(row[0]), _aware(row[1])


def index_generation(engine, gen):
    """The generation of an answer that comes from the search index: pages still queued for
    the index count too (the queue removes its rows only once the index has them)."""
    return f"{gen}.q{one_row(engine, _QUEUED_FOR_INDEX)[0]}"


def one_row(engine, sql, params=None, described=False):
    """One row of ``sql`` (``params``: ``:name`` parameters; None for a statement that answers
    none) outside any ORM session: a third of the cost of a statement through the session,
    which begins and rolls back a transaction around it. For short reads that need no snapshot
    shared with the request's other statements, and the page-cache generation's bump.

    Each thread keeps one connection of its own for these reads (a signed-in hit makes three):
    on PostgreSQL one in autocommit, since a pooled checkout pings the server first and so every
    read was two round trips; on SQLite one taken out of the pool with its pragmas, since a
    checkout and checkin cost more than the read (an in-memory database, which lives in its one
    pooled connection, reads from the pool). A connection the server dropped is replaced and the
    read tried once more. ``described=True`` answers ``(row, description)``, the cursor's column
    descriptions with them (their type codes pick result processors)."""
    if _in_memory(engine):
        conn = engine.raw_connection()
        try:
            row, description = _fetch_one(conn, engine, sql, params)
        finally:
            conn.close()
    else:
        try:
            row, description = _fetch_one(_thread_connection(engine), engine, sql, params)
        except engine.dialect.loaded_dbapi.OperationalError:
            _drop_thread_connection(engine)
            row, description = _fetch_one(_thread_connection(engine), engine, sql, params)
    if has_app_context() and "sql_count" in g:  # the engine's counter does not see DBAPI cursors
        g.sql_count += 1
    return (row, description) if described else row


def _in_memory(engine):
    return engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:")


def _fetch_one(conn, engine, sql, params):
    cursor = conn.cursor()
    try:
        if params is None:
            cursor.execute(sql)
        else:
            cursor.execute(driver_sql(engine.dialect.name, sql), params)
        description = cursor.description  # None: a statement that answers no rows
        return (cursor.fetchone() if description else None), description
    finally:
        cursor.close()  # on SQLite this also ends the statement's read snapshot


_readers = threading.local()  # {(pid, database URL): DBAPI connection} per thread
READERS_PER_THREAD = 4  # databases a thread keeps a reading connection to (tests make many)


def _thread_connection(engine):
    """This thread's connection for reads of ``engine``'s database (per process: a forked
    worker must not share its parent's socket or file handle)."""
    key = (os.getpid(), engine.url.render_as_string(hide_password=False))
    found = getattr(_readers, "connections", None)
    if found is None:
        found = _readers.connections = OrderedDict()
    conn = found.get(key)
    if conn is None:
        if engine.dialect.name == "sqlite":
            # the pool's connect hooks set its pragmas (autocommit, busy timeout); detached, it
            # is this thread's alone and is closed, not returned, when it goes
            pooled = engine.raw_connection()
            pooled.detach()
            conn = pooled.dbapi_connection
        else:
            cargs, cparams = engine.dialect.create_connect_args(engine.url)
            conn = engine.dialect.connect(*cargs, **cparams)
            conn.autocommit = True
        found[key] = conn
        while len(found) > READERS_PER_THREAD:
            _close_quietly(found.popitem(last=False)[1])
    return conn


def _drop_thread_connection(engine):
    key = (os.getpid(), engine.url.render_as_string(hide_password=False))
    conn = getattr(_readers, "connections", {}).pop(key, None)
    if conn is not None:
        _close_quietly(conn)


def _close_quietly(conn):
    with contextlib.suppress(Exception):  # the server may have closed it already
        conn.close()


def _backend(app):
    """Flask-Caching's store for ``app`` (outside an app context too: the WSGI fast path)."""
    return app.extensions["cache"][cache]


def _shared(app):
    """Whether the page cache lives outside this process (Redis, Memcached): only then does a
    near copy save anything."""
    return not isinstance(_backend(app), (SimpleCache, NullCache))


def _aware(created):
    if isinstance(created, str):  # SQLite hands back the stored text
        created = datetime.fromisoformat(created)
    if created is not None and created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    return created


def cache_key(gen, environ=None):
    environ = environ or request.environ  # not request.url: rebuilding it costs more than a hit
    where = (f"{environ.get('wsgi.url_scheme')}://{environ.get('HTTP_HOST')}"
             f"{environ.get('SCRIPT_NAME', '')}{environ.get('PATH_INFO', '')}"
             f"?{environ.get('QUERY_STRING', '')}")
    digest = hashlib.sha256(f"{gen}\n{where}".encode("utf-8", "surrogateescape")).hexdigest()[:40]
    return KEY_PREFIX + digest


def serve_from_cache():
    anonymous = is_anonymous_read()
    if not anonymous and not personal.is_member_read():
        return None
    gen, newest = generation()
    if request.endpoint in INDEX_ENDPOINTS:
        gen = index_generation(db.engine, gen)
    if not anonymous:  # a signed-in reader: the shell of their role
        return personal.serve(gen)
    g.page_cache = {"key": cache_key(gen), "newest": newest}
    entry = cache_get(g.page_cache["key"])
    if entry is None:
        return None
    g.page_cache["hit"] = True
    body, stored = entry
    response = current_app.response_class(body, headers=hit_headers(stored, newest))
    return response.make_conditional(request)


def cache_get(key, app=None):
    """The entry under ``key``, or None, also when the cache server does not answer: the page
    cache is a short cut, and without it every page is rendered as usual."""
    app = app or current_app
    near = app.extensions.get("pagecache_near")
    if near is not None:
        entry = near.get(key)
        if entry is not None:
            return entry
    try:
        entry = _backend(app).get(key)
    except Exception as error:  # noqa: BLE001 — Redis down, a timeout, a broken entry
        log.warning("Page cache unavailable; rendering without it: %r", error)
        return None
    if entry is not None and near is not None:
        near.put(key, entry, app.config["PAGE_CACHE_TIMEOUT"])
    return entry


def cache_set(key, value, timeout):
    """Keep ``value`` under ``key``; False when the cache server does not answer."""
    near = current_app.extensions.get("pagecache_near")
    if near is not None:
        near.put(key, value, timeout)
    try:
        _backend(current_app).set(key, value, timeout=timeout)
        return True
    except Exception as error:  # noqa: BLE001
        log.warning("Page cache unavailable; page not kept: %r", error)
        return False


class NearCache:
    """The entries this process used last, in front of a shared cache server (Redis): a hit
    then costs no round trip and no unpickling. A key holds the generation, so what is stored
    under it never changes: a near copy is never stale, only dropped when it is the oldest or
    its timeout has passed."""

    def __init__(self, size):
        self.size = size
        self.entries = OrderedDict()  # key -> (expires, entry), least recently used first
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            found = self.entries.get(key)
            if found is None:
                return None
            if found[0] < time.monotonic():
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return found[1]

    def put(self, key, entry, timeout):
        with self.lock:
            self.entries[key] = (time.monotonic() + (timeout or 0), entry)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self):
        with self.lock:
            self.entries.clear()


def hit_headers(stored, newest):
    """The headers of a cache hit: those stored with the entry, plus Last-Modified as of now
    (a view with its own validators, the Atom feeds, stored its own)."""
    headers = list(stored)
    if not any(name == "Last-Modified" for name, _value in headers):
        last_modified = _last_modified(newest)
        if last_modified is not None:
            headers.append(("Last-Modified", http_date(last_modified)))
    headers.append(("X-Page-Cache", "hit"))
    return headers


def store_and_validate(response):
    if "member_shell" in g:
        return personal.store(response)
    state = g.get("page_cache")
    if state is None or state.get("hit") or response.status_code != 200 \
            or response.direct_passthrough:
        return response
    if "Set-Cookie" in response.headers or session.modified:
        return response  # a view that changes the session is not the same for everyone
    own = "ETag" in response.headers  # a view with its own validators (Atom feeds) keeps them
    if not own:
        response.add_etag()
        _set_validators(response, state["newest"])
    # the headers as every anonymous reader gets them (security headers included); both hit
    # paths (here, and the WSGI fast path in pagecache_wsgi.py) answer with them
    headers = [(name, value) for name, value in response.headers.items()
               if name not in PER_REQUEST_HEADERS or (own and name == "Last-Modified")]
    if not cache_set(state["key"], (response.get_data(), headers),
                     current_app.config["PAGE_CACHE_TIMEOUT"]):
        return response.make_conditional(request)
    response.headers["X-Page-Cache"] = "miss"
    return response.make_conditional(request)


def _set_validators(response, newest):
    last_modified = _last_modified(newest)
    if last_modified is not None:
        response.last_modified = last_modified
    response.cache_control.no_cache = True
    response.vary.add("Cookie")


def _last_modified(newest):
    if newest is None:
        return None
    rounded = datetime.fromtimestamp(math.ceil(newest.timestamp()), tz=timezone.utc)
    if rounded + LAST_MODIFIED_SETTLE > datetime.now(timezone.utc):
        return None
    return rounded
