"""Moderation rules: flags, hiding, protection, deletion, bans and roll-backs.

Each public function takes the acting user, checks the permission, records a ``moderation.*``
event (public=False, ``data["reason"]``) and commits once. Other areas call:

  visible_revision(page, user) -> Revision | None   the revision a reader may see
  is_established(user) -> bool                       used by flags and rate limits
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import events, permissions
from ..auth import services as accounts
from ..errors import Conflict, ValidationError
from ..extensions import db
from ..pages.services import visible_revision  # noqa: F401  (re-exported for templates)
from ..models import FLAG_REASONS, Comment, Event, Flag, Page, Revision, User, utcnow
from ..text import has_control_chars
from .actions import (  # noqa: F401
    MAX_REASON,
    _clean_reason,
    _delete_page,
    _hide,
    _require_moderator,
    _unhide,
    ban_user,
    delete_page,
    hide_comment,
    hide_revision,
    protect_page,
    restore_page,
    rollback_user,
    unban_user,
    unhide_comment,
    unhide_revision,
    unprotect_page,
)

TARGET_TYPES = ("page", "revision", "comment")
ACTIONS = ("dismiss", "hide", "delete", "ban")
MAX_FLAG_TEXT = 1000
AUTOHIDE_REASON = "Hidden pending review: flagged by several members."

DEFAULTS = {
    "MODERATION_AUTOHIDE_FLAGS": 3,
    "MODERATION_ESTABLISHED_DAYS": 3,
    "MODERATION_ESTABLISHED_EDITS": 1,
}


# -- who counts as established ----------------------------------------------------------------

def is_established(user):
    """An account old enough (MODERATION_ESTABLISHED_DAYS) with enough saved edits
    (MODERATION_ESTABLISHED_EDITS); staff always count as established."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if permissions.has_role(user, *permissions.STAFF_ROLES):
        return True
    cfg = current_app.config
    created = user.created_at
    if created is None or utcnow() - created < timedelta(days=cfg["MODERATION_ESTABLISHED_DAYS"]):
        return False
    needed = int(cfg["MODERATION_ESTABLISHED_EDITS"])
    if needed <= 0:
        return True
    edits = db.session.scalar(select(func.count(Revision.id)).where(Revision.author_id == user.id))
    return edits >= needed


# -- what readers see --------------------------------------------------------------------------

def is_visible_to(item, user):
    """Whether a revision or comment's text may be shown to ``user`` (hidden ones only to
    moderators). Lists, diffs, feeds, search and the API use this or filter ``hidden``."""
    return not item.hidden or permissions.can_see_hidden(user)


# -- flags -------------------------------------------------------------------------------------

def get_target(target_type, target_id):
    """``(target_type, object)`` or a 404-style ValidationError."""
    model = {"page": Page, "revision": Revision, "comment": Comment}.get(target_type)
    if model is None:
        raise ValidationError({"target_type": "Flag a page, a revision or a comment."})
    try:
        obj = db.session.get(model, int(target_id))
    except (TypeError, ValueError):
        obj = None
    if obj is None:
        raise ValidationError({"_": f"There is no such {target_type}."}, status_code=404)
    return obj


def _target_filter(target_type, obj):
    column = {"page": Flag.page_id, "revision": Flag.revision_id, "comment": Flag.comment_id}
    return (Flag.target_type == target_type, column[target_type] == obj.id)


def flag(actor, target_type, target_id, reason, text=""):
    """A member reports a page, revision or comment. One open flag per reporter and target."""
    if not permissions.is_member(actor):
        raise ValidationError({"_": "Log in to flag content."}, status_code=403)
    obj = get_target(target_type, target_id)
    page = obj if target_type == "page" else obj.page
    if page.deleted and not permissions.can_see_hidden(actor):
        raise ValidationError({"_": f"There is no such {target_type}."}, status_code=404)
    if reason not in FLAG_REASONS:
        raise ValidationError({"reason": f"Choose a reason: {', '.join(FLAG_REASONS)}."})
    text = (text or "").strip()
    if len(text) > MAX_FLAG_TEXT:
        raise ValidationError({"text": f"A flag's note has at most {MAX_FLAG_TEXT} characters."})
    if has_control_chars(text):
        raise ValidationError({"text": "The note cannot contain control characters."})
    if reason == "other" and not text:
        raise ValidationError({"text": "Say what is wrong when the reason is “other”."})
    existing = db.session.scalar(select(Flag.id).where(
        Flag.reporter_id == actor.id, Flag.resolved_at.is_(None), *_target_filter(target_type, obj)))
    if existing:
        raise Conflict({"_": "You have flagged this already; a moderator will look at it."})
    item = Flag(reporter_id=actor.id, target_type=target_type, page_id=page.id, reason=reason,
                text=text, revision_id=obj.id if target_type == "revision" else None,
                comment_id=obj.id if target_type == "comment" else None)
    db.session.add(item)
    db.session.flush()
    events.record("moderation.flag", actor, page=page,
                  revision=obj if target_type == "revision" else None,
                  comment=obj if target_type == "comment" else None,
                  data={"reason": reason, "target_type": target_type, "flag": item.id}, public=False)
    _maybe_autohide(target_type, obj)
    db.session.commit()
    return item


