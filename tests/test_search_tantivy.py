"""What is particular to the tantivy backend: writers of several processes taking turns on one
lock file, readers that see other processes' commits, forked workers, hostile text that must
never reach a query parser, and "did you mean" from the words table. The search behaviour
itself is tested on every backend by test_search*.py."""
import os
import signal
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from wiki.extensions import db
from wiki.models import SearchPending, SearchWord
from wiki.search import services
from wiki.search.backends import get_backend
from wiki.search.backends.tantivy_backend import (FOLDER, IndexBusy, TantivyBackend, TantivyPanic,
                                                  _document, _rust_errors)
from wiki.search.documents import Document
from wiki.search.query import Query, Term, parse

WHEN = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def app_config():
    return {"SEARCH_BACKEND": "tantivy"}


def doc(page_id, title, body="", **fields):
    values = {"kind": "article", "product": None, "status": None, "author": "writer", "tags": [],
              "updated_at": WHEN, "score": 0}
    values.update(fields)
    return Document(page_id=page_id, slug=f"p{page_id}", title=title, body=body, **values)


def ids(hits):
    return sorted(hit.page_id for hit in hits.hits)


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "index"


@pytest.fixture
def backend(folder):
    backend = TantivyBackend(folder, write_timeout=5)
    yield backend
    backend.close()


def hold_the_lock(folder, seconds, started):
    """Another process's writer (another instance on the same folder) holding the lock."""
    holder = TantivyBackend(folder)

    def run():
        with holder._writing() as writer:
            writer.add_document(_document(doc(99, "Held")))
            started.set()
            time.sleep(seconds)

    thread = threading.Thread(target=run)
    thread.start()
    assert started.wait(10)
    return thread


def test_the_app_keeps_its_index_in_a_folder_of_its_own(app, make_page):
    backend = get_backend()
    assert backend.name == "tantivy"
    assert backend.directory == Path(app.config["SEARCH_INDEX_DIR"]) / FOLDER
    make_page("Solar charging", body="Charge it in the sun.")
    assert (backend.directory / "meta.json").exists()
    # nothing of tantivy's at the top of the folder, where Whoosh keeps its files
    assert [p.name for p in backend.directory.parent.iterdir()] == [FOLDER]


def test_whoosh_and_tantivy_never_read_each_others_files(app, make_page):
    from wiki.search.backends.whoosh_backend import WhooshBackend

    make_page("Solar charging", body="Charge it in the sun.")
    whoosh = WhooshBackend(app.config["SEARCH_INDEX_DIR"])
    try:
        assert whoosh.search(None, parse("solar")).total == 0  # its own (empty) index
        whoosh.index(None, [doc(7, "Wind power")])
        assert whoosh.search(None, parse("wind")).total == 1
    finally:
        whoosh.close()
    assert services.search("wind").found == 0
    assert [r.page.title for r in services.search("solar").items] == ["Solar charging"]


def test_a_second_writer_waits_for_the_first_then_writes(folder, backend):
    backend.index(None, [doc(1, "First page")])
    started = threading.Event()
    holder = hold_the_lock(folder, 0.6, started)
    began = time.monotonic()
    backend.index(None, [doc(2, "Second page")])  # another instance, as another worker would be
    waited = time.monotonic() - began
    holder.join()
    assert waited >= 0.3
    assert ids(backend.search(None, parse("page"))) == [1, 2]
    assert ids(backend.search(None, parse("held"))) == [99]


def test_a_writer_that_cannot_get_the_lock_in_time_raises(folder, backend):
    impatient = TantivyBackend(folder, write_timeout=0.2)
    started = threading.Event()
    holder = hold_the_lock(folder, 1.0, started)
    try:
        with pytest.raises(IndexBusy):
            impatient.index(None, [doc(3, "Third page")])
    finally:
        holder.join()
    impatient.index(None, [doc(3, "Third page")])  # the lock was released: now it can
    assert ids(backend.search(None, parse("third"))) == [3]


def test_a_locked_index_keeps_the_queue_for_the_next_drain(app, make_page):
    from wiki.search.queue import drain

    backend = get_backend()
    backend.write_timeout = 0.2
    started = threading.Event()
    holder = hold_the_lock(backend.directory, 1.0, started)
    try:
        page = make_page("Offline maps")  # the save succeeds; indexing it cannot
    finally:
        holder.join()
    assert db.session.scalars(select(SearchPending.page_id)).all() == [page.id]
    assert drain(app) == (1, 0)
    assert [r.page.slug for r in services.search("offline").items] == [page.slug]


def test_a_failing_write_is_rolled_back_and_releases_the_lock(folder, backend, monkeypatch):
    from wiki.search.backends import tantivy_backend

    backend.index(None, [doc(1, "Kept page")])
    real = tantivy_backend._document

    def breaks_on_the_second(document):
        if document.page_id == 3:
            raise ValueError("bad document")
        return real(document)

    monkeypatch.setattr(tantivy_backend, "_document", breaks_on_the_second)
    with pytest.raises(ValueError):
        backend.index(None, [doc(2, "Lost page"), doc(3, "Bad page")], delete_ids=[1])
    monkeypatch.undo()
    assert ids(backend.search(None, parse("page"))) == [1]  # nothing of the failed batch
    other = TantivyBackend(folder, write_timeout=0)  # and no one is left holding the lock
    other.index(None, [doc(4, "Next page")])
    assert ids(backend.search(None, parse("page"))) == [1, 4]


