"""Webhooks: who gets which events, and the outbox rows written with each event.

Sending lives in ``delivery.py``; this module holds the rules for registering hooks and for
filling the outbox inside the event's transaction.
"""
import re
import secrets
from urllib.parse import urlsplit

from flask import abort
from sqlalchemy import delete, select

from .. import permissions
from ..errors import ValidationError
from ..extensions import db
from ..models import Delivery, Webhook, utcnow
from ..products.services import get_product
from ..text import has_control_chars

MAX_URL = 2000
MAX_SECRET = 200
KIND_RE = re.compile(r"^[a-z_]+(\.[a-z_]+|\.\*)?$")


def _require(user):
    if not permissions.can_see_insights(user):
        abort(403)


def clean_url(url):
    url = (url or "").strip()
    if not url:
        raise ValidationError({"url": "Give the URL that should receive the events."})
    if len(url) > MAX_URL:
        raise ValidationError({"url": f"A URL has at most {MAX_URL} characters."})
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ValidationError({"url": "A URL cannot contain spaces or control characters."})
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as error:
        raise ValidationError({"url": "That is not a valid URL."}) from error
    if parts.scheme.lower() not in ("http", "https"):
        raise ValidationError({"url": "Only http:// and https:// URLs can receive webhooks."})
    if not parts.hostname:
        raise ValidationError({"url": "The URL needs a host name."})
    if parts.username or parts.password:
        raise ValidationError({"url": "Put no user name or password in the URL; use the secret."})
    return url


def clean_kinds(kinds):
    """A list of event kinds (``page.edited``) or families (``proposal.*``); empty means all."""
    if isinstance(kinds, str):
        kinds = re.split(r"[\s,]+", kinds)
    if not isinstance(kinds, (list, tuple)) or not all(isinstance(k, str) for k in kinds):
        raise ValidationError({"event_kinds": "Give event kinds as a list of names."})
    cleaned = []
    for kind in kinds:
        kind = kind.strip().lower()
        if not kind:
            continue
        if not KIND_RE.match(kind) or len(kind) > 40:
            raise ValidationError({"event_kinds": f"{kind!r} is not an event kind (like page.edited or proposal.*)."})
        if kind not in cleaned:
            cleaned.append(kind)
    return cleaned


def find_product(slug):
    if not slug:
        return None
    product = get_product(slug)
    if product is None:
        raise ValidationError({"product": "There is no product with that slug."})
    return product


def create_webhook(actor, url, secret="", event_kinds=(), product_slug=None):
    _require(actor)
    url = clean_url(url)
    secret = (secret or "").strip() or secrets.token_hex(24)
    if len(secret) > MAX_SECRET:
        raise ValidationError({"secret": f"A secret has at most {MAX_SECRET} characters."})
    if has_control_chars(secret):
        raise ValidationError({"secret": "A secret cannot contain control characters."})
    hook = Webhook(owner_id=actor.id, url=url, secret=secret, event_kinds=clean_kinds(event_kinds),
                   product=find_product(product_slug), active=True)
    db.session.add(hook)
    db.session.commit()
    return hook


def delete_webhook(actor, hook):
    _require(actor)
    # bulk deletes: the ORM backref would otherwise try to orphan the deliveries
    db.session.execute(delete(Delivery).where(Delivery.webhook_id == hook.id))
    db.session.execute(delete(Webhook).where(Webhook.id == hook.id))
    db.session.commit()


def list_webhooks(actor):
    _require(actor)
    return db.session.scalars(select(Webhook).order_by(Webhook.created_at.desc(), Webhook.id.desc())).all()


def get_webhook_or_404(actor, hook_id):
    _require(actor)
    hook = db.session.get(Webhook, hook_id)
    if hook is None:
        abort(404)
    return hook


def deliveries_stmt(hook):
    return (select(Delivery).where(Delivery.webhook_id == hook.id)
            .order_by(Delivery.created_at.desc(), Delivery.id.desc()))


def redeliver(actor, delivery):
    """Queue a delivery again now, with a fresh set of attempts."""
    _require(actor)
    delivery.status = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.last_error = None
    db.session.commit()
    return delivery


def matches(hook, event):
    if not hook.active or not event.public:
        return False
    if hook.product_id is not None and hook.product_id != event.product_id:
        return False
    kinds = hook.event_kinds or []
    if not kinds:
        return True
    family = event.kind.split(".", 1)[0] + ".*"
    return event.kind in kinds or family in kinds


def on_event(event):
    """Subscriber: one outbox row per matching webhook, in the event's transaction."""
    if not event.public:
        return
    for hook in db.session.scalars(select(Webhook).where(Webhook.active.is_(True))):
        if matches(hook, event):
            db.session.add(Delivery(webhook_id=hook.id, event_id=event.id, status="pending",
                                    attempts=0, next_attempt_at=utcnow()))
