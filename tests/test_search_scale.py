"""Searching many pages quickly: block skipping that keeps Whoosh's own ranking, totals that are
estimates above a cap (and say so), and highlights on every hit."""
from datetime import datetime, timezone

import pytest
from whoosh.query import Term

from wiki.search.backends.whoosh_backend import WhooshBackend
from wiki.search.documents import Document
from wiki.search.query import parse

WHEN = datetime(2026, 1, 1, tzinfo=timezone.utc)


def doc(n, body, kind="review"):
    return Document(page_id=n, slug=f"p{n}", title=f"Page {n}", body=body, kind=kind, product=None,
                    status=None, author="writer", tags=[], updated_at=WHEN, score=0)


def body(n):
    """Every page says "battery"; as in a generated corpus, many pages score exactly the same."""
    filler = " ".join(f"word{(n * 7 + i) % 50}" for i in range(10 + n % 40))
    return f"{'battery ' * (1 + n % 3)}{filler} charge{n % 5}"


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    """Built once: the tests only search it."""
    backend = WhooshBackend(tmp_path_factory.mktemp("scale") / "idx", exact_count=50)
    # several batches: several segments, as a live index has
    for start in range(0, 1500, 500):
        backend.index(None, [doc(n, body(n), "proposal" if n % 4 == 0 else "review")
                             for n in range(start, start + 500)])
    # re-indexed pages leave deleted documents behind in their old segments
    backend.index(None, [doc(n, body(n) + " edited", "proposal" if n % 4 == 0 else "review")
                         for n in range(0, 1500, 9)])
    yield backend
    backend.close()


def reference(backend, query, limit):
    """Whoosh's own top N: every match scored with its stock BM25F, no block skipping."""
    from whoosh import scoring

    searcher = backend._index().searcher(weighting=scoring.BM25F())
    try:
        tree, allow = backend._plan(query)
        results = searcher.search(tree, limit=limit, filter=allow, optimize=False)
        return [int(hit["page_id"]) for hit in results]
    finally:
        searcher.close()


@pytest.mark.parametrize("text", ["battery", "battery kind:proposal", "kind:proposal",
                                  "battery charge3", "battery -charge3", "charge1 OR charge2",
                                  '"battery word3"', "batt*"])
def test_a_common_word_ranks_as_scoring_every_page_would(backend, text):
    query = parse(text)
    for _ in range(2):  # the second search skips blocks using what the first one noted
        hits = backend.search(None, query, limit=20)
        assert [h.page_id for h in hits.hits] == reference(backend, query, 20)
        assert not hits.partial


def test_block_skipping_happens_and_never_returns_a_deleted_document(backend):
    from wiki.search.backends.whoosh_backend import _TopCollector

    searcher = backend.searcher()
    tree, _allow = backend._plan(parse("battery"))
    collector = _TopCollector(10)
    for _ in range(2):
        searcher.search_with_collector(tree, collector)
    assert collector.skipped_times > 0
    ids = [int(hit["page_id"]) for hit in collector.results()]
    assert len(ids) == len(set(ids))  # an old, deleted version of a page would repeat its id
    deleted = set()
    for subreader, offset in searcher.reader().leaf_readers():
        deleted |= {offset + d for d in subreader.deleted_docs_set}
    assert deleted and not deleted & {hit.docnum for hit in collector.results()}


def test_a_total_above_the_cap_is_an_estimate_and_a_small_one_is_exact(backend):
    many = backend.search(None, parse("battery"))
    assert many.estimated and 1200 <= many.total <= 1800  # 1,500 pages say "battery"
    few = backend.search(None, parse("edited charge3 kind:proposal"))
    exact = len(list(backend.searcher().docs_for_query(
        backend._plan(parse("edited charge3"))[0] & Term("kind", "proposal"))))
    assert not few.estimated and few.total == exact and 0 < exact < 50
    assert backend.count(None, parse("battery")) >= 50


def test_every_hit_of_a_common_word_is_highlighted(backend):
    hits = backend.search(None, parse("battery"), limit=20)
    assert len(hits.hits) == 20
    assert all("\x02battery\x03" in hit.snippet for hit in hits.hits)


def test_skipping_by_quality_never_stops_on_a_deleted_document():
    """Whoosh hides deleted documents with a FilterMatcher; skipping blocks by quality must step
    past them as moving to the next posting does."""
    from whoosh.matching import FilterMatcher, ListMatcher

    import wiki.search.backends.whoosh_blockmax  # noqa: F401 - mends FilterMatcher

    class ByWeight:
        def supports_block_quality(self):
            return True

        def block_quality(self, matcher):
            return matcher.weight()

    postings = ListMatcher([1, 2, 3, 4], weights=[0.1, 0.1, 5.0, 4.0], scorer=ByWeight())
    live = FilterMatcher(postings, frozenset([3]), exclude=True)  # document 3 was deleted
    live.skip_to_quality(1.0)
    assert live.is_active() and live.id() == 4


class TestTotalsPeopleSee:
    """Above the backend's exact count (lowered here from 1,000) the page and the API say the
    total is an estimate; below it they give the count."""

    @pytest.fixture
    def app_config(self):
        return {"SEARCH_EXACT_COUNT": 3}

    @pytest.fixture
    def pages(self, make_page):
        for n in range(6):
            make_page(f"Battery report {n}", body=f"The battery lasted {n} days.")
        make_page("Rare find", body="A crumhorny battery.")

    def test_the_search_page_says_about_and_still_highlights(self, client, pages):
        html = client.get("/search?q=battery").get_data(as_text=True)
        assert "about " in html and " in all" in html
        assert html.count("<mark>") >= 7
        rare = client.get("/search?q=crumhorny").get_data(as_text=True)
        assert "1 in all" in rare and "about" not in rare

    def test_the_api_says_the_total_is_an_estimate(self, client, pages):
        data = client.get("/api/v1/search?q=battery").json
        assert data["total_is_estimate"] is True and data["total"] >= 4
        assert len(data["results"]) == 7 and all("<mark>" in r["snippet"] for r in data["results"])
        rare = client.get("/api/v1/search?q=crumhorny").json
        assert rare["total_is_estimate"] is False and rare["total"] == 1


def test_spelling_suggestions_only_compare_words_with_the_same_first_letter(backend, monkeypatch):
    """Comparing a misspelt word with every word in a 50,000-page index took 1-2 seconds."""
    from whoosh.reading import IndexReader

    prefixes = []
    terms_within = IndexReader.terms_within

    def spy(self, fieldname, text, maxdist, prefix=0):
        prefixes.append(prefix)
        return terms_within(self, fieldname, text, maxdist, prefix=prefix)

    monkeypatch.setattr(IndexReader, "terms_within", spy)
    assert backend.suggest_word(None, "batery") == "battery"
    assert backend.suggest_word(None, "zzqxv") is None
    assert prefixes and set(prefixes) == {1}