def test_another_process_sees_a_commit_and_reloads_only_then(folder, backend):
    reader = TantivyBackend(folder)
    assert reader.search(None, parse("battery")).total == 0
    before = reader.version()
    searcher = reader._searcher()
    assert reader._searcher() is searcher  # unchanged index: the same searcher
    backend.index(None, [doc(1, "Battery review", "The battery lasts.")])
    assert reader.version() != before
    assert ids(reader.search(None, parse("battery"))) == [1]
    assert reader._searcher() is not searcher
    reloaded = reader._searcher()
    assert reader._searcher() is reloaded
    deleted = reader.version()
    backend.index(None, [], delete_ids=[1])
    assert reader.version() != deleted
    assert reader.search(None, parse("battery")).total == 0


def test_every_change_gives_a_new_version_never_an_old_one(folder, backend):
    seen = [backend.version()]
    backend.index(None, [doc(1, "Battery review")])
    seen.append(backend.version())
    backend.index(None, [doc(1, "Battery review, edited")])
    seen.append(backend.version())
    backend.clear(None)
    seen.append(backend.version())
    backend.rebuild(None, [[doc(1, "Battery review")]])
    seen.append(backend.version())
    # removed and made again: its counter starts again, its version does not
    backend.close()
    import shutil

    shutil.rmtree(folder)
    fresh = TantivyBackend(folder)
    seen.append(fresh.version())
    fresh.index(None, [doc(1, "Battery review")])
    seen.append(fresh.version())
    assert len(set(seen[:5])) == 5
    assert seen[6] not in seen[:6]  # (two empty indexes may share one: they answer alike)


def test_threads_search_while_another_writes(folder, backend):
    backend.index(None, [doc(n, f"Battery report {n}", "battery charge") for n in range(50)])
    errors, done = [], threading.Event()

    def search():
        while not done.is_set():
            try:
                assert backend.search(None, parse("battery charge")).total >= 50
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
                return

    readers = [threading.Thread(target=search) for _ in range(3)]
    for thread in readers:
        thread.start()
    for n in range(50, 70):
        backend.index(None, [doc(n, f"Battery report {n}", "battery charge")])
    done.set()
    for thread in readers:
        thread.join()
    assert errors == []
    assert backend.search(None, parse("battery")).total == 70


def test_analysis_stems_drops_stop_words_and_keeps_phrases_in_place(backend):
    backend.index(None, [
        doc(1, "Dark mode", "A dark theme would save battery at night."),
        doc(2, "Batteries included", "Charging batteries; firmware 4.2.1 fixed it."),
        doc(3, "Night battery", "At night the battery saves itself."),
    ])
    assert ids(backend.search(None, parse("battery"))) == [1, 2, 3]
    assert ids(backend.search(None, parse("charged"))) == [2]
    assert ids(backend.search(None, parse('"save battery at night"'))) == [1]
    assert ids(backend.search(None, parse('"save battery night"'))) == []  # the gap counts
    assert ids(backend.search(None, parse("4.2.1"))) == [2]
    assert ids(backend.search(None, parse("the battery"))) == [1, 2, 3]
    assert ids(backend.search(None, parse("BATTER*"))) == [1, 2, 3]
    hit = backend.search(None, parse("batteries"), limit=1).hits[0]
    assert "\x02batteries\x03" in hit.snippet.lower() or "\x02battery\x03" in hit.snippet.lower()


def test_filters_do_not_change_the_ranking(backend):
    backend.index(None, [
        doc(1, "Battery", "battery", kind="review", tags=["Power"]),
        doc(2, "Other", "battery battery", kind="review", tags=["power", "travel"]),
        doc(3, "Battery battery", "battery", kind="proposal", tags=["power"]),
    ])
    plain = [h.page_id for h in backend.search(None, parse("battery")).hits]
    filtered = [h.page_id for h in backend.search(None, parse("battery kind:review tag:power")).hits]
    assert filtered == [p for p in plain if p in (1, 2)]
    assert ids(backend.search(None, parse("tag:travel"))) == [2]


def test_a_long_page_is_highlighted_where_the_word_is(backend):
    body = "filler words here. " * 2000 + "The hinge squeaks. " + "more filler. " * 500
    backend.index(None, [doc(1, "Long page", body)])
    snippet = backend.search(None, parse("hinge")).hits[0].snippet
    assert "\x02hinge\x03 squeaks" in snippet


