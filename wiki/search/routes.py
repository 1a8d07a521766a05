"""The search page: /search?q=…&kind=&product=&status=&tag=&author=&sort=&page="""
from flask import Blueprint, render_template, request
from sqlalchemy import select

from ..database import page_args
from ..extensions import db
from ..models import KINDS, STATUSES, Product
from . import services

bp = Blueprint("search", __name__, url_prefix="/search")


@bp.route("")
def index():
    q = request.args.get("q", "")
    filters = services.filters_from(request.args)
    sort = request.args.get("sort", "relevance")
    page, per_page = page_args()
    results = services.search(q, filters, sort=sort, page=page, per_page=per_page)
    # the filter's choices: names only, not a model per product on every search
    products = db.session.execute(select(Product.slug, Product.name).order_by(Product.name)).all()
    return render_template("search/index.html", q=services.clean_text(q), filters=filters,
                           results=results, kinds=KINDS, statuses=STATUSES, products=products)