def _maybe_autohide(target_type, obj):
    limit = int(current_app.config["MODERATION_AUTOHIDE_FLAGS"])
    if limit <= 0:
        return
    reporters = db.session.scalars(select(Flag.reporter_id).where(
        Flag.resolved_at.is_(None), *_target_filter(target_type, obj)).distinct()).all()
    people = [db.session.get(User, rid) for rid in reporters if rid is not None]
    if sum(1 for person in people if is_established(person)) < limit:
        return
    page = obj if target_type == "page" else obj.page
    if target_type == "page":
        if page.deleted:
            return
        page.deleted, page.deleted_at = True, utcnow()
    else:
        if obj.hidden:
            return
        obj.hidden, obj.hidden_at, obj.hidden_reason, obj.hidden_by_id = (
            True, utcnow(), AUTOHIDE_REASON, None)
    events.record("moderation.autohide", None, page=page,
                  revision=obj if target_type == "revision" else None,
                  comment=obj if target_type == "comment" else None,
                  data={"reason": AUTOHIDE_REASON, "target_type": target_type}, public=False)


def _was_autohidden(target_type, obj):
    if target_type == "page":
        last = db.session.scalar(select(Event.kind).where(
            Event.page_id == obj.id, Event.kind.like("moderation.%"),
            Event.kind != "moderation.flag", Event.revision_id.is_(None),
            Event.comment_id.is_(None)).order_by(Event.id.desc()).limit(1))
        return obj.deleted and last == "moderation.autohide"
    return obj.hidden and obj.hidden_by_id is None and obj.hidden_reason == AUTOHIDE_REASON


def open_flags():
    """Open flags grouped by target: a list of dicts with the target, its page and its flags."""
    flags = db.session.scalars(select(Flag).where(Flag.resolved_at.is_(None))
                               .order_by(Flag.created_at)
                               .options(selectinload(Flag.page).selectinload(Page.current_revision),
                                        selectinload(Flag.revision), selectinload(Flag.comment))
                               ).all()
    groups = {}
    for item in flags:
        key = (item.target_type, item.page_id, item.revision_id, item.comment_id)
        group = groups.get(key)
        if group is None:
            target = {"page": item.page, "revision": item.revision, "comment": item.comment}[item.target_type]
            group = groups[key] = {"target_type": item.target_type, "target": target,
                                   "page": item.page, "flags": [], "reasons": {}}
        group["flags"].append(item)
        group["reasons"][item.reason] = group["reasons"].get(item.reason, 0) + 1
    return sorted(groups.values(), key=lambda g: (-len(g["flags"]), g["flags"][0].created_at))


def resolve(actor, flag_or_target, action, note=""):
    """Close every open flag on a target: ``dismiss`` (and undo an automatic hide), ``hide`` the
    content, ``delete`` it (pages are deleted, revisions and comments hidden), or ``ban`` its
    author (and hide the content). ``flag_or_target`` is a Flag or ``(target_type, id)``."""
    _require_moderator(actor)
    if action not in ACTIONS:
        raise ValidationError({"action": f"Choose an action: {', '.join(ACTIONS)}."})
    note = _clean_reason(note, required=action == "ban", field="note")
    if isinstance(flag_or_target, Flag):
        target_type = flag_or_target.target_type
        obj = {"page": flag_or_target.page, "revision": flag_or_target.revision,
               "comment": flag_or_target.comment}[target_type]
    else:
        target_type, target_id = flag_or_target
        obj = get_target(target_type, target_id)
    flags = db.session.scalars(select(Flag).where(Flag.resolved_at.is_(None),
                                                  *_target_filter(target_type, obj))).all()
    if not flags:
        raise Conflict({"_": "There are no open flags on that; someone resolved them already."})
    reason = note or "Resolved flags: " + ", ".join(sorted({f.reason for f in flags}))
    author = _author_of(target_type, obj) if action == "ban" else None
    if action == "ban":
        if author is None:
            raise ValidationError({"action": "That content has no author to ban."})
        if permissions.has_role(author, *permissions.STAFF_ROLES):
            raise ValidationError({"action": "Staff accounts cannot be banned from here."})
    if action == "dismiss":
        if _was_autohidden(target_type, obj):
            _unhide(actor, target_type, obj, "Flags dismissed")
    elif action == "delete" and target_type == "page":
        _delete_page(actor, obj, reason)
    else:
        if target_type == "page":
            _delete_page(actor, obj, reason)
        else:
            _hide(actor, target_type, obj, reason)
    now = utcnow()
    for item in flags:
        item.resolved_at, item.resolved_by_id, item.resolution, item.resolution_note = (
            now, actor.id, action, note or None)
    page = obj if target_type == "page" else obj.page
    events.record("moderation.resolve", actor, page=page,
                  revision=obj if target_type == "revision" else None,
                  comment=obj if target_type == "comment" else None,
                  data={"reason": reason, "action": action, "flags": len(flags)}, public=False)
    if action == "ban":
        accounts.ban(actor, author, reason)  # records moderation.ban and commits everything
        return flags
    db.session.commit()
    return flags


def _author_of(target_type, obj):
    if target_type == "page":
        return obj.created_by
    return obj.author
