"""/admin: customer segments and users' roles."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..database import paginate
from ..extensions import db
from ..models import ROLES, Segment, User
from ..permissions import can_admin, requires
from ..security import is_safe_next
from . import services

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _segment_or_404(segment_id):
    segment = db.session.get(Segment, segment_id)
    if segment is None:
        abort(404, description="There is no such segment.")
    return segment


@bp.route("/")
@requires(can_admin)
def index():
    return redirect(url_for("admin.segments"))


@bp.route("/segments")
@requires(can_admin)
def segments():
    return render_template("admin/segments.html", segments=services.segments(),
                           members=services.members_per_segment())


@bp.route("/segments", methods=["POST"])
@requires(can_admin)
def add_segment():
    segment = services.add_segment(current_user, request.form.get("name", ""))
    flash(f"Segment “{segment.name}” added.", "success")
    return redirect(url_for("admin.segments"))


@bp.route("/segments/<int:segment_id>/rename", methods=["POST"])
@requires(can_admin)
def rename_segment(segment_id):
    segment = services.rename_segment(current_user, _segment_or_404(segment_id),
                                      request.form.get("name", ""))
    flash(f"Segment renamed to “{segment.name}”.", "success")
    return redirect(url_for("admin.segments"))


@bp.route("/segments/<int:segment_id>/move", methods=["POST"])
@requires(can_admin)
def move_segment(segment_id):
    services.move_segment(current_user, _segment_or_404(segment_id), request.form.get("direction"))
    return redirect(url_for("admin.segments"))


@bp.route("/segments/<int:segment_id>/delete", methods=["POST"])
@requires(can_admin)
def remove_segment(segment_id):
    segment = _segment_or_404(segment_id)
    name = segment.name
    members = services.remove_segment(current_user, segment)
    flash(f"Segment “{name}” removed; {members} member(s) now have no segment.", "success")
    return redirect(url_for("admin.segments"))


@bp.route("/users")
@requires(can_admin)
def users():
    query = request.args.get("q", "")
    return render_template("admin/users.html", people=paginate(services.users(query)),
                           query=query, roles=ROLES)


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@requires(can_admin)
def set_role(user_id):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404, description="There is no such user.")
    services.change_role(current_user, user, request.form.get("role", ""))
    flash(f"{user.username} is now {user.role}.", "success")
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("admin.users"))
