"""Proposals and their triage actions over JSON, permission-checked exactly like the web UI."""
from flask import abort, jsonify, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import OPEN_STATUSES, STATUSES, Merge, Page, Product, ProposalState
from ..pages.serialize import page_brief
from ..permissions import can_see_insights, can_triage, requires
from ..triage import merging, services
from .blueprint import bp
from .common import ApiError, doc, iso, json_body, paginated

PROPOSAL = {"type": "object", "properties": {
    "slug": {"type": "string"}, "title": {"type": "string"}, "product": {"type": ["string", "null"]},
    "status": {"type": "string", "enum": list(STATUSES)},
    "assignee": {"type": ["string", "null"]}, "votes": {"type": "object"},
    "response": {"type": ["object", "null"]}, "duplicate_of": {"type": ["string", "null"]},
    "created_at": {"type": "string"}, "last_activity_at": {"type": "string"}}}
ACTION_ERRORS = (400, 401, 403, 404, 409, 415)


def _get(slug):
    page = services.get_proposal(slug)
    if page is None:
        raise ApiError(404, "not_found", f"There is no proposal {slug!r}.")
    return page


def serialize(page, detail=False):
    state = page.proposal
    body = {
        **page_brief(page),
        "status": state.status, "status_changed_at": iso(state.status_changed_at),
        "assignee": state.assignee.username if state.assignee else None,
        "duplicate_of": state.duplicate_of.slug if state.duplicate_of else None,
        "response": ({"html": state.response_html, "body": state.response_source,
                      "by": state.response_by.username if state.response_by else None,
                      "at": iso(state.response_at)} if state.response_html else None),
        "created_at": iso(page.created_at), "last_activity_at": iso(state.last_activity_at),
    }
    insights = can_see_insights(current_user)
    if insights:
        body["impact"] = state.impact
    if detail:
        body["timeline"] = [{"from": c.from_status, "to": c.to_status, "note": c.note,
                             "by": c.actor.username if c.actor else None, "at": iso(c.created_at)}
                            for c in services.timeline(page)]
        if can_triage(current_user):
            body["merges"] = [{"id": m.id, "source_id": m.source_page_id,
                               "target_id": m.target_page_id, "votes": len(m.source_votes),
                               "previous_status": m.previous_status,
                               "created_at": iso(m.created_at), "undone_at": iso(m.undone_at)}
                              for m in merging.merges_of(page)]
        if insights:
            body["internal_notes"] = [{"id": n.id, "body": n.body, "at": iso(n.created_at),
                                       "by": n.author.username if n.author else None}
                                      for n in services.internal_notes(page)]
    return body


@bp.route("/proposals")
@doc("List proposals with their status and votes.", auth="optional",
     params={"status": ("string", "a status, or open"), "product": ("string", "product slug")},
     response={"type": "object", "properties": {"proposals": {"type": "array", "items": PROPOSAL},
                                                "total": {"type": "integer"}}})
def list_proposals():
    stmt = (select(Page).join(ProposalState, ProposalState.page_id == Page.id)
            .where(Page.kind == "proposal", Page.deleted.is_(False))
            .options(selectinload(Page.proposal)))
    status = request.args.get("status", "").strip()
    if status == "open":
        stmt = stmt.where(ProposalState.status.in_(OPEN_STATUSES))
    elif status:
        if status not in STATUSES:
            raise ApiError(400, "invalid", f"Unknown status {status!r}; choose one of "
                                           f"open, {', '.join(STATUSES)}.")
        stmt = stmt.where(ProposalState.status == status)
    product = request.args.get("product", "").strip()
    if product:
        stmt = stmt.join(Product, Product.id == Page.product_id).where(Product.slug == product)
    stmt = stmt.order_by(ProposalState.last_activity_at.desc(), Page.id.desc())
    return paginated(stmt, serialize, key="proposals")


@bp.route("/proposals/<slug>")
@doc("One proposal with its status history (internal notes for the innovation team).",
     response=PROPOSAL)
def get_proposal(slug):
    return jsonify(serialize(_get(slug), detail=True))


@bp.route("/proposals/<slug>/status", methods=["POST"])
@requires(can_triage)
@doc("Change a proposal's status; duplicate needs \"into\".", auth="required", errors=ACTION_ERRORS,
     body={"type": "object", "required": ["status"], "properties": {
         "status": {"type": "string", "enum": list(STATUSES)}, "note": {"type": "string"},
         "expected_status": {"type": "string"}, "into": {"type": "string"}}},
     response=PROPOSAL)
