"""Product list, hubs, and the admins' create/edit forms."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..database import paginate
from ..errors import ValidationError
from ..forms import attach_errors
from ..models import PRODUCT_KINDS
from ..permissions import can_admin, requires
from . import services
from .forms import ProductForm

bp = Blueprint("products", __name__, url_prefix="/products")

HUB_PER_PAGE = 10


def _int_arg(name, default=1):
    try:
        value = int(request.args.get(name, default))
    except (TypeError, ValueError):
        return default
    return min(max(value, 1), 100000)


@bp.route("/")
def index():
    return render_template("products/index.html", products=services.products_with_counts())


@bp.route("/<slug>")
def hub(slug):
    product = services.get_product_or_404(slug)
    lists = []
    for kind in PRODUCT_KINDS:
        sort = request.args.get(f"{kind}_sort", "score" if kind != "proposal" else "new")
        if sort not in services.SORTS:
            sort = "new"
        items = paginate(services.product_pages(product, kind, sort),
                         page=_int_arg(f"{kind}_page"), per_page=HUB_PER_PAGE)
        lists.append({"kind": kind, "sort": sort, "pages": items})
    return render_template("products/hub.html", product=product, lists=lists,
                           sorts=list(services.SORTS), tags=services.product_tags(product))


@bp.route("/new", methods=["GET", "POST"])
@requires(can_admin)
def new():
    form = ProductForm()
    if form.validate_on_submit():
        try:
            product = services.create_product(current_user, form.name.data, form.description.data)
        except ValidationError as error:
            attach_errors(form, error)
            return render_template("products/form.html", form=form, product=None), error.status_code
        flash(f"Created {product.name}.", "success")
        return redirect(url_for("products.hub", slug=product.slug))
    status = 400 if form.errors else 200
    return render_template("products/form.html", form=form, product=None), status


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@requires(can_admin)
def edit(slug):
    product = services.get_product_or_404(slug)
    form = ProductForm(obj=product)
    if form.validate_on_submit():
        try:
            services.update_product(current_user, product, form.name.data, form.description.data)
        except ValidationError as error:
            attach_errors(form, error)
            return render_template("products/form.html", form=form, product=product), error.status_code
        flash("Saved.", "success")
        return redirect(url_for("products.hub", slug=product.slug))
    status = 400 if form.errors else 200
    return render_template("products/form.html", form=form, product=product), status