HOSTILE = ['"', "'", ":", "a:b", "title:x", "(", ")", "((a)", "\\", "\\\\\"", "*", "a*b", "[a TO z]",
           "{a TO z}", "a^2", "a~2", "+a -b", "&&", "||", "!", "/re.*gex/", "a AND OR NOT",
           "IN [a b]", "\u202e\u0000\u200b", "日本語の検索", "ǅemal Ñandú", "🙂🙃", "x" * 500,
           "é" * 300, "kind:\"", "tag:(a)", "-", "--a", '"a" "b', "a\"b\"c", "é:é", "%s%n"]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_is_only_ever_words(backend, text):
    backend.index(None, [doc(1, "Battery review", "The battery lasts.")])
    for raw in (text, f"battery {text}", f"{text} battery", f'"{text}"'):
        hits = backend.search(None, parse(raw))
        assert hits.total >= 0
        backend.count(None, parse(raw))


@pytest.mark.parametrize("word", ['a"b', "title:x", "(x)", "\\", "*", "x" * 70000, "\x00", "'", "[a TO z]"])
def test_terms_that_the_parser_never_makes_are_still_not_syntax(backend, word):
    """Even a hand-made query with query-language characters in its words is only text: a
    prefix is compared with the index's words as it is ("*" is no wildcard), a filter value
    must equal the field's, and nothing raises."""
    backend.index(None, [doc(1, "Battery review", "The battery lasts. title x a b")])
    assert backend.search(None, Query(must=[(Term((word,), "prefix"),)])).total == 0
    for name in ("kind", "product", "status", "tag", "author"):
        assert backend.search(None, Query(filters={name: [word]})).total == 0
    for kind, words in (("word", (word,)), ("phrase", (word, "battery"))):
        term = Term(words, kind)
        backend.search(None, Query(must=[(term,)]))
        backend.count(None, Query(must=[(Term(("battery",)),)], must_not=[(term,)]))


def test_a_panic_in_rust_is_an_ordinary_error(backend):
    from tantivy import Query as TantivyQuery

    searcher = backend._searcher()
    with pytest.raises(TantivyPanic):
        _rust_errors(lambda: searcher.search(TantivyQuery.all_query(), limit=0))()


def test_did_you_mean_reads_the_words_of_indexed_pages(app, make_page):
    make_page("Wallet support", body="Pay with the phone wallet at checkout.")
    known = set(db.session.scalars(select(SearchWord.word)))
    assert {"wallet", "support", "checkout", "phone"} <= known
    backend = get_backend()
    assert backend.suggest_word(db.session, "wallit") == "wallet"
    assert backend.suggest_word(db.session, "chekout") == "checkout"
    assert backend.suggest_word(db.session, "wallet") is None
    assert backend.suggest_word(db.session, "qqqqqq") is None
    assert services.search("wallit").suggestion == "wallet"


def test_a_rebuild_replaces_the_words_and_a_clear_forgets_them(app, make_page, runner):
    page = make_page("Wallet support", body="Pay with the phone wallet.")
    db.session.add(SearchWord(word="zeppelin"))  # a word of a page that is gone
    db.session.commit()
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    words = set(db.session.scalars(select(SearchWord.word)))
    assert "wallet" in words and "zeppelin" not in words
    assert [r.page.id for r in services.search("wallet").items] == [page.id]
    get_backend().clear(db.session)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(SearchWord)) == 0
    assert services.search("wallet").found == 0


def test_words_already_known_are_left_alone(app):
    from wiki.search.backends import words

    words.remember(db.session, {"battery", "charger"})
    words.remember(db.session, {"battery", "hinge"})  # no duplicate-key error on either database
    db.session.commit()
    assert sorted(db.session.scalars(select(SearchWord.word))) == ["battery", "charger", "hinge"]


def test_a_rebuild_starts_afresh_from_an_index_it_cannot_open(app, make_page, runner):
    page = make_page("Solar charging", body="Charge it in the sun.")
    backend = get_backend()
    backend.close()
    (backend.directory / "meta.json").write_text('{"not": "an index"}')
    with pytest.raises(ValueError, match="corrupt"):
        backend.search(None, parse("solar"))
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert [r.page.id for r in services.search("solar").items] == [page.id]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_worker_opens_its_own_index_and_finds_its_parents_pages(folder, backend):
    """A gunicorn worker forked from a master that had searched: the child must not use the
    parent's tantivy objects (their threads did not survive the fork), nor hang on them."""
    backend.index(None, [doc(1, "Battery review", "The battery lasts.")])
    parent_index = backend._index()
    assert backend.search(None, parse("battery")).total == 1
    pid = os.fork()
    if pid == 0:  # the child: report through the exit status, never return into pytest
        status = 1
        try:
            fresh = backend._index() is not parent_index
            found = backend.search(None, parse("battery")).total == 1
            backend.index(None, [doc(2, "Screen review", "The screen is bright.")])
            status = 0 if fresh and found and backend.search(None, parse("screen")).total == 1 \
                else 2
        finally:
            os._exit(status)
    deadline = time.monotonic() + 60
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked process hung")
        time.sleep(0.05)
    assert os.waitstatus_to_exitcode(status) == 0
    assert backend._index() is parent_index  # the parent keeps its own
    assert ids(backend.search(None, parse("screen"))) == [2]  # and sees the child's commit
