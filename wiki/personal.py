"""Signed-in readers' page cache: one rendered page per role, with the reader's own parts filled
in per request.

A signed-in member's page view differs from another member's only in a few *personal parts*: the
header's user menu (name, unread notifications), the member's own vote, whether they watch the
page, and the CSRF token in every form. Everything else depends on the page and on what the
reader's role may do (edit a protected page, triage, see internal notes). So for the views in
``MEMBER_CACHE_ENDPOINTS`` the page is rendered once per (database generation, URL, role) as a
*shell* and kept in the page cache; each request fills the shell's personal parts for its reader.

Templates mark a personal part with the ``personal(name, **values)`` global. Outside a shell it
renders the part at once; while a shell renders it leaves a marker that names the part and keeps
its values (plain numbers and strings, stored with the shell). Areas register how to render
their parts::

    personal.register("votes.page", render_page_votes)   # render_page_votes(**values) -> Markup

While a shell renders, ``csrf_token()`` answers a placeholder; filling puts the reader's token in
its place. Markers and the placeholder carry a random nonce kept with the shell, so no content
written by a user can pose as one.

Only views audited for this take part: every per-user thing they show must go through
``personal()``. Requests with flashed messages are rendered in full, as before.
"""
import re
import secrets

from flask import current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from . import pagecache, permissions

# views whose every per-user part goes through personal() (the rest depends on the role only)
DEFAULT_ENDPOINTS = ("pages.view", "pages.history", "pages.revision", "pages.diff", "pages.recent",
                     "search.index")
_parts = {}


def register(name, render):
    """``render(**values)`` returns the part's HTML for the current reader."""
    _parts[name] = render


def personal(name, **values):
    """Template global: the personal part ``name``, or while a shell renders, its marker."""
    shell = g.get("member_shell")
    if shell is None:
        return Markup(_parts[name](**values))
    shell["parts"].append((name, values))
    return Markup(f"<!--cw-personal:{shell['nonce']}:{len(shell['parts']) - 1}-->")


def render_part(template, **context):
    """A part's template with the reader and the request in its context: what the parts use.
    (``render_template`` would run every context processor again for each part.)"""
    values = {"current_user": current_user._get_current_object(), "request": request,
              "session": session, "g": g, **context}
    return Markup(current_app.jinja_env.get_template(template).render(values))


def init_app(app):
    app.config.setdefault("MEMBER_CACHE_ENDPOINTS", DEFAULT_ENDPOINTS)
    app.jinja_env.globals["personal"] = personal
    register("header_user", lambda: render_part("_partials/header_user.html"))


def variant():
    """What, besides the URL, a member's shell depends on: what their role may do."""
    return current_user.role if permissions.is_member(current_user) else "not-member"


def is_member_read():
    return (request.method in ("GET", "HEAD")
            and request.endpoint in current_app.config["MEMBER_CACHE_ENDPOINTS"]
            and current_app.config["PAGE_CACHE_TIMEOUT"] > 0
            and "Authorization" not in request.headers
            and not session.get("_flashes")
            and current_user.is_authenticated)


def serve(gen):
    """Before the view: answer from a stored shell, or arrange for the view to render one."""
    key = shell_key(gen)
    entry = pagecache.cache_get(key)
    if entry is not None:
        body, headers, nonce, parts = entry
        if all(name in _parts for name, _values in parts):
            response = current_app.response_class(fill(body, nonce, parts), headers=headers)
            response.headers["X-Page-Cache"] = "member-hit"
            return response
        # stored by another version of the code (a rolling deploy shares the cache): render
        # afresh rather than fail on a part this version does not know
        current_app.logger.warning("Member shell names unknown parts; rendering afresh")
    g.member_shell = {"key": key, "nonce": secrets.token_hex(12), "parts": []}
    setattr(g, _csrf_field(), _csrf_placeholder(g.member_shell["nonce"]))
    return None


def store(response):
    """After the view: keep the shell (a 200 only), and fill it for this reader."""
    shell = g.pop("member_shell", None)
    if shell is None:
        return response
    g.pop(_csrf_field(), None)  # the placeholder must not stand in for the reader's token
    if response.direct_passthrough:
        return response
    body = response.get_data(as_text=True)
    if response.status_code == 200:
        headers = [(name, value) for name, value in response.headers.items()
                   if name not in pagecache.PER_REQUEST_HEADERS]
        if pagecache.cache_set(shell["key"], (body, headers, shell["nonce"], shell["parts"]),
                               current_app.config["PAGE_CACHE_TIMEOUT"]):
            response.headers["X-Page-Cache"] = "member-miss"
    response.set_data(fill(body, shell["nonce"], shell["parts"]))
    return response


def fill(body, nonce, parts):
    """The shell with this reader's personal parts and CSRF token in place of the markers."""
    def part(match):
        name, values = parts[int(match.group(1))]
        return str(_parts[name](**values))

    body = re.sub(f"<!--cw-personal:{nonce}:([0-9]+)-->", part, body)
    placeholder = _csrf_placeholder(nonce)
    if placeholder in body:
        body = body.replace(placeholder, generate_csrf())
    return body


def shell_key(gen):
    return pagecache.cache_key(f"{gen}|member:{variant()}")


def _csrf_field():
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def _csrf_placeholder(nonce):
    return f"cw-csrf-{nonce}"
