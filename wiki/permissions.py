"""Named permission predicates, used by the ``requires`` decorator, services and templates alike.

Each predicate takes the acting user (``current_user`` in views; may be anonymous) and, where it
matters, the object acted on. Roles are described in DESIGN.md.
"""
from functools import wraps

from flask import abort, request
from flask_login import current_user

STAFF_ROLES = ("moderator", "innovation", "admin")


def is_member(user):
    """A registered user who is not banned: may edit, comment, vote, rate, flag, watch."""
    return bool(user is not None and user.is_authenticated and not user.is_banned_now)


def has_role(user, *roles):
    return is_member(user) and user.role in roles


def can_create(user):
    return is_member(user)


def can_edit(user, page=None):
    if not is_member(user):
        return False
    if page is not None and page.deleted:
        return can_moderate(user)
    if page is not None and page.protected:
        return can_moderate(user)
    return True


def can_comment(user, page=None):
    return is_member(user) and (page is None or not page.deleted)


def can_vote(user, page=None):
    return is_member(user) and (page is None or not page.deleted)


def can_moderate(user):
    """Content moderation: hide/unhide, protect, delete/restore, flags, bans."""
    return has_role(user, "moderator", "admin")


def can_triage(user):
    """Work the triage queue: status, assignment, merges, official responses."""
    return has_role(user, "moderator", "innovation", "admin")


def can_see_insights(user):
    """Impact, internal notes, analytics (votes per segment, lead customers), webhooks."""
    return has_role(user, "innovation", "admin")


def can_admin(user):
    """Users' roles, products and customer segments."""
    return has_role(user, "admin")


def can_see_hidden(user):
    return can_moderate(user)


def can_be_assigned(user):
    """Proposals are assigned to the people who work the queue, never to customers."""
    return has_role(user, "moderator", "innovation", "admin")


def requires(predicate):
    """Abort with 401 (anonymous) or 403 (signed in, not allowed) unless ``predicate(current_user)``."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not predicate(current_user):
                if not current_user.is_authenticated:
                    if request.blueprint == "api" or request.path.startswith("/api/"):
                        abort(401)
                    from .extensions import login_manager

                    return login_manager.unauthorized()
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


TEMPLATE_PREDICATES = {
    name: obj
    for name, obj in dict(globals()).items()
    if name.startswith(("can_", "is_member", "has_role"))
}
