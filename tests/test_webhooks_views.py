"""Webhook pages and the webhook JSON API: innovation team and admins only."""
import pytest
from sqlalchemy import select

from wiki.extensions import db
from wiki.models import Delivery, Webhook
from wiki.webhooks import services


@pytest.mark.parametrize("who,status", [("customer", 403), ("moderator", 403),
                                        ("innovator", 200), ("admin", 200)])
def test_only_innovation_and_admins_manage_webhooks(request, login, who, status):
    client = login(request.getfixturevalue(who))
    assert client.get("/webhooks/").status_code == status
    assert client.get("/api/v1/webhooks").status_code == status


def test_visitors_are_asked_to_log_in(client):
    assert "/auth/login" in client.get("/webhooks/").headers["Location"]
    assert client.get("/api/v1/webhooks").status_code == 401


def test_register_a_webhook_through_the_form(innovator_client, product):
    html = innovator_client.get("/webhooks/").get_data(as_text=True)
    assert "No webhooks yet" in html and 'name="csrf_token"' in html
    response = innovator_client.post("/webhooks/", data={
        "url": "ftp://example.com/hook", "secret": "", "event_kinds": "", "product": ""})
    assert response.status_code == 400
    assert "Only http:// and https:// URLs" in response.get_data(as_text=True)
    response = innovator_client.post("/webhooks/", data={
        "url": "https://tools.example.com/hook", "secret": "", "event_kinds": "proposal.*, page.edited",
        "product": "acme-phone"})
    assert response.status_code == 302
    hook = db.session.scalar(select(Webhook))
    assert hook.event_kinds == ["proposal.*", "page.edited"] and hook.product_id == product.id
    page = innovator_client.get(response.headers["Location"]).get_data(as_text=True)
    assert hook.secret in page and "No deliveries yet" in page


def test_webhook_page_shows_deliveries_and_redelivers(innovator_client, innovator, make_page):
    hook = services.create_webhook(innovator, "https://tools.example.com/hook")
    make_page("Battery tips")
    delivery = db.session.scalar(select(Delivery))
    delivery.status, delivery.attempts, delivery.last_status_code = "failed", 8, 500
    delivery.last_response = "receiver trouble"
    db.session.commit()
    html = innovator_client.get(f"/webhooks/{hook.id}").get_data(as_text=True)
    assert "page.created" in html and "failed" in html and "HTTP 500" in html
    assert "receiver trouble" in html and "Redeliver" in html
    response = innovator_client.post(f"/webhooks/{hook.id}/deliveries/{delivery.id}/redeliver")
    assert response.status_code == 302
    db.session.refresh(delivery)
    assert delivery.status == "pending" and delivery.attempts == 0
    other = services.create_webhook(innovator, "https://other.example.com/")
    assert innovator_client.post(f"/webhooks/{other.id}/deliveries/{delivery.id}/redeliver").status_code == 404
    assert innovator_client.get("/webhooks/999").status_code == 404


def test_delete_a_webhook(innovator_client, innovator, customer_client):
    hook = services.create_webhook(innovator, "https://tools.example.com/hook")
    assert customer_client.post(f"/webhooks/{hook.id}/delete").status_code == 403
    assert innovator_client.post(f"/webhooks/{hook.id}/delete").status_code == 302
    assert db.session.scalar(select(Webhook)) is None


def test_webhook_api(admin_client, make_page, customer_client):
    response = admin_client.post("/api/v1/webhooks", json={
        "url": "https://tools.example.com/hook", "event_kinds": ["page.created"]})
    assert response.status_code == 201
    created = response.get_json()
    assert created["secret"] and created["event_kinds"] == ["page.created"]
    listed = admin_client.get("/api/v1/webhooks").get_json()["webhooks"]
    assert [h["id"] for h in listed] == [created["id"]] and "secret" not in listed[0]
    make_page("Battery tips")
    deliveries = admin_client.get(f"/api/v1/webhooks/{created['id']}/deliveries").get_json()
    assert deliveries["total"] == 1 and deliveries["deliveries"][0]["status"] == "pending"
    assert deliveries["deliveries"][0]["kind"] == "page.created"
    assert customer_client.delete(f"/api/v1/webhooks/{created['id']}").status_code == 403
    assert admin_client.delete(f"/api/v1/webhooks/{created['id']}").status_code == 204
    assert admin_client.delete(f"/api/v1/webhooks/{created['id']}").status_code == 404
    assert admin_client.get(f"/api/v1/webhooks/{created['id']}/deliveries").status_code == 404


@pytest.mark.parametrize("body,code", [
    ({"url": "gopher://example.com/"}, "invalid"),
    ({"url": 5}, "wrong_type"),
    ({}, "missing_field"),
    ({"url": "https://a.example.com/", "color": "red"}, "unknown_field"),
    ({"url": "https://a.example.com/", "event_kinds": "page.edited"}, "wrong_type"),
    ({"url": "https://a.example.com/", "product": "nope"}, "invalid"),
])
def test_webhook_api_bad_input(admin_client, body, code):
    response = admin_client.post("/api/v1/webhooks", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code


def test_webhook_api_wants_json(admin_client):
    assert admin_client.post("/api/v1/webhooks", data={"url": "https://a.example.com/"}).status_code == 415


def test_account_page_links_to_webhooks_for_the_innovation_team(innovator_client, customer_client):
    assert 'href="/webhooks/"' in innovator_client.get("/account/").get_data(as_text=True)
    assert 'href="/webhooks/"' not in customer_client.get("/account/").get_data(as_text=True)
