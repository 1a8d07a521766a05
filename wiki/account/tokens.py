"""Personal API tokens on /account/: create one (shown once), revoke one."""
from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..errors import ValidationError
from ..forms import attach_errors
from ..permissions import is_member, requires
from . import services
from .forms import TokenForm
from .routes import _render, bp


def token_section_context(user, **_):
    """Context for the "account.sections" slot: the user's tokens and the create form."""
    return {"tokens": services.tokens_for(user),
            "token_form": g.get("token_form") or TokenForm(prefix="tok", formdata=None)}


@bp.route("/tokens", methods=["POST"])
@login_required
@requires(is_member)
def create_token():
    form = TokenForm(prefix="tok")
    if form.validate_on_submit():
        try:
            token, raw = services.create_token(current_user, form.name.data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            response = render_template("account/token_created.html", token=token, raw=raw)
            return response, 201, {"Cache-Control": "no-store"}
    g.token_form = form
    return _render(400)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id):
    token = services.revoke_token(current_user, token_id)
    flash(f"The token \u201c{token.name}\u201d is revoked; it no longer works.", "success")
    return redirect(url_for("account.index") + "#api-tokens")
