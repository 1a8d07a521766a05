"""Searching on every backend: words, phrases, OR/NOT, prefixes, filters, sorting, snippets."""
import pytest

from tests.search_helpers import app_config  # noqa: F401 - runs every test on each backend
from wiki import events
from wiki.extensions import db
from wiki.search import services
from wiki.search.queue import enqueue


def slugs(results):
    return [r.page.slug for r in results.items]


def find(q, **kwargs):
    filters = kwargs.pop("filters", None)
    return services.search(q, filters, **kwargs)


@pytest.fixture
def corpus(make_page, make_proposal, make_user, make_product):
    other = make_product("Acme Watch")
    casey = make_user("casey")
    pages = {
        "checkout": make_proposal("Faster checkout", body="Paying takes far too many steps.",
                                  tags=["payments"]),
        "dark": make_proposal("Dark mode for the app", body="A dark theme would save battery at night.",
                              author=casey),
        "battery": make_page("Battery review", kind="review",
                             body="The battery lasts two days; checkout in the shop was smooth.",
                             product=other),
        "guide": make_page("Getting started", body="Set up your phone and pair the watch."),
    }
    return pages


def test_a_word_finds_pages_and_the_title_counts_most(corpus):
    results = find("checkout")
    assert results.found == 2
    assert slugs(results)[0] == "faster-checkout"  # in the title beats in the body
    assert set(slugs(results)) == {"faster-checkout", "battery-review"}


def test_all_words_must_match(corpus):
    assert slugs(find("battery night")) == ["dark-mode-for-the-app"]
    assert find("battery nonexistentword").found == 0


def test_phrases_or_not_and_prefixes(corpus):
    assert slugs(find('"dark theme"')) == ["dark-mode-for-the-app"]
    assert find('"theme dark"').found == 0
    assert set(slugs(find("paying OR pair"))) == {"faster-checkout", "getting-started"}
    assert slugs(find("battery NOT night")) == ["battery-review"]
    assert slugs(find("battery -night")) == ["battery-review"]
    assert set(slugs(find("batt*"))) == {"dark-mode-for-the-app", "battery-review"}


def test_field_filters_in_the_query_and_as_parameters(corpus, product):
    assert set(slugs(find("kind:proposal"))) == {"faster-checkout", "dark-mode-for-the-app"}
    assert slugs(find("battery kind:review")) == ["battery-review"]
    assert slugs(find("battery", filters={"product": "acme-watch"})) == ["battery-review"]
    assert set(slugs(find("", filters={"product": product.slug}))) == {"faster-checkout",
                                                                     "dark-mode-for-the-app"}
    assert slugs(find("status:new tag:payments")) == ["faster-checkout"]
    assert slugs(find("author:casey")) == ["dark-mode-for-the-app"]
    assert find("status:shipped").found == 0


def test_snippets_highlight_matches_and_escape_everything_else(make_page):
    make_page("Markup test", body="Before <script>alert(1)</script> the keyboard shortcut works.")
    result = find("keyboard").items[0]
    snippet = str(result.snippet)
    assert "<mark>keyboard</mark>" in snippet
    assert "<script>" not in snippet
    assert "&lt;script" in snippet


def test_an_edit_replaces_the_old_text(corpus, make_user):
    from wiki.pages.services import edit_page

    edit_page(make_user("editor"), corpus["guide"], "Charge it with the magnetic cable.")
    assert find("pair").found == 0
    assert slugs(find("magnetic")) == ["getting-started"]


def test_hidden_revisions_are_never_found_nor_shown(corpus, make_user, moderator):
    from wiki.pages.services import edit_page

    page = corpus["guide"]
    revision = edit_page(make_user("vandal"), page, "Buy cheap pills at spamsite now.")
    assert slugs(find("spamsite")) == ["getting-started"]
    revision.hidden = True
    events.record("revision.hidden", moderator, page=page, revision=revision)
    db.session.commit()
    assert find("spamsite").found == 0
    result = find("pair").items[0]  # the previous, visible text is searchable again
    assert result.page.slug == "getting-started"
    assert "spamsite" not in str(result.snippet)


def test_deleted_pages_are_never_found(corpus, moderator):
    page = corpus["battery"]
    page.deleted = True
    events.record("page.deleted", moderator, page=page)
    db.session.commit()
    assert slugs(find("checkout")) == ["faster-checkout"]
    page.deleted = False
    events.record("page.restored", moderator, page=page)
    db.session.commit()
    assert find("checkout").found == 2


def test_status_changes_are_indexed(corpus, innovator):
    page = corpus["checkout"]
    page.proposal.status = "planned"
    events.record("proposal.status", innovator, page=page, data={"from": "new", "to": "planned"})
    db.session.commit()
    assert slugs(find("status:planned")) == ["faster-checkout"]
    assert find("checkout status:new").found == 0


def test_sort_by_newest_and_by_votes(make_page):
    first = make_page("Alpha widget", body="widget")
    second = make_page("Beta widget", body="widget")
    first.votes_up = 7
    enqueue([first.id])
    db.session.commit()
    assert slugs(find("widget", sort="votes")) == ["alpha-widget", "beta-widget"]
    assert slugs(find("widget", sort="newest")) == ["beta-widget", "alpha-widget"]
    assert second.id > first.id


def test_results_are_paginated(make_page):
    for n in range(23):
        make_page(f"Gadget number {n}", body="A gadget.")
    results = find("gadget", page=3, per_page=10)
    assert results.found == 23 and results.pages == 3
    assert len(results.items) == 3
    seen = set()
    for number in (1, 2, 3):
        seen.update(slugs(find("gadget", page=number, per_page=10)))
    assert len(seen) == 23


def test_did_you_mean_offers_a_better_spelling(corpus):
    results = find("chekout")
    assert results.found == 0
    assert results.suggestion == "checkout"
    assert find("checkout").suggestion is None


def test_similar_proposals_only_lists_proposals(corpus, make_proposal):
    found = services.similar_proposals("Make checkout quicker")
    assert [r.page.slug for r in found] == ["faster-checkout"]
    assert services.similar_proposals("checkout", exclude_page_id=corpus["checkout"].id) == []
    assert services.similar_proposals("the of and") == []
    assert [r.page.slug for r in services.similar_proposals("dark mo")] == ["dark-mode-for-the-app"]
