"""Bearer-token authentication for the JSON API, and CSRF for everything else.

A request carrying ``Authorization: Bearer <token>`` is authenticated by the token alone and needs
no CSRF token (it cannot be forged by a browser); every other state-changing request must carry a
CSRF token, in the form or in the ``X-CSRFToken`` header.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import abort, current_app, g, request
from flask_login import current_user
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError

from . import rowload
from .database import begin_read, begin_write, end_read
from .extensions import csrf, db, login_manager
from .models import ApiToken, User, utcnow

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
    # both read outside the session (``rowload``): every API request makes these two look-ups;
    # the token as its typed values (``g.api_token``), only the user as an object
    token = rowload.row(ApiToken, "token_hash", hash_token(raw))
    if token is None or token.revoked_at is not None:
        return None
    user = rowload.load(User, "id", token.user_id)
    if user is None or user.is_banned_now:
        return None
    g.api_token = token
    return user


LAST_USED_RESOLUTION = timedelta(minutes=1)


def _note_use(token):
    """Keep ``last_used_at`` roughly current (at most one write a minute per token), in its own
    short write transaction so a read-only request never upgrades a read lock."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    token_id = token.id
    db.session.commit()
    begin_write()
    try:
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
        db.session.commit()
    except SQLAlchemyError:  # best effort: never fail a request over a timestamp
        db.session.rollback()


def configure_api_auth(app):
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False

    @login_manager.request_loader
    def _load_from_bearer(_request):
        raw = bearer_value()
        return user_for_token(raw) if raw else None

    def _bearer_then_csrf():
        raw = bearer_value()
        if raw is not None:
            # The token decides who this is, whatever session cookie came along with it. The
            # look-up only reads: it must not hold SQLite's write lock while the view parses its
            # input; the view's own service takes the lock for its write.
            begin_read()
            user = user_for_token(raw)
            if user is None:
                abort(401, description="The API token is missing, unknown or revoked.")
            _note_use(g.api_token)
            end_read()
            g._login_user = user
            g.bearer_auth = True
            return
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
            return
        if request.path.startswith("/api/") and not current_user.is_authenticated:
            # No token and no signed-in session: nothing to forge. Every API write needs a user,
            # so the view answers 401, which tells an API client more than a CSRF error would.
            return
        if current_app.config["WTF_CSRF_ENABLED"]:
            csrf.protect(apply_exemptions=True)

    # first, so nothing (rate-limit keys, templates) reads current_user from the session before
    app.before_request_funcs.setdefault(None, []).insert(0, _bearer_then_csrf)
