"""Role × action for every state-changing route, web and API (GET pages are walked in
test_security.py): anonymous callers are sent to log in (web) or get 401 (API), banned accounts
get 403, and each signed-in role gets 403 where DESIGN.md's role table keeps the action from it.
The walk reads the URL map, so routes added later are covered; nothing a refused caller sends
changes the database."""
import re

import pytest
from sqlalchemy import func, select

from wiki.extensions import db
from wiki.models import Comment, Event, Flag, Page, Revision, User, Webhook
from wiki.rendering import render

from .routewalk import WRITE_METHODS, rules, url_for_rule

# routes anyone may post to (signing in, registering, password reset, preview, logging out)
OPEN = re.compile(r"^/auth/|^/preview$")
MEMBERS = {"customer", "moderator", "innovation", "admin"}
# what a banned account may still do: look after its own account (password, revoking tokens,
# reading notifications); everything that adds or changes content or votes is refused
BANNED_MAY = re.compile(r"^/account/(password|tokens/\d+/revoke)$|^/(api/v1/)?notifications/"
                        r"|^/api/v1/tokens/\d+$")

# DESIGN.md's role table for writes; the first match wins, anything else needs a member
WRITE_TABLE = [
    (r"^/moderation/flag$|^/api/v1/flags$", MEMBERS),  # anyone signed in may flag
    (r"^/(api/v1/)?moderation\b|^/api/v1/flags/", {"moderator", "admin"}),
    (r"^/admin\b", {"admin"}),
    (r"^/products/(new|[^/]+/edit)$", {"admin"}),
    (r"/(impact|notes)$", {"innovation", "admin"}),
    (r"^/triage\b|^/api/v1/proposals/[^/]+/", {"moderator", "innovation", "admin"}),
    (r"^/(api/v1/)?webhooks\b", {"innovation", "admin"}),
]


def allowed(path):
    for pattern, roles in WRITE_TABLE:
        if re.search(pattern, path):
            return roles
    return MEMBERS


@pytest.fixture
def world(make_proposal, product, make_user, innovator, customer):
    page = make_proposal("Walked proposal", body="Some **text**")
    victim = make_user("victim")
    html, _ = render("A comment")
    comment = Comment(page_id=page.id, author_id=victim.id, source="A comment", html=html)
    db.session.add_all([comment, Webhook(owner_id=innovator.id, url="https://h.example/", secret="s",
                                         event_kinds=[])])
    db.session.commit()
    from wiki.moderation.services import flag

    flag(customer, "page", page.id, "spam")
    return {"page": page, "product": product, "user": victim, "comment": comment}


def state():
    db.session.expire_all()
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Event, Flag, Page, Revision, Comment, User, Webhook)) + (
        tuple(db.session.execute(select(Page.id, Page.deleted, Page.protected))),
        tuple(db.session.execute(select(User.id, User.role, User.banned))))


def refused_as_anonymous(path, response):
    if path.startswith("/api/"):
        return response.status_code == 401
    return response.status_code in (302, 303) and "/auth/login" in response.location


def walk(app, world):
    for rule, methods in rules(app, WRITE_METHODS):
        path = url_for_rule(rule, world)
        if OPEN.search(path):
            continue
        for method in methods:
            yield path, method


def send(web, method, path):
    return web.open(path, method=method, json={}) if path.startswith("/api/") else \
        web.open(path, method=method, data={})


def test_anonymous_writes_are_sent_to_log_in(app, client, world):
    before, checked, wrong = state(), 0, []
    for path, method in walk(app, world):
        response = send(client, method, path)
        if not refused_as_anonymous(path, response):
            wrong.append((method, path, response.status_code))
        checked += 1
    assert wrong == [], '\n'.join(map(str, wrong))
    assert checked >= 40 and state() == before


def test_banned_accounts_get_403_on_every_write(app, login, make_user, make_token, world):
    banned = make_user("banned")
    web, headers = login(banned), make_token(banned)
    banned.banned = True  # a session that survived the ban (a ban normally ends them)
    db.session.commit()
    before, wrong = state(), []
    for path, method in walk(app, world):
        if BANNED_MAY.search(path):
            continue
        response = send(web, method, path)
        if response.status_code != 403:
            wrong.append(("session", method, path, response.status_code))
        if path.startswith("/api/"):
            response = web.open(path, method=method, json={}, headers=headers)
            if response.status_code not in (401, 403):
                wrong.append(("token", method, path, response.status_code))
    assert wrong == [], '\n'.join(map(str, wrong))
    assert state() == before


@pytest.mark.parametrize("role", ["customer", "moderator", "innovation"])
def test_each_role_is_refused_what_design_keeps_from_it(app, login, make_user, make_token, world, role):
    user = make_user(f"walker-{role}", role=role)
    web, headers = login(user), make_token(user)
    before, wrong, refused = state(), [], 0
    for path, method in walk(app, world):
        if role in allowed(path):
            continue
        for how, response in (("session", send(web, method, path)),
                              ("token", web.open(path, method=method, json={}, headers=headers))
                              if path.startswith("/api/") else ("session", None)):
            if response is not None and response.status_code != 403:
                wrong.append((how, method, path, response.status_code))
        refused += 1
    assert wrong == [], '\n'.join(map(str, wrong))
    assert refused >= 5 and state() == before


def test_allowed_roles_get_past_the_permission_check(app, login, make_user, world):
    """The other half of the table: each role reaches the action it may do (its empty form is
    then refused as bad input or missing target, never as forbidden)."""
    wrong = []
    for role in ("customer", "moderator", "innovation", "admin"):
        web = login(make_user(f"allowed-{role}", role=role))
        for path, method in walk(app, world):
            if role not in allowed(path) or path.endswith("/logout"):
                continue
            response = send(web, method, path)
            if response.status_code in (401, 403) or response.status_code >= 500 or (
                    response.status_code in (302, 303) and "/auth/login" in response.location):
                wrong.append((role, method, path, response.status_code))
    assert wrong == [], '\n'.join(map(str, wrong))
