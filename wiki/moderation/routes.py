"""Moderation: the flag queue, moderator actions and the moderation log."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import permissions
from ..database import get_or_404, paginate
from ..errors import ValidationError
from ..models import Comment, Event, Page, Revision, User
from ..permissions import can_moderate, is_member, requires
from ..security import safe_next
from . import services

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

# target type -> (model, {action: (service, message)})
CONTENT_ACTIONS = {
    "revision": (Revision, {
        "hide": (services.hide_revision, "Revision hidden."),
        "unhide": (services.unhide_revision, "Revision visible again."),
    }),
    "comment": (Comment, {
        "hide": (services.hide_comment, "Comment hidden."),
        "unhide": (services.unhide_comment, "Comment visible again."),
    }),
    "page": (Page, {
        "protect": (services.protect_page, "Page protected: only moderators can edit it."),
        "unprotect": (services.unprotect_page, "Page unprotected."),
        "delete": (services.delete_page, "Page deleted; moderators can still restore it."),
        "restore": (services.restore_page, "Page restored."),
    }),
}


def _back():
    return redirect(safe_next(request.form.get("next"), url_for("moderation.index")))


@bp.route("/")
@requires(can_moderate)
def index():
    return render_template("moderation/index.html", groups=services.open_flags(),
                           reasons=services.FLAG_REASONS, actions=services.ACTIONS)


@bp.route("/log")
@requires(can_moderate)
def log():
    stmt = (select(Event).where(Event.kind.like("moderation.%"), Event.kind != "moderation.flag")
            .order_by(Event.id.desc()))
    return render_template("moderation/log.html", events=paginate(stmt, capped=True))


@bp.route("/flag", methods=["POST"])
@requires(is_member)
def flag():
    form = request.form
    try:
        services.flag(current_user, form.get("target_type", ""), form.get("target_id", ""),
                      form.get("reason", ""), form.get("text", ""))
    except ValidationError as error:
        if error.status_code == 404:
            raise
        error.flash()  # the form sits on the content's page: go back there with the message
        return _back()
    flash("Thank you. A moderator will review it.", "success")
    return _back()


@bp.route("/resolve", methods=["POST"])
@requires(can_moderate)
def resolve():
    form = request.form
    try:
        services.resolve(current_user, (form.get("target_type", ""), form.get("target_id", "")),
                         form.get("action", ""), form.get("note", ""))
    except ValidationError as error:
        error.flash()
        return _back()
    flash("Flags resolved.", "success")
    return _back()


@bp.route("/<any(revision, comment, page):target_type>/<int:target_id>/<action>", methods=["POST"])
@requires(can_moderate)
def act(target_type, target_id, action):
    model, actions = CONTENT_ACTIONS[target_type]
    if action not in actions:
        abort(404, description=f"There is no moderation action {action!r} for a {target_type}.")
    obj = get_or_404(model, target_id)
    service, message = actions[action]
    try:
        service(current_user, obj, request.form.get("reason", ""))
    except ValidationError as error:
        error.flash()
        return _back()
    flash(message, "success")
    return _back()


@bp.route("/users/<int:user_id>/<any(ban, unban, rollback):action>", methods=["POST"])
@requires(can_moderate)
def user_action(user_id, action):
    user = get_or_404(User, user_id)
    reason = request.form.get("reason", "")
    try:
        if action == "ban":
            services.ban_user(current_user, user, reason, request.form.get("until", ""))
            flash(f"{user.username} is banned.", "success")
        elif action == "unban":
            services.unban_user(current_user, user, reason)
            flash(f"{user.username} is no longer banned.", "success")
        else:
            pages = services.rollback_user(current_user, user, reason=reason)
            flash(f"Rolled back {user.username}'s edits on {len(pages)} page(s).", "success")
    except ValidationError as error:
        error.flash()
    return _back()


def slot_context(**values):
    """Context for the flag/tool forms in page, revision and comment slots: nothing for
    visitors who are not members."""
    if not is_member(current_user):
        return None
    return {"reasons": services.FLAG_REASONS, "moderator": permissions.can_moderate(current_user),
            "here": request.full_path.rstrip("?")}
