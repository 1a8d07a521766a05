"""The only way to write to the activity stream.

``record`` adds an Event to the current transaction and hands it to every subscriber (search
indexing, notifications, webhook outbox), which add their own rows to the same transaction. The
caller commits once.
"""
from .extensions import db
from .models import Event

_subscribers = []


def subscribe(fn):
    """Register ``fn(event)``, called inside the transaction that records each event."""
    if fn not in _subscribers:
        _subscribers.append(fn)
    return fn


def record(kind, actor=None, *, page=None, product=None, revision=None, comment=None,
           target_user=None, data=None, public=True):
    if product is None and page is not None:
        product = page.product
    event = Event(
        kind=kind,
        actor_id=getattr(actor, "id", None) if actor is not None and actor.is_authenticated else None,
        page=page,
        product=product,
        revision=revision,
        comment=comment,
        target_user=target_user,
        data=data or {},
        public=public,
    )
    db.session.add(event)
    db.session.flush()
    for fn in list(_subscribers):
        fn(event)
    return event
