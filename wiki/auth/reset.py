"""Password reset by e-mailed token.

A request always gets the same answer, whether or not the address belongs to anyone. The token is
shown only in the e-mail; the database keeps its SHA-256 hash. A token expires after
``RESET_TOKEN_HOURS`` and works once; using it ends every session of the account.
"""
import hashlib
import secrets
import smtplib
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import func, select, update

from ..errors import ValidationError
from ..extensions import db
from ..models import PasswordReset, User, utcnow
from . import services

INVALID = "This reset link is not valid any more (it expired or was used). Ask for a new one."


def _hash(raw):
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def request_reset(email, link_for):
    """E-mail a reset link to the account with ``email``, if there is one. ``link_for(token)``
    builds the absolute URL. Returns nothing, so callers cannot tell whether it exists."""
    email = (email or "").strip()
    if not email or len(email) > 254:
        return
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is None or user.is_banned_now:
        return
    raw = secrets.token_urlsafe(32)
    hours = current_app.config.get("RESET_TOKEN_HOURS", 2)
    now = utcnow()
    # an earlier unused link stops working when a new one is sent
    db.session.execute(update(PasswordReset).where(PasswordReset.user_id == user.id,
                                                   PasswordReset.used_at.is_(None))
                       .values(used_at=now))
    db.session.add(PasswordReset(user_id=user.id, token_hash=_hash(raw), created_at=now,
                                 expires_at=now + timedelta(hours=hours)))
    db.session.commit()
    site = current_app.config.get("SITE_NAME", "CoWiki")
    send_mail(user.email, f"Reset your {site} password",
              f"Hello {user.username},\n\nSomeone (hopefully you) asked to reset your {site} "
              f"password. Open this link within {hours} hour(s) to choose a new one:\n\n"
              f"{link_for(raw)}\n\nIf it was not you, ignore this message; nothing changes.\n")


def valid_reset(raw):
    """The unused, unexpired PasswordReset for this token, or None."""
    if not raw or len(raw) > 200:
        return None
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _hash(raw)))
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        return None
    return reset


def reset_password(raw, new_password):
    """Set a new password with a valid token; the token is used up and all sessions end."""
    reset = valid_reset(raw)
    if reset is None:
        raise ValidationError({"_": INVALID})
    user = db.session.get(User, reset.user_id)
    services.set_password(user, new_password)  # bumps session_version
    reset.used_at = utcnow()
    db.session.commit()
    return user


def send_mail(to, subject, body):
    """Send through MAIL_SERVER when it is set, otherwise write the message to the log."""
    cfg = current_app.config
    message = EmailMessage()
    message["From"] = cfg["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if not cfg.get("MAIL_SERVER"):
        current_app.logger.info("MAIL_SERVER is not set; this mail was not sent:\n%s", message)
        return False
    try:
        with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=10) as smtp:
            if cfg.get("MAIL_USE_TLS"):
                smtp.starttls()
            if cfg.get("MAIL_USERNAME"):
                smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("Could not send mail to %s", to)
        return False
    return True
