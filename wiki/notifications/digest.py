"""The e-mail digest: each user with an address gets their unread, not yet e-mailed news."""
import smtplib
from email.message import EmailMessage

from flask import current_app

from ..database import begin_write
from ..extensions import db
from ..models import utcnow
from . import describe
from .services import undigested


def build_message(user, notes, site_url, sender, site_name):
    message = EmailMessage()
    count = len(notes)
    message["Subject"] = f"{site_name}: {count} new notification{'s' if count != 1 else ''}"
    message["From"] = sender
    message["To"] = user.email
    lines = [f"Hello {user.username},", "", f"Here is what happened on {site_name}:", ""]
    for note in notes:
        lines.append(f"- {describe.title(note.event)}")
        lines.append(f"  {site_url}{describe.path(note.event)}")
    lines += ["", f"Read and manage them at {site_url}/notifications/"]
    message.set_content("\n".join(lines))
    return message


def send_digest():
    """Send the digests over SMTP; returns ``(users_mailed, notifications_sent)``.

    Each user's notifications are marked e-mailed only after their message was accepted, so a
    failure part-way loses nothing and sends nothing twice.
    """
    cfg = current_app.config
    if not cfg.get("MAIL_SERVER"):
        raise RuntimeError("MAIL_SERVER is not configured.")
    site_url = cfg["SITE_URL"].rstrip("/")
    begin_write()
    pending = undigested()
    if not pending:
        db.session.rollback()
        return 0, 0
    users = sent = 0
    with smtplib.SMTP(cfg["MAIL_SERVER"], int(cfg.get("MAIL_PORT") or 25),
                      timeout=cfg["MAIL_TIMEOUT"]) as smtp:
        for user, notes in pending.items():
            smtp.send_message(build_message(user, notes, site_url, cfg["MAIL_FROM"], cfg["SITE_NAME"]))
            now = utcnow()
            for note in notes:
                note.emailed_at = now
            db.session.commit()
            users += 1
            sent += len(notes)
    return users, sent
