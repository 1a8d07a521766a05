"""Atom feeds read from the event stream: valid Atom, right entries, nothing hidden, 304s."""
import xml.etree.ElementTree as ET

import pytest
from flask import render_template_string

from wiki import events
from wiki.extensions import db
from wiki.models import Comment
from wiki.pages.services import edit_page

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None
    entries = []
    for entry in root.findall(f"{ATOM}entry"):
        entries.append({
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "author": entry.find(f"{ATOM}author").findtext(f"{ATOM}name"),
            "updated": entry.findtext(f"{ATOM}updated"),
            "id": entry.findtext(f"{ATOM}id"),
        })
    return root, entries


@pytest.fixture
def editor(make_user):
    return make_user("editor")


def test_recent_feed_lists_changes_newest_first_with_links_and_authors(client, make_page, editor):
    page = make_page("Battery tips")
    edit_page(editor, page, "Better text.", "clearer")
    _root, entries = parse(client.get("/feeds/recent.atom"))
    assert [e["title"] for e in entries] == ["editor edited “Battery tips”", "author created “Battery tips”"]
    assert entries[0]["link"] == "http://localhost/wiki/battery-tips/diff?from=1&to=2"
    assert entries[1]["link"] == "http://localhost/wiki/battery-tips"
    assert entries[0]["author"] == "editor" and entries[0]["updated"]
    assert len({e["id"] for e in entries}) == 2


def test_hidden_deleted_and_private_content_never_appears(client, make_page, editor, moderator):
    page = make_page("Battery tips")
    secret = edit_page(editor, page, "Spam text.", "spam")
    gone = make_page("Old page")
    gone.deleted = True
    comment = Comment(page=page, author_id=editor.id, source="rude", html="<p>rude</p>", hidden=True)
    db.session.add(comment)
    db.session.flush()
    events.record("comment.created", editor, page=page, comment=comment)
    events.record("proposal.response", moderator, page=page, public=False)
    secret.hidden = True
    db.session.commit()
    _root, entries = parse(client.get("/feeds/recent.atom"))
    assert [e["title"] for e in entries] == ["author created “Battery tips”"]
    _root, history = parse(client.get("/wiki/battery-tips/history.atom"))
    assert len(history) == 1
    assert client.get("/wiki/old-page/history.atom").status_code == 404


def test_product_tag_and_page_history_feeds(client, make_page, make_product, editor):
    other = make_product("Acme Watch")
    review = make_page("Great phone", kind="review", tags=["battery"])
    make_page("Watch strap", kind="review", product=other)
    make_page("General notes", tags=["battery"])
    edit_page(editor, review, "Even greater.", "more")
    _root, entries = parse(client.get("/feeds/products/acme-phone.atom"))
    assert [e["title"] for e in entries] == ["editor edited “Great phone”", "author created “Great phone”"]
    _root, entries = parse(client.get("/feeds/tags/battery.atom"))
    assert {e["title"] for e in entries} == {"editor edited “Great phone”", "author created “Great phone”",
                                             "author created “General notes”"}
    _root, entries = parse(client.get("/wiki/great-phone/history.atom"))
    assert [e["link"] for e in entries] == ["http://localhost/wiki/great-phone/diff?from=1&to=2",
                                            "http://localhost/wiki/great-phone"]
    for url in ("/feeds/products/nope.atom", "/feeds/tags/nope.atom", "/wiki/nope/history.atom"):
        assert client.get(url).status_code == 404, url


def test_proposals_feed_filters_by_status_and_product(client, make_page, make_proposal, make_product,
                                                     moderator):
    watch_product = make_product("Acme Watch")
    make_page("Not a proposal", kind="review")
    planned = make_proposal("Dark mode")
    make_proposal("Bigger font")
    make_proposal("Strap colours", product=watch_product)
    planned.proposal.status = "planned"
    events.record("proposal.status", moderator, page=planned, data={"from": "new", "to": "planned"})
    db.session.commit()
    _root, entries = parse(client.get("/feeds/proposals.atom"))
    assert len(entries) == 4
    _root, entries = parse(client.get("/feeds/proposals.atom?status=planned"))
    assert [e["title"] for e in entries] == ["morgan changed the status of “Dark mode” to planned",
                                             "author created “Dark mode”"]
    _root, entries = parse(client.get("/feeds/proposals.atom?product=acme-watch"))
    assert [e["title"] for e in entries] == ["author created “Strap colours”"]
    assert client.get("/feeds/proposals.atom?status=someday").status_code == 400
    assert client.get("/feeds/proposals.atom?product=nope").status_code == 404


def test_feeds_answer_conditional_requests(client, make_page, editor):
    page = make_page("Battery tips")
    first = client.get("/feeds/recent.atom")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get("/feeds/recent.atom", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/feeds/recent.atom", headers={"If-Modified-Since": modified}).status_code == 304
    edit_page(editor, page, "New text.")
    fresh = client.get("/feeds/recent.atom", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag


def test_empty_feed_is_still_valid_atom(client):
    root, entries = parse(client.get("/feeds/recent.atom"))
    assert entries == [] and "Recent changes" in root.findtext(f"{ATOM}title")


def test_feeds_are_discoverable_from_the_page_head(app, client, make_page, product):
    page = make_page("Great phone", kind="review", tags=["battery"])
    tag_url = "/tags/battery"
    home = client.get("/auth/login").get_data(as_text=True)
    assert 'type="application/atom+xml"' in home and 'href="/feeds/recent.atom"' in home
    html = client.get(f"/wiki/{page.slug}").get_data(as_text=True)
    assert 'href="/wiki/great-phone/history.atom"' in html
    html = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert 'href="/feeds/products/acme-phone.atom"' in html
    html = client.get(tag_url).get_data(as_text=True)
    assert 'href="/feeds/tags/battery.atom"' in html


def test_the_product_hub_names_its_feed_and_shows_a_link_to_it(client, product):
    html = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert f'title="{product.name} · CoWiki" href="/feeds/products/acme-phone.atom"' in html
    assert f'class="feed-link" href="/feeds/products/acme-phone.atom" type="application/atom+xml">Atom feed of {product.name}' in html
