"""Managing webhooks and watching their deliveries (innovation team and admins)."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from ..database import get_or_404, paginate
from ..errors import ValidationError
from ..extensions import db
from ..forms import attach_errors
from ..models import Delivery, Product
from ..permissions import can_see_insights, requires
from . import services
from .forms import WebhookForm

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


def _form():
    form = WebhookForm()
    form.product.choices = [("", "— any product —")] + [
        (p.slug, p.name) for p in db.session.scalars(select(Product).order_by(Product.name))]
    return form


def _index(form, status=200):
    hooks = services.list_webhooks(current_user)
    return render_template("webhooks/index.html", hooks=hooks, form=form), status


@bp.route("/")
@requires(can_see_insights)
def index():
    return _index(_form())


@bp.route("/", methods=["POST"])
@requires(can_see_insights)
def create():
    form = _form()
    if not form.validate_on_submit():
        return _index(form, 400)
    try:
        hook = services.create_webhook(current_user, form.url.data, form.secret.data,
                                       form.event_kinds.data or "", form.product.data or None)
    except ValidationError as error:
        attach_errors(form, error)
        return _index(form, 400)
    flash("Webhook added. Copy its secret below to verify signatures.", "success")
    return redirect(url_for("webhooks.show", hook_id=hook.id))


@bp.route("/<int:hook_id>")
@requires(can_see_insights)
def show(hook_id):
    hook = services.get_webhook_or_404(current_user, hook_id)
    deliveries = paginate(services.deliveries_stmt(hook))
    return render_template("webhooks/show.html", hook=hook, deliveries=deliveries)


@bp.route("/<int:hook_id>/delete", methods=["POST"])
@requires(can_see_insights)
def delete(hook_id):
    hook = services.get_webhook_or_404(current_user, hook_id)
    services.delete_webhook(current_user, hook)
    flash("Webhook deleted with its deliveries.", "success")
    return redirect(url_for("webhooks.index"))


@bp.route("/<int:hook_id>/deliveries/<int:delivery_id>/redeliver", methods=["POST"])
@requires(can_see_insights)
def redeliver(hook_id, delivery_id):
    hook = services.get_webhook_or_404(current_user, hook_id)
    delivery = get_or_404(Delivery, delivery_id)
    if delivery.webhook_id != hook.id:
        abort(404)
    services.redeliver(current_user, delivery)
    flash("Delivery queued again; the webhook worker will send it.", "success")
    return redirect(url_for("webhooks.show", hook_id=hook.id))
