"""Signed webhooks: an outbox filled with each matching event, sent by `flask webhooks deliver`."""
import time

import click
from flask.cli import AppGroup


def init_app(app):
    from .. import events, permissions, slots
    from . import services

    slots.register("account.sections", "webhooks/_account.html", order=60,
                   context=lambda user=None, **_: {} if permissions.can_see_insights(user) else None)
    app.config.setdefault("SITE_URL", "http://127.0.0.1:5000")
    app.config.setdefault("WEBHOOK_TIMEOUT", 5)
    app.config.setdefault("WEBHOOK_MAX_ATTEMPTS", 8)
    app.config.setdefault("WEBHOOK_BACKOFF_SECONDS", 30)
    events.subscribe(services.on_event)
    app.cli.add_command(cli)


cli = AppGroup("webhooks", help="Webhooks: send the delivery outbox.")


@cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep running, checking the outbox every --interval seconds.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Send at most this many per round.")
@click.option("--interval", type=click.FloatRange(min=0.1), default=5.0, show_default=True)
def deliver_command(loop, limit, interval):
    """Send due webhook deliveries (once, or continuously with --loop)."""
    from .delivery import deliver_due

    while True:
        counts = deliver_due(limit=limit)
        sent = sum(counts.values())
        if sent or not loop:
            click.echo(f"delivered {counts['delivered']}, retrying {counts['retrying']}, "
                       f"failed {counts['failed']}")
        if not loop:
            return
        time.sleep(interval)
