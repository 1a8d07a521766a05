"""Signed-in readers' page cache (wiki/personal.py): one shell per role and URL, with each
reader's own parts (user menu, vote, watch button, CSRF token) filled in per request."""
import re

import pytest

from tests.conftest import PASSWORD, csrf_token_from
from wiki import personal
from wiki.extensions import cache, db


@pytest.fixture
def app_config():
    return {"CACHE_TYPE": "SimpleCache", "WTF_CSRF_ENABLED": True}


@pytest.fixture
def login(app):
    """A client logged in through the form, with its CSRF token (this file turns CSRF on)."""
    def _login(user):
        client = app.test_client()
        token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
        response = client.post("/auth/login", data={"username": user.username,
                                                    "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302
        client.get("/")  # shows (and so clears) the welcome message
        return client

    return _login


@pytest.fixture
def idea(make_proposal):
    return make_proposal("Dark mode for the app", body="Please add a dark mode.")


def view(client, page):
    response = client.get(f"/wiki/{page.slug}")
    assert response.status_code == 200
    return response, response.get_data(as_text=True)


def pressed(html, direction):
    button = re.search(rf'<button[^>]*class="vote-button vote-{direction}"[^>]*>', html).group(0)
    return 'aria-pressed="true"' in button


def test_a_second_member_gets_the_shell_with_their_own_parts(login, customer, other_customer, idea):
    from wiki.votes.services import cast_vote
    from wiki.watches.services import watch

    cast_vote(other_customer, idea, 1)
    watch(other_customer, "page", idea.id)
    db.session.commit()
    casey, olive = login(customer), login(other_customer)

    first, casey_html = view(casey, idea)
    second, olive_html = view(olive, idea)

    assert first.headers["X-Page-Cache"] == "member-miss"
    assert second.headers["X-Page-Cache"] == "member-hit"
    assert ">olive</a>" in olive_html and ">casey</a>" not in olive_html
    assert ">casey</a>" in casey_html and ">olive</a>" not in casey_html
    assert pressed(olive_html, "up") and not pressed(casey_html, "up")
    assert "★ Watching" in olive_html and "☆ Watch" in casey_html
    assert "cw-personal" not in olive_html and "cw-csrf" not in olive_html


def test_the_filled_csrf_token_is_the_readers_own(login, customer, other_customer, idea):
    casey, olive = login(customer), login(other_customer)
    view(casey, idea)
    response, html = view(olive, idea)
    assert response.headers["X-Page-Cache"] == "member-hit"
    token = csrf_token_from(html)
    assert token and token == re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    watched = olive.post("/watches/", data={"type": "page", "key": idea.id, "csrf_token": token,
                                            "next": f"/wiki/{idea.slug}"})
    assert watched.status_code == 302
    # casey's token is refused in olive's session
    casey_token = csrf_token_from(view(casey, idea)[1])
    refused = olive.post("/watches/", data={"type": "page", "key": idea.id,
                                            "csrf_token": casey_token})
    assert refused.status_code == 400


def test_the_readers_own_changes_show_on_the_next_hit(login, customer, other_customer, idea):
    casey, olive = login(customer), login(other_customer)
    view(casey, idea)
    token = csrf_token_from(view(olive, idea)[1])
    olive.post("/watches/", data={"type": "page", "key": idea.id, "csrf_token": token})
    assert "★ Watching" in view(olive, idea)[1]  # with the "now watching" message: in full
    response, html = view(olive, idea)
    assert response.headers["X-Page-Cache"] == "member-hit"  # a watch is no event: same shell
    assert "★ Watching" in html


def test_a_vote_makes_every_reader_see_the_new_counts(login, customer, other_customer, idea):
    casey, olive = login(customer), login(other_customer)
    view(casey, idea)
    view(olive, idea)
    token = csrf_token_from(view(olive, idea)[1])
    olive.post(f"/wiki/{idea.slug}/vote", data={"value": "1", "csrf_token": token})
    response, html = view(casey, idea)
    assert response.headers["X-Page-Cache"] == "member-miss"
    assert re.search(r'data-count="up">1<', html)
    assert not pressed(html, "up")
    assert pressed(view(olive, idea)[1], "up")


def test_roles_get_their_own_shell(login, customer, moderator, make_page):
    from wiki.moderation.actions import protect_page

    page = make_page("House rules", body="Be kind.")
    protect_page(moderator, page, "often vandalised")
    db.session.commit()
    _, member_html = view(login(customer), page)
    response, moderator_html = view(login(moderator), page)
    assert response.headers["X-Page-Cache"] == "member-miss"
    edit = f'href="/wiki/{page.slug}/edit"'
    assert edit in moderator_html and edit not in member_html


def test_a_flashed_message_is_rendered_in_full(login, customer, idea):
    casey = login(customer)
    token = csrf_token_from(view(casey, idea)[1])
    response = casey.post("/watches/", data={"type": "page", "key": idea.id, "csrf_token": token,
                                             "next": f"/wiki/{idea.slug}"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.headers.get("X-Page-Cache") is None
    assert 'class="flash flash-' in html


def test_a_broken_cache_costs_speed_not_the_page(app, login, customer, idea, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache server gone")

    monkeypatch.setattr(cache.cache, "get", broken)
    monkeypatch.setattr(cache.cache, "set", broken)
    response, html = view(login(customer), idea)
    assert ">casey</a>" in html and csrf_token_from(html)


def test_a_view_not_audited_for_shells_renders_in_full(app, login, customer, product):
    assert "products.hub" not in app.config["MEMBER_CACHE_ENDPOINTS"]
    response = login(customer).get(f"/products/{product.slug}")
    assert response.status_code == 200
    assert response.headers.get("X-Page-Cache") is None
    assert ">casey</a>" in response.get_data(as_text=True)


def test_outside_a_shell_a_personal_part_renders_at_once(app, customer):
    with app.test_request_context("/"):
        from flask_login import login_user

        login_user(customer)
        html = personal.personal("header_user")
        assert ">casey</a>" in html and "cw-personal" not in html


def test_markers_name_the_shells_nonce(app, customer):
    with app.test_request_context("/"):
        from flask import g

        g.member_shell = {"nonce": "abc", "parts": []}
        marker = personal.personal("header_user")
        assert str(marker) == "<!--cw-personal:abc:0-->"
        assert g.member_shell["parts"] == [("header_user", {}, None)]
        # a forged marker with another nonce is left as it is
        assert personal.fill("<!--cw-personal:xyz:0-->", "abc", []) == "<!--cw-personal:xyz:0-->"


@pytest.mark.parametrize("url", ["/wiki/{slug}/history", "/wiki/{slug}/revisions/1", "/recent",
                                 "/search?q=dark"])
def test_other_audited_views_share_shells_too(login, customer, other_customer, idea, url):
    from wiki.search.queue import drain

    drain()
    url = url.format(slug=idea.slug)
    first = login(customer).get(url)
    second = login(other_customer).get(url)
    assert first.status_code == second.status_code == 200, url
    assert first.headers["X-Page-Cache"] == "member-miss"
    assert second.headers["X-Page-Cache"] == "member-hit"
    html = second.get_data(as_text=True)
    assert ">olive</a>" in html and ">casey</a>" not in html.split("</header>")[0]
    assert "cw-personal" not in html and "cw-csrf" not in html


def test_a_moderator_sees_history_tools_a_member_does_not(login, customer, moderator, make_page):
    from wiki.pages.services import edit_page

    page = make_page("House rules", body="Be kind.")
    edit_page(customer, page, "Be kind, always.", "clearer")
    db.session.commit()
    member = login(customer).get(f"/wiki/{page.slug}/history").get_data(as_text=True)
    response = login(moderator).get(f"/wiki/{page.slug}/history")
    assert response.headers["X-Page-Cache"] == "member-miss"  # not the member's shell
    assert response.get_data(as_text=True) != member


def test_a_shell_naming_a_part_this_version_lacks_is_rendered_afresh(app, login, customer,
                                                                     other_customer, idea):
    """A rolling deploy shares the cache between versions: a shell whose parts this version
    does not know is not an error."""
    view(login(customer), idea)
    key = next(k for k in cache.cache._cache if k.startswith("page:"))
    body, headers, nonce, parts = cache.cache.get(key)
    cache.cache.set(key, (body, headers, nonce, [("renamed.part", {}, None)] + parts[1:]))
    response, html = view(login(other_customer), idea)
    assert response.headers["X-Page-Cache"] == "member-miss"
    assert ">olive</a>" in html


# -- rendered parts, kept per process -------------------------------------------------------------

def badge(html):
    found = re.search(r'aria-label="Notifications, ([0-9]+) unread"', html)
    return int(found.group(1))


def test_a_kept_part_follows_what_the_reader_looks_up(app, login, customer, other_customer, idea):
    from wiki import events
    from wiki.models import Notification
    from wiki.notifications.services import mark_all_read

    event = events.record("page.edited", other_customer, page=idea)
    db.session.flush()
    db.session.add(Notification(user_id=customer.id, event_id=event.id))
    db.session.commit()
    casey = login(customer)
    view(casey, idea)
    response, html = view(casey, idea)
    assert response.headers["X-Page-Cache"] == "member-hit" and badge(html) == 1
    mark_all_read(customer)  # no event: the same shell, the same kept header but for the count
    db.session.commit()
    response, html = view(casey, idea)
    assert response.headers["X-Page-Cache"] == "member-hit" and badge(html) == 0


def test_parts_are_rendered_once_and_then_reused(app, login, customer, idea, monkeypatch):
    casey = login(customer)
    view(casey, idea)
    view(casey, idea)
    rendered = []
    real = app.jinja_env.get_template
    monkeypatch.setattr(app.jinja_env, "get_template",
                        lambda name, *a, **k: rendered.append(name) or real(name, *a, **k))
    response, html = view(casey, idea)
    assert response.headers["X-Page-Cache"] == "member-hit"
    assert rendered == []  # header, vote widget and watch button all came from the kept parts
    assert ">casey</a>" in html and "Dark mode" in html


def record_templates(app, monkeypatch):
    rendered = []
    real = app.jinja_env.get_template
    monkeypatch.setattr(app.jinja_env, "get_template",
                        lambda name, *a, **k: rendered.append(name) or real(name, *a, **k))
    return rendered


def test_another_reader_of_the_role_gets_the_vote_and_watch_parts_from_the_shell(
        app, login, customer, other_customer, idea, monkeypatch):
    """The vote widget and the watch button differ between readers of a role only by the
    reader's own vote and watch: the shell keeps each choice rendered, so a reader who has not
    seen this page yet needs no template (their header was kept when they saw the home page)."""
    from wiki.votes.services import cast_vote
    from wiki.watches.services import watch

    cast_vote(other_customer, idea, -1)
    watch(other_customer, "page", idea.id)
    db.session.commit()
    casey, olive = login(customer), login(other_customer)
    view(casey, idea)
    rendered = record_templates(app, monkeypatch)
    response, html = view(olive, idea)
    assert response.headers["X-Page-Cache"] == "member-hit"
    assert rendered == []
    assert pressed(html, "down") and not pressed(html, "up") and "Your vote: oppose." in html
    assert "★ Watching" in html and ">olive</a>" in html
    assert csrf_token_from(html) == re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def test_a_fact_answer_outside_the_choices_is_rendered_as_before(app, login, customer, idea,
                                                                 monkeypatch):
    casey = login(customer)  # the author: they watch their page
    view(casey, idea)
    real_look_up, real_render = personal.look_up, personal._parts["watches.button"]
    asked = []

    def odd_answers(parts):
        found = real_look_up(parts)
        for (name, _values), answers in zip(parts, found):
            if name == "watches.button":
                answers["watching"] = 7  # not one of the answers the shell rendered
        return found

    monkeypatch.setattr(personal, "look_up", odd_answers)
    monkeypatch.setitem(personal._parts, "watches.button",
                        lambda **values: asked.append(values["watching"]) or real_render(**values))
    response, html = view(casey, idea)
    assert response.headers["X-Page-Cache"] == "member-hit"
    assert asked == [7] and "★ Watching" in html


def test_the_header_part_is_rendered_once_for_every_page(app, login, customer, idea, make_page,
                                                         monkeypatch):
    other = make_page("Battery life", body="Lasts a day.")
    casey = login(customer)
    view(casey, idea)
    view(casey, other)  # rendered the shell of this page: its header comes from the kept part
    rendered = record_templates(app, monkeypatch)
    casey.get("/recent")
    assert "_partials/header_user.html" not in rendered
    assert "base.html" in rendered  # the shell of /recent was rendered, its header was kept


def test_one_reader_in_two_sessions_gets_each_sessions_own_token(login, customer, idea):
    laptop, phone = login(customer), login(customer)
    laptop_token = csrf_token_from(view(laptop, idea)[1])
    response, html = view(phone, idea)
    assert response.headers["X-Page-Cache"] == "member-hit"  # the header part was kept too
    phone_tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', html))
    assert len(phone_tokens) == 1 and laptop_token not in phone_tokens
    watch = {"type": "page", "key": idea.id, "next": f"/wiki/{idea.slug}"}
    assert laptop.post("/watches/", data={**watch, "csrf_token": phone_tokens.pop()}).status_code == 400
    assert laptop.post("/watches/", data={**watch, "csrf_token": laptop_token}).status_code == 302


def test_a_part_given_a_model_is_rendered_but_not_kept(app, customer, idea):
    with app.test_request_context("/"):
        from flask_login import login_user

        login_user(customer)
        assert personal._part_key("votes/_page_votes_widget.html", {"page": idea}) is None
        key = personal._part_key("x.html", {"n": 1, "page": personal.SimpleNamespace(id=1)})
        assert key is not None and hash(key)


def test_a_pages_parts_ask_their_facts_in_one_statement(app, customer, idea, monkeypatch):
    from sqlalchemy import event as sa_event

    from wiki import pagecache
    from wiki.votes.services import cast_vote
    from wiki.watches.services import watch

    cast_vote(customer, idea, -1)
    watch(customer, "page", idea.id)
    db.session.commit()
    asked, in_session = [], []
    real = pagecache.one_row
    monkeypatch.setattr(pagecache, "one_row",
                        lambda engine, sql, params=None: asked.append(sql) or real(engine, sql, params))
    parts = [("header_user", {}),
             ("votes.page", {"id": idea.id, "slug": idea.slug, "kind": idea.kind}),
             ("watches.button", {"watch_type": "page", "watch_key": str(idea.id),
                                 "watch_label": "this page"}),
             ("watches.button", {"watch_type": "product", "watch_key": "999",
                                 "watch_label": "that product"})]
    with app.test_request_context("/"):
        from flask_login import login_user

        login_user(customer)

        def record(conn, cursor, statement, *args):
            in_session.append(statement)

        sa_event.listen(db.engine, "before_cursor_execute", record)
        try:
            found = personal.look_up(parts)
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", record)
    assert len(asked) == 1 and in_session == []  # one statement, and no session transaction
    assert found[0] == {"unread": 0} and found[1] == {"my_vote": -1}
    assert found[2]["watching"] and not found[3]["watching"]


def test_a_visitor_asks_no_facts(app, idea):
    with app.test_request_context("/"):
        assert personal.look_up([("votes.page", {"id": idea.id})]) == [{"my_vote": None}]
