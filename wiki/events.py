"""The only way to write to the activity stream.

``record`` adds an Event to the current transaction and hands it to every subscriber (search
indexing, notifications, webhook outbox), which add their own rows to the same transaction. The
caller commits once.
"""
from sqlalchemy import bindparam, insert

from . import rowload
from .extensions import db
from .models import Event, utcnow
from .rawsql import Statement

_subscribers = []


def subscribe(fn):
    """Register ``fn(event)``, called inside the transaction that records each event."""
    if fn not in _subscribers:
        _subscribers.append(fn)
    return fn


def record(kind, actor=None, *, page=None, product=None, revision=None, comment=None,
           target_user=None, data=None, public=True):
    """Add an event to the current transaction, then let every subscriber add theirs.

    The row goes in with one INSERT on the driver's cursor (``rawsql``), not through the
    session's unit of work: an ORM flush of one object (dependency sort, defaults, bookkeeping)
    cost a vote a fifth of its CPU, and a vote holds SQLite's write lock while it records.
    Anything pending in the session is flushed first, so the objects named here have their ids.
    The Event joins the session as loaded (``rowload.attach``), so subscribers see an ordinary
    persistent object (its relationships load when asked for)."""
    session = db.session
    if session.new or session.dirty or session.deleted:
        session.flush()
    if product is None and page is not None:
        product_id = page.product_id
    else:
        product_id = product.id if product is not None else None
    values = {
        "kind": kind,
        "actor_id": getattr(actor, "id", None) if actor is not None and actor.is_authenticated else None,
        "page_id": _id(page), "product_id": product_id, "revision_id": _id(revision),
        "comment_id": _id(comment), "target_user_id": _id(target_user),
        "data": data or {}, "public": public, "created_at": utcnow(),
    }
    event = rowload.attach(Event, {"id": _INSERT.first(values)[0], **values})
    for fn in list(_subscribers):
        fn(event)
    return event


def _id(obj):
    return obj.id if obj is not None else None


_COLUMNS = ("kind", "actor_id", "page_id", "product_id", "revision_id", "comment_id",
            "target_user_id", "data", "public", "created_at")
_INSERT = Statement(insert(Event.__table__).values({name: bindparam(name) for name in _COLUMNS})
                    .returning(Event.__table__.c.id))
