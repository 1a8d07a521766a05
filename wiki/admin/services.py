"""Admin rules: the customer segment list and users' roles. Each action writes a private event."""
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from .. import events, permissions
from ..auth.services import set_role
from ..errors import ValidationError
from ..extensions import db
from ..models import ROLES, Segment, User
from ..text import has_control_chars, slugify
from ..triage.services import Forbidden

MAX_NAME = 80


def _require_admin(actor):
    if not permissions.can_admin(actor):
        raise Forbidden({"_": "Only admins manage segments and roles."})


def segments():
    return db.session.scalars(select(Segment).order_by(Segment.position, Segment.id)).all()


def members_per_segment():
    return dict(db.session.execute(select(User.segment_id, func.count(User.id))
                                   .where(User.segment_id.is_not(None))
                                   .group_by(User.segment_id)).all())


def _clean_name(name, exclude_id=None):
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "A segment needs a name."})
    if len(name) > MAX_NAME:
        raise ValidationError({"name": f"A segment name has at most {MAX_NAME} characters."})
    if has_control_chars(name):
        raise ValidationError({"name": "A segment name cannot contain control characters."})
    slug = slugify(name, max_length=60)
    if not slug:
        raise ValidationError({"name": "A segment name needs at least one letter or digit."})
    clash = db.session.scalar(select(Segment).where(
        (func.lower(Segment.name) == name.lower()) | (Segment.slug == slug)))
    if clash is not None and clash.id != exclude_id:
        raise ValidationError({"name": f"There is a segment called “{clash.name}” already."})
    return name, slug


def add_segment(actor, name):
    _require_admin(actor)
    name, slug = _clean_name(name)
    position = (db.session.scalar(select(func.max(Segment.position))) or 0) + 1
    segment = Segment(name=name, slug=slug, position=position)
    db.session.add(segment)
    db.session.flush()
    events.record("segment.added", actor, data={"segment": slug, "name": name}, public=False)
    db.session.commit()
    return segment


def rename_segment(actor, segment, name):
    _require_admin(actor)
    old = segment.name
    name, slug = _clean_name(name, exclude_id=segment.id)
    segment.name, segment.slug = name, slug
    events.record("segment.renamed", actor, data={"from": old, "to": name}, public=False)
    db.session.commit()
    return segment


def move_segment(actor, segment, direction):
    """Swap with the neighbour above (``up``) or below (``down``)."""
    _require_admin(actor)
    if direction not in ("up", "down"):
        raise ValidationError({"direction": "Move a segment up or down."})
    ordered = segments()
    for position, item in enumerate(ordered):  # normalise positions to 0..n-1
        item.position = position
    index = next(i for i, item in enumerate(ordered) if item.id == segment.id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index].position, ordered[other].position = other, index
        events.record("segment.moved", actor, data={"segment": segment.slug,
                                                    "direction": direction}, public=False)
    db.session.commit()


def remove_segment(actor, segment):
    """Delete a segment; its members keep their accounts with no segment."""
    _require_admin(actor)
    members = db.session.execute(update(User).where(User.segment_id == segment.id)
                                 .values(segment_id=None)).rowcount
    events.record("segment.removed", actor, data={"segment": segment.slug, "name": segment.name,
                                                  "members": members}, public=False)
    db.session.delete(segment)
    db.session.commit()
    return members


def change_role(actor, user, role):
    """Set a user's role; the last admin cannot stop being one."""
    _require_admin(actor)
    if role not in ROLES:
        raise ValidationError({"role": f"Unknown role {role!r}; choose one of {', '.join(ROLES)}."})
    if user.role == "admin" and role != "admin":
        admins = db.session.scalar(select(func.count(User.id)).where(User.role == "admin",
                                                                     User.banned.is_(False)))
        if admins <= 1:
            raise ValidationError({"role": "This is the last admin; make someone else an admin "
                                           "first."})
    if user.role == role:
        return user
    set_role(actor, user, role)
    return user


def users(query=""):
    stmt = select(User).options(joinedload(User.segment)).order_by(User.username_key)
    query = (query or "").strip().casefold()
    if query:
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(User.username_key.like(f"%{escaped}%", escape="\\"))
    return stmt
