"""Webhooks: the outbox, signed deliveries to a real local receiver, retries and back-off."""
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from wiki import events
from wiki.errors import ValidationError
from wiki.extensions import db
from wiki.models import Delivery, utcnow
from wiki.pages.services import edit_page
from wiki.webhooks import services
from wiki.webhooks.delivery import deliver_due

from .webhook_receiver import Receiver, free_port


@pytest.fixture
def app_config():
    return {"WEBHOOK_TIMEOUT": 1, "WEBHOOK_BACKOFF_SECONDS": 60, "WEBHOOK_MAX_ATTEMPTS": 3,
            "SITE_URL": "https://wiki.example.com"}


@pytest.fixture
def receiver():
    started = []

    def _start(**kwargs):
        server = Receiver(**kwargs).start()
        started.append(server)
        return server

    yield _start
    for server in started:
        server.stop()


def _deliveries():
    return list(db.session.scalars(select(Delivery).order_by(Delivery.id)))


def _expected_signature(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_signed_delivery_reaches_the_receiver(innovator, receiver, make_page, make_user):
    server = receiver()
    services.create_webhook(innovator, server.url, "s3cret", ["page.edited"])
    page = make_page("Battery tips", kind="review")
    edit_page(make_user("editor"), page, "More text.", "more")
    (delivery,) = _deliveries()  # page.created does not match the filter
    assert delivery.status == "pending"
    assert deliver_due() == {"delivered": 1, "retrying": 0, "failed": 0, "gone": 0}
    (headers, body), = server.requests
    assert headers["X-CoWiki-Signature"] == _expected_signature("s3cret", body)
    assert headers["X-CoWiki-Event"] == "page.edited"
    assert headers["X-CoWiki-Delivery"] == str(delivery.id)
    data = json.loads(body)
    assert data["kind"] == "page.edited" and data["actor"] == "editor"
    assert data["id"] == delivery.event_id and data["product"] == "acme-phone"
    assert data["page"]["slug"] == "battery-tips" and data["page"]["revision"] == 2
    assert data["page"]["url"] == "https://wiki.example.com/wiki/battery-tips"
    assert set(data) >= {"id", "kind", "created_at", "actor", "page", "product", "data"}
    db.session.refresh(delivery)
    assert delivery.status == "delivered" and delivery.attempts == 1
    assert delivery.last_status_code == 200 and delivery.last_response == "ok"
    assert deliver_due()["delivered"] == 0  # nothing sent twice


def test_failures_back_off_then_succeed(innovator, receiver, make_page):
    server = receiver(answers=[500, 200])
    services.create_webhook(innovator, server.url)
    make_page("Battery tips")
    (delivery,) = _deliveries()
    now = utcnow()
    assert deliver_due(now=now)["retrying"] == 1
    db.session.refresh(delivery)
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_status_code == 500 and delivery.last_response == "receiver trouble"
    assert delivery.next_attempt_at == now + timedelta(seconds=60)
    assert deliver_due(now=now + timedelta(seconds=30))["delivered"] == 0  # not due yet
    assert deliver_due(now=now + timedelta(seconds=61))["delivered"] == 1
    db.session.refresh(delivery)
    assert delivery.status == "delivered" and delivery.attempts == 2
    assert len(server.requests) == 2
    assert server.requests[0][1] == server.requests[1][1]  # the same event, resent


def test_back_off_doubles_and_gives_up_after_the_limit(innovator, receiver, make_page):
    server = receiver(answers=[503])
    services.create_webhook(innovator, server.url)
    make_page("Battery tips")
    (delivery,) = _deliveries()
    now = utcnow()
    assert deliver_due(now=now)["retrying"] == 1
    db.session.refresh(delivery)
    assert delivery.next_attempt_at == now + timedelta(seconds=60)
    later = now + timedelta(seconds=60)
    assert deliver_due(now=later)["retrying"] == 1
    db.session.refresh(delivery)
    assert delivery.next_attempt_at == later + timedelta(seconds=120)
    assert deliver_due(now=later + timedelta(seconds=120))["failed"] == 1
    db.session.refresh(delivery)
    assert delivery.status == "failed" and delivery.attempts == 3
    assert deliver_due(now=later + timedelta(days=1))["failed"] == 0
    assert len(server.requests) == 3


def test_a_receiver_that_is_down_loses_nothing(innovator, receiver, make_page):
    port = free_port()
    services.create_webhook(innovator, f"http://127.0.0.1:{port}/hook", "k")
    make_page("Battery tips")
    (delivery,) = _deliveries()
    now = utcnow()
    assert deliver_due(now=now)["retrying"] == 1
    db.session.refresh(delivery)
    assert delivery.status == "pending" and delivery.next_attempt_at > now
    assert delivery.last_status_code is None and "connect" in delivery.last_error.lower()
    server = receiver(port=port)
    assert deliver_due(now=delivery.next_attempt_at)["delivered"] == 1
    (headers, body), = server.requests
    assert headers["X-CoWiki-Signature"] == _expected_signature("k", body)


def test_a_hanging_receiver_is_cut_off(innovator, receiver, make_page):
    server = receiver(hang=True)
    services.create_webhook(innovator, server.url)
    make_page("Battery tips")
    assert deliver_due()["retrying"] == 1
    (delivery,) = _deliveries()
    assert delivery.status == "pending" and "No answer within" in delivery.last_error


def test_filters_by_kind_family_and_product(innovator, make_page, make_product, moderator):
    other = make_product("Acme Watch")
    by_kind = services.create_webhook(innovator, "https://a.example.com/", "", "proposal.*")
    by_product = services.create_webhook(innovator, "https://b.example.com/", "", [], "acme-watch")
    everything = services.create_webhook(innovator, "https://c.example.com/")
    proposal = make_page("Dark mode", kind="proposal")
    make_page("Strap", kind="review", product=other)
    events.record("proposal.status", moderator, page=proposal, data={"to": "planned"})
    events.record("moderation.hide", moderator, page=proposal, public=False)
    db.session.commit()
    sent = {}
    for delivery in _deliveries():
        sent.setdefault(delivery.webhook_id, []).append(delivery.event.kind)
    assert sent[by_kind.id] == ["proposal.status"]
    assert sent[by_product.id] == ["page.created"]
    assert sent[everything.id] == ["page.created", "page.created", "proposal.status"]


def test_outbox_rows_share_the_event_transaction(innovator, make_page, moderator):
    services.create_webhook(innovator, "https://a.example.com/")
    page = make_page("Battery tips")
    events.record("page.edited", moderator, page=page)
    db.session.rollback()
    assert [d.event.kind for d in _deliveries()] == ["page.created"]


@pytest.mark.parametrize("url", ["ftp://example.com/x", "javascript:alert(1)", "file:///etc/passwd",
                                 "http://", "example.com/hook", "http://exa mple.com/",
                                 "http://user:pw@example.com/", "http://example.com:99999/", ""])
def test_only_http_urls_are_accepted(innovator, url):
    with pytest.raises(ValidationError) as info:
        services.create_webhook(innovator, url)
    assert "url" in info.value.errors


def test_bad_kinds_and_products_are_refused(innovator):
    with pytest.raises(ValidationError):
        services.create_webhook(innovator, "https://a.example.com/", event_kinds=["Page Edited!"])
    with pytest.raises(ValidationError):
        services.create_webhook(innovator, "https://a.example.com/", product_slug="nope")


def test_secret_is_generated_when_empty(innovator):
    hook = services.create_webhook(innovator, "https://a.example.com/")
    assert len(hook.secret) >= 32


def test_deliver_command_once(runner, innovator, receiver, make_page):
    server = receiver()
    services.create_webhook(innovator, server.url)
    make_page("Battery tips")
    make_page("Screen care")
    result = runner.invoke(args=["webhooks", "deliver", "--limit", "1"])
    assert result.exit_code == 0 and "delivered 1" in result.output
    result = runner.invoke(args=["webhooks", "deliver"])
    assert "delivered 1" in result.output
    assert len(server.requests) == 2


def test_a_claimed_delivery_is_not_sent_twice(innovator, make_page):
    from wiki.webhooks.delivery import _claim

    services.create_webhook(innovator, "https://a.example.com/")
    make_page("Battery tips")
    now = utcnow()
    job = _claim(now, [])
    assert job is not None  # a worker holds it while it talks to the receiver
    assert _claim(now, []) is None and deliver_due(now=now) == {
        "delivered": 0, "retrying": 0, "failed": 0, "gone": 0}
    (delivery,) = _deliveries()
    assert delivery.status == "pending" and delivery.next_attempt_at > now
