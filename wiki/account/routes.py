"""The signed-in user's own settings: segment, profile, password."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required, login_user

from ..auth import services as accounts
from ..errors import ValidationError
from ..extensions import db
from ..forms import attach_errors
from ..permissions import is_member, requires
from .forms import PasswordForm, ProfileForm, SegmentForm

bp = Blueprint("account", __name__, url_prefix="/account")

def _forms():
    segment_form = SegmentForm(prefix="seg")
    segment_form.segment.choices = [("", "— not set —")] + [
        (str(s.id), s.name) for s in accounts.segments()]
    if segment_form.segment.data is None:
        segment_form.segment.data = str(current_user.segment_id or "")
    profile_form = ProfileForm(prefix="prof")
    if profile_form.bio.data is None:
        profile_form.bio.data = current_user.bio
    return segment_form, profile_form, PasswordForm(prefix="pw")


def _render(status=200, **forms):
    segment_form, profile_form, password_form = _forms()
    context = {"segment_form": forms.get("segment_form", segment_form),
               "profile_form": forms.get("profile_form", profile_form),
               "password_form": forms.get("password_form", password_form)}
    return render_template("account/index.html", **context), status


@bp.route("/")
@login_required
def index():
    return _render()


@bp.route("/segment", methods=["POST"])
@login_required
@requires(is_member)
def segment():
    form = SegmentForm(prefix="seg")
    form.segment.choices = [("", "")] + [(str(s.id), s.name) for s in accounts.segments()]
    if form.validate_on_submit():
        try:
            accounts.set_segment(current_user, form.segment.data)
        except ValidationError as error:
            attach_errors(form, error)
            return _render(400, segment_form=form)
        flash("Your customer segment is saved.", "success")
        return redirect(url_for("account.index"))
    return _render(400, segment_form=form)


@bp.route("/profile", methods=["POST"])
@login_required
@requires(is_member)  # a bio is public text: a banned account cannot change it
def profile():
    form = ProfileForm(prefix="prof")
    if form.validate_on_submit():
        current_user.bio = (form.bio.data or "").strip()
        db.session.commit()
        flash("Your profile is saved.", "success")
        return redirect(url_for("account.index"))
    return _render(400, profile_form=form)


@bp.route("/password", methods=["POST"])
@login_required
def password():
    form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.new_password.data)
        except ValidationError as error:
            attach_errors(form, error)
            return _render(400, password_form=form)
        # the version bump ended every session, this one included: start a fresh one
        from ..auth.routes import start_session

        start_session(current_user._get_current_object())
        flash("Your password is changed; other sessions were logged out.", "success")
        return redirect(url_for("account.index"))
    return _render(400, password_form=form)


from . import tokens  # noqa: F401  (personal API tokens: more routes on this blueprint)
