"""The e-mail digest, sent to a real local SMTP server (aiosmtpd)."""
import email
import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from wiki.extensions import db
from wiki.models import Notification
from wiki.pages.services import edit_page


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 Message accepted"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def app_config(smtp):
    controller, _inbox = smtp
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port,
            "MAIL_FROM": "wiki@example.com", "SITE_URL": "https://wiki.example.test"}


def test_digest_mails_unread_news_once(smtp, runner, make_user, make_page):
    _controller, inbox = smtp
    author = make_user("writer", email="writer@example.com")
    no_mail = make_user("nomail")
    editor = make_user("editor")
    page = make_page("Battery tips", author=author)
    other = make_page("Screen care", author=no_mail)
    edit_page(editor, page, "Second.", "second pass")
    edit_page(editor, other, "Second.")
    result = runner.invoke(args=["notifications", "send-digest"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 notification(s) to 1 user(s)." in result.output
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == ["writer@example.com"]
    assert message["From"] == "wiki@example.com"
    assert "1 new notification" in message["Subject"]
    text = message.get_payload(decode=True).decode()
    assert "editor edited “Battery tips”" in text
    assert "https://wiki.example.test/wiki/battery-tips/diff?from=1&to=2" in text
    note = db.session.scalar(select(Notification).where(Notification.user_id == author.id))
    assert note.emailed_at is not None and note.read_at is None
    # nothing new: nothing sent again
    result = runner.invoke(args=["notifications", "send-digest"])
    assert "Sent 0 notification(s)" in result.output and len(inbox.messages) == 1


def test_read_notifications_are_not_mailed(smtp, runner, make_user, make_page, login):
    _controller, inbox = smtp
    author = make_user("writer", email="writer@example.com")
    page = make_page("Battery tips", author=author)
    edit_page(make_user("editor"), page, "Second.")
    login(author).post("/notifications/read-all")
    runner.invoke(args=["notifications", "send-digest"])
    assert inbox.messages == []


def test_without_mail_server_nothing_is_sent(app, runner):
    app.config["MAIL_SERVER"] = None
    result = runner.invoke(args=["notifications", "send-digest"])
    assert result.exit_code == 0 and "MAIL_SERVER is not configured" in result.output
