"""The public roadmap: columns, per product, recently shipped only."""
import re
from datetime import timedelta

from wiki.extensions import db
from wiki.models import utcnow
from wiki.triage import services


def move(actor, page, *path):
    for status in path:
        services.change_status(actor, page, status)


def column(html, status):
    section = re.search(rf'data-status="{status}">(.*?)</section>', html, re.DOTALL).group(1)
    return re.findall(r'<h3><a href="/wiki/([^"]+)"', section)


def test_roadmap_columns(client, moderator, make_proposal):
    planned, building, shipped, old, declined, new = (
        make_proposal(t) for t in ("Planned idea", "Building idea", "Shipped idea", "Old idea",
                                   "Declined idea", "New idea"))
    move(moderator, planned, "under_review", "planned")
    move(moderator, building, "under_review", "planned", "in_progress")
    move(moderator, shipped, "under_review", "planned", "in_progress", "shipped")
    move(moderator, old, "under_review", "planned", "in_progress", "shipped")
    old.proposal.status_changed_at = utcnow() - timedelta(days=400)
    move(moderator, declined, "declined")
    services.post_response(moderator, planned, "Coming in **spring**.")
    db.session.commit()
    response = client.get("/roadmap")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert column(html, "planned") == [planned.slug]
    assert column(html, "in_progress") == [building.slug]
    assert column(html, "shipped") == [shipped.slug]
    assert "<strong>spring</strong>" in html
    assert new.slug not in html and declined.slug not in html


def test_roadmap_per_product(client, moderator, make_product, make_proposal):
    watch = make_product("Acme Watch")
    phone_idea = make_proposal("Phone idea")
    watch_idea = make_proposal("Watch idea", product=watch)
    move(moderator, phone_idea, "under_review", "planned")
    move(moderator, watch_idea, "under_review", "planned")
    html = client.get("/roadmap?product=acme-watch").get_data(as_text=True)
    assert column(html, "planned") == [watch_idea.slug]
    assert client.get("/roadmap?product=nope").status_code == 404


def test_empty_roadmap_says_so(client):
    html = client.get("/roadmap").get_data(as_text=True)
    assert "Nothing planned yet" in html
