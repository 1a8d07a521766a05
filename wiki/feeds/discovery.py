"""The <link rel="alternate"> feeds advertised in the page head."""
from flask import request, url_for
from sqlalchemy import select

from ..extensions import db
from ..models import STATUSES, Product


def head_links(**_):
    links = [("Recent changes", url_for("feeds.recent"))]
    view_args = request.view_args or {}
    slug = view_args.get("slug")
    endpoint = request.endpoint
    if slug and endpoint == "pages.view":
        links.append(("History of this page", url_for("feeds.page_history", slug=slug)))
    elif slug and endpoint == "products.hub":
        product = db.session.scalar(select(Product.name).where(Product.slug == slug))
        links.append((product or "This product", url_for("feeds.product", slug=slug)))
    elif endpoint == "pages.tag" and view_args.get("tag"):
        tag = view_args["tag"]
        links.append((f"Tag {tag}", url_for("feeds.tag", tag=tag)))
    elif endpoint == "proposals.index":
        status = request.args.get("status")
        args = {"status": status} if status in STATUSES else {}
        links.append(("Proposals", url_for("feeds.proposals", **args)))
    return {"feed_links": links}


def product_aside(product, **_):
    return {"feed_href": url_for("feeds.product", slug=product.slug)}
