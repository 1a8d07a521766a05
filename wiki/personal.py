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

Filling parts is then most of a hit's cost, and mostly template work (three small templates cost
more than the reader's three look-ups). Two things keep templates out of a hit:

* A part that depends on its reader only through facts with a few possible answers (their vote:
  none, up or down; whether they watch the page) and through what their role may do registers
  those ``choices``. The shell then keeps the part rendered for every combination, and filling
  picks the one the reader's facts name. Such a part is the same for every reader of a role, so
  this holds for many readers, not only one reader's repeated visits.
* ``render_part`` keeps what it rendered, per process, keyed by everything the output can depend
  on: the template, the values it was given (the part's own and the reader's looked-up ones),
  who the reader is (id and session version, name, role, whether they may take part) and, unless
  the part says its template shows nothing of it (``shows_path=False``), the request's path.
  A part's renderer must therefore pass every changing thing its template shows as a value,
  never look it up in the template.

The CSRF token is rendered as a placeholder and put in on each use, so neither a kept part nor a
shell's rendered choice ever carries another session's token.
"""
import functools
import itertools
import re
import secrets
from datetime import datetime
from types import SimpleNamespace

from flask import current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from . import pagecache, permissions, rawsql
from .extensions import db

# views whose every per-user part goes through personal() (the rest depends on the role only)
DEFAULT_ENDPOINTS = ("pages.view", "pages.history", "pages.revision", "pages.diff", "pages.recent",
                     "search.index")
PART_TIMEOUT = 3600
SHELL_VERSION = 2  # in the shells' keys: entries of another layout are never read
_parts = {}
_facts = {}  # part name -> {label: fact}
_choices = {}  # part name -> (labels, the possible answers of each)


def register(name, render, choices=None, **facts):
    """``render(**values, **found)`` returns the part's HTML for the current reader.

    ``facts`` name what the part looks up about its reader, each as ``fact(**values)``
    returning ``(statement, params)``: the area's own prebuilt select of one value, with its
    bind parameters (or None: nothing to ask). A page's parts ask all their facts in one
    statement, built once per combination, and each renderer gets its answers as keyword
    arguments.

    ``choices`` (``{label: answers}``) says that the part depends on its reader only through
    those facts, each answering one of ``answers``, and through what the reader's role may do.
    A shell then keeps the part rendered for every combination (see the module's notes)."""
    _parts[name] = render
    for label, fact in facts.items():
        add_fact(name, label, fact)
    if choices:
        _choices[name] = (tuple(choices), [tuple(answers) for answers in choices.values()])


def add_fact(name, label, fact):
    """Another area's fact for part ``name`` (the notifications area adds the header's unread
    count)."""
    _facts.setdefault(name, {})[label] = fact


def personal(name, **values):
    """Template global: the personal part ``name``, or while a shell renders, its marker."""
    shell = g.get("member_shell")
    if shell is None:
        return Markup(_parts[name](**values, **look_up([(name, values)])[0]))
    shell["parts"].append((name, values, _rendered_choices(name, values)))
    return Markup(f"<!--cw-personal:{shell['nonce']}:{len(shell['parts']) - 1}-->")


def _rendered_choices(name, values):
    """``{answers: html}`` for a part with choices: one rendering per combination of its facts'
    answers, as any reader of this shell's role would get it (None for other parts)."""
    if name not in _choices:
        return None
    labels, options = _choices[name]
    return {answers: str(_parts[name](**values, **dict(zip(labels, answers))))
            for answers in itertools.product(*options)}


def look_up(parts):
    """Every fact the ``(name, values)`` parts ask, in one statement: a dict per part."""
    found = [{} for _ in parts]
    queries, params, labels = [], {}, []
    for index, (name, values) in enumerate(parts):
        for label, fact in _facts.get(name, {}).items():
            asked = fact(**values) if current_user.is_authenticated else None
            found[index][label] = None
            if asked is not None:
                statement, own = asked
                queries.append(statement)
                params.update((f"q{len(labels)}_{key}", value) for key, value in own.items())
                labels.append((index, label))
    if queries:
        engine = db.engine
        row = pagecache.one_row(engine, _combined(tuple(queries), type(engine.dialect)), params)
        for (index, label), value in zip(labels, row):
            found[index][label] = value
    return found


@functools.lru_cache(maxsize=256)
def _combined(queries, dialect_class):
    """One statement asking each query (its parameters renamed ``q<n>_<name>``); a page asks the
    same combination every time, so it is built once. It runs outside the request's session
    (``pagecache.one_row``): facts are committed state, and a signed-in hit then never begins a
    session transaction."""
    dialect = dialect_class(paramstyle="named")  # ":name" parameters, as one_row takes them
    columns = (rawsql.NAMED_PARAM.sub(lambda m, n=n: f":q{n}_{m.group(1)}",
                                         str(query.compile(dialect=dialect)))
               for n, query in enumerate(queries))
    return "SELECT " + ", ".join(f"({sql}) AS f{n}" for n, sql in enumerate(columns))


def render_part(template, shows_path=True, **context):
    """A part's template with the reader and the request in its context: what the parts use.
    (``render_template`` would run every context processor again for each part.) Kept per
    process under a key of all it depends on (see the module's notes), with the CSRF token put
    in afresh. ``shows_path=False``: the template shows nothing of the request's URL, so one
    rendering serves the reader on every page."""
    parts = current_app.extensions.get("personal_parts")
    key = _part_key(template, context, shows_path) if parts is not None else None
    html = parts.get(key) if key is not None else None
    if html is None:
        field = _csrf_field()
        before = g.get(field)
        setattr(g, field, _PART_CSRF)
        try:
            values = {"current_user": current_user._get_current_object(), "request": request,
                      "session": session, "g": g, **context}
            html = current_app.jinja_env.get_template(template).render(values)
        finally:
            if before is None:
                g.pop(field, None)
            else:
                setattr(g, field, before)
        if key is not None:
            parts.put(key, html, PART_TIMEOUT)
    if _PART_CSRF in html:
        html = html.replace(_PART_CSRF, generate_csrf())
    return Markup(html)


def _part_key(template, context, shows_path=True):
    """Everything a part's output depends on, or None when a value cannot be part of a key."""
    user = current_user._get_current_object()
    reader = (user.get_id(), user.username, user.role, permissions.is_member(user)) \
        if user.is_authenticated else None
    try:
        values = tuple(sorted((name, _plain(value)) for name, value in context.items()))
        key = (template, values, reader, request.script_root,
               request.full_path if shows_path else None)
        hash(key)
    except TypeError:
        return None
    return key


def _plain(value):
    """A value as part of a key: plain values as they are, a namespace of them (a page's
    fields) by its items; anything else (a model, whose fields may change) makes no key."""
    if isinstance(value, SimpleNamespace):
        return tuple(sorted((name, _plain(item)) for name, item in vars(value).items()))
    if value is None or isinstance(value, (str, int, float, datetime)):
        return value
    raise TypeError(f"not a plain value: {type(value).__name__}")


def init_app(app):
    app.config.setdefault("MEMBER_CACHE_ENDPOINTS", DEFAULT_ENDPOINTS)
    app.config.setdefault("PERSONAL_PART_ENTRIES", 5000)
    if app.config["PERSONAL_PART_ENTRIES"] > 0:
        # the same bounded LRU as the page cache's near copies; a kept part is never stale (its
        # key holds all it depends on), so the timeout only bounds how long an unused one stays
        app.extensions["personal_parts"] = pagecache.NearCache(app.config["PERSONAL_PART_ENTRIES"])
    app.jinja_env.globals["personal"] = personal
    # the header shows the reader's name and menu on every page alike
    register("header_user", lambda unread=None: render_part("_partials/header_user.html",
                                                             shows_path=False, unread=unread or 0))


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
        if all(name in _parts for name, _values, _rendered in parts):
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
    found = look_up([(name, values) for name, values, _rendered in parts])

    def part(match):
        index = int(match.group(1))
        name, values, rendered = parts[index]
        if rendered is not None:
            labels = _choices[name][0] if name in _choices else ()
            html = rendered.get(tuple(found[index].get(label) for label in labels))
            if html is not None:
                return html
        return str(_parts[name](**values, **found[index]))

    body = re.sub(f"<!--cw-personal:{nonce}:([0-9]+)-->", part, body)
    placeholder = _csrf_placeholder(nonce)
    if placeholder in body:
        body = body.replace(placeholder, generate_csrf())
    return body


def shell_key(gen):
    return pagecache.cache_key(f"{gen}|member:v{SHELL_VERSION}:{variant()}")


def _csrf_field():
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def _csrf_placeholder(nonce):
    return f"cw-csrf-{nonce}"


# what a kept part holds in place of the CSRF token: random per process, so no text can pose as it
_PART_CSRF = _csrf_placeholder(secrets.token_hex(12))
