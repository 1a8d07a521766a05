"""Keeping the index right: the durable queue, failures that never lose a save, rebuild and check."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.search_helpers import app_config  # noqa: F401 - runs every test on each backend
from wiki.extensions import db
from wiki.models import Page, SearchPending, utcnow
from wiki.search import services
from wiki.search.backends import get_backend
from wiki.search.documents import build_documents
from wiki.search.queue import drain, drainer


def queued():
    db.session.expire_all()
    return db.session.scalars(select(SearchPending.page_id)).all()


def found(q):
    return [r.page.slug for r in services.search(q).items]


def test_saving_a_page_queues_and_then_indexes_it(make_proposal):
    page = make_proposal("Offline maps")
    assert queued() == []  # drained after the commit
    assert found("offline") == [page.slug]


def test_a_failing_index_write_keeps_the_page_and_the_queue(make_proposal, make_page, monkeypatch):
    backend = get_backend()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(backend, "index", broken)
    page = make_proposal("Offline maps")  # the save itself must succeed
    assert db.session.get(Page, page.id).title == "Offline maps"
    assert queued() == [page.id]
    attempts = db.session.scalar(select(SearchPending.attempts))
    assert attempts >= 1
    monkeypatch.undo()
    # the next commit of anything drains what is waiting
    make_page("Unrelated article")
    assert queued() == []
    assert found("offline") == [page.slug]


def test_one_broken_page_does_not_hold_back_the_others(make_page, monkeypatch):
    first = make_page("First topic")
    second = make_page("Second topic")
    backend = get_backend()
    real = backend.index

    def picky(session, documents, delete_ids=()):
        if any(doc.page_id == first.id for doc in documents):
            raise ValueError("cannot index this one")
        return real(session, documents, delete_ids)

    from wiki.search.queue import enqueue

    monkeypatch.setattr(backend, "index", picky)
    enqueue([first.id, second.id])
    db.session.commit()
    assert queued() == [first.id]


def test_the_background_drain_indexes_off_the_request_path(app, make_user):
    from wiki.pages.services import create_page

    app.config["SEARCH_DRAIN"] = "thread"
    author = make_user("writer")
    with app.test_request_context("/new", method="POST"):
        page = create_page(author, "Solar charging", "article", "Charge it in the sun.")
    assert drainer(app).wait_idle(30)
    assert found("solar") == [page.slug]


def test_rebuild_indexes_everything_from_the_database(make_page, runner):
    pages = [make_page(f"Topic number {n}", body="zebra crossing") for n in range(3)]
    get_backend().clear(db.session)
    db.session.commit()
    assert found("zebra") == []
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Indexed 3 pages" in result.output
    assert sorted(found("zebra")) == sorted(p.slug for p in pages)


def test_check_reports_and_repairs_missing_stale_and_orphaned(make_page, runner):
    kept = make_page("Kept page", body="apples")
    lost = make_page("Lost page", body="apples")
    stale = make_page("Stale page", body="apples")
    backend = get_backend()
    backend.index(db.session, [], delete_ids=[lost.id])  # missing from the index
    ghost_docs, _ = build_documents(db.session, [kept.id])
    ghost_docs[0].page_id = 9999  # a document for a page that does not exist
    backend.index(db.session, ghost_docs)
    # a change that bypassed the queue
    db.session.execute(update(Page).where(Page.id == stale.id).values(title="Stale page renamed pears"))
    db.session.commit()

    result = runner.invoke(args=["search", "check", "--dry-run"])
    assert "missing: 1" in result.output and "stale: 1" in result.output
    assert "orphaned: 1" in result.output and "Not repaired" in result.output

    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output
    assert "Repaired." in result.output
    assert found("pears") == [stale.slug]
    assert set(backend.stamps(db.session)) == {kept.id, lost.id, stale.id}
    result = runner.invoke(args=["search", "check"])
    assert "The index matches the database." in result.output


def test_check_drains_the_queue(make_page, runner, monkeypatch):
    backend = get_backend()
    monkeypatch.setattr(backend, "index", lambda *a, **k: (_ for _ in ()).throw(OSError("locked")))
    page = make_page("Queued page")
    monkeypatch.undo()
    assert queued() == [page.id]
    result = runner.invoke(args=["search", "check"])
    assert "1 drained" in result.output
    assert queued() == []
    assert found("queued") == [page.slug]


def test_drain_with_an_empty_queue_does_nothing(app):
    assert drain(app) == (0, 0)
    assert db.session.scalar(select(func.count()).select_from(SearchPending)) == 0


def test_votes_do_not_queue_a_reindex(app, make_proposal, make_user):
    from wiki.search.queue import pending_count
    from wiki.votes.services import cast_vote

    page = make_proposal("Quiet index while voting")
    before = pending_count()
    cast_vote(make_user("quietvoter"), page, 1)
    assert pending_count() == before


def test_each_thread_searches_with_its_own_whoosh_searcher(app, make_page):
    """Whoosh readers seek and read shared file objects: one searcher used by several gunicorn
    threads at once returned corrupt postings (503s under load)."""
    import threading

    backend = get_backend()
    if backend.name != "whoosh":
        pytest.skip("Whoosh only")
    make_page("Battery review", kind="review", body="The battery lasts.")
    drain()
    mine = backend.searcher()
    assert backend.searcher() is mine  # reused by the same thread while the index is unchanged
    theirs = []
    worker = threading.Thread(target=lambda: theirs.append(backend.searcher()))
    worker.start()
    worker.join()
    assert theirs[0] is not mine
    make_page("Screen review", kind="review", body="The screen is bright.")
    drain()
    assert backend.searcher() is not mine  # reopened after the index changed
    assert found("screen")


def test_a_forked_process_reopens_the_index_instead_of_sharing_its_parents_files(app, make_page,
                                                                                  monkeypatch):
    import os

    backend = get_backend()
    if backend.name != "whoosh":
        pytest.skip("Whoosh only")
    make_page("Battery review", kind="review", body="The battery lasts.")
    drain()
    parent_index, parent_searcher = backend._index(), backend.searcher()
    monkeypatch.setattr(os, "getpid", lambda: -1)  # as in a gunicorn worker after fork
    assert backend._index() is not parent_index
    assert backend.searcher() is not parent_searcher
    assert found("battery")


def test_a_local_index_is_written_while_sqlite_lets_others_write(app, make_proposal, monkeypatch):
    """Whoosh and tantivy commit in hundreds of milliseconds: the drain must not hold SQLite's
    write lock meanwhile (every vote and save would wait), only read, then forget the rows."""
    backend = get_backend()
    if not backend.local_index:
        pytest.skip("an index in the database is written in the draining transaction")
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single write lock")
    index = backend.index
    writers = []

    def index_while_someone_writes(session, documents, delete_ids=()):
        other = db.engine.raw_connection()
        try:
            cursor = other.cursor()
            cursor.execute("PRAGMA busy_timeout=0")  # fail at once if the lock is held
            cursor.execute("BEGIN IMMEDIATE")
            cursor.execute("ROLLBACK")
            writers.append(len(documents))
        finally:
            other.close()
        return index(session, documents, delete_ids)

    monkeypatch.setattr(backend, "index", index_while_someone_writes)
    app.config["SEARCH_DRAIN"] = "off"  # drained below as the drain thread does, not in a commit
    page = make_proposal("Lock-free indexing")
    assert queued() == [page.id]
    db.session.rollback()  # end this session's read: the drain writes on its own connections
    assert drain(app) == (1, 0)
    assert writers == [1]
    assert queued() == [] and found("lock-free") == [page.slug]


def test_a_page_saved_again_while_it_is_indexed_stays_queued(app, make_proposal, monkeypatch):
    """The drain reads a page, indexes it, then forgets only rows queued before it read them."""
    backend = get_backend()
    page = make_proposal("Indexed twice")
    index = backend.index
    saved_meanwhile, indexed = [], []

    def index_then_queue_again(session, documents, delete_ids=()):
        result = index(session, documents, delete_ids)
        indexed.append([d.page_id for d in documents])
        if not saved_meanwhile:  # another process queues the page again while this drain works
            saved_meanwhile.append(True)
            with db.engine.begin() as other:
                other.execute(update(SearchPending).where(SearchPending.page_id == page.id)
                              .values(queued_at=utcnow() + timedelta(seconds=1)))
        return result

    monkeypatch.setattr(backend, "index", index_then_queue_again)
    db.session.execute(update(Page).where(Page.id == page.id).values(title="Indexed twice, edited"))
    from wiki.search.queue import enqueue

    enqueue([page.id])
    db.session.commit()  # drained inline
    # not forgotten after the first write, as it was queued again after the drain read it: the
    # drain's next batch indexed it once more
    assert indexed == [[page.id], [page.id]]
    assert queued() == [] and found("edited") == [page.slug]
