"""The /search page, the search API and the similar-proposals helper, as users and integrators
see them; and bad input, which never becomes a 500."""
import pytest
from flask import render_template_string

from tests.search_helpers import app_config  # noqa: F401 - runs every test on each backend


@pytest.fixture
def ideas(make_proposal, make_page, make_user):
    return {
        "checkout": make_proposal("Faster checkout", body="One-click <b>checkout</b> please.",
                                  tags=["payments"]),
        "wallet": make_proposal("Wallet support", body="Pay with the phone wallet at checkout."),
        "article": make_page("Checkout guide", body="How checkout works today."),
    }


def test_search_page_shows_results_with_kind_status_votes_and_snippet(client, ideas):
    response = client.get("/search?q=checkout")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'href="/wiki/faster-checkout"' in html
    assert "Wallet support" in html and "Checkout guide" in html
    assert "<mark>checkout</mark>" in html.lower() or "<mark>Checkout</mark>" in html
    assert "&lt;b&gt;" in html or "<b>" not in html.split('class="snippet"')[1]
    assert 'class="status status-new"' in html
    assert "+0 votes" in html or "0 votes" in html
    assert "3 in all" in html


def test_search_page_has_labelled_filter_controls(client, ideas):
    html = client.get("/search?q=checkout&kind=proposal&sort=newest").get_data(as_text=True)
    for control in ("search-q", "search-kind", "search-product", "search-status", "search-tag",
                    "search-author", "search-sort"):
        assert f'for="{control}"' in html and f'id="{control}"' in html
    assert '<option value="proposal" selected>' in html
    assert '<option value="newest" selected>' in html
    assert "Checkout guide" not in html


def test_empty_search_page_tells_people_what_to_do(client):
    html = client.get("/search").get_data(as_text=True)
    assert "Type a few words" in html


def test_no_results_offers_did_you_mean(client, ideas):
    html = client.get("/search?q=chekout").get_data(as_text=True)
    assert "Nothing matched" in html
    assert "Did you mean" in html and "checkout" in html


def test_api_search_returns_the_documented_shape(client, ideas, product):
    response = client.get("/api/v1/search?q=checkout&kind=proposal&per_page=1")
    assert response.status_code == 200
    data = response.get_json()
    assert data["total"] == 2 and data["page"] == 1 and data["per_page"] == 1
    result = data["results"][0]
    assert set(result) >= {"slug", "title", "kind", "product", "status", "snippet", "votes"}
    assert result["kind"] == "proposal" and result["product"] == product.slug
    assert result["status"] == "new"
    assert result["votes"] == {"up": 0, "down": 0, "score": 0}
    page2 = client.get("/api/v1/search?q=checkout&kind=proposal&per_page=1&page=2").get_json()
    assert page2["results"][0]["slug"] != result["slug"]


def test_api_search_suggests_a_spelling(client, ideas):
    data = client.get("/api/v1/search?q=wallit").get_json()
    assert data["total"] == 0
    assert data["suggestion"] == "wallet"


def test_api_search_without_a_query_is_a_clear_400(client):
    response = client.get("/api/v1/search")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "missing_query"


def test_api_similar_lists_proposals_with_status_and_votes(client, ideas):
    data = client.get("/api/v1/search/similar?title=quicker%20checkout").get_json()
    slugs = [r["slug"] for r in data["results"]]
    assert slugs[0] == "faster-checkout"
    assert "checkout-guide" not in slugs  # only proposals
    assert data["results"][0]["status"] == "new"
    assert "votes" in data["results"][0]
    assert client.get("/api/v1/search/similar?title=").get_json() == {"results": []}


def test_the_new_page_form_slot_holds_the_similar_proposals_box(app, ideas):
    with app.test_request_context("/new?kind=proposal"):
        html = render_template_string('{{ render_slot("pages.new_form", kind="proposal") }}')
    assert 'class="similar-proposals"' in html
    assert 'aria-live="polite"' in html
    assert "/api/v1/search/similar" in html
    assert "js/similar.js" in html


BAD_QUERIES = [
    '"unbalanced quote', "(unbalanced (parens", ")", "*", "**", "kind:", "product:", "tag:",
    "status:", "nosuchfield:value", "nosuchfield:", ":", "NOT", "OR", "-", "checkout OR",
    "NOT checkout", " ".join(["checkout"] * 5000), "x" * 100_000, "check\x00out\x1b[31m",
    "\u202echeckout", "a*", "kind:proposal kind:review", "author:<script>", "%", "_", "\\",
    "'; DROP TABLE pages; --", "checkout:*", "status:\"under review\"", "🙂 checkout",
]


@pytest.mark.parametrize("q", BAD_QUERIES, ids=range(len(BAD_QUERIES)))
def test_bad_input_never_breaks_the_search_page_or_the_api(client, ideas, q):
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200
    assert "Search" in response.get_data(as_text=True)
    api = client.get("/api/v1/search", query_string={"q": q})
    assert api.status_code in (200, 400)
    assert "results" in api.get_json() or api.get_json()["error"]["code"]


def test_bad_paging_and_sort_fall_back(client, ideas):
    for args in ("page=-1", "page=abc", "per_page=100000", "sort=bogus", "page=99999"):
        response = client.get(f"/api/v1/search?q=checkout&{args}")
        assert response.status_code == 200, args
    assert client.get("/search?q=checkout&sort=nonsense&page=0").status_code == 200


def test_a_long_query_says_it_was_shortened(client, ideas):
    data = client.get("/api/v1/search", query_string={"q": "checkout " * 200}).get_json()
    assert data["total"] >= 1
    assert any("shortened" in n or "first" in n for n in data["notices"])
