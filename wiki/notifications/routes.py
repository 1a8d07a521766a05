"""Reading notifications: the list, following one (marks it read), marking them read."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..database import begin_write, page_args
from ..extensions import db
from . import describe, services

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
@login_required
def index():
    page, per_page = page_args()
    unread_only = request.args.get("show") == "unread"
    result = services.list_for(current_user, page, per_page, unread_only=unread_only)
    return render_template("notifications/index.html", result=result, describe=describe,
                           unread_only=unread_only,
                           unread=services.unread_count(current_user))


@bp.route("/<int:notification_id>")
@login_required
def follow(notification_id):
    """Open what a notification is about, marking it read on the way."""
    db.session.commit()  # end the read transaction opened by loading the user, then write
    begin_write()
    note = services.get_own_or_404(current_user, notification_id)
    services.mark_read(current_user, note)
    return redirect(describe.path(note.event))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id):
    note = services.get_own_or_404(current_user, notification_id)
    services.mark_read(current_user, note)
    return redirect(url_for("notifications.index", **request.args))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    count = services.mark_all_read(current_user)
    flash(f"Marked {count} notification{'s' if count != 1 else ''} read.", "success")
    return redirect(url_for("notifications.index"))
