"""Abuse limits: named categories applied by endpoint name, per account and per address.

Each category has a limit for established accounts (``RATELIMIT_<NAME>``), a stricter one for
accounts younger than ``NEW_ACCOUNT_DAYS`` (``RATELIMIT_<NAME>_NEW``) and one per client address
(``RATELIMIT_<NAME>_ADDRESS``, shared by everyone behind that address). A category's budget is
shared by all of its endpoints, web and API alike. Counters live in ``RATELIMIT_STORAGE_URI``
(memory by default; ``redis://…`` for several processes). A 429 says when to retry, in words and
in the ``Retry-After`` header.

Endpoints are found by name (``ENDPOINTS``) and, for the JSON API, by method and URL rule
(``API_RULES``), so endpoints added later are covered without touching this file. Missing
endpoints are skipped.
"""
import functools
import re
import threading
import time
from datetime import timedelta

from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from .extensions import limiter
from .models import utcnow

# name: (established, new accounts, per address)
CATEGORIES = {
    "edit": ("30 per minute;500 per day", "5 per minute;60 per day", "60 per minute;1000 per day"),
    "new_page": ("10 per minute;100 per day", "2 per minute;10 per day", "20 per minute;200 per day"),
    "comment": ("20 per minute;300 per day", "4 per minute;40 per day", "40 per minute;600 per day"),
    "vote": ("60 per minute;1000 per day", "20 per minute;200 per day", "120 per minute;3000 per day"),
    "flag": ("10 per minute;100 per day", "3 per minute;20 per day", "20 per minute;200 per day"),
    "login": ("10 per minute;100 per hour", "10 per minute;100 per hour", "10 per minute;100 per hour"),
    "register": ("5 per minute;30 per hour", "5 per minute;30 per hour", "5 per minute;30 per hour"),
}

ENDPOINTS = {
    "edit": ("pages.edit", "pages.revert", "pages.save"),
    "new_page": ("pages.new", "pages.create"),
    "comment": ("pages.talk", "pages.comment", "pages.reply"),
    "vote": ("votes.vote", "votes.unvote", "products.rate", "products.rating", "votes.rate"),
    "flag": ("moderation.flag",),
    "login": ("auth.login",),
    "register": ("auth.register", "auth.reset_request"),
}

# JSON API endpoints by (method, rule pattern); the first match wins
API_RULES = (
    ("flag", {"POST"}, re.compile(r"/flags$")),
    ("vote", {"PUT", "DELETE", "POST"}, re.compile(r"/(vote|rating)$")),
    ("comment", {"POST"}, re.compile(r"/comments$")),
    ("new_page", {"POST"}, re.compile(r"^/api/v1/(pages|proposals)$")),
    ("edit", {"PUT", "PATCH", "POST"}, re.compile(r"^/api/v1/pages/<[^>]+>(/revert)?$")),
)

WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"]
_lock = threading.Lock()


def is_new_account(user):
    if user is None or not getattr(user, "is_authenticated", False) or user.created_at is None:
        return False
    days = current_app.config.get("NEW_ACCOUNT_DAYS", 3)
    return utcnow() - user.created_at < timedelta(days=days)


def limit_value(name, kind="user"):
    """The configured limit string for category ``name`` and the current requester."""
    cfg = current_app.config
    if kind == "address":
        return cfg.get(f"RATELIMIT_{name.upper()}_ADDRESS") or CATEGORIES[name][2]
    if is_new_account(current_user):
        return cfg.get(f"RATELIMIT_{name.upper()}_NEW") or CATEGORIES[name][1]
    return cfg.get(f"RATELIMIT_{name.upper()}") or CATEGORIES[name][0]


def user_key():
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"addr:{get_remote_address()}"


def login_name_key():
    """Log-in attempts also count per account name, so guessing one account's password from
    many addresses is limited too."""
    name = (request.form.get("username") or "").strip().casefold()[:64]
    return f"login:{name}" if name else address_key()


def address_key():
    return f"addr:{get_remote_address()}"


def retry_message():
    current = limiter.current_limit
    seconds = max(1, int(current.reset_at - time.time()) + 1) if current else 60
    return (f"Too many requests: the limit is {current.limit if current else 'reached'}. "
            f"Try again in {seconds} second{'s' if seconds != 1 else ''}.")


@functools.cache
def decorators(name):
    """The two limits for a category, as decorators: per account and per address. Made once per
    process, so an app built again (tests) does not stack a second copy onto the limiter."""
    return (
        limiter.shared_limit(lambda: limit_value(name), scope=f"{name}",
                             key_func=login_name_key if name == "login" else user_key,
                             methods=WRITE_METHODS, error_message=retry_message),
        limiter.shared_limit(lambda: limit_value(name, "address"), scope=f"{name}-address",
                             key_func=address_key, methods=WRITE_METHODS, error_message=retry_message),
    )


def endpoint_categories(app):
    """``{endpoint: category}`` for the endpoints this app has."""
    found = {}
    for name, endpoints in ENDPOINTS.items():
        for endpoint in endpoints:
            if endpoint in app.view_functions:
                found[endpoint] = name
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint in found:
            continue
        for name, methods, pattern in API_RULES:
            if methods & set(rule.methods or ()) and pattern.search(rule.rule):
                found[rule.endpoint] = name
                break
    return found


def apply_limits(app):
    """Wrap each limited endpoint's view function once. Safe to call repeatedly."""
    with _lock:
        applied = app.extensions.setdefault("cowiki_ratelimits", {})
        for endpoint, name in endpoint_categories(app).items():
            if endpoint in applied:
                continue
            view = app.view_functions[endpoint]
            for decorate in decorators(name):
                view = decorate(view)
            app.view_functions[endpoint] = view
            applied[endpoint] = name
        return applied


def init_ratelimits(app):
    """Called from the moderation area's init_app. Areas registered after it (the API among
    them) are covered because the wrapping happens before the first request is handled."""
    app.config.setdefault("NEW_ACCOUNT_DAYS", 3)
    state = {"done": False}

    @app.before_request
    def _apply_once():
        if not state["done"]:
            apply_limits(app)
            state["done"] = True
