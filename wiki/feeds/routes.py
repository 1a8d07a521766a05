"""Atom feeds: recent changes, per product, per tag, proposals, and one page's history."""
from urllib.parse import quote

from flask import Blueprint, request

from ..templating import endpoint_url
from . import atom, services

bp = Blueprint("feeds", __name__)


@bp.route("/feeds/recent.atom")
def recent():
    return atom.respond("Recent changes", "/recent", services.recent())


@bp.route("/feeds/products/<slug>.atom")
def product(slug):
    found = services.product_or_404(slug)
    return atom.respond(f"{found.name}", f"/products/{quote(found.slug)}",
                        services.for_product(found), subtitle=f"Reviews, recommendations and proposals for {found.name}")


@bp.route("/feeds/tags/<tag>.atom")
def tag(tag):
    found = services.tag_or_404(tag)
    alternate = endpoint_url("pages.tag", tag=found.name) or f"/search?q=tag:{quote(found.name)}"
    return atom.respond(f"Tag {found.name}", alternate,
                        services.for_tag(found))


@bp.route("/feeds/proposals.atom")
def proposals():
    status = request.args.get("status") or None
    events, product = services.for_proposals(status, request.args.get("product") or None)
    title = "Proposals"
    if status:
        title += f" that are {status.replace('_', ' ')}"
    if product is not None:
        title += f" for {product.name}"
    return atom.respond(title, "/proposals/", events)


@bp.route("/wiki/<slug>/history.atom")
def page_history(slug):
    page = services.page_or_404(slug)
    return atom.respond(f"History of {page.title}", f"/wiki/{quote(page.slug)}/history",
                        services.page_history(page))
