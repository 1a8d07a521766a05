"""Hardening, route by route: CSRF on every write, permissions per role as DESIGN.md says, and
security headers. The walkers read the URL map, so routes added later are covered too."""
import re

import pytest
from sqlalchemy import func, select

from wiki.api_auth import new_token
from wiki.extensions import db
from wiki.models import Comment, Event, Flag, Page, Revision, User
from wiki.rendering import render

from .conftest import csrf_token_from
from .routewalk import WRITE_METHODS, rules, url_for_rule

ROLES = ("anonymous", "customer", "moderator", "innovation", "admin")
MEMBERS = {"customer", "moderator", "innovation", "admin"}
EVERYONE = set(ROLES)

# DESIGN.md's role table, as URL patterns; the first match wins, everything else is public.
ROLE_TABLE = [
    (r"^/(api/v1/)?moderation\b", {"moderator", "admin"}),
    (r"^/api/v1/flags\b", {"moderator", "admin"}),  # listing flags (creating one is a POST)
    (r"^/(api/v1/)?admin\b", {"admin"}),
    (r"^/products/(new|[^/]+/edit)$", {"admin"}),  # admins manage products
    # impact, internal notes, analytics and lead customers: innovation and admin only
    (r"^/(api/v1/)?triage/(analytics|insights|leads|lead-customers)\b", {"innovation", "admin"}),
    (r"/(internal|notes)(/|$)", {"innovation", "admin"}),
    (r"^/(api/v1/)?triage\b", {"moderator", "innovation", "admin"}),
    (r"^/(api/v1/)?(webhooks|insights|analytics)\b", {"innovation", "admin"}),
    (r"^/(account|notifications|watches|new)\b", MEMBERS),
    (r"^/api/v1/(tokens|notifications|me|watches)\b", MEMBERS),
    (r"/edit$", MEMBERS),
]


def allowed_roles(path):
    for pattern, roles in ROLE_TABLE:
        if re.search(pattern, path):
            return roles
    return EVERYONE


@pytest.fixture
def world(make_page, product, customer, make_user):
    page = make_page("Walked page", body="Some **text**")
    html, _ = render("A comment")
    comment = Comment(page_id=page.id, author_id=customer.id, source="A comment", html=html)
    db.session.add(comment)
    db.session.commit()
    return {"page": page, "product": product, "user": customer, "comment": comment}


@pytest.fixture
def clients(app, client, customer_client, moderator_client, innovator_client, admin_client):
    return {"anonymous": client, "customer": customer_client, "moderator": moderator_client,
            "innovation": innovator_client, "admin": admin_client}


def denied(response):
    if response.status_code in (401, 403):
        return True
    return response.status_code in (301, 302, 303) and "/auth/login" in response.location


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Event, Flag, Page, Revision, Comment, User))


# -- (a) CSRF ------------------------------------------------------------------------------------

def test_no_write_route_accepts_a_request_without_csrf_token(app, clients, world):
    app.config["WTF_CSRF_ENABLED"] = True
    before = counts()
    checked = 0
    for who in ("anonymous", "admin"):
        web = clients[who]
        for rule, methods in rules(app, WRITE_METHODS):
            url = url_for_rule(rule, world)
            for method in methods:
                for body in ({"data": {"reason": "x", "target_type": "page", "target_id": world["page"].id}},
                             {"json": {}}):
                    response = web.open(url, method=method, **body)
                    assert response.status_code in (400, 401, 403, 404, 405), (
                        who, method, url, response.status_code)
                    checked += 1
    assert checked >= 8 and counts() == before


def test_api_writes_accept_a_bearer_token_without_csrf(app, client, admin, world):
    app.config["WTF_CSRF_ENABLED"] = True
    _t, raw = new_token(admin, "walk")
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    for rule, methods in rules(app, WRITE_METHODS):
        if not rule.rule.startswith("/api/"):
            continue
        for method in methods:
            response = client.open(url_for_rule(rule, world), method=method, json={}, headers=headers)
            assert "csrf" not in response.get_data(as_text=True).lower(), (method, rule.rule)
    _t, raw = new_token(admin, "after the walk")  # the walk may have revoked the first token
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    response = client.post("/api/v1/flags", headers=headers, json={
        "target_type": "page", "target_id": world["page"].id, "reason": "spam"})
    assert response.status_code == 201


def test_session_api_calls_need_the_csrf_header(app, customer_client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    body = {"target_type": "page", "target_id": world["page"].id, "reason": "spam"}
    assert customer_client.post("/api/v1/flags", json=body).status_code == 400
    token = csrf_token_from(customer_client.get("/account/").get_data(as_text=True))
    response = customer_client.post("/api/v1/flags", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 201


# -- (b) permissions per role --------------------------------------------------------------------

def test_every_page_answers_each_role_as_design_says(app, clients, world):
    seen = 0
    for rule, _methods in rules(app, {"GET"}):
        url = url_for_rule(rule, world)
        expected = allowed_roles(url)
        for role in ROLES:
            response = clients[role].get(url)
            assert response.status_code < 500, (role, url)
            if role in expected:
                assert not denied(response), f"{role} refused at {url} ({response.status_code})"
            else:
                assert denied(response), f"{role} let in at {url} ({response.status_code})"
            seen += 1
    assert seen >= 5 * 10


def test_moderation_writes_are_refused_to_other_roles(clients, world):
    page = world["page"]
    for role in ("customer", "innovation"):
        response = clients[role].post(f"/moderation/page/{page.id}/delete", data={"reason": "x"})
        assert response.status_code == 403
    assert clients["anonymous"].post(f"/moderation/page/{page.id}/delete").status_code == 302
    assert not page.deleted


# -- (c) headers and inline script ---------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_ATTR = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def test_security_headers_on_pages_errors_and_api(client):
    for url in ("/", "/auth/login", "/no-such-thing", "/api/v1/flags"):
        response = client.get(url)
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", csp).group(1)
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
        assert "frame-ancestors 'none'" in csp or headers.get("X-Frame-Options") == "DENY"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] in ("strict-origin-when-cross-origin", "no-referrer",
                                              "same-origin", "strict-origin")
        assert "object-src 'none'" in csp and "base-uri 'self'" in csp


def test_no_page_carries_inline_script(app, clients, world):
    for rule, _methods in rules(app, {"GET"}):
        url = url_for_rule(rule, world)
        response = clients["admin"].get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            assert not INLINE_SCRIPT.search(html), url
            assert not EVENT_ATTR.search(html), url
            assert "javascript:" not in html.lower(), url