def change_status(slug):
    page = _get(slug)
    data = json_body(required=("status",), optional=("note", "expected_status", "into"),
                     types={"status": str, "note": str, "expected_status": str, "into": str})
    target = _get(data["into"]) if data.get("into") else None
    services.change_status(current_user, page, data["status"], data.get("note") or "",
                           expected_status=data.get("expected_status"), duplicate_of=target)
    return jsonify(serialize(_reload(page), detail=True))


@bp.route("/proposals/<slug>/merge", methods=["POST"])
@requires(can_triage)
@doc("Merge this proposal as a duplicate into another; its votes move there.", auth="required",
     errors=ACTION_ERRORS,
     body={"type": "object", "required": ["into"], "properties": {
         "into": {"type": "string"}, "note": {"type": "string"}}},
     response={"type": "object", "properties": {"merge_id": {"type": "integer"},
                                                "source": PROPOSAL, "target": PROPOSAL}})
def merge(slug):
    page = _get(slug)
    data = json_body(required=("into",), optional=("note",), types={"into": str, "note": str})
    target = _get(data["into"])
    row = merging.merge(current_user, page, target, note=data.get("note") or "")
    return jsonify({"merge_id": row.id, "source": serialize(_reload(page)),
                    "target": serialize(_reload(target))})


@bp.route("/proposals/<slug>/unmerge", methods=["POST"])
@requires(can_triage)
@doc("Undo a merge of this duplicate: its votes and status come back.", auth="required",
     errors=ACTION_ERRORS, body={"type": "object", "required": ["merge_id"],
                                 "properties": {"merge_id": {"type": "integer"}}},
     response=PROPOSAL)
def unmerge(slug):
    page = _get(slug)
    data = json_body(required=("merge_id",), types={"merge_id": int})
    row = db.session.get(Merge, data["merge_id"])
    if row is None or page.id not in (row.source_page_id, row.target_page_id):
        raise ApiError(404, "not_found", "There is no such merge on this proposal.")
    merging.unmerge(current_user, row)
    return jsonify(serialize(_reload(page), detail=True))


@bp.route("/proposals/<slug>/assign", methods=["POST"])
@requires(can_triage)
@doc("Assign to a moderator, innovation member or admin (null unassigns).", auth="required",
     errors=ACTION_ERRORS, body={"type": "object", "required": ["assignee"],
                                 "properties": {"assignee": {"type": ["string", "null"]}}},
     response=PROPOSAL)
def assign(slug):
    page = _get(slug)
    data = json_body(required=("assignee",), types={"assignee": str})
    services.assign(current_user, page, services.find_assignee(data["assignee"]))
    return jsonify(serialize(_reload(page)))


@bp.route("/proposals/<slug>/response", methods=["POST"])
@requires(can_triage)
@doc("Post the official response (Markdown).", auth="required", errors=ACTION_ERRORS + (413,),
     body={"type": "object", "required": ["body"], "properties": {"body": {"type": "string"}}},
     response=PROPOSAL)
def response(slug):
    page = _get(slug)
    data = json_body(required=("body",), types={"body": str})
    services.post_response(current_user, page, data["body"])
    return jsonify(serialize(_reload(page)))


@bp.route("/proposals/<slug>/impact", methods=["POST"])
@requires(can_see_insights)
@doc("Set the impact estimate (innovation team and admins).", auth="required",
     errors=ACTION_ERRORS, body={"type": "object", "required": ["impact"],
                                 "properties": {"impact": {"type": ["string", "null"]}}},
     response=PROPOSAL)
def impact(slug):
    page = _get(slug)
    data = json_body(required=("impact",), types={"impact": str})
    services.set_impact(current_user, page, data["impact"])
    return jsonify(serialize(_reload(page)))


@bp.route("/proposals/<slug>/notes", methods=["POST"])
@requires(can_see_insights)
@doc("Add an internal note (innovation team and admins).", auth="required", status=201,
     errors=ACTION_ERRORS, body={"type": "object", "required": ["body"],
                                 "properties": {"body": {"type": "string"}}})
def add_note(slug):
    page = _get(slug)
    data = json_body(required=("body",), types={"body": str})
    note = services.add_note(current_user, page, data["body"])
    return jsonify({"id": note.id, "body": note.body, "at": iso(note.created_at),
                    "by": current_user.username}), 201


def _reload(page):
    db.session.expire_all()
    fresh = db.session.get(Page, page.id)
    if fresh is None:
        abort(404)
    return fresh
