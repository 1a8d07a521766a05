"""Pages, their revisions and diffs."""
from flask import jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import permissions
from ..database import reading
from ..errors import Conflict
from ..extensions import db
from ..models import KINDS, Page, Tag
from ..pages import services as pages
from ..permissions import requires
from .blueprint import bp
from .common import (
    PAGE_PARAMS,
    ApiError,
    choice_arg,
    doc,
    int_arg,
    json_body,
    obj,
    page_of,
    paginated,
)
from .resources import (
    PAGE_SCHEMA,
    PAGE_SUMMARY_SCHEMA,
    REVISION_FULL_SCHEMA,
    REVISION_SCHEMA,
    diff_json,
    load_page,
    page_json,
    page_summary_json,
    product_for_filter,
    revision_json,
    revision_or_404,
    revision_text_json,
    revisions_query,
    visible_revision,
)

SORTS = {"updated": Page.updated_at.desc(), "new": Page.created_at.desc(), "title": Page.title}

CREATE_BODY = obj(("title", "kind", "body"),
                  title={"type": "string"}, kind={"type": "string", "enum": list(KINDS)},
                  product={"type": "string", "description": "Product slug; required for reviews, "
                                                            "recommendations and proposals."},
                  body={"type": "string", "description": "Markdown source."},
                  summary={"type": "string"}, tags={"type": "array", "items": {"type": "string"}})
UPDATE_BODY = obj(("body", "base_revision"), body={"type": "string"}, summary={"type": "string"},
                  base_revision={"type": "integer",
                                 "description": "The revision number your edit started from."})
DIFF_SCHEMA = obj(("slug", "from", "to", "lines", "added", "removed"),
                  slug={"type": "string"}, **{"from": {"type": "integer"}}, to={"type": "integer"},
                  lines={"type": "array", "items": {"type": "string"},
                         "description": "Unified diff lines (difflib)."},
                  added={"type": "integer"}, removed={"type": "integer"})


@bp.route("/pages")
@doc("List pages (not deleted), newest change first by default.",
     params={"kind": (str, "article, review, recommendation or proposal", {"enum": list(KINDS)}),
             "product": (str, "Product slug"), "tag": (str, "Tag name"),
             "sort": (str, "updated (default), new or title", {"enum": list(SORTS)}),
             **PAGE_PARAMS},
     response=page_of("pages", PAGE_SUMMARY_SCHEMA), errors=(400,))
def list_pages():
    kind = choice_arg("kind", KINDS)
    sort = choice_arg("sort", tuple(SORTS), default="updated")
    product = product_for_filter(_arg("product"))
    stmt = (select(Page).where(Page.deleted.is_(False))
            .options(selectinload(Page.tags), selectinload(Page.current_revision)))
    if kind:
        stmt = stmt.where(Page.kind == kind)
    if product is not None:
        stmt = stmt.where(Page.product_id == product.id)
    tag = _arg("tag")
    if tag:
        stmt = stmt.where(Page.tags.any(Tag.name == tag.strip().lower()))
    stmt = stmt.order_by(SORTS[sort], Page.id.desc())
    return paginated(stmt, lambda page: page_summary_json(page, current_user), key="pages")


@bp.route("/pages", methods=["POST"])
@requires(permissions.can_create)
@doc("Create a page with its first revision.", body=CREATE_BODY, response=PAGE_SCHEMA,
     status=201, auth="required", errors=(400, 401, 403, 409, 413))
def create_page():
    data = json_body(required=("title", "kind", "body"), optional=("product", "summary", "tags"),
                     types={"title": str, "kind": str, "body": str, "product": str,
                            "summary": str, "tags": list})
    tags = data.get("tags") or []
    if not all(isinstance(tag, str) for tag in tags):
        raise ApiError(400, "wrong_type", "Field 'tags' must be a list of strings.")
    with reading():  # the page's own transaction takes the write lock, not this look-up
        product = product_for_filter(data.get("product"))
    page = pages.create_page(current_user, data["title"], data["kind"], data["body"],
                             product=product, summary=data.get("summary") or "", tags=tags)
    with reading():
        response = jsonify(page_json(page, current_user))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_page", slug=page.slug)
    return response


@bp.route("/pages/<slug>")
@doc("One page with the text of the newest revision you may see.", response=PAGE_SCHEMA,
     errors=(404,))
def get_page(slug):
    return jsonify(page_json(load_page(slug, current_user), current_user))


@bp.route("/pages/<slug>", methods=["PUT"])
@requires(permissions.is_member)
@doc("Save a new revision. 409 with current_revision when someone saved since base_revision "
     "and the edits could not be merged.", body=UPDATE_BODY, response=PAGE_SCHEMA,
     auth="required", errors=(400, 401, 403, 404, 409, 413))
def update_page(slug):
    with reading():  # the save's own transaction takes the write lock, not this look-up
        page = load_page(slug, current_user)
    data = json_body(required=("body", "base_revision"), optional=("summary",),
                     types={"body": str, "base_revision": int, "summary": str})
    try:
        pages.edit_page(current_user, page, data["body"], summary=data.get("summary") or "",
                        base_revision=data["base_revision"])
    except Conflict as error:
        db.session.rollback()
        page = load_page(slug, current_user)
        current = page.current_revision.number if page.current_revision else None
        raise ApiError(409, "edit_conflict", error.message, current_revision=current) from error
    with reading():
        return jsonify(page_json(page, current_user))


@bp.route("/pages/<slug>/revisions")
@doc("A page's revisions, newest first. Hidden ones show no author or summary unless you moderate.",
     params=dict(PAGE_PARAMS), response=page_of("revisions", REVISION_SCHEMA), errors=(404,))
def list_revisions(slug):
    page = load_page(slug, current_user)
    return paginated(revisions_query(page), lambda rev: revision_json(rev, current_user),
                     key="revisions")


@bp.route("/pages/<slug>/revisions/<int:number>")
@doc("One revision with its text; 403 when it is hidden and you do not moderate.",
     response=REVISION_FULL_SCHEMA, errors=(403, 404))
def get_revision(slug, number):
    page = load_page(slug, current_user)
    return jsonify(revision_text_json(revision_or_404(page, number, current_user), current_user))


@bp.route("/pages/<slug>/diff")
@doc("A unified diff between two revisions (defaults: the newest you may see, and the one before).",
     params={"from": (int, "Older revision number"), "to": (int, "Newer revision number")},
     response=DIFF_SCHEMA, errors=(400, 403, 404))
def diff(slug):
    page = load_page(slug, current_user)
    latest = visible_revision(page, current_user)
    if latest is None:
        raise ApiError(404, "not_found", "This page has no revision you can see.")
    to_number = int_arg("to", default=latest.number, minimum=1)
    from_number = int_arg("from", default=max(1, to_number - 1), minimum=1)
    old = revision_or_404(page, from_number, current_user)
    new = revision_or_404(page, to_number, current_user)
    return jsonify(diff_json(page, old, new))


def _arg(name):
    value = request.args.get(name, "").strip()
    return value or None
