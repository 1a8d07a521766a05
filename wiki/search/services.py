"""Searching: the rules the /search page, the API and other areas (triage) call.

  search(q, filters=None, sort="relevance", page=1, per_page=20) -> SearchResults
  similar_proposals(title, exclude_page_id=None, limit=5, product=None) -> [Result]
"""
import logging
import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..database import Pagination
from ..errors import ValidationError
from ..extensions import db
from ..models import Page
from ..pages.serialize import page_brief
from . import cache as results_cache
from .backends import get_backend
from .backends.base import MARK_END, MARK_START
from .query import (FILTER_FIELDS, MAX_TERMS, STOP_WORDS, Query, Term, clean_text, parse,
                    parse_sort, words_of)

log = logging.getLogger(__name__)
MAX_RESULTS_DEPTH = 1000  # deeper pages are not offered: refine the search instead
FEW_RESULTS = 3
_MARKED = re.compile(f"{MARK_START}([^{MARK_START}{MARK_END}]*){MARK_END}")


class SearchUnavailable(ValidationError):
    status_code = 503
    code = "search_unavailable"


@dataclass
class Result:
    page: Page
    snippet: Markup

    def as_dict(self):
        page = self.page
        return {**page_brief(page),
                "status": page.proposal.status if page.proposal else None,
                "snippet": str(self.snippet),
                "updated_at": page.updated_at.isoformat() if page.updated_at else None}


class SearchResults(Pagination):
    def __init__(self, items, page, per_page, total, query, sort, suggestion=None,
                 estimated=False):
        super().__init__(items, page, per_page, min(total, MAX_RESULTS_DEPTH))
        self.found = total  # may be more than can be paged through
        self.estimated = estimated  # ``found`` is "about": more matches than were counted
        self.query = query
        self.sort = sort
        self.suggestion = suggestion

    @property
    def notices(self):
        return self.query.notices


def safe_snippet(text):
    """Escape everything; only the backend's highlight marks become <mark> elements."""
    escaped = str(escape(text or ""))
    marked = _MARKED.sub(r"<mark>\1</mark>", escaped)
    return Markup(marked.replace(MARK_START, "").replace(MARK_END, ""))


def _load_results(hits):
    ids = [hit.page_id for hit in hits]
    if not ids:
        return []
    # a result shows its proposal status: joined in, so one statement loads every hit
    pages = {p.id: p for p in db.session.scalars(
        select(Page).where(Page.id.in_(ids), Page.deleted.is_(False))
        .options(joinedload(Page.proposal)))}
    return [Result(pages[hit.page_id], safe_snippet(hit.snippet)) for hit in hits
            if hit.page_id in pages]


def _run(backend, query, sort, offset, limit):
    try:
        return backend.search(db.session, query, sort=sort, offset=offset, limit=limit)
    except Exception as error:  # a broken index must not become a 500
        db.session.rollback()
        log.exception("Search failed for %r", query.text())
        raise SearchUnavailable({"_": "Search is not available right now; please try again soon."}) from error


def search(q, filters=None, sort="relevance", page=1, per_page=20):
    """Search visible pages. ``filters`` maps kind/product/status/tag/author to a value."""
    query = parse(q, filters)
    sort = parse_sort(sort)
    per_page = max(1, min(int(per_page), 100))
    page = max(1, int(page))
    offset = (page - 1) * per_page
    if query.is_empty:
        return SearchResults([], page, per_page, 0, query, sort)
    if offset >= MAX_RESULTS_DEPTH:
        query.notices.append(f"Only the first {MAX_RESULTS_DEPTH} results can be paged through; "
                             "add words or filters to narrow the search.")
        return SearchResults([], page, per_page, 0, query, sort)
    backend = get_backend()
    hits, corrections = results_cache.cached(
        ("search", backend.name, signature(query), sort, offset, per_page),
        lambda: _ask_index(backend, query, filters, sort, offset, per_page),
        partial=lambda answer: answer[0].partial)
    if hits.partial:
        query.notices.append("That search took too long, so these are only the first matches "
                             "found; add words or filters to narrow it.")
    suggestion = _corrected(clean_text(q), corrections) if corrections else None
    return SearchResults(_load_results(hits.hits), page, per_page, hits.total, query, sort,
                         suggestion, estimated=hits.estimated)


def signature(query):
    """The parsed query as plain values: what the index is asked, however it was typed."""
    return (tuple(query.must), tuple(query.must_not),
            tuple(sorted((name, tuple(sorted(values))) for name, values in query.filters.items())))


def _ask_index(backend, query, filters, sort, offset, limit):
    """``(hits, corrections)``: what the index answers, the same for every reader (cached)."""
    hits = _run(backend, query, sort, offset, limit)
    corrections = ()
    if hits.total < FEW_RESULTS and query.words():
        corrections = spelling_corrections(backend, query, filters, hits.total)
    return hits, corrections


def spelling_corrections(backend, query, filters, current_total):
    """``((word, better), ...)``: known words for misspelt ones, when the corrected search finds
    more than ``current_total``; otherwise ``()``. Applied to what the reader typed, they make
    the "did you mean" query."""
    corrections = []
    for word in dict.fromkeys(query.words()):
        try:
            better = backend.suggest_word(db.session, word)
        except Exception:
            db.session.rollback()
            log.exception("Spelling suggestion failed")
            return ()
        if better and better != word:
            corrections.append((word, better))
    if not corrections:
        return ()
    try:
        found = backend.count(db.session, parse(_corrected(query.text(), corrections), filters))
    except Exception:
        db.session.rollback()
        return ()
    return tuple(corrections) if found > current_total else ()


def _corrected(text, corrections):
    for word, better in corrections:
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", better, text, flags=re.IGNORECASE)
    return text


def similar_proposals(title, exclude_page_id=None, limit=5, product=None):
    """Existing proposals most like ``title`` (a draft's title), best first."""
    words = [w for w in words_of(clean_text(title)) if w not in STOP_WORDS][:MAX_TERMS]
    if not words:
        return []
    terms = [Term((w,)) for w in words]
    if len(words[-1]) >= 3:  # still being typed
        terms.append(Term((words[-1],), "prefix"))
    query = Query(must=[tuple(terms)], filters={"kind": ["proposal"]})
    if product:
        query.filters["product"] = [str(product).casefold()]
    limit = max(1, min(int(limit), 20))
    backend = get_backend()
    hits = results_cache.cached(
        ("similar", backend.name, signature(query), limit + 1),
        lambda: _run(backend, query, "relevance", 0, limit + 1),
        partial=lambda answer: answer.partial)
    results = [r for r in _load_results(hits.hits) if r.page.id != exclude_page_id]
    return results[:limit]


def filters_from(args):
    """The field filters given as separate form/API parameters."""
    return {name: args.get(name, "").strip() for name in FILTER_FIELDS if args.get(name, "").strip()}
