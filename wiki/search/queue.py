"""The durable queue of pages to re-index, and the drain that empties it after each commit.

Every event about a page adds (or refreshes) a ``search_pending`` row in the transaction that
records the event, so the queue is exactly as durable as the change. After a commit the queue is
drained in its own session: in a web request by a per-process background thread (off the request
path), elsewhere (CLI, tests) straight away. A failing index write is logged and its rows stay
queued, with ``attempts`` counted, for the next drain or ``flask search check``; it never fails or
undoes the save.
"""
import logging
import os
import threading

from flask import current_app, has_app_context, has_request_context
from sqlalchemy import bindparam, event as sa_event, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..database import begin_read, begin_write
from ..extensions import db
from ..models import SearchPending, utcnow
from .backends import get_backend
from .documents import build_documents

log = logging.getLogger(__name__)
BATCH = 200
_DIRTY = "search_queue_dirty"
_process_lock = threading.Lock()
SP = SearchPending.__table__


# Events that change nothing a search shows except the vote score. Re-indexing a page on every
# vote would put an index commit (hundreds of ms on Whoosh) behind each vote; the score in the
# index catches up at the page's next change or with `flask search check`.
SCORE_ONLY_KINDS = frozenset({"vote.cast", "vote.withdrawn", "vote.changed"})


def enqueue_event(event):
    """Event subscriber: queue the event's page in the event's transaction."""
    if event.page_id is not None and event.kind not in SCORE_ONLY_KINDS:
        enqueue([event.page_id])


def enqueue(page_ids, session=None):
    page_ids = sorted(set(page_ids))
    if not page_ids:
        return
    session = session or db.session
    now = utcnow()
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(SearchPending).values([{"page_id": pid, "queued_at": now, "attempts": 0}
                                         for pid in page_ids])
    session.execute(stmt.on_conflict_do_update(index_elements=["page_id"],
                                               set_={"queued_at": now}))
    session.info[_DIRTY] = True


def pending_count(session=None):
    from sqlalchemy import func

    return (session or db.session).scalar(select(func.count()).select_from(SP))


# -- draining ----------------------------------------------------------------------------------

def drain(app=None, limit=None):
    """Index every queued page (up to ``limit`` rows). Returns ``(done, failed)``; never raises."""
    app = app or current_app._get_current_object()
    done = failed = 0
    with _process_lock:
        try:
            backend = get_backend(app)
            while limit is None or done < limit:
                ok, bad = _drain_batch(backend)
                done += ok
                failed += bad
                if bad or ok == 0:
                    break
        except Exception:  # a drain must never break the caller
            log.exception("Search queue drain failed; the pages stay queued.")
    return done, failed


def _drain_batch(backend):
    """Index the oldest queued pages at once or, when that fails, one by one, so a single bad
    page does not hold back the others. Returns ``(done, failed)``.

    A local index (Whoosh, tantivy) is written outside any database transaction: holding one open
    through the index commit (170–400 ms on Whoosh) kept SQLite's write lock from every vote and
    save meanwhile. Its drains in all processes take turns (the index's drain lock), so an older
    read of a page never overwrites a newer one. An index in the database is written in the
    transaction that takes the pages off the queue. Either way a page queued again meanwhile
    stays queued (``_forget``)."""
    index = _index_local if backend.local_index else _index_in_database
    with backend.drain_lock():
        rows = _queued()
        if not rows:
            return 0, 0
        try:
            index(backend, rows)
            return len(rows), 0
        except Exception:
            log.exception("Indexing %d queued pages failed; retrying them one by one.", len(rows))
        done = failed = 0
        for row in rows:
            try:
                index(backend, [row])
                done += 1
            except Exception:
                log.exception("Indexing page %s failed; it stays queued.", row.page_id)
                _count_attempt(row.page_id)
                failed += 1
        return done, failed


def _queued():
    """The oldest queued rows (page id, when queued), read in a read-only transaction."""
    begin_read()
    with Session(db.engine) as session:
        rows = session.execute(select(SP.c.page_id, SP.c.queued_at)
                               .order_by(SP.c.queued_at).limit(BATCH)).all()
        session.commit()
    return rows


def _index_local(backend, rows):
    """Read the pages, write the index with no transaction open, then forget the rows in a short
    write transaction."""
    begin_read()
    with Session(db.engine) as session:
        documents, gone = build_documents(session, [row.page_id for row in rows])
        session.commit()
    backend.index(None, documents, delete_ids=gone)
    begin_write()
    with Session(db.engine) as session:
        backend.after_index(session, documents)
        _forget(session, rows)
        session.commit()


def _index_in_database(backend, rows):
    begin_write()
    with Session(db.engine) as session:  # closing it on an error rolls everything back
        documents, gone = build_documents(session, [row.page_id for row in rows])
        backend.index(session, documents, delete_ids=gone)
        _forget(session, rows)
        session.commit()


def _count_attempt(page_id):
    begin_write()
    with Session(db.engine) as session:
        session.execute(update(SP).where(SP.c.page_id == page_id).values(attempts=SP.c.attempts + 1))
        session.commit()


def _forget(session, rows):
    """Remove rows that were not queued again while we indexed."""
    session.execute(SP.delete().where(SP.c.page_id == bindparam("pid"),
                                      SP.c.queued_at <= bindparam("seen")),
                    [{"pid": row.page_id, "seen": row.queued_at} for row in rows])


class _Drainer:
    """One background thread per process that drains whenever it is woken."""

    def __init__(self, app):
        self.app = app
        self.wake = threading.Event()
        self.idle = threading.Event()
        self.idle.set()
        self.thread = None
        self.pid = None

    def kick(self):
        self.idle.clear()
        if self.thread is None or not self.thread.is_alive() or self.pid != os.getpid():
            self.pid = os.getpid()  # after a fork (gunicorn workers) start a thread of our own
            self.thread = threading.Thread(target=self._run, name="search-drain", daemon=True)
            self.thread.start()
        self.wake.set()

    def wait_idle(self, timeout=30):
        return self.idle.wait(timeout)

    def _run(self):
        while True:
            self.wake.wait()
            self.wake.clear()
            with self.app.app_context():
                drain(self.app)
                db.session.remove()
            if not self.wake.is_set():
                self.idle.set()


def drainer(app):
    state = app.extensions.setdefault("search", {})
    if state.get("drainer") is None:
        state["drainer"] = _Drainer(app)
    return state["drainer"]


def after_commit(session):
    if not session.info.pop(_DIRTY, False) or not has_app_context():
        return
    app = current_app._get_current_object()
    mode = app.config.get("SEARCH_DRAIN", "thread")
    try:
        if mode == "thread" and has_request_context():
            drainer(app).kick()
        elif mode in ("thread", "inline"):
            drain(app)
    except Exception:  # the save has happened; never undo or fail it
        log.exception("Could not start the search queue drain.")


def after_rollback(session):
    session.info.pop(_DIRTY, None)


def install_session_hooks():
    """Listen on Flask-SQLAlchemy's session (once per process)."""
    if not sa_event.contains(db.session, "after_commit", after_commit):
        sa_event.listen(db.session, "after_commit", after_commit)
        sa_event.listen(db.session, "after_rollback", after_rollback)
