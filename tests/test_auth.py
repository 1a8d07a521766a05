"""Registration, log-in, log-out, passwords, bans and sessions through the web forms."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from wiki.auth import services as accounts
from wiki.errors import ValidationError
from wiki.extensions import db
from wiki.models import User, utcnow

from .conftest import PASSWORD, log_in


def register(client, username="newbie", password="a-long-enough-pw", confirm=None, email=""):
    return client.post("/auth/register", data={
        "username": username, "password": password, "confirm": confirm or password, "email": email})


def test_register_logs_in_and_goes_to_account(client):
    response = register(client, "Newbie", email="newbie@example.com")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/")
    page = client.get("/account/").get_data(as_text=True)
    assert "Signed in as <strong>Newbie</strong>" in page
    user = db.session.scalar(select(User).where(User.username == "Newbie"))
    assert user.password_hash != "a-long-enough-pw" and user.password_hash.startswith(("scrypt", "pbkdf2"))
    assert user.role == "customer"


def test_duplicate_username_in_other_case_is_refused(client, customer):
    response = register(client, customer.username.upper())
    assert response.status_code == 400
    assert "taken" in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(User.id))) == 1


@pytest.mark.parametrize("username,password,message", [
    ("ab", "a-long-enough-pw", "3–32"),
    ("x" * 40, "a-long-enough-pw", "3–32"),
    ("bad name", "a-long-enough-pw", "3–32"),
    ("../etc", "a-long-enough-pw", "3–32"),
    ("admin", "a-long-enough-pw", "reserved"),
    ("fine_name", "short", "at least 10"),
    ("fine_name", "aaaaaaaaaaaa", "too easy"),
    ("fine_name", "fine_name_password", "must not contain"),
    ("", "a-long-enough-pw", "required"),
])
def test_bad_registrations_are_refused_with_a_message(client, username, password, message):
    response = register(client, username, password)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(User.id))) == 0


def test_mismatched_confirmation_is_refused(client):
    response = register(client, "someone", "a-long-enough-pw", confirm="another-long-pw")
    assert response.status_code == 400
    assert "differ" in response.get_data(as_text=True)


def test_invalid_email_is_refused(client):
    response = register(client, "someone", email="not-an-address")
    assert response.status_code == 400
    assert "e-mail" in response.get_data(as_text=True).lower()


def test_login_and_logout(client, customer):
    response = client.post("/auth/login", data={"username": "CASEY", "password": PASSWORD})
    assert response.status_code == 302
    assert "casey" in client.get("/").get_data(as_text=True)
    assert client.post("/auth/logout").status_code == 302
    assert client.get("/account/").status_code == 302  # back to the log-in page


def test_wrong_password_is_refused(client, customer):
    response = client.post("/auth/login", data={"username": "casey", "password": "wrong-password!"})
    assert response.status_code == 400
    assert "do not match" in response.get_data(as_text=True)


def test_logout_requires_post(client, customer):
    log_in(client, customer)
    assert client.get("/auth/logout").status_code == 405


def test_login_next_stays_on_site(client, customer):
    response = client.post("/auth/login", data={"username": "casey", "password": PASSWORD,
                                                "next": "https://evil.example/steal"})
    assert response.headers["Location"] == "/"
    client.post("/auth/logout")
    response = client.post("/auth/login", data={"username": "casey", "password": PASSWORD,
                                                "next": "/account/"})
    assert response.headers["Location"] == "/account/"
    client.post("/auth/logout")
    response = client.post("/auth/login", data={"username": "casey", "password": PASSWORD,
                                                "next": "//evil.example"})
    assert response.headers["Location"] == "/"


def test_banned_user_cannot_log_in_until_the_ban_expires(client, customer, moderator):
    accounts.ban(moderator, customer, "spam", until=utcnow() + timedelta(days=1))
    response = client.post("/auth/login", data={"username": "casey", "password": PASSWORD})
    assert response.status_code == 403
    assert "banned" in response.get_data(as_text=True)
    customer.banned_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.post("/auth/login", data={"username": "casey", "password": PASSWORD}).status_code == 302


def test_ban_ends_an_existing_session(login, customer, moderator):
    client = login(customer)
    assert client.get("/account/").status_code == 200
    accounts.ban(moderator, customer, "abuse")
    assert client.get("/account/").status_code == 302


def test_password_change_ends_other_sessions(login, customer):
    first, second = login(customer), login(customer)
    response = first.post("/account/password", data={
        "pw-current_password": PASSWORD, "pw-new_password": "a-brand-new-password"})
    assert response.status_code == 302
    assert first.get("/account/").status_code == 200  # the changing session goes on
    assert second.get("/account/").status_code == 302  # the other one ended
    client = login(customer, "a-brand-new-password")
    assert client.get("/account/").status_code == 200


def test_password_change_with_wrong_current_password(customer_client):
    response = customer_client.post("/account/password", data={
        "pw-current_password": "not-it-at-all", "pw-new_password": "a-brand-new-password"})
    assert response.status_code == 400
    assert "not right" in response.get_data(as_text=True)


def test_customer_picks_a_segment(customer_client, customer):
    segment = accounts.segments()[1]
    response = customer_client.post("/account/segment", data={"seg-segment": str(segment.id)})
    assert response.status_code == 302
    db.session.refresh(customer)
    assert customer.segment_id == segment.id
    assert customer_client.post("/account/segment", data={"seg-segment": "9999"}).status_code == 400


def test_profile_page_shows_the_person(client, customer):
    customer.bio = "I run a small shop."
    db.session.commit()
    page = client.get("/people/CASEY")
    assert page.status_code == 200
    assert "I run a small shop." in page.get_data(as_text=True)
    assert client.get("/people/nobody-here").status_code == 404


def test_people_directory_sorts_by_lead_score(client, make_user):
    make_user("low").lead_score = 1
    make_user("high").lead_score = 50
    db.session.commit()
    html = client.get("/people/?sort=lead").get_data(as_text=True)
    assert html.index(">high<") < html.index(">low<")


def test_create_user_rejects_unknown_roles(app):
    with pytest.raises(ValidationError):
        accounts.create_user("someone", "a-long-enough-pw", role="overlord")


def test_session_cookie_flags(client, customer):
    response = client.post("/auth/login", data={"username": "casey", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_renews_the_session(client, customer):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    log_in(client, customer)
    with client.session_transaction() as session:
        assert "planted" not in session
