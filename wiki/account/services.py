"""Personal API tokens: create (the raw value is shown once), list, revoke."""
from flask import abort
from sqlalchemy import func, select

from .. import permissions
from ..api_auth import new_token
from ..errors import ValidationError
from ..extensions import db
from ..models import ApiToken, utcnow
from ..text import has_control_chars

MAX_NAME = 80
MAX_ACTIVE_TOKENS = 20


def tokens_query(user):
    """The user's tokens, newest first (revoked ones too, so they can see what was revoked)."""
    return select(ApiToken).where(ApiToken.user_id == user.id).order_by(
        ApiToken.created_at.desc(), ApiToken.id.desc())


def tokens_for(user):
    return list(db.session.scalars(tokens_query(user)))


def create_token(user, name):
    """A new token for ``user``; returns ``(token, raw)``. Only the hash is stored."""
    if not permissions.is_member(user):
        abort(403)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. the tool that will use it."})
    if len(name) > MAX_NAME:
        raise ValidationError({"name": f"A token name has at most {MAX_NAME} characters."})
    if has_control_chars(name):
        raise ValidationError({"name": "A token name cannot contain control characters."})
    active = db.session.scalar(select(func.count(ApiToken.id)).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
    if active >= MAX_ACTIVE_TOKENS:
        raise ValidationError({"name": f"You have {MAX_ACTIVE_TOKENS} active tokens; revoke one first."})
    token, raw = new_token(user, name)
    db.session.commit()
    return token, raw


def get_own_token_or_404(user, token_id):
    """The user's own token; someone else's token is as unknown as a missing one."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        abort(404, description="You have no token with that id.")
    return token


def revoke_token(user, token_id):
    """Revoke the user's token (again is harmless: the first time stands)."""
    token = get_own_token_or_404(user, token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token
