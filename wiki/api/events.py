"""The activity stream for polling: events after a cursor, oldest first.

Cursor rules: ``since`` is an event id; the answer holds events with a larger id, and
``next_cursor`` is the id to send next time (the last event returned, or ``since`` again when
nothing is new). ``since=0`` or no ``since`` starts at the beginning. Ids are never reused but
may have gaps, so any ``since`` from 0 up to the newest event id is accepted; a larger one cannot
have come from this server and is refused with 400 ``unknown_cursor``.

Readers see public events whose page is not deleted; the innovation team and admins
(``can_see_insights``) also see internal events, and moderators also see events of deleted pages.
"""
from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import permissions
from ..extensions import db
from ..models import Event, Page
from ..pages.serialize import page_ref
from .blueprint import bp
from .common import ApiError, component, doc, int_arg, iso, obj
from .resources import product_for_filter

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

EVENT_SCHEMA = component("Event", obj(
    ("id", "kind", "created_at", "actor", "page", "product", "revision", "data"),
    id={"type": "integer"}, kind={"type": "string", "examples": ["page.edited"]},
    created_at={"type": "string", "format": "date-time"}, actor={"type": ["string", "null"]},
    page={"type": ["object", "null"], "properties": {"slug": {"type": "string"},
                                                     "title": {"type": "string"},
                                                     "kind": {"type": "string"}}},
    product={"type": ["string", "null"]}, revision={"type": ["integer", "null"]},
    data={"type": "object"}, public={"type": "boolean"}))


def events_since(user, since=0, kinds=(), product=None, limit=DEFAULT_LIMIT):
    """Events after ``since`` that ``user`` may see, oldest first; raises ApiError for a cursor
    past the newest event."""
    newest = db.session.scalar(select(func.max(Event.id))) or 0
    if since > newest:
        raise ApiError(400, "unknown_cursor",
                       f"No event {since} exists (the newest is {newest}); use a next_cursor "
                       "from an earlier answer, or 0 to start at the beginning.")
    stmt = (select(Event).where(Event.id > since)
            .options(selectinload(Event.page), selectinload(Event.revision),
                     selectinload(Event.actor)))
    if not permissions.can_see_insights(user):
        stmt = stmt.where(Event.public.is_(True))
    if not permissions.can_see_hidden(user):
        stmt = stmt.where(~Event.page.has(Page.deleted.is_(True)))
    if kinds:
        stmt = stmt.where(Event.kind.in_(kinds))
    if product is not None:
        stmt = stmt.where(Event.product_id == product.id)
    return list(db.session.scalars(stmt.order_by(Event.id).limit(limit)))


def event_json(event):
    page = event.page
    return {"id": event.id, "kind": event.kind, "created_at": iso(event.created_at),
            "actor": event.actor.username if event.actor else None,
            "page": page_ref(page) if page else None,
            "product": event.product.slug if event.product else None,
            "revision": event.revision.number if event.revision else None,
            "data": event.data or {}, "public": event.public}


@bp.route("/events")
@doc("Events after a cursor, oldest first, for polling. Send next_cursor back as since.",
     params={"since": (int, "An event id (0: from the beginning); at most the newest id.",
                       {"minimum": 0, "default": 0}),
             "kind": (str, "Only these kinds, comma-separated, e.g. page.created,page.edited"),
             "product": (str, "Only events about this product (slug)"),
             "limit": (int, f"How many (default {DEFAULT_LIMIT}, capped at {MAX_LIMIT})",
                       {"minimum": 1, "maximum": MAX_LIMIT})},
     response=obj(("events", "next_cursor", "has_more"),
                  events={"type": "array", "items": EVENT_SCHEMA},
                  next_cursor={"type": "integer"}, has_more={"type": "boolean"}),
     errors=(400,))
def list_events():
    since = int_arg("since", default=0, minimum=0)
    limit = min(int_arg("limit", default=DEFAULT_LIMIT, minimum=1), MAX_LIMIT)
    kinds = [k.strip() for k in request.args.get("kind", "").split(",") if k.strip()]
    product = product_for_filter(request.args.get("product") or None)
    events = events_since(current_user, since, kinds, product, limit + 1)
    has_more = len(events) > limit
    events = events[:limit]
    return jsonify({"events": [event_json(e) for e in events],
                    "next_cursor": events[-1].id if events else since, "has_more": has_more})
