"""Watch and unwatch forms (the buttons live in other areas' slots)."""
from flask import Blueprint, flash, redirect, request
from flask_login import current_user

from ..errors import ValidationError
from ..permissions import is_member, requires
from ..security import safe_next
from . import services

bp = Blueprint("watches", __name__, url_prefix="/watches")


def _target():
    return request.form.get("type", ""), request.form.get("key", "")


@bp.route("/", methods=["POST"])
@requires(is_member)
def watch():
    target_type, key = _target()
    _type, key, label = services.resolve_target(target_type, key)
    services.watch(current_user, target_type, key)
    flash(f"You are watching {label}; its news will appear in your notifications.", "success")
    return redirect(safe_next(request.form.get("next"), "/account/"))


@bp.route("/remove", methods=["POST"])
@requires(is_member)
def unwatch():
    target_type, key = _target()
    if target_type not in services.TARGET_TYPES:
        raise ValidationError({"type": "Unknown kind of watch."})
    if services.unwatch(current_user, target_type, key):
        flash("You stopped watching it.", "success")
    return redirect(safe_next(request.form.get("next"), "/account/"))
