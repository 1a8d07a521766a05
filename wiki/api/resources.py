"""Loading API resources with the caller's visibility rules, and turning them into JSON.

Hidden revisions: moderators see everything; everyone else sees a hidden revision listed with its
number, time and size but without author or summary, and cannot read its text (403). A page's
body and html are those of the newest revision the caller may see.
"""
import difflib

from flask import abort
from sqlalchemy import func, select

from .. import permissions
from ..extensions import db
from ..models import Page, Rating, Revision
from ..pages.serialize import page_brief
from ..pages.services import get_page_or_404, visible_revision
from ..products.services import get_product
from .common import ApiError, component, iso, obj

# --- schemas ---------------------------------------------------------------------------------

VOTES = obj(("up", "down", "score"), up={"type": "integer"}, down={"type": "integer"},
            score={"type": "integer"})
NULLABLE_STR = {"type": ["string", "null"]}
_PAGE_FIELDS = {
    "slug": {"type": "string"}, "title": {"type": "string"},
    "kind": {"type": "string", "enum": ["article", "review", "recommendation", "proposal"]},
    "product": NULLABLE_STR, "tags": {"type": "array", "items": {"type": "string"}},
    "revision": {"type": ["integer", "null"], "description": "Number of the revision shown."},
    "votes": VOTES, "status": {"type": ["string", "null"], "description": "Proposals only."},
    "protected": {"type": "boolean"}, "deleted": {"type": "boolean"},
    "comment_count": {"type": "integer"}, "url": {"type": "string"},
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"}}
PAGE_SUMMARY_SCHEMA = component("PageSummary", obj(
    ("slug", "title", "kind", "product", "tags", "revision", "votes", "created_at", "updated_at"),
    **_PAGE_FIELDS))
PAGE_SCHEMA = component("Page", obj(
    ("slug", "title", "kind", "product", "tags", "revision", "body", "html", "votes",
     "created_at", "updated_at"),
    body={"type": "string", "description": "Markdown source."},
    html={"type": "string", "description": "Sanitised HTML, rendered at save time."},
    current_revision={"type": ["integer", "null"]}, **_PAGE_FIELDS))
REVISION_SCHEMA = component("Revision", obj(
    ("number", "author", "summary", "created_at", "size"),
    number={"type": "integer"}, author=NULLABLE_STR, summary=NULLABLE_STR,
    created_at={"type": "string", "format": "date-time"}, size={"type": "integer"},
    size_delta={"type": "integer"}, hidden={"type": "boolean"}))
REVISION_FULL_SCHEMA = component("RevisionWithText", obj(
    ("number", "author", "summary", "created_at", "size", "body", "html"),
    number={"type": "integer"}, author=NULLABLE_STR, summary=NULLABLE_STR,
    created_at={"type": "string", "format": "date-time"}, size={"type": "integer"},
    hidden={"type": "boolean"}, body={"type": "string"}, html={"type": "string"}))
RATING = obj(("average", "count"), average={"type": ["number", "null"]}, count={"type": "integer"})
PRODUCT_SCHEMA = component("Product", obj(
    ("slug", "name", "description", "rating"), slug={"type": "string"}, name={"type": "string"},
    description={"type": "string"}, rating=RATING, url={"type": "string"}))
PRODUCT_DETAIL_SCHEMA = component("ProductDetail", obj(
    ("slug", "name", "description", "rating", "histogram", "pages"),
    slug={"type": "string"}, name={"type": "string"}, description={"type": "string"},
    rating=RATING, url={"type": "string"},
    histogram=obj(("1", "2", "3", "4", "5"), **{str(n): {"type": "integer"} for n in range(1, 6)}),
    pages=obj(("review", "recommendation", "proposal"),
              **{k: {"type": "integer"} for k in ("review", "recommendation", "proposal")}),
    my_rating={"type": ["integer", "null"]}))

# --- pages and revisions ---------------------------------------------------------------------


def load_page(slug, user):
    return get_page_or_404(slug, user=user)


def revision_or_404(page, number, user):
    revision = db.session.scalar(
        select(Revision).where(Revision.page_id == page.id, Revision.number == number))
    if revision is None:
        raise ApiError(404, "not_found", f"Page {page.slug!r} has no revision {number}.")
    if revision.hidden and not permissions.can_see_hidden(user):
        raise ApiError(403, "revision_hidden", f"Revision {number} was hidden by a moderator.")
    return revision


def revisions_query(page):
    return select(Revision).where(Revision.page_id == page.id).order_by(Revision.number.desc())


def _base_page_json(page):
    data = {**page_brief(page),
            "tags": [tag.name for tag in page.tags],
            "protected": page.protected, "deleted": page.deleted,
            "comment_count": page.comment_count, "url": f"/wiki/{page.slug}",
            "created_at": iso(page.created_at), "updated_at": iso(page.updated_at)}
    if page.kind == "proposal":
        data["status"] = page.proposal.status if page.proposal else None
    return data


def page_summary_json(page, user):
    data = _base_page_json(page)
    revision = visible_revision(page, user)
    data["revision"] = revision.number if revision else None
    return data


def page_json(page, user):
    data = _base_page_json(page)
    revision = visible_revision(page, user)
    data.update(revision=revision.number if revision else None,
                current_revision=page.current_revision.number if page.current_revision else None,
                body=revision.source if revision else "", html=revision.html if revision else "")
    return data


def revision_json(revision, user):
    shown = not revision.hidden or permissions.can_see_hidden(user)
    return {"number": revision.number,
            "author": revision.author.username if shown and revision.author else None,
            "summary": revision.summary if shown else None,
            "created_at": iso(revision.created_at), "size": revision.size,
            "size_delta": revision.size_delta, "hidden": revision.hidden}


def revision_text_json(revision, user):
    data = revision_json(revision, user)
    data.update(body=revision.source, html=revision.html)
    return data


def diff_json(page, old, new):
    lines = list(difflib.unified_diff(
        old.source.splitlines(), new.source.splitlines(), lineterm="",
        fromfile=f"{page.slug}@{old.number}", tofile=f"{page.slug}@{new.number}"))
    added = sum(1 for line in lines if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in lines if line.startswith("-") and not line.startswith("---"))
    return {"slug": page.slug, "from": old.number, "to": new.number, "lines": lines,
            "added": added, "removed": removed}


# --- products --------------------------------------------------------------------------------


def product_or_404(slug):
    product = get_product(slug)
    if product is None:
        abort(404, description=f"No product {slug!r}.")
    return product


def product_for_filter(slug):
    """A product named in a filter or a body: 400 rather than 404 when it does not exist."""
    if slug is None:
        return None
    product = get_product(slug)
    if product is None:
        raise ApiError(400, "unknown_product", f"There is no product {slug!r}.")
    return product


def product_json(product):
    average = product.rating_average
    return {"slug": product.slug, "name": product.name, "description": product.description,
            "rating": {"average": round(average, 2) if average is not None else None,
                       "count": product.rating_count},
            "url": f"/products/{product.slug}"}


def product_detail_json(product, user):
    data = product_json(product)
    counts = dict(db.session.execute(
        select(Rating.stars, func.count()).where(Rating.product_id == product.id)
        .group_by(Rating.stars)).all())
    data["histogram"] = {str(n): counts.get(n, 0) for n in range(1, 6)}
    kinds = dict(db.session.execute(
        select(Page.kind, func.count()).where(Page.product_id == product.id,
                                              Page.deleted.is_(False)).group_by(Page.kind)).all())
    data["pages"] = {kind: kinds.get(kind, 0) for kind in ("review", "recommendation", "proposal")}
    if permissions.is_member(user):
        data["my_rating"] = db.session.scalar(
            select(Rating.stars).where(Rating.product_id == product.id, Rating.user_id == user.id))
    return data
