"""SQLite's writers, one at a time: a queue in the kernel before ``BEGIN IMMEDIATE``
(``WriteGate``), and the WAL copied back into the database file off the commit path
(``Checkpointer``). ``database.configure_engine`` installs both on a file database."""
import fcntl
import logging
import os
import sqlite3
import threading
import time

from sqlalchemy import event

log = logging.getLogger(__name__)


class WriteGate:
    """Writers to one SQLite file queue here, in the kernel, before ``BEGIN IMMEDIATE``.

    SQLite lets one transaction write at a time; the others wait in its busy handler, which
    sleeps (1, 2, 5 … up to 100 ms between tries) instead of being woken when the lock is free.
    Sixteen concurrent voters made that a one-second p95 for a 5 ms transaction. An exclusive
    ``flock`` on a file next to the database is handed to the next waiter as soon as the holder
    lets go, in every thread and process that opens the database through this app (the busy
    timeout still covers anything else). Each DBAPI connection has its own descriptor of the
    lock file; the lock is let go right after COMMIT or ROLLBACK, and when a connection returns
    to the pool or closes, whatever happened.
    """

    def __init__(self, path, checkpointer=None):
        self.path = path
        self.checkpointer = checkpointer  # told after each commit, once the gate is let go
        if checkpointer is not None:
            checkpointer.gate = self  # it holds writers here to start the WAL again
        self._descriptors = {}  # id(DBAPI connection) → descriptor of the lock file
        self._held = {}  # id(DBAPI connection) → the thread that holds the gate through it
        self._mutex = threading.Lock()
        self._pid = os.getpid()

    @staticmethod
    def _key(connection):
        # SQLAlchemy hands the dialect its pool proxy, the events the DBAPI connection itself
        return id(getattr(connection, "dbapi_connection", None) or connection)

    def enter(self, dbapi_connection):
        key, thread = self._key(dbapi_connection), threading.get_ident()
        with self._mutex:
            if self._pid != os.getpid():
                # a forked worker: descriptors inherited from the parent share its locks
                for inherited in self._descriptors.values():
                    os.close(inherited)
                self._descriptors, self._held, self._pid = {}, {}, os.getpid()
            if thread in self._held.values():
                # This thread already writes through another connection: waiting here would
                # wait for itself. Leave it to SQLite's busy timeout, as without the gate.
                return
            fd = self._descriptors.get(key)
            if fd is None:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                self._descriptors[key] = fd
        fcntl.flock(fd, fcntl.LOCK_EX)
        with self._mutex:
            self._held[key] = thread

    def leave(self, dbapi_connection):
        key = self._key(dbapi_connection)
        with self._mutex:
            if self._held.pop(key, None) is None:
                return
            fd = self._descriptors[key]
        fcntl.flock(fd, fcntl.LOCK_UN)

    def forget(self, dbapi_connection):
        self.leave(dbapi_connection)
        with self._mutex:
            fd = self._descriptors.pop(self._key(dbapi_connection), None)
        if fd is not None:
            os.close(fd)

    def holds(self, dbapi_connection):
        return self._key(dbapi_connection) in self._held

    def install(self, engine):
        """Let go after the DBAPI commit or rollback itself (SQLAlchemy's commit event fires
        before it), and whenever a connection leaves use."""
        dialect = engine.dialect
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(dbapi_connection):
            try:
                commit(dbapi_connection)
            finally:
                self.leave(dbapi_connection)
            if self.checkpointer is not None:
                self.checkpointer.committed()

        def do_rollback(dbapi_connection):
            try:
                rollback(dbapi_connection)
            finally:
                self.leave(dbapi_connection)

        dialect.do_commit, dialect.do_rollback = do_commit, do_rollback
        event.listen(engine, "checkin", lambda dbapi_connection, _record: self.leave(dbapi_connection))
        event.listen(engine, "close", lambda dbapi_connection, _record: self.forget(dbapi_connection))
        event.listen(engine, "detach", lambda dbapi_connection, _record: self.forget(dbapi_connection))


class Checkpointer:
    """Copies the WAL back into the database file from a thread of its own, never inside a commit.

    SQLite's own automatic checkpoint runs inside the commit that fills the WAL past 1,000 pages:
    that writer goes on holding the ``WriteGate`` while the pages are copied and the file is
    synced, and every other writer waits. Measured under 16 concurrent voters, one gate hold in a
    hundred took 20–27 ms against a median of 1–1.4 ms. So the app's connections turn the automatic
    checkpoint off (``wal_autocheckpoint=0``), and after a commit this starts a PASSIVE
    checkpoint (which blocks no reader and no writer) on a connection of its own, at most once
    every ``INTERVAL`` seconds per process and one at a time.

    Under a steady stream of writes a PASSIVE checkpoint never catches up with the last commit,
    and SQLite starts the WAL again from its beginning only when one has: sixteen voters grew it
    by 30 MB a second, without end. So when the WAL file has grown past ``RESTART_BYTES``, the
    PASSIVE pass is followed by a RESTART checkpoint with writers held at the gate: it copies
    the few frames committed since and waits at most ``RESTART_WAIT_MS`` for readers of older
    snapshots to finish, so the next commit writes from the file's beginning again; the file
    keeps its size, and is not grown further. If a reader takes longer, it gives up (writers
    waited that long) and the next interval tries again. Writers wait a few milliseconds for
    each restart, so the bound is set far above what ordinary traffic reaches.
    """

    INTERVAL = 1.0
    RESTART_BYTES = 256 * 1024 * 1024
    RESTART_WAIT_MS = 100
    gate = None  # the WriteGate of the same database, which sets this

    def __init__(self, path):
        self.path = path
        self._mutex = threading.Lock()
        self._running = False
        self._last = float("-inf")
        self._pid = os.getpid()
        self._thread = None

    def committed(self):
        now = time.monotonic()
        if now - self._last < self.INTERVAL:
            return
        with self._mutex:
            if self._pid != os.getpid():  # a forked worker: the parent's thread is not here
                self._running, self._last, self._pid = False, float("-inf"), os.getpid()
                self._thread = None
            if self._running or now - self._last < self.INTERVAL:
                return
            self._running, self._last = True, now
            self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
            self._thread.start()

    def wait(self, timeout=10):
        """Until the checkpoint under way, if any, is done (before copying the database file)."""
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def checkpoint(self):
        """One PASSIVE checkpoint, and a RESTART one when the WAL has grown too large:
        ``(busy, WAL frames, frames copied)`` as SQLite answers the last of them."""
        # mode=rw: a database removed meanwhile (a test's) is not created afresh
        connection = sqlite3.connect(f"file:{self.path}?mode=rw", uri=True, timeout=1)
        try:
            answer = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if self.gate is not None and self.wal_bytes() > self.RESTART_BYTES:
                answer = self._restart(connection)
            return answer
        finally:
            connection.close()

    def wal_bytes(self):
        try:
            return os.path.getsize(f"{self.path}-wal")
        except OSError:
            return 0

    def _restart(self, connection):
        connection.execute(f"PRAGMA busy_timeout={self.RESTART_WAIT_MS}")
        self.gate.enter(connection)
        try:
            answer = connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
        finally:
            self.gate.forget(connection)  # let go, and close its descriptor of the lock file
        if answer[0]:
            log.info("WAL of %s not restarted: a reader stayed on an older snapshot", self.path)
        return answer

    def _run(self):
        try:
            self.checkpoint()
        except sqlite3.Error as error:  # the next commit tries again; the WAL only grows meanwhile
            log.warning("WAL checkpoint of %s failed: %s", self.path, error)
        finally:
            with self._mutex:
                self._running = False
