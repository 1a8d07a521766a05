"""Notifications: events matching a user's watches (and their votes) become rows to read.

``on_event`` runs inside the transaction that records an event; the rest are the reading side.
"""
from flask import abort
from flask_login import current_user
from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import selectinload

from ..database import paginate
from ..errors import ValidationError
from ..extensions import db
from ..models import Event, Notification, User, Vote, utcnow
from ..watches.services import PROPOSAL_EVENT_KINDS, watch_reasons


def recipients(event):
    """``{user_id: reason}`` for an event: watchers, plus voters on proposal news; never the
    actor, and nobody for an event that is not public."""
    if not event.public:
        return {}
    found = {user_id: f"watch:{target}" for user_id, target in watch_reasons(event).items()}
    if event.kind in PROPOSAL_EVENT_KINDS and event.page_id is not None:
        voters = db.session.scalars(select(Vote.user_id).where(or_(
            Vote.page_id == event.page_id, Vote.merged_from_page_id == event.page_id)))
        for user_id in voters:
            found.setdefault(user_id, "vote")
        # a merge lists the duplicate's voters: some votes were folded into the target's
        listed = [i for i in (event.data or {}).get("voter_ids") or ()
                  if isinstance(i, int) and not isinstance(i, bool)]
        if listed:
            for user_id in db.session.scalars(select(User.id).where(User.id.in_(listed))):
                found.setdefault(user_id, "vote")
    found.pop(event.actor_id, None)
    return found


def on_event(event):
    """Subscriber: one notification per recipient, in the event's transaction."""
    for user_id, reason in recipients(event).items():
        db.session.add(Notification(user_id=user_id, event_id=event.id, reason=reason,
                                    created_at=event.created_at or utcnow()))


def unread_count(user):
    if not getattr(user, "is_authenticated", False):
        return 0
    return db.session.execute(_UNREAD, {"user_id": user.id}).scalar() or 0


def unread_fact():
    """The header's unread count as a personal part's fact (asked with the page's others)."""
    return _UNREAD, {"user_id": current_user.id}


# built once: every signed-in page asks it (the header's badge)
_UNREAD = select(func.count(Notification.id)).where(
    Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))


def notifications_stmt(user, unread_only=False):
    event = selectinload(Notification.event)
    stmt = (select(Notification).where(Notification.user_id == user.id)
            .options(event.selectinload(Event.page), event.selectinload(Event.revision),
                     event.selectinload(Event.actor), event.selectinload(Event.comment)))
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return stmt.order_by(Notification.created_at.desc(), Notification.id.desc())


def list_for(user, page=None, per_page=None, unread_only=False):
    """The user's notifications, newest first, as a Pagination."""
    return paginate(notifications_stmt(user, unread_only), page, per_page)


def get_own_or_404(user, notification_id):
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        abort(404)
    return note


def mark_read(user, notification):
    if notification.user_id != user.id:
        abort(404)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return notification


def mark_ids_read(user, ids):
    """Mark the user's notifications with these ids read; ids of others are ignored."""
    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise ValidationError({"ids": "Send a list of notification ids."})
    if not ids:
        return 0
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.id.in_(ids),
        Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.commit()
    return result.rowcount


def mark_all_read(user):
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.commit()
    return result.rowcount


def undigested():
    """``{user: [notification, ...]}`` of unread, not yet e-mailed notifications of users with an
    e-mail address."""
    rows = db.session.execute(
        select(Notification, User).join(User, User.id == Notification.user_id)
        .join(Event, Event.id == Notification.event_id)
        .where(Notification.read_at.is_(None), Notification.emailed_at.is_(None),
               User.email.is_not(None), User.email != "")
        .order_by(User.id, Notification.created_at, Notification.id)).all()
    grouped = {}
    for note, user in rows:
        grouped.setdefault(user, []).append(note)
    return grouped
