"""Hidden revisions and comments never leak to customers or anonymous readers, anywhere: page,
history, revision, diff, talk, recent changes, Atom feeds, the JSON API, notifications and
webhook payloads. Moderators still see them. Deleted pages are 404 everywhere for customers."""
import json

import pytest
from sqlalchemy import select

from wiki.extensions import db
from wiki.models import Delivery, Revision
from wiki.moderation import services as moderation
from wiki.pages.services import add_comment, edit_page
from wiki.watches import services as watches
from wiki.webhooks import delivery as outbox
from wiki.webhooks import services as hooks

SECRETS = ("SECRETBODYTEXT", "SECRETSUMMARYTEXT", "SECRETCOMMENTTEXT", "SECRETCURRENTTEXT",
           "SECRETCURRENTSUMMARY")


@pytest.fixture
def world(make_page, make_user, customer, moderator, innovator, product):
    """``middle``: a review whose revision 2 of 3 and one comment are hidden. ``latest``: a
    review whose current revision is hidden. ``customer`` watches both and the product."""
    hooks.create_webhook(innovator, "https://receiver.example/hook")
    vandal = make_user("vandal")
    middle = make_page("Middle hidden", kind="review", body="public one", tags=["leaky"])
    latest = make_page("Latest hidden", kind="review", body="public start", tags=["leaky"])
    for page in (middle, latest):
        watches.watch(customer, "page", page.id)
    watches.watch(customer, "product", product.id)
    watches.watch(customer, "tag", "leaky")
    secret_rev = edit_page(vandal, middle, "SECRETBODYTEXT here", "SECRETSUMMARYTEXT")
    edit_page(make_user("fixer"), middle, "public three", "cleaned up")
    comment = add_comment(vandal, middle, "SECRETCOMMENTTEXT rude")
    add_comment(make_user("kind"), middle, "a kind public comment")
    current = edit_page(vandal, latest, "SECRETCURRENTTEXT walrus", "SECRETCURRENTSUMMARY")
    moderation.hide_revision(moderator, db.session.get(Revision, secret_rev.id), "spam")
    moderation.hide_revision(moderator, db.session.get(Revision, current.id), "spam")
    moderation.hide_comment(moderator, comment, "abuse")
    return {"middle": middle, "latest": latest, "product": product, "vandal": vandal}


def urls(world):
    m, l, p = world["middle"].slug, world["latest"].slug, world["product"].slug
    return [
        f"/wiki/{m}", f"/wiki/{m}/history", f"/wiki/{m}/revisions/2", f"/wiki/{m}/revisions/3",
        f"/wiki/{m}/diff?from=1&to=2", f"/wiki/{m}/diff?from=2&to=3", f"/wiki/{m}/diff?from=1&to=3",
        f"/wiki/{m}/talk", f"/wiki/{m}/history.atom", f"/wiki/{m}/edit",
        f"/wiki/{l}", f"/wiki/{l}/history", f"/wiki/{l}/revisions/2", f"/wiki/{l}/diff?from=1&to=2",
        f"/wiki/{l}/history.atom", f"/wiki/{l}/edit",
        "/recent", "/recent?kind=comment", "/feeds/recent.atom", f"/feeds/products/{p}.atom",
        "/feeds/tags/leaky.atom", f"/products/{p}", "/tags/leaky", f"/people/{world['vandal'].username}",
        "/notifications/", "/",
        f"/api/v1/pages/{m}", f"/api/v1/pages/{m}/revisions", f"/api/v1/pages/{m}/revisions/2",
        f"/api/v1/pages/{m}/diff?from=1&to=2", f"/api/v1/pages/{m}/diff?from=2&to=3",
        f"/api/v1/pages/{l}", f"/api/v1/pages/{l}/revisions", f"/api/v1/pages/{l}/revisions/2",
        f"/api/v1/pages/{l}/diff?from=1&to=2", "/api/v1/pages", "/api/v1/events",
        "/api/v1/events?per_page=100", "/api/v1/notifications",
    ] + [f"{where}?q={word}" for where in ("/search", "/api/v1/search")  # words beside the secrets
         for word in ("here", "rude", "walrus", "kind:review")]


def leaks(client, world):
    found = []
    for url in urls(world):
        response = client.get(url)
        assert response.status_code < 500, url
        text = response.get_data(as_text=True)
        found += [(url, secret) for secret in SECRETS if secret in text]
    return found


def test_customers_never_see_hidden_content(world, customer_client):
    assert leaks(customer_client, world) == []


def test_anonymous_readers_never_see_hidden_content(world, client):
    assert leaks(client, world) == []


def test_moderators_still_see_hidden_content(world, moderator_client):
    found = {secret for _url, secret in leaks(moderator_client, world)}
    assert found == set(SECRETS)


def test_webhook_payloads_carry_no_hidden_content(world, app):
    site = "https://wiki.example"
    bodies = [json.dumps(outbox.payload(d.event, site))
              for d in db.session.scalars(select(Delivery).order_by(Delivery.id))]
    assert bodies, "the webhook had deliveries queued"
    assert [s for s in SECRETS for body in bodies if s in body] == []


def test_deleted_pages_are_404_for_customers_everywhere(world, moderator, customer_client, client,
                                                        moderator_client):
    page = world["middle"]
    assert "public three" in client.get("/api/v1/search?q=three").get_data(as_text=True) or \
        "Middle hidden" in client.get("/search?q=three").get_data(as_text=True)
    moderation.delete_page(moderator, page, "gone")
    slug = page.slug
    for reader in (customer_client, client):
        for url in (f"/wiki/{slug}", f"/wiki/{slug}/history", f"/wiki/{slug}/revisions/1",
                    f"/wiki/{slug}/diff?from=1&to=3", f"/wiki/{slug}/talk", f"/wiki/{slug}/history.atom",
                    f"/wiki/{slug}/links", f"/api/v1/pages/{slug}", f"/api/v1/pages/{slug}/revisions",
                    f"/api/v1/pages/{slug}/revisions/1", f"/api/v1/pages/{slug}/diff?from=1&to=3"):
            assert reader.get(url).status_code == 404, url
        for url in ("/recent", "/feeds/recent.atom", f"/feeds/products/{world['product'].slug}.atom",
                    "/feeds/tags/leaky.atom", "/api/v1/events?per_page=100", "/api/v1/pages",
                    f"/products/{world['product'].slug}", "/tags/leaky", "/search?q=three",
                    "/api/v1/search?q=three"):
            body = reader.get(url).get_data(as_text=True)
            assert "public three" not in body and f"/wiki/{slug}\"" not in body, url
            assert f'"slug": "{slug}"' not in body and f'"slug":"{slug}"' not in body, url
    assert moderator_client.get(f"/wiki/{slug}").status_code == 200
