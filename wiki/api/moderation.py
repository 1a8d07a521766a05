"""Flags through the JSON API: members report content; moderators list and resolve flags."""
from flask import jsonify
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..models import FLAG_REASONS, Flag
from ..moderation import services
from ..permissions import can_moderate, is_member, requires
from .blueprint import bp
from .common import doc, iso, json_body, paginated

FLAG_BODY = {
    "type": "object",
    "required": ["target_type", "target_id", "reason"],
    "properties": {
        "target_type": {"type": "string", "enum": list(services.TARGET_TYPES)},
        "target_id": {"type": "integer"},
        "reason": {"type": "string", "enum": list(FLAG_REASONS)},
        "text": {"type": "string", "maxLength": services.MAX_FLAG_TEXT},
    },
}
FLAG_SHAPE = {
    "type": "object",
    "properties": {name: {"type": kind} for name, kind in (
        ("id", "integer"), ("target_type", "string"), ("target_id", "integer"), ("page", "string"),
        ("reason", "string"), ("text", "string"), ("created_at", "string"),
        ("resolution", "string"))},
}


def serialize_flag(item, *, full=False):
    target_id = {"page": item.page_id, "revision": item.revision_id,
                 "comment": item.comment_id}[item.target_type]
    body = {"id": item.id, "target_type": item.target_type, "target_id": target_id,
            "page": item.page.slug if item.page else None, "reason": item.reason,
            "created_at": iso(item.created_at), "resolution": item.resolution}
    if full:
        body.update(text=item.text, reporter=item.reporter.username if item.reporter else None,
                    resolved_at=iso(item.resolved_at))
    return body


@bp.route("/flags", methods=["POST"])
@doc("Flag a page, revision or comment for the moderators", body=FLAG_BODY, response=FLAG_SHAPE,
     status=201, auth="required", errors=(400, 401, 403, 404, 409, 415, 429))
@requires(is_member)
def create_flag():
    data = json_body(required=("target_type", "target_id", "reason"), optional=("text",),
                     types={"target_type": str, "target_id": int, "reason": str, "text": str})
    item = services.flag(current_user, data["target_type"], data["target_id"], data["reason"],
                         data.get("text") or "")
    return jsonify(serialize_flag(item)), 201


@bp.route("/flags", methods=["GET"])
@doc("Open flags, oldest first (moderators)", response={"type": "object"}, auth="required",
     errors=(401, 403))
@requires(can_moderate)
def list_flags():
    stmt = (select(Flag).where(Flag.resolved_at.is_(None)).order_by(Flag.created_at, Flag.id)
            .options(selectinload(Flag.page)))
    return paginated(stmt, lambda item: serialize_flag(item, full=True), key="flags")


@bp.route("/flags/<int:flag_id>/resolve", methods=["POST"])
@doc("Resolve every open flag on this flag's target: dismiss, hide, delete or ban",
     body={"type": "object", "required": ["action"],
           "properties": {"action": {"type": "string", "enum": list(services.ACTIONS)},
                          "note": {"type": "string", "maxLength": 500}}},
     response={"type": "object"}, auth="required", errors=(400, 401, 403, 404, 409, 415))
@requires(can_moderate)
def resolve_flag(flag_id):
    from ..database import get_or_404

    item = get_or_404(Flag, flag_id)
    data = json_body(required=("action",), optional=("note",), types={"action": str, "note": str})
    flags = services.resolve(current_user, item, data["action"], data.get("note") or "")
    return jsonify({"resolved": [serialize_flag(f, full=True) for f in flags]})
