"""Accounts: registration, credentials, roles and bans."""
import re
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from .. import events, rowload
from ..errors import ValidationError
from ..extensions import db
from ..models import ROLES, Segment, User, utcnow

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,30}[A-Za-z0-9]$")
RESERVED_NAMES = {"admin", "administrator", "root", "system", "api", "anonymous", "moderator",
                  "cowiki", "support", "staff", "null", "none"}
MIN_PASSWORD = 10
MAX_PASSWORD = 200


def _hash(password):
    return generate_password_hash(password, current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def load_user(user_id):
    """Flask-Login loader: ``"<id>:<session_version>"``; an old version ends the session."""
    try:
        raw_id, _, version = str(user_id).partition(":")
        user = _get_user(int(raw_id))
    except (TypeError, ValueError):
        return None
    if user is None or str(user.session_version) != version:
        return None
    return user


def _get_user(user_id):
    """``session.get(User, id)`` for every signed-in request, at a quarter of its cost
    (``rowload``: read outside the session, joined to it as loaded)."""
    return rowload.load(User, "id", user_id)


def username_key(name):
    return name.strip().casefold()


def validate_username(name, *, check_reserved=True):
    name = (name or "").strip()
    if not USERNAME_RE.match(name) or ".." in name:
        raise ValidationError({"username": "A username has 3–32 letters, digits, dots, dashes or "
                                           "underscores, and starts and ends with a letter or digit."})
    if check_reserved and name.casefold() in RESERVED_NAMES:
        raise ValidationError({"username": "That username is reserved."})
    if db.session.scalar(select(User.id).where(User.username_key == username_key(name))):
        raise ValidationError({"username": "That username is taken (names are not case-sensitive)."})
    return name


def validate_password(password, username=""):
    password = password or ""
    if len(password) < MIN_PASSWORD:
        raise ValidationError({"password": f"A password needs at least {MIN_PASSWORD} characters."})
    if len(password) > MAX_PASSWORD:
        raise ValidationError({"password": f"A password has at most {MAX_PASSWORD} characters."})
    if username and username.casefold() in password.casefold():
        raise ValidationError({"password": "A password must not contain the username."})
    if len(set(password)) < 4:
        raise ValidationError({"password": "That password is too easy to guess."})
    return password


def normalise_email(email):
    email = (email or "").strip()
    if not email:
        return None
    from email_validator import EmailNotValidError, validate_email

    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValidationError({"email": f"That e-mail address is not valid: {exc}"}) from exc
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email.lower())):
        raise ValidationError({"email": "That e-mail address is already registered."})
    return email


def create_user(username, password, *, email=None, role="customer", segment=None,
                check_reserved=True, commit=True):
    if role not in ROLES:
        raise ValidationError({"role": f"Unknown role {role!r}; choose one of {', '.join(ROLES)}."})
    username = validate_username(username, check_reserved=check_reserved)
    validate_password(password, username)
    user = User(username=username, username_key=username_key(username),
                email=normalise_email(email), password_hash=_hash(password),
                role=role, segment=segment)
    db.session.add(user)
    db.session.flush()
    if commit:
        db.session.commit()
    return user


def authenticate(username, password):
    """The user for these credentials, or None. Banned users are refused with a message."""
    user = db.session.scalar(select(User).where(User.username_key == username_key(username or "")))
    if user is None or not check_password_hash(user.password_hash, password or ""):
        return None
    if user.is_banned_now:
        until = f" until {user.banned_until:%Y-%m-%d %H:%M} UTC" if user.banned_until else ""
        reason = f" Reason: {user.banned_reason}" if user.banned_reason else ""
        raise ValidationError({"_": f"This account is banned{until}.{reason}"}, status_code=403)
    if user.banned:  # a ban that has expired: lift it the same way a moderator would
        user.banned = False
        user.banned_until = None
        events.record("moderation.unban", None, target_user=user,
                      data={"reason": "the ban expired"}, public=False)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def change_password(user, current, new):
    if not check_password_hash(user.password_hash, current or ""):
        raise ValidationError({"current_password": "The current password is not right."})
    validate_password(new, user.username)
    user.password_hash = _hash(new)
    user.session_version += 1  # ends every other session
    db.session.commit()


def set_password(user, new):
    validate_password(new, user.username)
    user.password_hash = _hash(new)
    user.session_version += 1


def end_other_sessions(user):
    user.session_version += 1
    db.session.commit()


def set_role(actor, user, role):
    if role not in ROLES:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    old = user.role
    user.role = role
    events.record("user.role", actor, target_user=user, data={"from": old, "to": role}, public=False)
    db.session.commit()


def set_segment(user, segment_id):
    if segment_id in (None, "", 0, "0"):
        user.segment_id = None
    else:
        try:
            segment = db.session.get(Segment, int(segment_id))
        except (TypeError, ValueError):
            segment = None
        if segment is None:
            raise ValidationError({"segment": "Choose one of the listed segments."})
        user.segment_id = segment.id
    db.session.commit()


def ensure_default_segments():
    from ..text import slugify

    if db.session.scalar(select(func.count(Segment.id))):
        return
    for position, name in enumerate(current_app.config["DEFAULT_SEGMENTS"]):
        db.session.add(Segment(slug=slugify(name), name=name, position=position))
    db.session.commit()


def segments():
    return db.session.scalars(select(Segment).order_by(Segment.position, Segment.name)).all()


def ban(actor, user, reason, until: datetime | None = None):
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the user is banned."})
    user.banned = True
    user.banned_until = until
    user.banned_reason = reason.strip()[:500]
    user.banned_by_id = actor.id
    user.session_version += 1
    events.record("moderation.ban", actor, target_user=user,
                  data={"reason": user.banned_reason,
                        "until": until.isoformat() if until else None}, public=False)
    db.session.commit()


def unban(actor, user, reason=""):
    user.banned = False
    user.banned_until = None
    user.banned_reason = None
    events.record("moderation.unban", actor, target_user=user, data={"reason": reason}, public=False)
    db.session.commit()
