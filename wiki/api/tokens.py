"""The caller's personal API tokens."""
from flask import jsonify
from flask_login import current_user

from ..account import services as tokens
from ..permissions import is_member, requires
from .blueprint import bp
from .common import PAGE_PARAMS, component, doc, iso, json_body, obj, page_of, paginated

TOKEN_PROPS = {
    "id": {"type": "integer"}, "name": {"type": "string"},
    "prefix": {"type": "string", "description": "The first characters, to tell tokens apart."},
    "created_at": {"type": "string", "format": "date-time"},
    "last_used_at": {"type": ["string", "null"], "format": "date-time"},
    "revoked_at": {"type": ["string", "null"], "format": "date-time"}}
TOKEN_SCHEMA = component("ApiToken", obj(
    ("id", "name", "prefix", "created_at", "last_used_at", "revoked_at"), **TOKEN_PROPS))


def token_json(token):
    return {"id": token.id, "name": token.name, "prefix": token.prefix,
            "created_at": iso(token.created_at), "last_used_at": iso(token.last_used_at),
            "revoked_at": iso(token.revoked_at)}


@bp.route("/tokens")
@requires(is_member)
@doc("Your API tokens, newest first (revoked ones included).", params=dict(PAGE_PARAMS),
     response=page_of("tokens", TOKEN_SCHEMA), auth="required", errors=(401,))
def list_tokens():
    return paginated(tokens.tokens_query(current_user), token_json, key="tokens")


@bp.route("/tokens", methods=["POST"])
@requires(is_member)
@doc("Create a token. The raw value is in \"token\" and is shown this once; only its hash is kept.",
     body=obj(("name",), name={"type": "string", "maxLength": tokens.MAX_NAME}),
     response=obj(("id", "name", "prefix", "created_at", "token"),
                  token={"type": "string", "description": "Send as Authorization: Bearer <token>."},
                  **TOKEN_PROPS),
     status=201, auth="required", errors=(400, 401, 403))
def create_token():
    data = json_body(required=("name",), types={"name": str})
    token, raw = tokens.create_token(current_user, data["name"])
    body = token_json(token)
    body["token"] = raw
    response = jsonify(body)
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/tokens/<int:token_id>", methods=["DELETE"])
@requires(is_member)
@doc("Revoke one of your tokens (404 for anyone else's). Revoking again changes nothing.",
     response=TOKEN_SCHEMA, auth="required", errors=(401, 404))
def revoke_token(token_id):
    return jsonify(token_json(tokens.revoke_token(current_user, token_id)))
