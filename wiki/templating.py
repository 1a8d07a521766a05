"""Template globals and filters shared by every area."""
from datetime import datetime, timezone

from flask import request, url_for
from markupsafe import Markup, escape

from . import permissions


def timeago(value):
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    seconds = int((datetime.now(timezone.utc) - value).total_seconds())
    if seconds < 60:
        return "just now"
    for unit, size in (("year", 31536000), ("month", 2592000), ("day", 86400), ("hour", 3600),
                       ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def datetime_tag(value):
    """A <time> element with the ISO timestamp and a relative label."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    iso = value.isoformat(timespec="seconds")
    full = value.strftime("%Y-%m-%d %H:%M UTC")
    return Markup(f'<time datetime="{escape(iso)}" title="{escape(full)}">{escape(timeago(value))}</time>')


def signed(number):
    return f"+{number}" if number > 0 else str(number)


def url_with(**changes):
    """The current URL with some query arguments changed (None removes one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def humanize(value):
    return str(value or "").replace("_", " ")


def endpoint_url(endpoint, **values):
    """``url_for`` for an endpoint that may not be registered (an area not built yet): None."""
    from flask import current_app

    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


def configure_templating(app):
    app.jinja_env.globals.update(permissions.TEMPLATE_PREDICATES)
    app.jinja_env.globals["endpoint_url"] = endpoint_url
    from .slots import render_slot

    app.jinja_env.globals["render_slot"] = render_slot
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.filters["timeago"] = timeago
    app.jinja_env.filters["datetime"] = datetime_tag
    app.jinja_env.filters["signed"] = signed
    app.jinja_env.filters["humanize"] = humanize
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    from .assets import configure_static

    configure_static(app)

    @app.context_processor
    def _site():
        return {"site_name": app.config["SITE_NAME"], "nav_items": NAV_ITEMS}


# (endpoint, label); areas that are not registered yet are skipped by the template
NAV_ITEMS = [
    ("products.index", "Products"),
    ("proposals.index", "Proposals"),
    ("roadmap.index", "Roadmap"),
    ("pages.recent", "Recent changes"),
]


def compile_templates(app):
    """Compile every template now (gunicorn calls this in the master before it forks, so each
    worker, including one restarted after ``max_requests``, starts with them compiled). Returns
    how many were compiled."""
    env = app.jinja_env
    names = [name for name in env.list_templates() if name.endswith((".html", ".xml", ".txt"))]
    if env.cache is not None and getattr(env.cache, "capacity", 0) < len(names) * 2:
        from jinja2.utils import LRUCache

        env.cache = LRUCache(len(names) * 2)
    for name in names:
        env.get_template(name)
    return len(names)
