"""/roadmap: public, per product."""
from flask import Blueprint, abort, render_template, request

from . import services

bp = Blueprint("roadmap", __name__, url_prefix="/roadmap")


@bp.route("", strict_slashes=False)
def index():
    slug = request.args.get("product", "").strip()
    product = services.product_by_slug(slug)
    if slug and product is None:
        abort(404, description="There is no product with that name.")
    return render_template("roadmap/index.html", columns=services.columns(product),
                           product=product, products=services.products())
