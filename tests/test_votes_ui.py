"""What people see: the vote widget (slot page.header), the rating on a product hub (slot
product.header) and the proposals board."""
import re

import pytest
from flask import g
from flask_login import login_user
from sqlalchemy import event

from wiki.extensions import db
from wiki.slots import render_slot
from wiki.votes.services import cast_vote, rate_product


def render_as(app, user, slot, **values):
    with app.test_request_context("/wiki/somewhere"):
        g.pop("_login_user", None)  # the test's app context (and g) outlives each request
        if user is not None:
            login_user(user)
        return str(render_slot(slot, **values))


def pressed(html, label):
    match = re.search(r'<button[^>]*aria-pressed="(true|false)"[^>]*>\s*<span aria-hidden="true">.</span> '
                      + label + r" ", html)
    assert match, f"no {label} button"
    return match.group(1) == "true"


def test_proposal_widget_shows_own_vote_and_counts(app, customer, other_customer, make_proposal):
    page = make_proposal()
    cast_vote(customer, page, 1)
    cast_vote(other_customer, page, -1)
    html = render_as(app, customer, "page.header", page=page, revision=None)
    assert pressed(html, "Support") and not pressed(html, "Oppose")
    assert 'data-count="up">1<' in html and 'data-count="down">1<' in html
    assert 'name="csrf_token"' in html and f'action="/wiki/{page.slug}/vote"' in html
    assert f'data-api="/api/v1/pages/{page.slug}/vote"' in html
    assert "Your vote: support." in html
    # pressing the pressed button withdraws the vote (value 0) without JavaScript
    assert re.search(r'value="0" aria-pressed="true"', html)


@pytest.mark.parametrize("kind", ["review", "recommendation"])
def test_reviews_and_recommendations_ask_if_helpful(kind, app, customer, make_page):
    page = make_page(f"A {kind}", kind=kind)
    html = render_as(app, customer, "page.header", page=page, revision=None)
    assert not pressed(html, "Helpful") and not pressed(html, "Not helpful")
    assert "helpful?" in html


def test_articles_and_deleted_pages_show_no_widget(app, customer, make_page, make_proposal):
    assert render_as(app, customer, "page.header", page=make_page("An article"), revision=None) == ""
    gone = make_proposal()
    gone.deleted = True
    db.session.commit()
    assert render_as(app, customer, "page.header", page=gone, revision=None) == ""


def test_anonymous_visitors_see_counts_and_a_log_in_link(app, customer, make_proposal):
    page = make_proposal()
    cast_vote(customer, page, 1)
    html = render_as(app, None, "page.header", page=page, revision=None)
    assert "<form" not in html
    assert 'data-count="up">1</span> support' in html
    assert "Log in to vote" in html


def test_the_vote_script_is_loaded_on_every_page(client):
    html = client.get("/proposals/").get_data(as_text=True)
    assert re.search(r'src="/static/js/votes\.js(\?v=[0-9a-f]+)?" defer', html)
    assert client.get("/static/js/votes.js").status_code == 200


def test_product_hub_rating_slot(app, customer, other_customer, make_user, product):
    rate_product(customer, product, 5)
    rate_product(other_customer, product, 4)
    rate_product(make_user("third"), product, 4)
    html = render_as(app, customer, "product.header", product=product)
    assert "<strong>4.3</strong> out of 5 from 3 ratings" in html
    assert '<th scope="row">4 stars</th>' in html
    assert '<meter min="0" max="3" value="2" aria-label="4 stars: 67%">67%</meter>' in html
    assert re.search(r'value="5" required checked', html)  # the viewer's own rating
    assert "Change rating" in html and 'name="csrf_token"' in html


def test_product_hub_without_ratings_invites_one(app, customer, product):
    html = render_as(app, customer, "product.header", product=product)
    assert "No ratings yet. Be the first to rate Acme Phone." in html
    anonymous = render_as(app, None, "product.header", product=product)
    assert "<form" not in anonymous and "Log in to rate Acme Phone" in anonymous


# -- the proposals board ------------------------------------------------------------------------

def titles(html):
    return re.findall(r'class="board-row-title" href="[^"]+">([^<]+)<', html)


def test_board_sorts_and_shows_own_votes(customer_client, customer, other_customer, make_proposal):
    old = make_proposal("Old favourite")
    mid = make_proposal("Middle idea")
    new = make_proposal("Brand new")
    cast_vote(customer, old, 1)
    cast_vote(other_customer, old, 1)
    cast_vote(customer, mid, -1)
    html = customer_client.get("/proposals/?sort=top").get_data(as_text=True)
    assert titles(html)[0] == "Old favourite"
    assert titles(html)[-1] == "Middle idea"
    assert titles(customer_client.get("/proposals/?sort=new").get_data(as_text=True))[0] == "Brand new"
    assert titles(customer_client.get("/proposals/").get_data(as_text=True))[0] == "Old favourite"
    rows = html.split('<li class="board-row card">')[1:]
    by_title = {titles(row)[0]: row for row in rows}
    assert pressed(by_title["Old favourite"], "Support")
    assert pressed(by_title["Middle idea"], "Oppose")
    assert not pressed(by_title["Brand new"], "Support")
    assert '+2</span>' in by_title["Old favourite"]
    assert new.slug in html


def test_board_filters(customer_client, customer, make_product, make_proposal, make_page):
    other = make_product("Acme Watch")
    make_proposal("Phone idea", tags=["battery"])
    make_proposal("Watch idea", product=other)
    voted = make_proposal("Voted idea")
    make_page("A review", kind="review")
    cast_vote(customer, voted, 1)
    get = lambda query: titles(customer_client.get(f"/proposals/{query}").get_data(as_text=True))
    assert sorted(get("")) == ["Phone idea", "Voted idea", "Watch idea"]
    assert get("?product=acme-watch") == ["Watch idea"]
    assert get("?tag=battery") == ["Phone idea"]
    assert get("?mine=1") == ["Voted idea"]
    assert sorted(get("?status=new")) == ["Phone idea", "Voted idea", "Watch idea"]
    assert get("?status=planned") == []
    assert "No proposals match these filters" in customer_client.get("/proposals/?status=planned").get_data(as_text=True)
    assert customer_client.get("/proposals/?status=bogus").status_code == 400
    assert customer_client.get("/proposals/?product=nope").status_code == 404
    assert customer_client.get("/proposals/?sort=bogus").status_code == 200


def test_board_mine_needs_log_in_and_empty_board_says_what_to_do(client):
    assert "/auth/login" in client.get("/proposals/?mine=1").headers["Location"]
    assert "No proposals yet" in client.get("/proposals/").get_data(as_text=True)


def test_board_paginates(client, app, make_proposal):
    app.config["PER_PAGE"] = 2
    for n in range(5):
        make_proposal(f"Idea {n}")
    first = client.get("/proposals/?sort=new").get_data(as_text=True)
    assert titles(first) == ["Idea 4", "Idea 3"]
    assert "5 in all" in first
    assert titles(client.get("/proposals/?sort=new&page=3").get_data(as_text=True)) == ["Idea 0"]


def test_board_query_count_does_not_grow_with_rows(app, customer_client, customer, make_proposal):
    """One query for the viewer's votes on the shown pages: no query per row."""

    def queries_for_board():
        statements = []

        def count(*_args):
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert customer_client.get("/proposals/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    for n in range(2):
        cast_vote(customer, make_proposal(f"First {n}"), 1)
    few = queries_for_board()
    for n in range(8):
        cast_vote(customer, make_proposal(f"More {n}"), -1)
    assert queries_for_board() == few
