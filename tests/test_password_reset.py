"""Password reset by e-mailed token: same answer for every address, expiry, single use."""
import re
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from wiki.extensions import db
from wiki.models import PasswordReset, utcnow

from .conftest import PASSWORD, log_in

NEW_PASSWORD = "a-brand-new-secret-77"


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def app_config(smtp_port):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port}


@pytest.fixture
def inbox(smtp_port):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture
def member(make_user):
    return make_user("resetter", email="resetter@example.com")


def link_from(inbox):
    assert inbox.messages, "no mail was sent"
    body = inbox.messages[-1][1].replace("=\n", "")
    match = re.search(r"http://localhost(/auth/reset/[A-Za-z0-9_\-]+)", body)
    assert match, body
    return match.group(1)


def test_reset_by_mailed_link_ends_sessions(client, login, member, inbox):
    old_session = login(member)
    assert old_session.get("/account/").status_code == 200
    response = client.post("/auth/reset", data={"email": "Resetter@example.com"})
    assert response.status_code == 302
    assert inbox.messages[-1][0] == ["resetter@example.com"]
    link = link_from(inbox)
    token = link.rsplit("/", 1)[1]
    stored = db.session.scalar(select(PasswordReset))
    assert stored.token_hash != token and token not in stored.token_hash  # only the hash is kept
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/auth/login")
    assert old_session.get("/account/").status_code == 302  # the old session ended
    log_in(app_client := client, member, NEW_PASSWORD)
    assert app_client.get("/account/").status_code == 200
    # the link works once
    again = client.post(link, data={"password": "yet-another-pass-99", "confirm": "yet-another-pass-99"})
    assert again.status_code == 302 and "/auth/reset" in again.location


def test_same_answer_whether_or_not_the_address_exists(client, member, inbox):
    known = client.post("/auth/reset", data={"email": "resetter@example.com"}, follow_redirects=True)
    unknown = client.post("/auth/reset", data={"email": "nobody@example.com"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    message = "If that address belongs to an account"
    assert message in known.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert len(inbox.messages) == 1


def test_expired_link_is_refused(client, member, inbox):
    client.post("/auth/reset", data={"email": "resetter@example.com"})
    link = link_from(inbox)
    stored = db.session.scalar(select(PasswordReset))
    stored.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                           follow_redirects=True)
    assert "not valid any more" in response.get_data(as_text=True)
    log_in(client, member, PASSWORD)  # the old password still works


def test_a_new_link_replaces_the_old_one(client, member, inbox):
    client.post("/auth/reset", data={"email": "resetter@example.com"})
    first = link_from(inbox)
    client.post("/auth/reset", data={"email": "resetter@example.com"})
    second = link_from(inbox)
    assert first != second
    assert client.get(first).status_code == 302
    assert client.get(second).status_code == 200


def test_weak_or_mismatched_new_password_is_explained(client, member, inbox):
    client.post("/auth/reset", data={"email": "resetter@example.com"})
    link = link_from(inbox)
    response = client.post(link, data={"password": "short", "confirm": "short"})
    assert response.status_code == 400 and "at least 10 characters" in response.get_data(as_text=True)
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert response.status_code == 400 and "differ" in response.get_data(as_text=True)
    assert client.get(link).status_code == 200  # still usable after a failed try


def test_without_mail_server_the_message_is_logged(app, client, member):
    import logging

    class Collect(logging.Handler):
        def __init__(self, level):
            super().__init__(level)
            self.records = []

        def emit(self, record):
            self.records.append(record.getMessage())

    app.config["MAIL_SERVER"] = None
    handler = Collect(level=logging.INFO)
    app.logger.addHandler(handler)
    old_level, old_disabled = app.logger.level, app.logger.disabled
    app.logger.setLevel(logging.INFO)
    app.logger.disabled = False  # Alembic's fileConfig (migration tests) disables existing loggers
    try:
        client.post("/auth/reset", data={"email": "resetter@example.com"})
    finally:
        app.logger.removeHandler(handler)
        app.logger.setLevel(old_level)
        app.logger.disabled = old_disabled
    assert any("/auth/reset/" in message for message in handler.records)
