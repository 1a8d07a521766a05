"""Permissions, error pages, security headers, CSRF, rate limits and the CLI."""
import pytest
from flask import Blueprint
from sqlalchemy import select

from wiki import permissions
from wiki.extensions import db
from wiki.models import User

from .conftest import PASSWORD, csrf_token_from


# -- permissions: the rules, called directly -------------------------------------------------

class Anonymous:
    is_authenticated = False
    is_banned_now = False


@pytest.mark.parametrize("role,moderate,triage,insights,admin", [
    ("customer", False, False, False, False),
    ("moderator", True, True, False, False),
    ("innovation", False, True, True, False),
    ("admin", True, True, True, True),
])
def test_role_table(make_user, role, moderate, triage, insights, admin):
    user = make_user(f"u_{role}", role=role)
    assert permissions.is_member(user)
    assert permissions.can_moderate(user) is moderate
    assert permissions.can_triage(user) is triage
    assert permissions.can_see_insights(user) is insights
    assert permissions.can_admin(user) is admin


def test_anonymous_and_banned_users_can_do_nothing(make_user, moderator):
    from wiki.auth.services import ban

    for user in (Anonymous(), None):
        assert not permissions.can_create(user)
        assert not permissions.can_vote(user)
    banned = make_user("spammer", role="admin")
    ban(moderator, banned, "spam")
    assert not permissions.is_member(banned)
    assert not permissions.can_admin(banned)
    assert not permissions.can_edit(banned)


def test_protected_page_is_editable_only_by_moderators(make_user):
    class Page:
        protected = True
        deleted = False

    assert not permissions.can_edit(make_user("cust"), Page())
    assert not permissions.can_edit(make_user("inno", role="innovation"), Page())
    assert permissions.can_edit(make_user("mod", role="moderator"), Page())
    assert permissions.can_edit(make_user("adm", role="admin"), Page())


def test_requires_decorator_answers_401_403(app, login, customer, admin):
    bp = Blueprint("probe", __name__)

    @bp.route("/probe/admin-only")
    @permissions.requires(permissions.can_admin)
    def admin_only():
        return "secret"

    app.register_blueprint(bp)
    anonymous = app.test_client()
    assert anonymous.get("/probe/admin-only").status_code == 302  # to the log-in page
    assert login(customer).get("/probe/admin-only").status_code == 403
    assert login(admin).get("/probe/admin-only").get_data(as_text=True) == "secret"


# -- error pages ---------------------------------------------------------------------------

def test_html_404_page(client):
    response = client.get("/no/such/place")
    assert response.status_code == 404
    assert "Not Found" in response.get_data(as_text=True)
    assert response.mimetype == "text/html"


def test_api_errors_are_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    assert response.json["error"]["message"]


def test_405_lists_allowed_methods(client):
    response = client.put("/auth/login")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_413_for_oversized_requests(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/auth/login", data={"username": "x" * 5000, "password": "y"})
    assert response.status_code == 413


def test_500_page_rolls_back_and_hides_the_traceback(app, client):
    app.config["RENDER_500_IN_TESTS"] = True
    bp = Blueprint("boom", __name__)

    @bp.route("/boom")
    def boom():
        db.session.add(User(username="ghost", username_key="ghost", password_hash="x"))
        db.session.flush()
        raise RuntimeError("kaboom")

    app.register_blueprint(bp)
    response = client.get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "kaboom" not in body and "Traceback" not in body
    assert db.session.scalar(select(User).where(User.username == "ghost")) is None


# -- security headers, CSRF, rate limits -----------------------------------------------------

def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"]


def test_no_inline_script_in_pages(client):
    html = client.get("/auth/register").get_data(as_text=True)
    assert "<script>" not in html and "onclick=" not in html


@pytest.fixture
def csrf_app_config():
    return {"WTF_CSRF_ENABLED": True}


class TestWithCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_form_without_token_is_refused(self, client, customer):
        response = client.post("/auth/login", data={"username": "casey", "password": PASSWORD})
        assert response.status_code == 400
        assert "CSRF" in response.get_data(as_text=True)

    def test_form_with_token_is_accepted(self, client, customer):
        token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
        response = client.post("/auth/login", data={"username": "casey", "password": PASSWORD,
                                                    "csrf_token": token})
        assert response.status_code == 302

    def test_logout_without_token_is_refused(self, client, customer):
        token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
        client.post("/auth/login", data={"username": "casey", "password": PASSWORD, "csrf_token": token})
        assert client.post("/auth/logout").status_code == 400
        assert client.get("/account/").status_code == 200


class TestRateLimits:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN": "3 per minute"}

    def test_login_is_rate_limited_with_retry_after(self, client, customer):
        for _ in range(3):
            client.post("/auth/login", data={"username": "casey", "password": "wrong-password!"})
        response = client.post("/auth/login", data={"username": "casey", "password": PASSWORD})
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) > 0
        assert "Too Many Requests" in response.get_data(as_text=True)


# -- command line --------------------------------------------------------------------------

def test_create_user_command(runner):
    result = runner.invoke(args=["create-user", "Service", "--role", "innovation",
                                 "--password", "quiet-hedgehog-8"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username_key == "service"))
    assert user.role == "innovation"


def test_create_user_command_refuses_bad_input(runner, customer):
    result = runner.invoke(args=["create-user", "casey", "--password", "quiet-hedgehog-8"])
    assert result.exit_code != 0 and "taken" in result.output
    result = runner.invoke(args=["create-user", "someone", "--role", "king", "--password", "x" * 12])
    assert result.exit_code != 0


def test_create_user_command_prompts_for_password(runner):
    result = runner.invoke(args=["create-user", "prompted"], input="quiet-hedgehog-7\nquiet-hedgehog-7\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.username_key == "prompted")) is not None


def test_create_token_command_prints_a_working_token(runner, client, customer):
    result = runner.invoke(args=["create-token", "casey"])
    assert result.exit_code == 0
    token = result.output.strip()
    assert token.startswith("cwk_")
    from wiki.api_auth import user_for_token

    assert user_for_token(token).id == customer.id
    assert runner.invoke(args=["create-token", "nobody"]).exit_code != 0


def test_seed_demo_creates_one_user_per_role_and_is_idempotent(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    roles = set(db.session.scalars(select(User.role)))
    assert {"customer", "moderator", "innovation", "admin"} <= roles
    assert "cowiki-demo-2026" in result.output
    count = db.session.scalar(select(db.func.count(User.id)))
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "already has content" in again.output
    assert db.session.scalar(select(db.func.count(User.id))) == count
