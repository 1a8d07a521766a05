"""Voting and rating over HTTP: the no-JS forms, the JSON API, CSRF and rate limits."""
import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, csrf_token_from
from wiki.auth.services import ban
from wiki.extensions import db
from wiki.models import Rating, Vote


def counts(page):
    db.session.refresh(page)
    return page.votes_up, page.votes_down


def vote_rows():
    return db.session.scalar(select(func.count(Vote.id)))


# -- the form -----------------------------------------------------------------------------------

def test_form_vote_returns_to_the_page(customer_client, make_proposal):
    page = make_proposal()
    response = customer_client.post(f"/wiki/{page.slug}/vote", data={"value": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/wiki/{page.slug}")
    assert counts(page) == (1, 0)
    customer_client.post(f"/wiki/{page.slug}/vote", data={"value": "-1"})
    assert counts(page) == (0, 1)
    customer_client.post(f"/wiki/{page.slug}/vote", data={"value": "0"})
    assert counts(page) == (0, 0) and vote_rows() == 0


def test_form_vote_goes_back_to_an_onsite_next_only(customer_client, make_proposal):
    page = make_proposal()
    response = customer_client.post(f"/wiki/{page.slug}/vote",
                                    data={"value": "1", "next": "/proposals/?sort=top"})
    assert response.headers["Location"].endswith("/proposals/?sort=top")
    response = customer_client.post(f"/wiki/{page.slug}/vote",
                                    data={"value": "1", "next": "https://evil.example/"})
    assert response.headers["Location"].endswith(f"/wiki/{page.slug}")


def test_anonymous_form_vote_goes_to_log_in(client, make_proposal):
    page = make_proposal()
    response = client.post(f"/wiki/{page.slug}/vote", data={"value": "1"})
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    assert counts(page) == (0, 0)


@pytest.mark.parametrize("value", ["", "2", "up", "1.0", "true", "-0x1"])
def test_form_bad_values_are_400(value, customer_client, make_proposal):
    page = make_proposal()
    response = customer_client.post(f"/wiki/{page.slug}/vote", data={"value": value})
    assert response.status_code == 400
    assert "A vote is 1" in response.get_data(as_text=True)
    assert vote_rows() == 0


def test_form_vote_on_article_is_400_and_on_missing_or_deleted_page_404(customer_client, make_page,
                                                                          make_proposal):
    article = make_page("Getting started")
    response = customer_client.post(f"/wiki/{article.slug}/vote", data={"value": "1"})
    assert response.status_code == 400
    assert "take votes" in response.get_data(as_text=True)
    assert customer_client.post("/wiki/no-such-page/vote", data={"value": "1"}).status_code == 404
    gone = make_proposal("Gone")
    gone.deleted = True
    db.session.commit()
    assert customer_client.post(f"/wiki/{gone.slug}/vote", data={"value": "1"}).status_code == 404
    assert vote_rows() == 0


def test_form_rating(customer_client, product):
    response = customer_client.post(f"/products/{product.slug}/rating", data={"stars": "4"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/products/{product.slug}")
    customer_client.post(f"/products/{product.slug}/rating", data={"stars": "2"})
    db.session.refresh(product)
    assert (product.rating_count, product.rating_sum) == (1, 2)
    for bad in ("0", "6", "", "four", "4.5"):
        assert customer_client.post(f"/products/{product.slug}/rating",
                                    data={"stars": bad}).status_code == 400
    assert customer_client.post("/products/nothing/rating", data={"stars": "3"}).status_code == 404
    db.session.refresh(product)
    assert (product.rating_count, product.rating_sum) == (1, 2)


def test_anonymous_form_rating_goes_to_log_in(client, product):
    response = client.post(f"/products/{product.slug}/rating", data={"stars": "4"})
    assert "/auth/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count(Rating.id))) == 0


# -- the JSON API -------------------------------------------------------------------------------

def test_api_vote_change_and_withdraw(customer_client, make_page):
    review = make_page("Great camera", kind="review")
    url = f"/api/v1/pages/{review.slug}/vote"
    response = customer_client.put(url, json={"value": 1})
    assert response.status_code == 200
    assert response.get_json() == {"votes": {"up": 1, "down": 0, "score": 1}, "my_vote": 1}
    assert customer_client.put(url, json={"value": 1}).get_json()["votes"]["up"] == 1
    assert customer_client.put(url, json={"value": -1}).get_json() == {
        "votes": {"up": 0, "down": 1, "score": -1}, "my_vote": -1}
    response = customer_client.delete(url)
    assert response.status_code == 200
    assert response.get_json() == {"votes": {"up": 0, "down": 0, "score": 0}, "my_vote": 0}


@pytest.mark.parametrize("body,status", [
    ({"value": 2}, 400), ({"value": 0}, 400), ({"value": "1"}, 400), ({"value": True}, 400),
    ({"value": 1.0}, 400), ({"value": None}, 400), ({}, 400), ({"value": 1, "extra": 1}, 400),
    ([1], 400), ("up", 400),
])
def test_api_bad_votes_change_nothing(body, status, customer_client, make_proposal):
    page = make_proposal()
    response = customer_client.put(f"/api/v1/pages/{page.slug}/vote", json=body)
    assert response.status_code == status
    assert response.get_json()["error"]["message"]
    assert vote_rows() == 0 and counts(page) == (0, 0)


def test_api_vote_needs_json(customer_client, make_proposal):
    page = make_proposal()
    response = customer_client.put(f"/api/v1/pages/{page.slug}/vote", data="value=1",
                                   content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert vote_rows() == 0


def test_api_vote_errors(client, customer_client, make_page, make_proposal):
    page = make_proposal()
    anonymous = client.put(f"/api/v1/pages/{page.slug}/vote", json={"value": 1})
    assert anonymous.status_code == 401
    assert anonymous.get_json()["error"]["code"] == "unauthorized"
    assert client.delete(f"/api/v1/pages/{page.slug}/vote").status_code == 401
    missing = customer_client.put("/api/v1/pages/nope/vote", json={"value": 1})
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    article = make_page("An article")
    refused = customer_client.put(f"/api/v1/pages/{article.slug}/vote", json={"value": 1})
    assert refused.status_code == 400 and "article" in refused.get_json()["error"]["message"]
    page.deleted = True
    db.session.commit()
    assert customer_client.put(f"/api/v1/pages/{page.slug}/vote", json={"value": 1}).status_code == 404
    assert vote_rows() == 0


def test_api_banned_token_is_refused(client, make_user, moderator, make_proposal):
    from wiki.api_auth import new_token

    user = make_user("spammer")
    _, raw = new_token(user, "script")
    db.session.commit()
    page = make_proposal()
    ban(moderator, user, "spam")
    response = client.put(f"/api/v1/pages/{page.slug}/vote", json={"value": 1},
                          headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401
    assert vote_rows() == 0


def test_api_rating(customer_client, other_customer, login, product):
    url = f"/api/v1/products/{product.slug}/rating"
    assert customer_client.put(url, json={"stars": 5}).get_json() == {
        "rating": {"average": 5.0, "count": 1, "histogram": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1}},
        "my_stars": 5}
    body = login(other_customer).put(url, json={"stars": 2}).get_json()
    assert body["rating"]["average"] == 3.5 and body["rating"]["count"] == 2 and body["my_stars"] == 2
    assert customer_client.get(url).get_json()["my_stars"] == 5
    for bad in ({"stars": 0}, {"stars": 6}, {"stars": "5"}, {"stars": True}, {"stars": 4.5}, {}):
        response = customer_client.put(url, json=bad)
        assert response.status_code == 400, bad
    assert customer_client.put("/api/v1/products/nope/rating", json={"stars": 3}).status_code == 404
    db.session.refresh(product)
    assert (product.rating_count, product.rating_sum) == (2, 7)


def test_api_endpoints_are_documented():
    from wiki.api import votes

    for view in (votes.put_vote, votes.delete_vote, votes.put_rating, votes.get_rating):
        assert view.api_doc["summary"]


# -- CSRF ---------------------------------------------------------------------------------------

class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    @pytest.fixture
    def session_client(self, app, customer):
        client = app.test_client()
        token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
        response = client.post("/auth/login", data={"username": customer.username,
                                                    "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302
        return client

    def token(self, client):
        return csrf_token_from(client.get("/proposals/").get_data(as_text=True))

    def test_form_vote_needs_the_token(self, session_client, make_proposal):
        page = make_proposal()
        refused = session_client.post(f"/wiki/{page.slug}/vote", data={"value": "1"})
        assert refused.status_code == 400 and vote_rows() == 0
        accepted = session_client.post(f"/wiki/{page.slug}/vote",
                                       data={"value": "1", "csrf_token": self.token(session_client)})
        assert accepted.status_code == 302 and counts(page) == (1, 0)

    def test_json_vote_needs_the_header(self, session_client, make_proposal):
        page = make_proposal()
        url = f"/api/v1/pages/{page.slug}/vote"
        assert session_client.put(url, json={"value": 1}).status_code == 400
        assert vote_rows() == 0
        response = session_client.put(url, json={"value": 1},
                                      headers={"X-CSRFToken": self.token(session_client)})
        assert response.status_code == 200 and counts(page) == (1, 0)

    def test_bearer_token_needs_no_csrf(self, app, customer, make_proposal):
        from wiki.api_auth import new_token

        _, raw = new_token(customer, "script")
        db.session.commit()
        page = make_proposal()
        response = app.test_client().put(f"/api/v1/pages/{page.slug}/vote", json={"value": -1},
                                         headers={"Authorization": f"Bearer {raw}"})
        assert response.status_code == 200
        assert response.get_json()["my_vote"] == -1

    def test_rating_form_needs_the_token(self, session_client, product):
        url = f"/products/{product.slug}/rating"
        assert session_client.post(url, data={"stars": "4"}).status_code == 400
        assert session_client.post(url, data={"stars": "4", "csrf_token": self.token(session_client)}
                                   ).status_code == 302
        db.session.refresh(product)
        assert product.rating_count == 1


# -- rate limits --------------------------------------------------------------------------------

class TestRateLimit:
    @pytest.fixture
    def app_config(self):
        # the moderation area's "vote" category (wiki/ratelimits.py) covers web and API voting;
        # the fixtures' accounts are new, so the stricter _NEW budget is the one that applies
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_VOTE": "3 per minute",
                "RATELIMIT_VOTE_NEW": "3 per minute"}

    def test_votes_are_rate_limited_per_user_across_form_and_api(self, customer_client, login,
                                                                 other_customer, make_proposal):
        pages = [make_proposal(f"Idea {n}") for n in range(4)]
        assert customer_client.post(f"/wiki/{pages[0].slug}/vote", data={"value": "1"}).status_code == 302
        assert customer_client.put(f"/api/v1/pages/{pages[1].slug}/vote", json={"value": 1}).status_code == 200
        assert customer_client.post(f"/wiki/{pages[2].slug}/vote", data={"value": "1"}).status_code == 302
        limited = customer_client.put(f"/api/v1/pages/{pages[3].slug}/vote", json={"value": 1})
        assert limited.status_code == 429
        assert limited.get_json()["error"]["code"] == "rate_limited"
        assert int(limited.headers["Retry-After"]) > 0
        assert counts(pages[3]) == (0, 0)
        # another user has a budget of their own
        assert login(other_customer).put(f"/api/v1/pages/{pages[3].slug}/vote",
                                         json={"value": 1}).status_code == 200


def test_banned_session_gets_403_and_nothing_changes(customer_client, customer, make_proposal, product):
    """A ban normally ends the user's sessions; should one survive, the rules still refuse."""
    page = make_proposal()
    customer.banned = True
    db.session.commit()
    assert customer_client.put(f"/api/v1/pages/{page.slug}/vote", json={"value": 1}).status_code == 403
    assert customer_client.delete(f"/api/v1/pages/{page.slug}/vote").status_code == 403
    assert customer_client.post(f"/wiki/{page.slug}/vote", data={"value": "1"}).status_code == 403
    assert customer_client.put(f"/api/v1/products/{product.slug}/rating",
                               json={"stars": 5}).status_code == 403
    assert vote_rows() == 0 and counts(page) == (0, 0)


def test_an_api_vote_takes_the_sqlite_write_lock_once_and_answers_from_that_transaction(
        app, client, customer, make_proposal, make_token):
    """The token look-up reads in a plain BEGIN and ends; only the vote takes BEGIN IMMEDIATE,
    and the answer is read before its commit (not in a second locked transaction)."""
    from sqlalchemy import event

    if db.engine.dialect.name != "sqlite":
        pytest.skip("BEGIN IMMEDIATE is SQLite's; PostgreSQL locks rows")
    page = make_proposal()
    headers = make_token(customer)
    client.get("/api/v1/tokens", headers=headers)  # the token's first use writes last_used_at
    url = f"/api/v1/pages/{page.slug}/vote"
    begins = []

    def note(_conn, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            begins.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = client.put(url, json={"value": 1}, headers=headers)
        assert response.get_json() == {"votes": {"up": 1, "down": 0, "score": 1}, "my_vote": 1}
        assert begins.count("BEGIN IMMEDIATE") == 1
        begins.clear()
        response = client.delete(url, headers=headers)
        assert response.get_json() == {"votes": {"up": 0, "down": 0, "score": 0}, "my_vote": 0}
        assert begins.count("BEGIN IMMEDIATE") == 1
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert vote_rows() == 0


@pytest.mark.parametrize("value", [None, 0, True, "1", 1.0])
def test_an_api_vote_of_null_or_zero_is_refused_not_taken_as_a_withdrawal(
        client, customer, make_proposal, make_token, value):
    page = make_proposal()
    headers = make_token(customer)
    assert client.put(f"/api/v1/pages/{page.slug}/vote", json={"value": 1},
                      headers=headers).status_code == 200
    response = client.put(f"/api/v1/pages/{page.slug}/vote", json={"value": value}, headers=headers)
    assert response.status_code == 400
    assert vote_rows() == 1
