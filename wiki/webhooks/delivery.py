"""The webhook worker: sends due outbox rows, signed, and records each outcome.

A delivery is claimed by pushing its ``next_attempt_at`` past the request timeout (a lease) and
committing before the HTTP call, so no database lock is held while a receiver answers and two
workers never send the same row at once. Failures are retried with exponential back-off until
``WEBHOOK_MAX_ATTEMPTS``; then the delivery is ``failed`` (a person can redeliver it).
"""
import hashlib
import hmac
import json
import socket
import urllib.error
import urllib.request
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from ..database import begin_write, is_sqlite
from ..extensions import db
from ..models import Delivery, utcnow
from ..notifications import describe
from ..pages.serialize import page_ref

SNIPPET = 1000


def payload(event, site_url):
    page = event.page
    return {
        "id": event.id,
        "kind": event.kind,
        "created_at": event.created_at.isoformat(),
        "actor": event.actor.username if event.actor is not None else None,
        "page": None if page is None else {
            **page_ref(page),
            "url": site_url + describe.page_path(page),
            "revision": event.revision.number if event.revision is not None else None,
        },
        "product": event.product.slug if event.product is not None else None,
        "data": event.data or {},
        "url": site_url + describe.path(event),
    }


def sign(secret, body):
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer, not a delivery


def post(url, body, headers, timeout):
    """POST ``body``; returns ``(status_code or None, response snippet, error or None)``."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.read(SNIPPET).decode("utf-8", "replace"), None
    except urllib.error.HTTPError as error:
        try:
            text = error.read(SNIPPET).decode("utf-8", "replace")
        except OSError:
            text = ""
        return error.code, text, f"HTTP {error.code}"
    except TimeoutError:
        return None, "", f"No answer within {timeout} s."
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, (socket.timeout, TimeoutError)):
            return None, "", f"No answer within {timeout} s."
        return None, "", f"Could not connect: {reason}"[:500]


def _claim(now, skip):
    """Lease the next due delivery; returns what sending needs, or None when none is due."""
    cfg = current_app.config
    begin_write()
    stmt = (select(Delivery).where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at, Delivery.id).limit(1))
    if skip:
        stmt = stmt.where(Delivery.id.not_in(skip))
    if not is_sqlite():
        stmt = stmt.with_for_update(skip_locked=True)
    delivery = db.session.scalar(stmt)
    if delivery is None:
        db.session.rollback()
        return None
    hook, event = delivery.webhook, delivery.event
    body = json.dumps(payload(event, cfg["SITE_URL"].rstrip("/")), separators=(",", ":"),
                      sort_keys=True).encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": "CoWiki-Webhooks/1",
               "X-CoWiki-Event": event.kind, "X-CoWiki-Delivery": str(delivery.id),
               "X-CoWiki-Signature": sign(hook.secret, body)}
    job = (delivery.id, hook.url, body, headers)
    delivery.next_attempt_at = now + timedelta(seconds=float(cfg["WEBHOOK_TIMEOUT"]) + 60)
    db.session.commit()
    return job


def _record(delivery_id, now, code, text, error):
    cfg = current_app.config
    begin_write()
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None:  # its webhook was deleted meanwhile
        db.session.rollback()
        return "gone"
    delivery.attempts += 1
    delivery.last_status_code = code
    delivery.last_response = text or None
    if code is not None and 200 <= code < 300:
        delivery.status = "delivered"
        delivery.delivered_at = now
        delivery.last_error = None
        outcome = "delivered"
    else:
        delivery.last_error = (error or f"HTTP {code}")[:500]
        if delivery.attempts >= int(cfg["WEBHOOK_MAX_ATTEMPTS"]):
            delivery.status = "failed"
            outcome = "failed"
        else:
            wait = float(cfg["WEBHOOK_BACKOFF_SECONDS"]) * 2 ** (delivery.attempts - 1)
            delivery.next_attempt_at = now + timedelta(seconds=wait)
            outcome = "retrying"
    db.session.commit()
    return outcome


def deliver_due(limit=None, now=None):
    """Send every due delivery once (at most ``limit``); returns counts by outcome."""
    timeout = float(current_app.config["WEBHOOK_TIMEOUT"])
    counts = {"delivered": 0, "retrying": 0, "failed": 0, "gone": 0}
    seen = []
    while limit is None or len(seen) < limit:
        moment = now or utcnow()
        job = _claim(moment, seen)
        if job is None:
            break
        delivery_id, url, body, headers = job
        seen.append(delivery_id)
        code, text, error = post(url, body, headers, timeout)
        counts[_record(delivery_id, now or utcnow(), code, text, error)] += 1
    return counts
