"""The caller's notifications: list them, mark them read."""
from flask import jsonify, request
from flask_login import current_user

from ..notifications import describe, services
from ..permissions import is_member, requires
from .blueprint import bp
from .common import ApiError, doc, iso, json_body, paginated

NOTIFICATION = {"type": "object", "properties": {
    "id": {"type": "integer"}, "kind": {"type": "string"}, "title": {"type": "string"},
    "url": {"type": "string"}, "reason": {"type": "string"}, "read": {"type": "boolean"},
    "created_at": {"type": "string"}, "event_id": {"type": "integer"},
    "page": {"type": ["string", "null"]}}}


def serialize(note):
    event = note.event
    return {"id": note.id, "event_id": note.event_id, "kind": event.kind,
            "title": describe.title(event), "url": describe.path(event), "reason": note.reason,
            "page": event.page.slug if event.page is not None else None,
            "read": note.read_at is not None, "read_at": iso(note.read_at),
            "created_at": iso(note.created_at)}


@bp.route("/notifications")
@requires(is_member)
@doc("The caller's notifications, newest first", auth="required",
     params={"page": ("integer", "page number"), "per_page": ("integer", "items per page"),
             "unread": ("boolean", "only unread ones when 1")},
     response={"type": "object", "properties": {
         "notifications": {"type": "array", "items": NOTIFICATION}, "total": {"type": "integer"},
         "unread": {"type": "integer"}}}, errors=(401, 403))
def notifications_list():
    stmt = services.notifications_stmt(current_user,
                                       unread_only=request.args.get("unread") in ("1", "true"))
    return paginated(stmt, serialize, key="notifications",
                     unread=services.unread_count(current_user))


@bp.route("/notifications/read", methods=["POST"])
@requires(is_member)
@doc("Mark notifications read: {\"ids\": [...]} or {\"all\": true}", auth="required",
     body={"type": "object", "properties": {"ids": {"type": "array", "items": {"type": "integer"}},
                                             "all": {"type": "boolean"}}},
     response={"type": "object", "properties": {"marked": {"type": "integer"},
                                                 "unread": {"type": "integer"}}},
     errors=(400, 401, 403, 415))
def notifications_read():
    data = json_body(optional=("ids", "all"), types={"ids": list, "all": bool})
    if data.get("all") is True:
        marked = services.mark_all_read(current_user)
    elif "ids" in data and data["ids"] is not None:
        marked = services.mark_ids_read(current_user, data["ids"])
    else:
        raise ApiError(400, "missing_field", 'Send {"ids": [...]} or {"all": true}.')
    return jsonify({"marked": marked, "unread": services.unread_count(current_user)})
