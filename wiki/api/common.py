"""Shared pieces of the JSON API: body parsing, errors, pagination."""
from flask import abort, jsonify, request

from ..database import page_args, paginate
from ..errors import ValidationError


class ApiError(ValidationError):
    """A JSON error with a code: ``raise ApiError(404, "not_found", "No such page.")``."""

    def __init__(self, status, code, message, **extra):
        super().__init__({"_": message}, status_code=status)
        self.code = code
        self.extra = extra


def json_body(required=(), optional=(), types=None):
    """The request's JSON object, checked: 415 for another content type, 400 for malformed JSON,
    unknown or missing fields, or a field of the wrong type (``types={"value": int}``)."""
    if not request.is_json:
        abort(415, description="Send a JSON body with Content-Type: application/json.")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "The body is not a JSON object.")
    allowed = set(required) | set(optional)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ApiError(400, "unknown_field", f"Unknown field(s): {', '.join(unknown)}.")
    missing = [name for name in required if name not in data]
    if missing:
        raise ApiError(400, "missing_field", f"Missing field(s): {', '.join(missing)}.")
    for name, kind in (types or {}).items():
        if name in data and data[name] is not None:
            value = data[name]
            ok = isinstance(value, kind) and not (kind in (int, (int,)) and isinstance(value, bool))
            if not ok:
                label = getattr(kind, "__name__", str(kind))
                raise ApiError(400, "wrong_type", f"Field {name!r} must be of type {label}.")
    return data


def paginated(stmt, serialize, key="items", **extra):
    """``{key: [...], "total", "page", "per_page"}`` for a select statement."""
    page, per_page = page_args()
    result = paginate(stmt, page, per_page)
    body = {key: [serialize(item) for item in result.items], "total": result.total,
            "page": result.page, "per_page": result.per_page}
    body.update(extra)
    return jsonify(body)


def iso(value):
    return value.isoformat() if value is not None else None


def doc(summary, *, body=None, response=None, params=None, status=200, auth="optional",
        errors=(400, 401, 403, 404)):
    """Describe an endpoint for /api/v1/openapi.json; put it under the route decorator.

    ``body``/``response`` are JSON Schema dicts (or None); ``params`` maps query parameter names to
    ``(type, description)`` or ``(type, description, {"required": True, "enum": [...],
    "example": ...})``; ``auth`` is "none", "optional" or "required"; ``errors`` lists the error
    statuses it may answer. /api/v1/openapi.json is built from this (wiki/api/meta.py), and
    tests/test_api_openapi.py calls every documented GET and checks the answer against it.
    """

    def decorator(view):
        view.api_doc = {"summary": summary, "body": body, "response": response,
                        "params": params or {}, "status": status, "auth": auth,
                        "errors": tuple(errors)}
        return view

    return decorator


# Shared pieces for the OpenAPI document ------------------------------------------------------

SCHEMAS = {}


def component(name, schema):
    """Register a named schema for ``#/components/schemas/<name>`` and return a ``$ref`` to it."""
    SCHEMAS[name] = schema
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required=(), **properties):
    """A JSON Schema object: ``obj(("slug",), slug={"type": "string"})``."""
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def page_of(key, item):
    """The schema of a ``paginated(...)`` answer: ``{key: [item], "total", "page", "per_page"}``."""
    return obj((key, "total", "page", "per_page"), **{key: {"type": "array", "items": item}},
               total={"type": "integer"}, page={"type": "integer"}, per_page={"type": "integer"})


PAGE_PARAMS = {"page": (int, "Page number, from 1."),
               "per_page": (int, "Items per page (capped at the server's maximum, 100 by default).")}


def int_arg(name, default=None, minimum=None):
    """An integer query argument, or 400 with a clear message."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "invalid_parameter", f"Query parameter {name!r} must be an integer.") from None
    if minimum is not None and value < minimum:
        raise ApiError(400, "invalid_parameter", f"Query parameter {name!r} must be at least {minimum}.")
    return value


def choice_arg(name, choices, default=None):
    """A query argument that must be one of ``choices``, or 400."""
    value = request.args.get(name) or default
    if value is not None and value not in choices:
        raise ApiError(400, "invalid_parameter",
                       f"Query parameter {name!r} must be one of: {', '.join(choices)}.")
    return value
