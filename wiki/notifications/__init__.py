"""Notifications: news from watched things and voted proposals, a header count, an e-mail digest."""
import click
from flask.cli import AppGroup


def init_app(app):
    from .. import events, personal
    from . import services

    app.config.setdefault("SITE_URL", "http://127.0.0.1:5000")
    app.config.setdefault("MAIL_TIMEOUT", 10)
    events.subscribe(services.on_event)
    personal.add_fact("header_user", "unread", services.unread_fact)
    app.cli.add_command(cli)


cli = AppGroup("notifications", help="Notifications: the e-mail digest.")


@cli.command("send-digest")
def send_digest_command():
    """E-mail each user a digest of their unread notifications (needs MAIL_SERVER)."""
    from flask import current_app

    from .digest import send_digest

    if not current_app.config.get("MAIL_SERVER"):
        click.echo("MAIL_SERVER is not configured; no e-mail sent.")
        return
    users, sent = send_digest()
    click.echo(f"Sent {sent} notification(s) to {users} user(s).")
