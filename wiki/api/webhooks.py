"""Webhooks over the API: list, create, delete, and their deliveries (innovation and admins)."""
from flask import jsonify
from flask_login import current_user

from ..permissions import can_see_insights, requires
from ..webhooks import services
from .blueprint import bp
from .common import doc, iso, json_body, paginated

WEBHOOK = {"type": "object", "properties": {
    "id": {"type": "integer"}, "url": {"type": "string"}, "event_kinds": {"type": "array"},
    "product": {"type": ["string", "null"]}, "active": {"type": "boolean"},
    "created_at": {"type": "string"}}}
DELIVERY = {"type": "object", "properties": {
    "id": {"type": "integer"}, "event_id": {"type": "integer"}, "kind": {"type": "string"},
    "status": {"type": "string"}, "attempts": {"type": "integer"},
    "last_status_code": {"type": ["integer", "null"]}, "next_attempt_at": {"type": "string"}}}


def serialize(hook, with_secret=False):
    body = {"id": hook.id, "url": hook.url, "event_kinds": list(hook.event_kinds or []),
            "product": hook.product.slug if hook.product is not None else None,
            "active": hook.active, "created_at": iso(hook.created_at)}
    if with_secret:
        body["secret"] = hook.secret
    return body


def serialize_delivery(delivery):
    return {"id": delivery.id, "event_id": delivery.event_id, "kind": delivery.event.kind,
            "status": delivery.status, "attempts": delivery.attempts,
            "last_status_code": delivery.last_status_code,
            "last_response": delivery.last_response, "last_error": delivery.last_error,
            "next_attempt_at": iso(delivery.next_attempt_at),
            "delivered_at": iso(delivery.delivered_at), "created_at": iso(delivery.created_at)}


@bp.route("/webhooks")
@requires(can_see_insights)
@doc("List webhooks (innovation and admins)", auth="required",
     response={"type": "object", "properties": {"webhooks": {"type": "array", "items": WEBHOOK}}},
     errors=(401, 403))
def webhooks_list():
    return jsonify({"webhooks": [serialize(h) for h in services.list_webhooks(current_user)]})


@bp.route("/webhooks", methods=["POST"])
@requires(can_see_insights)
@doc("Register a webhook; the answer shows its secret", auth="required", status=201,
     body={"type": "object", "required": ["url"], "properties": {
         "url": {"type": "string"}, "secret": {"type": "string"},
         "event_kinds": {"type": "array", "items": {"type": "string"}},
         "product": {"type": ["string", "null"]}}},
     response=WEBHOOK, errors=(400, 401, 403, 415))
def webhooks_create():
    data = json_body(required=("url",), optional=("secret", "event_kinds", "product"),
                     types={"url": str, "secret": str, "event_kinds": list, "product": str})
    hook = services.create_webhook(current_user, data["url"], data.get("secret") or "",
                                   data.get("event_kinds") or [], data.get("product"))
    return jsonify(serialize(hook, with_secret=True)), 201


@bp.route("/webhooks/<int:hook_id>", methods=["DELETE"])
@requires(can_see_insights)
@doc("Delete a webhook and its deliveries", auth="required", status=204, errors=(401, 403, 404))
def webhooks_delete(hook_id):
    services.delete_webhook(current_user, services.get_webhook_or_404(current_user, hook_id))
    return "", 204


@bp.route("/webhooks/<int:hook_id>/deliveries")
@requires(can_see_insights)
@doc("A webhook's deliveries, newest first", auth="required",
     params={"page": ("integer", "page number"), "per_page": ("integer", "items per page")},
     response={"type": "object", "properties": {"deliveries": {"type": "array", "items": DELIVERY},
                                                 "total": {"type": "integer"}}},
     errors=(401, 403, 404))
def webhooks_deliveries(hook_id):
    hook = services.get_webhook_or_404(current_user, hook_id)
    return paginated(services.deliveries_stmt(hook), serialize_delivery, key="deliveries")
