"""SQLite transaction intents: which BEGIN a transaction starts with, and that an intent never
outlives the transaction (or request) it was meant for."""
import pytest
from sqlalchemy import event, select

from wiki.database import begin_read, begin_write, end_read
from wiki.extensions import db
from wiki.models import User


@pytest.fixture
def begins(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("BEGIN IMMEDIATE is SQLite's")
    db.session.commit()
    seen = []

    def note(_conn, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    yield seen
    event.remove(db.engine, "before_cursor_execute", note)


def read_something():
    db.session.execute(select(User.id).limit(1)).all()


def test_begin_write_takes_the_lock_for_the_next_transaction_only(begins):
    begin_write()
    read_something()
    db.session.commit()
    read_something()
    db.session.commit()
    assert begins == ["BEGIN IMMEDIATE", "BEGIN"]


def test_begin_write_inside_an_open_transaction_does_not_linger(begins):
    read_something()
    begin_write()  # too late for this transaction; must not leak into the next one
    db.session.commit()
    read_something()
    db.session.commit()
    assert begins == ["BEGIN", "BEGIN"]


def test_a_write_request_reads_without_the_lock_after_begin_read(app, begins):
    with app.test_request_context("/api/v1/pages/x/vote", method="PUT"):
        begin_read()
        read_something()
        end_read()
        read_something()  # the view's own transaction: the write lock, as every write request
        db.session.commit()
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]


def test_end_read_keeps_loaded_objects_usable_without_a_new_transaction(app, begins, customer):
    db.session.commit()
    begins.clear()
    begin_read()
    user = db.session.get(User, customer.id)
    end_read()
    assert user.username == customer.username  # no refresh, so no new BEGIN
    assert begins == ["BEGIN"]
    assert not db.session().in_transaction()


def test_end_read_leaves_a_transaction_with_changes_alone(app, begins, customer):
    user = db.session.get(User, customer.id)
    user.bio = "changed"
    end_read()
    assert db.session().in_transaction()  # not committed behind the caller's back
    db.session.rollback()


def test_end_read_leaves_a_batchs_transaction_alone(app, customer):
    from wiki.database import batch

    db.session.commit()
    with batch():
        read_something()
        end_read()  # a service inside the batch: the batch commits once, at its end
        assert db.session().in_transaction()
    db.session.rollback()


def test_an_unused_intent_ends_with_its_request(app, client, begins):
    with app.test_request_context("/", method="GET"):
        read_something()
        begin_write()  # ignored: a transaction is open
        db.session.commit()
    client.get("/")  # a fresh request: reads start with a plain BEGIN
    assert "BEGIN IMMEDIATE" not in begins


# -- the write gate: SQLite writers queue in the kernel, not in SQLite's sleeping busy handler --

def test_a_second_writer_waits_at_the_gate_until_the_first_commits(app):
    import threading

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    gate = app.extensions["sqlite_write_gate"]
    statements, holding, release = [], threading.Event(), threading.Event()

    def note(_conn, _cursor, statement, *_args):
        if statement == "BEGIN IMMEDIATE":
            statements.append(threading.current_thread().name)

    def writer(name, hold):
        with app.app_context():
            begin_write()
            db.session.execute(select(User.id).limit(1)).all()
            if hold:
                holding.set()
                release.wait(10)
            db.session.commit()
            db.session.remove()

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        first = threading.Thread(target=writer, args=("first", True), name="first")
        second = threading.Thread(target=writer, args=("second", False), name="second")
        first.start()
        assert holding.wait(10)
        second.start()
        second.join(0.5)
        assert second.is_alive() and statements == ["first"]  # queued before BEGIN IMMEDIATE
        release.set()
        first.join(10)
        second.join(10)
        assert not second.is_alive() and statements == ["first", "second"]
    finally:
        release.set()
        event.remove(db.engine, "before_cursor_execute", note)


def test_the_gate_is_let_go_after_commit_and_rollback_and_never_taken_for_reads(app, monkeypatch):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    gate = app.extensions["sqlite_write_gate"]
    db.session.commit()

    def raw():
        return db.session.connection().connection.dbapi_connection

    for end in (db.session.commit, db.session.rollback):
        begin_write()
        db.session.execute(select(User.id).limit(1)).all()
        connection = raw()
        assert gate.holds(connection)
        end()
        assert not gate.holds(connection), end.__name__
    db.session.execute(select(User.id).limit(1)).all()  # a plain read: no gate
    assert not gate.holds(raw())
    db.session.rollback()


def test_a_thread_that_already_writes_is_not_made_to_wait_for_itself(app):
    """Two write transactions on two connections in one thread: the second is left to SQLite's
    busy timeout (and fails with "database is locked"), never blocked at the gate for ever."""
    from sqlalchemy.exc import OperationalError

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    gate = app.extensions["sqlite_write_gate"]
    first = db.engine.connect()
    second = db.engine.connect()
    try:
        begin_write()
        first.begin()
        assert gate.holds(first.connection.dbapi_connection)
        second.exec_driver_sql("PRAGMA busy_timeout=50")
        second.commit()
        begin_write()
        with pytest.raises(OperationalError, match="locked"):
            second.begin()
        assert not gate.holds(second.connection.dbapi_connection)
        first.rollback()
        assert not gate.holds(first.connection.dbapi_connection)
    finally:
        second.close()
        first.close()


def test_the_gate_is_let_go_at_commit_before_the_session_hands_back_its_connection(app):
    """after_commit hooks (the search queue drains there) may start a write at once."""
    from sqlalchemy import event as sa_event

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    gate = app.extensions["sqlite_write_gate"]
    db.session.commit()
    seen = []

    def after_commit(session):
        seen.append(dict(gate._held))

    sa_event.listen(db.session, "after_commit", after_commit)
    try:
        begin_write()
        db.session.execute(select(User.id).limit(1)).all()
        db.session.commit()
    finally:
        sa_event.remove(db.session, "after_commit", after_commit)
    assert seen == [{}]


# -- WAL checkpoints: off the commit path, so no writer waits at the gate while one runs ------

@pytest.fixture
def checkpointer(app):
    if db.engine.dialect.name != "sqlite" or app.extensions.get("sqlite_write_gate") is None:
        pytest.skip("a SQLite database file")
    return app.extensions["sqlite_write_gate"].checkpointer


def test_the_apps_connections_leave_checkpoints_to_the_checkpointer(app, checkpointer):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_a_checkpoint_copies_every_committed_frame_into_the_database_file(app, checkpointer,
                                                                           make_user):
    for n in range(5):
        make_user(f"writer{n}")  # commits, each a few WAL frames
    db.session.remove()
    busy, frames, copied = checkpointer.checkpoint()
    assert busy == 0 and frames > 0 and copied == frames
    # and the rows are there for a connection that reads the database file afresh
    assert db.session.scalar(select(User.id).where(User.username == "writer4")) is not None


def test_commits_start_at_most_one_checkpoint_an_interval(app, checkpointer, monkeypatch):
    import threading

    started, release = [], threading.Event()

    def slow_checkpoint():
        started.append(threading.current_thread().name)
        release.wait(10)

    monkeypatch.setattr(checkpointer, "checkpoint", slow_checkpoint)
    monkeypatch.setattr(checkpointer, "_last", float("-inf"))
    try:
        for _ in range(20):
            begin_write()
            read_something()
            db.session.commit()
        assert started == ["sqlite-checkpoint"]  # one thread, in the background
        assert [t for t in threading.enumerate() if t.name == "sqlite-checkpoint"]
    finally:
        release.set()
    for thread in threading.enumerate():
        if thread.name == "sqlite-checkpoint":
            thread.join(10)
    assert not checkpointer._running
    begin_write()
    read_something()
    db.session.commit()
    assert started == ["sqlite-checkpoint"]  # the interval has not passed


def test_a_failed_checkpoint_is_logged_and_the_next_commit_may_try_again(checkpointer, monkeypatch,
                                                                         caplog):
    import sqlite3

    def fails():
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(checkpointer, "checkpoint", fails)
    checkpointer._run()
    assert not checkpointer._running
    assert "WAL checkpoint" in caplog.text and "database is locked" in caplog.text


def test_a_large_wal_starts_again_from_its_beginning_with_writers_held_at_the_gate(
        app, checkpointer, make_user, monkeypatch):
    import sqlite3

    for n in range(5):
        make_user(f"writer{n}")
    db.session.remove()
    checkpointer.wait()
    gate, entered = checkpointer.gate, []
    real_enter = gate.enter

    def enter(connection):
        entered.append(connection)
        real_enter(connection)

    monkeypatch.setattr(gate, "enter", enter)
    monkeypatch.setattr(checkpointer, "RESTART_BYTES", 0)
    busy, frames, copied = checkpointer.checkpoint()
    monkeypatch.undo()
    assert busy == 0 and frames > 0 and copied == frames
    assert len(entered) == 1 and isinstance(entered[0], sqlite3.Connection)  # its own connection
    assert not gate._held and id(entered[0]) not in gate._descriptors  # let go, descriptor closed
    make_user("after")  # the next commit writes from the WAL's beginning
    db.session.remove()
    checkpointer.wait()
    _busy, frames_after, _copied = checkpointer.checkpoint()
    assert frames_after < frames


def test_a_restart_gives_up_on_a_reader_that_stays_and_lets_writers_through(
        app, checkpointer, make_user, monkeypatch, caplog):
    import logging
    import sqlite3

    make_user("before")
    db.session.remove()
    reader = sqlite3.connect(checkpointer.path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM users").fetchone()  # holds this snapshot
        make_user("during")  # a commit after the reader's snapshot
        db.session.remove()
        checkpointer.wait()
        monkeypatch.setattr(checkpointer, "RESTART_BYTES", 0)
        caplog.set_level(logging.INFO, logger="wiki.writegate")
        busy, _frames, _copied = checkpointer.checkpoint()
        assert busy == 1 and "not restarted" in caplog.text
        assert not checkpointer.gate._held
        make_user("after")  # writers get through
    finally:
        reader.rollback()
        reader.close()
