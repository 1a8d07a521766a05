"""No-JavaScript voting and rating: form POSTs that return to the page they came from."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from ..database import reading
from ..pages.services import get_page_or_404
from ..products.services import get_product_or_404
from ..security import safe_next
from ..templating import endpoint_url
from . import services

bp = Blueprint("votes", __name__)

_FORM_VALUES = {"1": 1, "-1": -1, "0": 0}


def page_url(slug):
    return endpoint_url("pages.view", slug=slug) or f"/wiki/{slug}"


def product_url(slug):
    return endpoint_url("products.hub", slug=slug) or f"/products/{slug}"


def _back(default):
    return redirect(safe_next(request.form.get("next"), default))


def _login_first(default):
    flash("Log in to vote and rate.", "info")
    return redirect(url_for("auth.login", next=safe_next(request.form.get("next"), default)))


@bp.post("/wiki/<slug>/vote")
def vote(slug):
    back = page_url(slug)
    if not current_user.is_authenticated:
        return _login_first(back)
    services.check_member(current_user)  # load, check, then act: a banned account gets 403 first
    with reading():  # the vote's own transaction takes the write lock, not this look-up
        page = get_page_or_404(slug, allow_deleted=False)
    value = _FORM_VALUES.get(request.form.get("value", "").strip())
    if value is None:
        abort(400, description="A vote is 1 (up), -1 (down) or 0 (withdraw).")
    if value == 0:
        services.withdraw_vote(current_user, page)
    else:
        services.cast_vote(current_user, page, value)
    return _back(back)


@bp.post("/products/<slug>/rating")
def rate(slug):
    back = product_url(slug)
    if not current_user.is_authenticated:
        return _login_first(back)
    services.check_member(current_user, "rate products")
    with reading():
        product = get_product_or_404(slug)
    raw = request.form.get("stars", "").strip()
    if raw not in ("1", "2", "3", "4", "5"):
        abort(400, description="Choose from 1 to 5 stars.")
    services.rate_product(current_user, product, int(raw))
    flash(f"You rated {product.name} {raw} star{'s' if raw != '1' else ''}.", "success")
    return _back(back)
