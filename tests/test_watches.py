"""Watching pages, products, tags and proposal statuses; managing watches on /account/."""
import pytest
from flask_login import login_user
from sqlalchemy import select

from wiki import events
from wiki.errors import ValidationError
from wiki.extensions import db
from wiki.models import Watch
from wiki.slots import render_slot
from wiki.watches import services


def _watches(user):
    return {(w.target_type, w.target_key)
            for w in db.session.scalars(select(Watch).where(Watch.user_id == user.id))}


def test_authors_watch_what_they_create(make_page, make_user):
    author = make_user("writer")
    page = make_page("Battery tips", author=author)
    assert ("page", str(page.id)) in _watches(author)


def test_watch_is_idempotent_and_unwatch_is_harmless(customer, make_page):
    page = make_page("Battery tips")
    assert services.watch(customer, "page", page.id) is True
    assert services.watch(customer, "page", page.id) is False
    assert _watches(customer) == {("page", str(page.id))}
    assert services.unwatch(customer, "page", page.id) is True
    assert services.unwatch(customer, "page", page.id) is False
    assert _watches(customer) == set()


def test_watch_rejects_unknown_targets(customer, make_page):
    with pytest.raises(ValidationError) as info:
        services.watch(customer, "planet", "1")
    assert info.value.status_code == 400
    with pytest.raises(ValidationError) as info:
        services.watch(customer, "tag", "no-such-tag")
    assert info.value.status_code == 404
    with pytest.raises(ValidationError):
        services.watch(customer, "status", "someday")
    with pytest.raises(ValidationError) as info:
        services.watch(customer, "page", "99999")
    assert info.value.status_code == 404


def test_watchers_for_matches_page_product_tag_and_status(make_user, make_proposal, product,
                                                         moderator):
    page_fan, product_fan, tag_fan, status_fan, planned_other = (
        make_user(n) for n in ("pagefan", "prodfan", "tagfan", "statfan", "other"))
    page = make_proposal("Dark mode", tags=["ui"])
    services.watch(page_fan, "page", page.id)
    services.watch(product_fan, "product", product.id)
    services.watch(tag_fan, "tag", "ui")
    services.watch(status_fan, "status", "planned")
    services.watch(planned_other, "status", "shipped")
    event = events.record("proposal.status", moderator, page=page,
                          data={"from": "new", "to": "planned"})
    found = services.watch_reasons(event)
    assert found[page_fan.id] == "page"
    assert found[product_fan.id] == "product"
    assert found[tag_fan.id] == "tag"
    assert found[status_fan.id] == "status"
    assert planned_other.id not in found
    assert services.watchers_for(event) >= {page_fan.id, product_fan.id, tag_fan.id, status_fan.id}
    edit = events.record("page.edited", moderator, page=page)
    assert status_fan.id not in services.watchers_for(edit)
    db.session.rollback()


def test_watch_and_unwatch_through_the_forms(customer_client, customer, make_page, product):
    page = make_page("Battery tips", tags=["power"])
    response = customer_client.post("/watches/", data={"type": "page", "key": page.id,
                                                        "next": "/wiki/battery-tips"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/wiki/battery-tips")
    customer_client.post("/watches/", data={"type": "product", "key": product.id})
    customer_client.post("/watches/", data={"type": "tag", "key": "power"})
    customer_client.post("/watches/", data={"type": "status", "key": "shipped"})
    assert _watches(customer) == {("page", str(page.id)), ("product", str(product.id)),
                                  ("tag", "power"), ("status", "shipped")}
    account = customer_client.get("/account/").get_data(as_text=True)
    assert "Page: Battery tips" in account and "Tag: power" in account
    assert "Proposals that become shipped" in account
    response = customer_client.post("/watches/remove", data={"type": "tag", "key": "power"})
    assert response.status_code == 302
    assert ("tag", "power") not in _watches(customer)


def test_bad_watch_requests_get_clear_errors(customer_client, client):
    assert customer_client.post("/watches/", data={"type": "tag", "key": "nope"}).status_code == 404
    response = customer_client.post("/watches/", data={"type": "moon", "key": "1"})
    assert response.status_code == 400 and "Choose what to watch" in response.get_data(as_text=True)
    assert customer_client.post("/watches/remove", data={"type": "moon"}).status_code == 400
    # visitors are sent to log in; an off-site next is ignored
    assert "/auth/login" in client.post("/watches/", data={"type": "status", "key": "new"}).headers["Location"]
    response = customer_client.post("/watches/", data={"type": "status", "key": "new",
                                                        "next": "https://evil.example/"})
    assert "evil" not in response.headers["Location"]


def test_account_shows_an_empty_state(customer_client):
    html = customer_client.get("/account/").get_data(as_text=True)
    assert "You are not watching anything yet" in html


def test_slot_buttons_show_state_for_members_only(app, customer, make_page, product):
    page = make_page("Battery tips", tags=["power"])
    with app.test_request_context("/wiki/battery-tips"):
        assert str(render_slot("page.actions", page=page)) == ""  # anonymous: no button
        login_user(customer)
        html = str(render_slot("page.actions", page=page))
        assert "☆ Watch" in html and 'name="csrf_token"' in html and f'value="{page.id}"' in html
        services.watch(customer, "page", page.id)
        assert "★ Watching" in str(render_slot("page.actions", page=page))
        assert 'value="product"' in str(render_slot("product.header", product=product))
        assert 'value="power"' in str(render_slot("tag.header", tag="power"))
        assert str(render_slot("tag.header", tag="unknown")) == ""
    with app.test_request_context("/proposals/?status=planned"):
        login_user(customer)
        html = str(render_slot("proposals.header"))
        assert '<option value="planned" selected>' in html
