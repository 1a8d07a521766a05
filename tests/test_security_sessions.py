"""Cookies, sessions and redirects: flags on the cookie, a new session at log-in, no way back in
with an old cookie after log-out or a password change, and next= kept on this site."""
from urllib.parse import quote, urlsplit

import pytest

from .conftest import PASSWORD, log_in


def session_cookie(client):
    cookie = client.get_cookie("session", domain="localhost")
    return cookie.value if cookie else None


def set_cookies(response):
    return response.headers.getlist("Set-Cookie")


def login_response(client, user, remember=False):
    data = {"username": user.username, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    return client.post("/auth/login", data=data)


# -- (d) cookie flags ----------------------------------------------------------------------------

def test_session_cookie_is_httponly_and_samesite(client, customer):
    cookies = set_cookies(login_response(client, customer, remember=True))
    session = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session
    assert "Secure" not in session  # plain http in development
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in remember


class TestSecureCookies:
    @pytest.fixture
    def app_config(self):
        return {"SESSION_COOKIE_SECURE": True}

    def test_secure_setting_marks_every_cookie_secure(self, app, client, customer):
        assert app.config["REMEMBER_COOKIE_SECURE"] is True
        response = client.post("/auth/login", data={"username": customer.username, "password": PASSWORD,
                                                     "remember": "y"}, base_url="https://localhost")
        cookies = set_cookies(response)
        assert cookies and all("Secure" in cookie for cookie in cookies)
        assert "Strict-Transport-Security" in response.headers


def test_secure_setting_from_the_environment(monkeypatch, tmp_path):
    from wiki import create_app

    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'env.db'}"})
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["REMEMBER_COOKIE_SECURE"] is True


# -- (e) sessions --------------------------------------------------------------------------------

def test_log_in_starts_a_fresh_session(app, client, customer):
    with client.session_transaction() as planted:
        planted["planted"] = "by an attacker"
    before = session_cookie(client)
    login_response(client, customer)
    with client.session_transaction() as current:
        assert "planted" not in current
        assert current.get("_user_id", "").startswith(f"{customer.id}:")
    assert session_cookie(client) != before


def test_an_old_cookie_is_worthless_after_log_out(app, login, customer):
    web = login(customer)
    stolen = session_cookie(web)
    assert web.post("/auth/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen, domain="localhost")
    assert thief.get("/account/").status_code == 302  # sent to log in


def test_password_change_ends_other_sessions_and_renews_this_one(app, login, customer):
    laptop, phone = login(customer), login(customer)
    old_cookie = session_cookie(laptop)
    new = "another-strong-password-9"
    response = laptop.post("/account/password", data={
        "pw-current_password": PASSWORD, "pw-new_password": new, "pw-confirm": new})
    assert response.status_code == 302
    assert laptop.get("/account/").status_code == 200  # still signed in, with a new session
    assert session_cookie(laptop) != old_cookie
    assert phone.get("/account/").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", old_cookie, domain="localhost")
    assert replay.get("/account/").status_code == 302


def test_a_ban_ends_the_session(app, login, customer, moderator):
    from wiki.moderation.services import ban_user

    web = login(customer)
    ban_user(moderator, customer, "Spam")
    assert web.get("/account/").status_code == 302


# -- (f) next= -----------------------------------------------------------------------------------

OFFSITE = [
    "//evil.example", "///evil.example", "////evil.example", "https://evil.example",
    "http://evil.example/path", "https:evil.example", "http:/evil.example", "/\\evil.example",
    "\\\\evil.example", "\\/evil.example", " //evil.example", "\t//evil.example",
    "//evil.example@localhost", "http://localhost@evil.example", "https://localhost.evil.example",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>",
    "ftp://evil.example", "//%2F%2Fevil.example", "/%09/evil.example", "http://evil.example\\@localhost",
    "\r\nLocation: http://evil.example", "//evil.example/%2e%2e", "https://evil.example:443",
    "http://[::1]/", "http://127.0.0.1:80/", "mailto:x@evil.example", "%2F%2Fevil.example",
]
ONSITE = ["/account/", "/people/?sort=new", "/moderation/log"]


def assert_on_site(location):
    parts = urlsplit(location)
    assert parts.scheme in ("", "http", "https") and parts.netloc in ("", "localhost"), location
    assert not location.startswith("//") and "\\" not in location, location


def test_log_in_redirects_stay_on_site(app, customer):
    for target in OFFSITE + ONSITE:
        client = app.test_client()
        response = client.post("/auth/login", data={"username": customer.username,
                                                    "password": PASSWORD, "next": target})
        assert response.status_code == 302, target
        assert_on_site(response.location)
        if target in ONSITE:
            assert response.location.endswith(target)
        response = client.get(f"/auth/login?next={quote(target)}")  # already logged in
        assert response.status_code == 302, target
        assert_on_site(response.location)


def test_moderation_forms_go_back_on_site_only(app, customer_client, make_page):
    app.config["MODERATION_AUTOHIDE_FLAGS"] = 0
    for n, target in enumerate(OFFSITE):
        page = make_page(f"Next test {n}")
        response = customer_client.post("/moderation/flag", data={
            "target_type": "page", "target_id": page.id, "reason": "spam", "next": target})
        assert response.status_code == 302, target
        assert_on_site(response.location)


def test_log_in_works_without_next(client, customer):
    log_in(client, customer)
    assert client.get("/account/").status_code == 200
