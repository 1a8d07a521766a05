"""The API's front door: an index of links, and the OpenAPI document built from the url_map."""
import re

from flask import current_app, jsonify, url_for
from flask_login import current_user

from .blueprint import bp
from .common import SCHEMAS, doc, obj

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"

ERROR_SCHEMA = obj(
    ("error",),
    error=obj(("code", "message"), code={"type": "string", "examples": ["not_found"]},
              message={"type": "string"}),
    fields={"type": "object", "additionalProperties": {"type": "string"},
            "description": "Per-field messages, when the input had field errors."},
    current_revision={"type": "integer", "description": "On an edit conflict (409)."},
)

ERROR_TEXT = {400: "Bad request: malformed JSON, unknown or missing fields, wrong types, bad "
                   "parameters, or a missing X-CSRFToken header on a session request",
              401: "Not authenticated: log in, or send a valid Authorization: Bearer token",
              403: "Not allowed for your role",
              404: "Not found",
              405: "Method not allowed",
              409: "Conflict with the current state",
              413: "Request or text too large",
              415: "Send Content-Type: application/json",
              429: "Too many requests"}

_RULE_ARG = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_TYPES = {int: "integer", str: "string", bool: "boolean", float: "number", list: "array",
          dict: "object"}


@bp.route("/")
@doc("The API index: what this is, who you are, and links to the list endpoints.", auth="optional",
     response=obj(("name", "version", "openapi", "links", "user"),
                  name={"type": "string"}, version={"type": "string"},
                  openapi={"type": "string", "format": "uri-reference"},
                  links={"type": "object", "additionalProperties": {"type": "string"}},
                  user={"type": ["string", "null"],
                        "description": "The caller's username, or null when anonymous."}),
     errors=(401,))
def index():
    links = {}
    for rule in api_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "api.index":
            links[rule.endpoint.split(".", 1)[1].removeprefix("list_")] = rule.rule
    return jsonify({"name": current_app.config.get("SITE_NAME", "CoWiki") + " API",
                    "version": "v1", "openapi": url_for("api.openapi"), "links": links,
                    "user": current_user.username if current_user.is_authenticated else None})


@bp.route("/openapi.json")
@doc("This OpenAPI document, generated from the registered endpoints.", auth="none",
     response=obj(("openapi", "info", "paths", "components"), openapi={"type": "string"},
                  info={"type": "object"}, paths={"type": "object"},
                  components={"type": "object"}),
     errors=())
def openapi():
    return jsonify(build_openapi())


def api_rules():
    """The url_map rules served by the API blueprint, in a stable order."""
    rules = [r for r in current_app.url_map.iter_rules() if r.endpoint.startswith("api.")]
    return sorted(rules, key=lambda r: (r.rule, r.endpoint))


def openapi_path(rule):
    """``/api/v1/pages/<slug>/revisions/<int:n>`` → (``/api/v1/pages/{slug}/revisions/{n}``,
    [path parameters])."""
    params = []

    def _sub(match):
        converter, name = match.group(1) or "default", match.group(2)
        kind = "integer" if converter == "int" else "number" if converter == "float" else "string"
        params.append({"name": name, "in": "path", "required": True, "schema": {"type": kind}})
        return "{" + name + "}"

    return _RULE_ARG.sub(_sub, rule.rule), params


def query_parameter(name, spec):
    """A doc ``params`` entry, ``(type, description)`` or ``(type, description, {extra})``, as
    an OpenAPI parameter. ``extra`` may hold ``required``, ``enum``, ``default``, ``example``."""
    if isinstance(spec, dict):
        spec = (spec.get("type", str), spec.get("description", ""), spec)
    kind, description = spec[0], spec[1]
    extra = dict(spec[2]) if len(spec) > 2 else {}
    schema = {"type": _TYPES.get(kind, kind if isinstance(kind, str) else "string")}
    for key in ("enum", "default", "minimum", "maximum"):
        if key in extra:
            schema[key] = extra[key]
    parameter = {"name": name, "in": "query", "required": bool(extra.get("required")),
                 "description": description, "schema": schema}
    if "example" in extra:
        parameter["example"] = extra["example"]
    return parameter


def _json_content(schema):
    return {"application/json": {"schema": schema or {"type": "object"}}}


def operation(rule, method, view):
    info = view.api_doc
    path, params = openapi_path(rule)
    module = view.__module__.rsplit(".", 1)[-1]
    op = {"operationId": f"{rule.endpoint.split('.', 1)[1]}_{method.lower()}",
          "summary": info["summary"], "tags": [module],
          "parameters": params + [query_parameter(n, s) for n, s in info["params"].items()]}
    auth = info["auth"]
    if auth == "none":
        op["security"] = []
    elif auth == "required":
        op["security"] = [{"bearer": []}, {"cookie": []}]
    else:
        op["security"] = [{}, {"bearer": []}, {"cookie": []}]
    if info["body"] is not None:
        op["requestBody"] = {"required": True, "content": _json_content(info["body"])}
    status = str(info["status"])
    if info["status"] == 204:
        responses = {status: {"description": "Done; no content."}}
    else:
        responses = {status: {"description": "Success.", "content": _json_content(info["response"])}}
    errors = set(info["errors"])
    if info["body"] is not None and method in ("POST", "PUT", "PATCH"):
        errors |= {400, 415}
    if auth == "required":
        errors.add(401)
    for code in sorted(errors):
        responses[str(code)] = {"$ref": f"#/components/responses/Error{code}"}
    op["responses"] = responses
    return path, op


def build_openapi():
    paths, undocumented = {}, []
    for rule in api_rules():
        view = current_app.view_functions[rule.endpoint]
        if not hasattr(view, "api_doc"):
            undocumented.append(rule.endpoint)
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            path, op = operation(rule, method, view)
            paths.setdefault(path, {})[method.lower()] = op
    codes = set(ERROR_TEXT)
    for item in paths.values():
        for op in item.values():
            codes |= {int(c) for c, r in op["responses"].items() if "$ref" in r}
    document = {
        "openapi": OPENAPI_VERSION,
        "info": {"title": current_app.config.get("SITE_NAME", "CoWiki") + " API",
                 "version": API_VERSION,
                 "description": "Pages, revisions, search, votes, products and ratings, proposals "
                                "with triage actions, events, webhooks, notifications and personal "
                                "API tokens. Errors are {\"error\": {\"code\", \"message\"}}; lists "
                                "take ?page=&per_page= and say total."},
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA, **SCHEMAS},
            "responses": {f"Error{code}": {"description": ERROR_TEXT.get(code, "Error"),
                                           "content": _json_content({"$ref": "#/components/schemas/Error"})}
                          for code in sorted(codes)},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "A personal API token from /account/ (or `flask "
                                          "create-token`). Needs no CSRF header."},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "session",
                           "description": "The browser session. State-changing requests must "
                                          "also send the X-CSRFToken header (from the page's "
                                          "<meta name=\"csrf-token\">)."},
            },
        },
    }
    if undocumented:
        document["x-undocumented"] = undocumented
    return document
