"""Moderator actions on content and people. Each records a ``moderation.*`` event (not public,
with the reason in its data) and commits once; the ``_``-prefixed helpers do the work without
committing so ``services.resolve`` can combine them in one transaction."""
from datetime import UTC, datetime

from sqlalchemy import select

from .. import events, permissions
from ..auth import services as accounts
from ..errors import ValidationError
from ..extensions import db
from ..models import Page, Revision, utcnow
from ..text import has_control_chars

MAX_REASON = 500


def _require_moderator(actor):
    if not permissions.can_moderate(actor):
        raise ValidationError({"_": "Only moderators can do that."}, status_code=403)


def _clean_reason(reason, *, required=True, field="reason"):
    reason = " ".join((reason or "").split())
    if required and not reason:
        raise ValidationError({field: "Give a reason; it goes into the moderation log."})
    if len(reason) > MAX_REASON:
        raise ValidationError({field: f"A reason has at most {MAX_REASON} characters."})
    if has_control_chars(reason):
        raise ValidationError({field: "A reason cannot contain control characters."})
    return reason


def _record(kind, actor, reason, *, page=None, revision=None, comment=None, target_user=None, **data):
    events.record(f"moderation.{kind}", actor, page=page, revision=revision, comment=comment,
                  target_user=target_user, data={"reason": reason, **data}, public=False)


# -- revisions and comments --------------------------------------------------------------------

def _hide(actor, target_type, obj, reason):
    obj.hidden, obj.hidden_at, obj.hidden_reason, obj.hidden_by_id = True, utcnow(), reason, actor.id
    _record(f"hide_{target_type}", actor, reason, page=obj.page,
            revision=obj if target_type == "revision" else None,
            comment=obj if target_type == "comment" else None)


def _unhide(actor, target_type, obj, reason):
    obj.hidden, obj.hidden_at, obj.hidden_reason, obj.hidden_by_id = False, None, None, None
    if target_type == "page":
        _restore(actor, obj, reason)
        return
    _record(f"unhide_{target_type}", actor, reason, page=obj.page,
            revision=obj if target_type == "revision" else None,
            comment=obj if target_type == "comment" else None)


def hide_revision(actor, revision, reason):
    """Hide a revision's text and summary from everyone but moderators. When it is the page's
    current revision, readers see the latest visible one (``services.visible_revision``)."""
    _require_moderator(actor)
    reason = _clean_reason(reason)
    if revision.hidden:
        return revision
    _hide(actor, "revision", revision, reason)
    db.session.commit()
    return revision


def unhide_revision(actor, revision, reason=""):
    _require_moderator(actor)
    reason = _clean_reason(reason, required=False)
    if revision.hidden:
        _unhide(actor, "revision", revision, reason)
        db.session.commit()
    return revision


def hide_comment(actor, comment, reason):
    _require_moderator(actor)
    reason = _clean_reason(reason)
    if not comment.hidden:
        _hide(actor, "comment", comment, reason)
        db.session.commit()
    return comment


def unhide_comment(actor, comment, reason=""):
    _require_moderator(actor)
    reason = _clean_reason(reason, required=False)
    if comment.hidden:
        _unhide(actor, "comment", comment, reason)
        db.session.commit()
    return comment


# -- pages -------------------------------------------------------------------------------------

def protect_page(actor, page, reason):
    _require_moderator(actor)
    reason = _clean_reason(reason)
    if not page.protected:
        page.protected = True
        _record("protect_page", actor, reason, page=page)
        db.session.commit()
    return page


def unprotect_page(actor, page, reason=""):
    _require_moderator(actor)
    reason = _clean_reason(reason, required=False)
    if page.protected:
        page.protected = False
        _record("unprotect_page", actor, reason, page=page)
        db.session.commit()
    return page


def _delete_page(actor, page, reason):
    """Two events: the public ``page.deleted`` (recent changes for moderators, watchers,
    webhooks; no reason) and the moderation log's ``moderation.delete_page`` with the reason."""
    if not page.deleted:
        page.deleted, page.deleted_at = True, utcnow()
        events.record("page.deleted", actor, page=page)
        _record("delete_page", actor, reason, page=page)


def _restore(actor, page, reason):
    page.deleted, page.deleted_at = False, None
    events.record("page.restored", actor, page=page)
    _record("restore_page", actor, reason, page=page)


def delete_page(actor, page, reason):
    _require_moderator(actor)
    reason = _clean_reason(reason)
    _delete_page(actor, page, reason)
    db.session.commit()
    return page


def restore_page(actor, page, reason=""):
    _require_moderator(actor)
    reason = _clean_reason(reason, required=False)
    if page.deleted:
        _restore(actor, page, reason)
        db.session.commit()
    return page


# -- people ------------------------------------------------------------------------------------

def parse_until(value):
    """``"2026-12-31"`` or a datetime → an aware UTC datetime in the future; ``""`` → None."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValidationError({"until": "Give the end of the ban as YYYY-MM-DD."}) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if value <= utcnow():
        raise ValidationError({"until": "The end of a ban must be in the future."})
    return value


def ban_user(actor, user, reason, until=None):
    """Ban with a reason and optional expiry; ends the user's sessions."""
    _require_moderator(actor)
    reason = _clean_reason(reason)
    until = parse_until(until)
    if user.id == actor.id:
        raise ValidationError({"_": "You cannot ban yourself."})
    if permissions.has_role(user, *permissions.STAFF_ROLES) and not permissions.can_admin(actor):
        raise ValidationError({"_": "Only an admin can ban a member of staff."}, status_code=403)
    accounts.ban(actor, user, reason, until)  # records moderation.ban and commits
    return user


def unban_user(actor, user, reason=""):
    _require_moderator(actor)
    reason = _clean_reason(reason, required=False)
    accounts.unban(actor, user, reason)  # records moderation.unban and commits
    return user


# -- roll-back ---------------------------------------------------------------------------------

def rollback_user(actor, user, since=None, reason=""):
    """Revert every page whose latest revisions are by ``user`` (made at or after ``since``, when
    given) to the last revision by someone else; pages the user created alone are deleted. One
    transaction: all pages or none. Returns the pages touched."""
    from ..pages.services import _add_revision

    _require_moderator(actor)
    reason = _clean_reason(reason, required=False) or f"Rolled back edits by {user.username}"
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    pages = db.session.scalars(
        select(Page).join(Revision, Revision.id == Page.current_revision_id)
        .where(Revision.author_id == user.id).order_by(Page.id)).all()
    touched = []
    for page in pages:
        revisions = db.session.scalars(select(Revision).where(Revision.page_id == page.id)
                                       .order_by(Revision.number.desc())).all()
        target = None
        for revision in revisions:
            by_user = revision.author_id == user.id and (since is None or revision.created_at >= since)
            if not by_user and not revision.hidden:  # never bring hidden text back
                target = revision
                break
        if target is not None and target.number == revisions[0].number:
            continue  # the user's latest edit is older than ``since``
        if target is None:
            _delete_page(actor, page, reason)
        else:
            revision = _add_revision(actor, page, target.source, reason[:300])
            revision.reverted_to = target.number
            events.record("page.reverted", actor, page=page, revision=revision,
                          data={"to": target.number, "reason": reason})
        touched.append(page)
    _record("rollback_user", actor, reason, target_user=user, pages=[p.slug for p in touched],
            since=since.isoformat() if since else None)
    db.session.commit()
    return touched
