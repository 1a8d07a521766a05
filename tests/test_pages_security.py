"""Hostile input through every way text gets in, and who may write at all."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from wiki.extensions import db
from wiki.models import Comment, Event, Page, Revision, utcnow

from .hostile_inputs import HOSTILE, assert_safe


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_hostile_inputs_are_neutralised_in_pages_comments_and_preview(customer_client, make_page):
    assert len(HOSTILE) >= 50
    page = make_page("Target", body="Start.")
    base = 1
    for number, source in enumerate(HOSTILE):
        body = f"Attempt {number}\n\n{source}"
        saved = customer_client.post(f"/wiki/{page.slug}/edit", data={"body": body, "base_revision": base})
        assert saved.status_code == 302, source
        base = page.revision_count
        assert_safe(page.current_revision.html)
        assert_safe(customer_client.get(f"/wiki/{page.slug}").get_data(as_text=True)
                    .split('<div class="wiki-body">', 1)[1].split("</article>", 1)[0])
        commented = customer_client.post(f"/wiki/{page.slug}/talk", data={"body": body})
        assert commented.status_code == 302, source
        comment = db.session.scalar(select(Comment).order_by(Comment.id.desc()))
        assert_safe(comment.html)
        preview = customer_client.post("/preview", data={"body": body})
        assert preview.status_code == 200
        assert_safe(preview.get_data(as_text=True))
    # a hostile title is only ever text
    created = customer_client.post("/new", data={"title": "<img src=x onerror=alert(1)> page",
                                                 "kind": "article", "body": "x", "action": "save"})
    assert created.status_code == 302
    html = customer_client.get(created.location).get_data(as_text=True)
    assert "<img src=x onerror" not in html and "&lt;img src=x onerror=alert(1)&gt; page" in html


@pytest.fixture
def banned(make_user):
    return make_user("banned_bert")


def _write_attempts(client, page):
    return [
        client.post("/new", data={"title": "Sneaky", "kind": "article", "body": "x", "action": "save"}),
        client.post(f"/wiki/{page.slug}/edit", data={"body": "vandalism", "base_revision": 1}),
        client.post(f"/wiki/{page.slug}/revert", data={"revision": 1}),
        client.post(f"/wiki/{page.slug}/talk", data={"body": "spam"}),
        client.post("/preview", data={"body": "x"}),
    ]


def test_anonymous_visitors_cannot_write_by_direct_post(client, make_page, make_user):
    from wiki.pages.services import edit_page

    page = make_page("Open page", body="v1")
    edit_page(make_user("editor2"), page, "v2")
    before = (count(Page), count(Revision), count(Comment), count(Event))
    for response in _write_attempts(client, page):
        assert response.status_code in (302, 401)
        if response.status_code == 302:
            assert "/auth/login" in response.location
    assert client.get(f"/wiki/{page.slug}/edit").status_code == 302
    assert (count(Page), count(Revision), count(Comment), count(Event)) == before


def test_banned_users_cannot_write_by_direct_post(login, banned, make_page, make_user):
    from wiki.pages.services import edit_page

    page = make_page("Open page", body="v1")
    edit_page(make_user("editor2"), page, "v2")
    client = login(banned)
    banned.banned, banned.banned_until = True, utcnow() + timedelta(days=3)
    db.session.commit()
    before = (count(Page), count(Revision), count(Comment), count(Event))
    for response in _write_attempts(client, page):
        assert response.status_code == 403
    assert client.get(f"/wiki/{page.slug}/edit").status_code == 403
    assert (count(Page), count(Revision), count(Comment), count(Event)) == before


def test_services_refuse_anonymous_and_banned_actors(app, make_page, banned):
    from flask_login import AnonymousUserMixin
    from werkzeug.exceptions import Forbidden

    from wiki.pages import services

    page = make_page("Service page")
    banned.banned = True
    db.session.commit()
    for actor in (AnonymousUserMixin(), banned):
        with pytest.raises(Forbidden):
            services.create_page(actor, "X", "article", "x")
        with pytest.raises(Forbidden):
            services.edit_page(actor, page, "y")
        with pytest.raises(Forbidden):
            services.revert_page(actor, page, 1)
        with pytest.raises(Forbidden):
            services.add_comment(actor, page, "z")


def test_forms_without_a_csrf_token_are_refused(app, customer, make_page):
    from tests.conftest import log_in

    app.config["WTF_CSRF_ENABLED"] = True
    page = make_page("Guarded")
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    log_in(client, customer)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/wiki/{page.slug}/edit", data={"body": "x", "base_revision": 1}).status_code == 400
    assert client.post("/preview", data={"body": "x"}).status_code == 400
    assert page.revision_count == 1
