"""Bearer-token authentication for the JSON API, and CSRF for everything else.

A request carrying ``Authorization: Bearer <token>`` is authenticated by the token alone and needs
no CSRF token (it cannot be forged by a browser); every other state-changing request must carry a
CSRF token, in the form or in the ``X-CSRFToken`` header.
"""
import hashlib
import secrets

from flask import abort, current_app, g, request
from sqlalchemy import select

from .extensions import csrf, db, login_manager
from .models import ApiToken, utcnow

TOKEN_PREFIX = "cwk_"


def hash_token(raw):
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_token(user, name):
    """Create a token for ``user``; returns ``(ApiToken, raw)``. The raw value is shown once."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=raw[:10], token_hash=hash_token(raw))
    db.session.add(token)
    return token, raw


def bearer_value():
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def user_for_token(raw):
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or token.revoked_at is not None:
        return None
    user = token.user
    if user.is_banned_now:
        return None
    g.api_token = token
    return user


def configure_api_auth(app):
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False

    @login_manager.request_loader
    def _load_from_bearer(_request):
        raw = bearer_value()
        return user_for_token(raw) if raw else None

    @app.before_request
    def _csrf_unless_bearer():
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
            return None
        raw = bearer_value()
        if raw is not None:
            if user_for_token(raw) is None:
                abort(401, description="The API token is missing, unknown or revoked.")
            g.bearer_auth = True
            return None
        if current_app.config["WTF_CSRF_ENABLED"]:
            csrf.protect(apply_exemptions=True)
        return None
