"""A cache of search answers, shared by every worker and every reader, signed in or not.

A search costs 25-35 ms of CPU in process with Whoosh at 50,000 pages. Anonymous searches are
answered by the page cache, but signed-in readers never are, so each of their searches paid that
cost, and sixteen at once queued for two cores (p95 of 350 ms to 1.5 s). What the index answers
does not depend on who asks: the hits (page ids with their snippets), the total and the spelling
correction are the same for everyone. Only that is kept here; each request still loads the pages
from the database in one statement, so a page deleted since is left out and permissions hold.

An entry's key is the parsed query (so ``Battery  screen`` and ``battery screen`` share one),
the sort and the slice, hashed because a query may be 500 characters long, plus the *index
generation*. Where the backend reports a version of its index (Whoosh: its table of contents'
generation, raised by every index commit) that is the generation, so votes, comments and other
changes the index never sees leave the answers cached; on a busy site they came several a
second and emptied the cache each time. Otherwise it is ``wiki.pagecache``'s: the newest event
(with PostgreSQL's commit sequence) and the number of pages still queued for the index. It is
read before the backend is asked, so an entry holds an answer at least as new as its key says; a
change to the index gives every process new keys without a message between them.

It is only a short cut: with ``SEARCH_CACHE_TIMEOUT = 0``, with Flask-Caching's NullCache, or
when the cache fails (Redis down), every search asks the backend as before.
"""
import hashlib
import logging

from flask import current_app, g, has_app_context, has_request_context, request
from flask_caching.backends import NullCache
from sqlalchemy import event as sa_event

from .. import pagecache
from ..extensions import cache, db
from .backends import get_backend

log = logging.getLogger(__name__)
KEY_PREFIX = "search:v1:"  # bump when the shape of what is stored changes
# An answer cut short by the backend's time limit is kept this long at most: a popular slow
# query should not run again for every reader, but a calmer moment may let it finish.
PARTIAL_TIMEOUT = 30
_MEMO = "search_generation"


def init_app(app):
    if not sa_event.contains(db.session, "after_commit", _forget_generation):
        sa_event.listen(db.session, "after_commit", _forget_generation)


def enabled():
    return (current_app.config.get("SEARCH_CACHE_TIMEOUT") or 0) > 0 \
        and not isinstance(cache.cache, NullCache)


def cached(parts, compute, partial=lambda answer: False):
    """``compute()``'s answer, or the one it gave for the same ``parts`` (a tuple of plain values
    naming the question) while the index has not changed. ``partial(answer)`` says an answer is
    incomplete and is kept for ``PARTIAL_TIMEOUT`` seconds at most."""
    if not enabled():
        return compute()
    try:
        key = cache_key(index_generation(), parts)
        answer = cache.get(key)
    except Exception as error:  # a cache is a short cut: without it, search the slow way
        log.warning("Search cache unavailable; searching without it: %r", error)
        return compute()
    if answer is not None:
        return answer
    answer = compute()
    timeout = current_app.config["SEARCH_CACHE_TIMEOUT"]
    if partial(answer):
        timeout = min(timeout, PARTIAL_TIMEOUT)
    try:
        cache.set(key, answer, timeout=timeout)
    except Exception as error:
        log.warning("Search cache unavailable; answer not kept: %r", error)
    return answer


def cache_key(gen, parts):
    digest = hashlib.sha256(f"{gen}\n{parts!r}".encode("utf-8", "surrogateescape")).hexdigest()
    return KEY_PREFIX + digest[:40]


def index_generation():
    """``wiki.pagecache``'s generation of the search index, read once per request: a page that
    lists many searches (triage asks for each proposal's likely duplicates) pays its two
    statements once. A commit in the request reads it afresh."""
    if not has_request_context():
        return _read_generation()
    memo = g.get(_MEMO)
    current = request._get_current_object()
    if memo is not None and memo[0] is current:  # g outlives a request in tests: check whose
        return memo[1]
    gen = _read_generation()
    setattr(g, _MEMO, (current, gen))
    return gen


def _read_generation():
    """The backend's own version when it has one: a vote or a comment then leaves the answers
    in place, since they change nothing the index holds. Otherwise the database's newest event
    and the pages still queued for the index stand in, and any change makes new keys."""
    backend = get_backend()
    version = backend.version()
    if version is not None:
        return f"{backend.name}.{version}"
    engine = db.engine
    gen, _newest = pagecache.generation(engine)
    return pagecache.index_generation(engine, gen)


def _forget_generation(session):
    if has_app_context():
        g.pop(_MEMO, None)
