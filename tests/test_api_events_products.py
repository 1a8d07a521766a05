"""Products with ratings, and the events feed for polling."""
import pytest

from wiki import events
from wiki.api.common import ApiError
from wiki.api.events import events_since
from wiki.extensions import db
from wiki.models import Event, Rating


def _rate(product, user, stars):
    db.session.add(Rating(user_id=user.id, product_id=product.id, stars=stars))
    product.rating_count += 1
    product.rating_sum += stars
    db.session.commit()


def test_products_list_and_detail_with_histogram(client, make_token, product, make_product,
                                                 make_page, customer, other_customer):
    make_product("Beta Tablet")
    _rate(product, customer, 5)
    _rate(product, other_customer, 2)
    make_page("Great phone", kind="review")
    listing = client.get("/api/v1/products").json
    assert [p["slug"] for p in listing["products"]] == ["acme-phone", "beta-tablet"]
    assert listing["total"] == 2
    assert listing["products"][0]["rating"] == {"average": 3.5, "count": 2}
    detail = client.get("/api/v1/products/acme-phone").json
    assert detail["histogram"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}
    assert detail["pages"] == {"review": 1, "recommendation": 0, "proposal": 0}
    assert "my_rating" not in detail
    mine = client.get("/api/v1/products/acme-phone", headers=make_token(customer)).json
    assert mine["my_rating"] == 5
    assert client.get("/api/v1/products/nope").status_code == 404
    unrated = client.get("/api/v1/products/beta-tablet").json
    assert unrated["rating"] == {"average": None, "count": 0}


def test_events_since_a_cursor(client, make_page):
    make_page("One")
    make_page("Two")
    make_page("Three")
    first = client.get("/api/v1/events?limit=2").json
    assert [e["page"]["slug"] for e in first["events"]] == ["one", "two"]
    assert first["has_more"] is True
    assert first["events"][0]["kind"] == "page.created" and first["events"][0]["revision"] == 1
    rest = client.get(f"/api/v1/events?since={first['next_cursor']}").json
    assert [e["page"]["slug"] for e in rest["events"]] == ["three"]
    assert rest["has_more"] is False
    idle = client.get(f"/api/v1/events?since={rest['next_cursor']}").json
    assert idle["events"] == [] and idle["next_cursor"] == rest["next_cursor"]


def test_events_filters(client, make_page, make_product):
    other = make_product("Zeta Watch")
    make_page("Article")
    make_page("Watch review", kind="review", product=other)
    by_product = client.get("/api/v1/events?product=zeta-watch").json["events"]
    assert [e["page"]["slug"] for e in by_product] == ["watch-review"]
    assert by_product[0]["product"] == "zeta-watch"
    assert client.get("/api/v1/events?kind=page.edited").json["events"] == []
    both = client.get("/api/v1/events?kind=page.edited,page.created").json["events"]
    assert len(both) == 2


@pytest.mark.parametrize("query, code", [("since=abc", "invalid_parameter"),
                                         ("since=-1", "invalid_parameter"),
                                         ("since=999", "unknown_cursor"),
                                         ("limit=0", "invalid_parameter"),
                                         ("product=nope", "unknown_product")])
def test_events_bad_parameters_are_400(client, make_page, query, code):
    make_page("One")
    response = client.get(f"/api/v1/events?{query}")
    assert response.status_code == 400
    assert response.json["error"]["code"] == code and response.json["error"]["message"]


def test_events_limit_is_capped(client, make_page):
    make_page("One")
    response = client.get("/api/v1/events?limit=100000")
    assert response.status_code == 200 and len(response.json["events"]) == 1


def test_internal_events_only_for_insight_roles(client, make_token, make_page, innovator,
                                                moderator):
    page = make_page("One")
    events.record("moderation.protected", moderator, page=page, public=False)
    db.session.commit()
    public = client.get("/api/v1/events").json["events"]
    assert [e["kind"] for e in public] == ["page.created"]
    assert client.get("/api/v1/events", headers=make_token(moderator)).json["events"] == public
    internal = client.get("/api/v1/events", headers=make_token(innovator)).json["events"]
    assert [e["kind"] for e in internal] == ["page.created", "moderation.protected"]


def test_events_of_deleted_pages_are_hidden_from_readers(client, make_token, make_page,
                                                        moderator):
    page = make_page("Gone")
    page.deleted = True
    db.session.commit()
    assert client.get("/api/v1/events").json["events"] == []
    assert len(client.get("/api/v1/events", headers=make_token(moderator)).json["events"]) == 1


def test_events_since_service_refuses_a_cursor_past_the_newest(app, make_page, customer):
    make_page("One")
    newest = db.session.query(db.func.max(Event.id)).scalar()
    assert events_since(customer, newest) == []
    with pytest.raises(ApiError) as caught:
        events_since(customer, newest + 1)
    assert caught.value.status_code == 400 and caught.value.code == "unknown_cursor"
