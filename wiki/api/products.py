"""Products with their ratings. (Rating a product is in votes.py.)"""
from flask import jsonify
from flask_login import current_user
from sqlalchemy import select

from ..models import Product
from .blueprint import bp
from .common import PAGE_PARAMS, doc, page_of, paginated
from .resources import (
    PRODUCT_DETAIL_SCHEMA,
    PRODUCT_SCHEMA,
    product_detail_json,
    product_json,
    product_or_404,
)


@bp.route("/products")
@doc("List products by name, with their average rating.", params=dict(PAGE_PARAMS),
     response=page_of("products", PRODUCT_SCHEMA), errors=())
def list_products():
    return paginated(select(Product).order_by(Product.name), product_json, key="products")


@bp.route("/products/<slug>")
@doc("One product: rating average, count and histogram, its page counts, and your rating.",
     response=PRODUCT_DETAIL_SCHEMA, errors=(404,))
def get_product(slug):
    return jsonify(product_detail_json(product_or_404(slug), current_user))
