"""Register, log in, log out."""
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..errors import ValidationError
from ..forms import attach_errors
from ..security import safe_next
from . import reset as resets
from . import services
from .forms import LoginForm, RegisterForm, ResetPasswordForm, ResetRequestForm

bp = Blueprint("auth", __name__, url_prefix="/auth")


# Log-in and registration limits (RATELIMIT_LOGIN, RATELIMIT_REGISTER) are applied by
# wiki/ratelimits.py with every other abuse limit.


def start_session(user, remember=False):
    """Log in with a fresh session, so a session id planted before log-in is worthless."""
    session.clear()
    login_user(user, remember=remember)
    session.permanent = bool(remember)


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        try:
            if form.password.data != form.confirm.data:
                raise ValidationError({"confirm": "The two passwords differ."})
            user = services.create_user(form.username.data, form.password.data, email=form.email.data)
        except ValidationError as error:
            attach_errors(form, error)
            status = 400
        else:
            start_session(user)
            flash(f"Welcome, {user.username}! Pick your customer segment to help the product "
                  "teams understand who asks for what.", "success")
            return redirect(url_for("account.index"))
    elif form.is_submitted():
        status = 400
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data, url_for("main.index")))
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data)
        except ValidationError as error:
            flash(error.message, "error")
            return render_template("auth/login.html", form=form), 403
        if user is None:
            flash("That username and password do not match.", "error")
            status = 400
        else:
            start_session(user, remember=form.remember.data)
            flash(f"Logged in as {user.username}.", "success")
            return redirect(safe_next(form.next.data, url_for("main.index")))
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # a copy of the session cookie (stolen, or left in a shared browser) must not outlive log-out:
    # client-side sessions end only when the account's session version moves on
    services.end_other_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("main.index"))



@bp.route("/reset", methods=["GET", "POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        resets.request_reset(form.email.data, lambda token: url_for(
            "auth.reset_password", token=token, _external=True))
        flash("If that address belongs to an account, we have sent it a link to reset the "
              "password. Check your mail.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    if resets.valid_reset(token) is None:
        flash(resets.INVALID, "error")
        return redirect(url_for("auth.reset_request"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            if form.password.data != form.confirm.data:
                raise ValidationError({"confirm": "The two passwords differ."})
            resets.reset_password(token, form.password.data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            logout_user()
            session.clear()
            flash("Your password is changed and every session has ended. Log in with it now.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), 400 if form.is_submitted() else 200
