"""Bearer-token authentication for the JSON API, and CSRF for everything else.

A request carrying ``Authorization: Bearer <token>`` is authenticated by the token alone and needs
no CSRF token (it cannot be forged by a browser); every other state-changing request must carry a
CSRF token, in the form or in the ``X-CSRFToken`` header.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import abort, current_app, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import bindparam, update
from sqlalchemy import event as sa_event
from sqlalchemy.exc import SQLAlchemyError

from . import rowload
from .database import begin_read, begin_write, end_read, transaction_writes
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
_STAMP = "api_token_stamp"
_STAMP_SQL = (update(ApiToken).where(ApiToken.id == bindparam("token_id"))
              .values(last_used_at=bindparam("now")))


def _note_use(token):
    """Keep ``last_used_at`` roughly current: at most one write a minute per token.

    The stamp rides in the request's own write transaction, first thing after it begins, so an
    API vote takes SQLite's write lock once, not twice (a transaction of its own before each
    token's first vote of the minute made 200 extra lock holds at the start of a bench run). A
    request that writes nothing, or whose writes roll back, stamps at its end in a short
    transaction of its own; never in a read-only one, which would upgrade SQLite's read lock."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    g.setdefault(_STAMP, {"token_id": token.id, "now": now})


def _stamp_in_write(session, _transaction, connection):
    """Session ``after_begin``: a write transaction of a request with a stamp due takes it."""
    if not has_request_context() or _STAMP not in g or not transaction_writes(connection):
        return
    connection.execute(_STAMP_SQL, g.get(_STAMP))
    session.info[_STAMP] = True


def _stamp_committed(session):
    if session.info.pop(_STAMP, False) and has_request_context():
        g.pop(_STAMP, None)


def _stamp_rolled_back(session):
    session.info.pop(_STAMP, None)  # still due: the next write transaction, or the request's end


def _stamp_unwritten(_error=None):
    """Request teardown: the stamp no write transaction took, in one of its own."""
    stamp = g.pop(_STAMP, None)
    if stamp is None:
        return
    try:
        db.session.rollback()  # whatever the request left open, only read
        begin_write()
        db.session.execute(_STAMP_SQL, stamp)
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
            end_read()
            _note_use(g.api_token)
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
    app.teardown_request(_stamp_unwritten)
    if not sa_event.contains(db.session, "after_begin", _stamp_in_write):
        sa_event.listen(db.session, "after_begin", _stamp_in_write)
        sa_event.listen(db.session, "after_commit", _stamp_committed)
        sa_event.listen(db.session, "after_rollback", _stamp_rolled_back)
