"""Walk the URL map: every rule, with fixture values for its parameters, so tests over "all
routes" cover routes that other areas add later without being edited."""
import re

from werkzeug.routing.converters import AnyConverter, IntegerConverter

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def fixture_values(world):
    """Values for URL parameters, by name, from objects a test created (``world`` dict)."""
    page, user = world.get("page"), world.get("user")
    return {
        "slug": page.slug if page else "a-page",
        "username": user.username if user else "casey",
        "user_id": user.id if user else 1,
        "tag": "demo",
        "n": 1, "number": 1, "revision": 1,
        "target_type": "page",
        "target_id": page.id if page else 1,
        "page_id": page.id if page else 1,
        "comment_id": world["comment"].id if world.get("comment") else 1,
        "token": "not-a-token",
        "filename": "css/site.css",
    }


def value_for(rule, name, world):
    converter = rule._converters.get(name)
    if isinstance(converter, AnyConverter):
        return min(converter.items)
    if "/products/" in rule.rule and name == "slug" and world.get("product"):
        return world["product"].slug
    values = fixture_values(world)
    if name in values:
        return values[name]
    return 1 if isinstance(converter, IntegerConverter) else "x"


def url_for_rule(rule, world):
    path = rule.rule
    for name in rule.arguments:
        value = str(value_for(rule, name, world))
        path = re.sub(r"<(?:[^<>:]+:)?" + re.escape(name) + r">", lambda _m, value=value: value, path)
    return path


def rules(app, methods):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        wanted = set(rule.methods or ()) & set(methods)
        if wanted:
            yield rule, sorted(wanted)
