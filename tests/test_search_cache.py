"""The shared search cache: a repeated search asks the index once, for everyone, until a change
reaches the index; a broken cache means a slower search, never an error."""
import pytest

from tests.search_helpers import BACKENDS
from wiki.extensions import cache, db
from wiki.search import cache as results_cache
from wiki.search import services
from wiki.search.backends import get_backend
from wiki.search.backends.base import Hits


@pytest.fixture(params=BACKENDS)
def app_config(request):
    # no member page shells here: these tests are about the results cache beneath them
    return {"SEARCH_BACKEND": request.param, "CACHE_TYPE": "SimpleCache",
            "MEMBER_CACHE_ENDPOINTS": ()}


@pytest.fixture
def index_calls(app, monkeypatch):
    """Every question the search backend is asked, by kind (search, suggest_word, count)."""
    backend = get_backend()
    calls = []
    for name in ("search", "suggest_word", "count"):
        original = getattr(backend, name)

        def counted(*args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(backend, name, counted)
    return calls


@pytest.fixture
def review(make_page):
    return make_page("Battery life review", kind="review", body="The battery lasts two days.")


@pytest.fixture
def guide(make_page):
    return make_page("Battery care guide", body="Charge the battery before it runs flat.")


def titles(response):
    return response.get_data(as_text=True)


def test_a_repeated_signed_in_search_asks_the_index_once(login, customer, review, index_calls):
    reader = login(customer)
    first = reader.get("/search?q=battery")
    second = reader.get("/search?q=battery")
    assert first.status_code == second.status_code == 200
    assert "Battery life review" in titles(first) and "Battery life review" in titles(second)
    assert "X-Page-Cache" not in second.headers  # rendered afresh, from the results cache
    assert index_calls.count("search") == 1


def test_every_reader_and_the_api_share_the_answer(login, customer, other_customer, review,
                                                   make_token, client, index_calls):
    login(customer).get("/search?q=battery")
    login(other_customer).get("/search?q=battery")
    answer = client.get("/api/v1/search?q=battery", headers=make_token(customer))
    assert [r["title"] for r in answer.get_json()["results"]] == ["Battery life review"]
    assert "<mark>" in answer.get_json()["results"][0]["snippet"]
    assert index_calls.count("search") == 1


def test_the_same_query_typed_differently_shares_an_entry(review, index_calls):
    services.search("battery")
    services.search("  Battery ")
    services.search("the battery")  # a stop word adds nothing to what the index is asked
    assert index_calls.count("search") == 1


def test_filters_sort_and_pages_are_answers_of_their_own(review, guide, index_calls):
    asks = [dict(q="battery"), dict(q="battery", filters={"kind": "review"}),
            dict(q="battery kind:review"), dict(q="battery", sort="newest"),
            dict(q="battery", per_page=1), dict(q="battery", per_page=1, page=2)]
    first = [services.search(ask.pop("q"), ask.pop("filters", None), **ask) for ask in
             [dict(a) for a in asks]]
    assert index_calls.count("search") == 5  # a kind filter is the same typed or chosen
    again = [services.search(ask.pop("q"), ask.pop("filters", None), **ask) for ask in
             [dict(a) for a in asks]]
    assert index_calls.count("search") == 5
    assert [[r.page.id for r in results.items] for results in again] == \
        [[r.page.id for r in results.items] for results in first]
    assert [r.page.title for r in first[1].items] == ["Battery life review"]
    assert first[4].items[0].page.id != first[5].items[0].page.id


def test_an_edit_is_found_at_once(login, customer, review, index_calls):
    from wiki.pages.services import edit_page

    reader = login(customer)
    assert "Battery life review" not in titles(reader.get("/search?q=zeppelin"))
    edit_page(customer, review, "It charges as slowly as a zeppelin flies.", "zeppelin")
    assert "Battery life review" in titles(reader.get("/search?q=zeppelin"))
    assert index_calls.count("search") == 2


def test_a_new_page_is_found_at_once(make_page, review, index_calls):
    assert services.search("battery").found == 1
    make_page("Battery saving tips", body="Dim the screen to save battery.")
    results = services.search("battery")
    assert results.found == 2 and "Battery saving tips" in [r.page.title for r in results.items]


def test_a_deleted_page_leaves_the_results_at_once(review, guide, moderator, index_calls):
    from wiki.moderation.actions import delete_page

    assert services.search("battery").found == 2
    delete_page(moderator, guide, "spam")
    results = services.search("battery")
    assert [r.page.title for r in results.items] == ["Battery life review"]
    assert results.found == 1  # the index was asked again, not only the pages filtered
    assert index_calls.count("search") == 2


def test_pages_still_queued_for_the_index_give_another_entry(app, review, index_calls,
                                                            monkeypatch):
    from wiki.models import SearchPending
    from wiki.search.backends import get_backend

    # a backend that cannot tell its version (PostgreSQL's): the queue is part of the key
    monkeypatch.setattr(get_backend(app), "version", lambda: None)
    services.search("battery")
    db.session.add(SearchPending(page_id=review.id))  # queued, and not drained yet
    db.session.commit()
    services.search("battery")
    assert index_calls.count("search") == 2


def vote_on(page, voter):
    from wiki.votes.services import cast_vote

    cast_vote(voter, page, 1)
    db.session.commit()


def test_a_vote_leaves_the_answers_of_a_versioned_index_in_place(app, make_proposal, customer,
                                                                 index_calls):
    from wiki.search.backends import get_backend

    idea = make_proposal("Battery saver mode", body="Save battery when low.")
    assert services.search("battery").found == 1
    vote_on(idea, customer)  # an event, but nothing the index holds
    results = services.search("battery")
    expected = 1 if get_backend(app).version() is not None else 2
    assert index_calls.count("search") == expected
    assert [r.page.votes_up for r in results.items] == [1]  # pages themselves are read afresh


def test_without_a_version_a_vote_gives_new_keys(app, make_proposal, customer, index_calls,
                                                 monkeypatch):
    from wiki.search.backends import get_backend

    monkeypatch.setattr(get_backend(app), "version", lambda: None)
    idea = make_proposal("Battery saver mode", body="Save battery when low.")
    services.search("battery")
    vote_on(idea, customer)
    services.search("battery")
    assert index_calls.count("search") == 2


def test_the_whoosh_version_follows_every_index_commit(app, review):
    from wiki.search.backends import get_backend
    from wiki.search.documents import build_documents

    backend = get_backend(app)
    if backend.name != "whoosh":
        pytest.skip("the Whoosh backend's own version")
    before = backend.version()
    backend.index(db.session, build_documents(db.session, [review.id])[0])
    after_update = backend.version()
    backend.index(db.session, [], delete_ids=[review.id])
    assert before < after_update < backend.version()


def test_a_spelling_suggestion_is_kept_and_follows_what_each_reader_typed(review, index_calls):
    first = services.search("Batery  kind:review")
    second = services.search("batery kind:review")
    assert first.found == second.found == 0
    assert first.suggestion == "battery  kind:review"
    assert second.suggestion == "battery kind:review"
    assert index_calls.count("suggest_word") == 1


def test_similar_proposals_are_kept_too(make_proposal, index_calls):
    make_proposal("Dark mode for the app", body="Please add a dark mode.")
    assert [r.page.title for r in services.similar_proposals("dark mode")] == \
        ["Dark mode for the app"]
    assert [r.page.title for r in services.similar_proposals("Dark  mode")] == \
        ["Dark mode for the app"]
    assert index_calls.count("search") == 1


def test_a_long_query_has_a_short_key(review):
    gen = results_cache.index_generation()
    key = results_cache.cache_key(gen, ("search", "whoosh", "word " * 200, "relevance", 0, 20))
    assert len(key) == len(results_cache.KEY_PREFIX) + 40


@pytest.mark.parametrize("failing", ["get", "set"])
def test_a_failing_cache_means_a_real_search(login, customer, review, monkeypatch, failing,
                                             index_calls):
    def broken(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(cache, failing, broken)
    reader = login(customer)
    for _ in range(2):
        response = reader.get("/search?q=battery")
        assert response.status_code == 200
        assert "Battery life review" in titles(response)
    assert index_calls.count("search") == 2


def test_a_failing_generation_means_a_real_search(review, monkeypatch, index_calls):
    def broken():
        raise ConnectionError("no connection")

    monkeypatch.setattr(results_cache, "_read_generation", broken)
    assert services.search("battery").found == 1
    assert index_calls.count("search") == 1


def test_a_timeout_of_zero_turns_it_off(app, review, index_calls):
    app.config["SEARCH_CACHE_TIMEOUT"] = 0
    services.search("battery")
    services.search("battery")
    assert index_calls.count("search") == 2


def test_an_answer_cut_short_is_kept_briefly(app, review, monkeypatch):
    backend = get_backend()
    monkeypatch.setattr(backend, "search", lambda *a, **k: Hits([], 0, partial=True))
    kept = []
    original = cache.set
    monkeypatch.setattr(cache, "set", lambda key, value, timeout=None: kept.append(timeout)
                        or original(key, value, timeout=timeout))
    results = services.search("battery")
    assert any("took too long" in notice for notice in results.notices)
    assert services.search("battery").notices == results.notices  # the notice comes back too
    assert kept == [results_cache.PARTIAL_TIMEOUT]


def test_one_request_reads_the_generation_once(app, review, monkeypatch):
    reads = []
    original = results_cache._read_generation
    monkeypatch.setattr(results_cache, "_read_generation",
                        lambda: reads.append(1) or original())
    with app.test_request_context("/triage/"):
        services.search("battery")
        services.similar_proposals("battery life")
        assert len(reads) == 1
        db.session.commit()  # a change in the request is seen by its next search
        services.search("battery")
        assert len(reads) == 2
