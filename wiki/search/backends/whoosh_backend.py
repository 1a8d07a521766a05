"""Whoosh (whoosh-reloaded): an index directory per deployment, one searcher per process.

The searcher is opened once and reopened only when the index changed (a cheap check of the
table of contents). Writers take Whoosh's own lock file with a timeout, so several gunicorn
workers draining the queue at once wait their turn instead of failing; a writer that still cannot
get the lock raises, and the queue keeps its rows for the next drain.
"""
import os
import threading
from pathlib import Path

from whoosh import highlight, index
from whoosh.collectors import TimeLimit, TimeLimitCollector
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.query import And, Every, Not, Or, Phrase, Prefix, Term
from whoosh.writing import CLEAR

from ..query import STOP_WORDS
from .base import MARK_END, MARK_START, Hit, Hits, SearchBackend

TITLE_BOOST = 3.0
_ANALYZER = StemmingAnalyzer(stoplist=STOP_WORDS, minsize=1)
SCHEMA = Schema(
    page_id=ID(stored=True, unique=True),
    title=TEXT(analyzer=_ANALYZER, field_boost=TITLE_BOOST, spelling=True),
    body=TEXT(analyzer=_ANALYZER, stored=True, spelling=True),
    tags_text=TEXT(analyzer=_ANALYZER),
    kind=ID, product=ID, status=ID, author=ID,
    tag=KEYWORD(lowercase=True),
    updated=NUMERIC(int, bits=64, sortable=True),
    score=NUMERIC(int, signed=True, sortable=True),
    stamp=STORED,
)
TEXT_FIELDS = ("title", "body", "tags_text")
SORT_FIELDS = {"newest": "updated", "votes": "score"}
FILTER_FIELDS = {"kind": "kind", "product": "product", "status": "status", "tag": "tag",
                 "author": "author"}


class _MarkFormatter(highlight.Formatter):
    between = " … "

    def format_token(self, text, token, replace=False):
        return MARK_START + highlight.get_text(text, token, replace) + MARK_END


class WhooshBackend(SearchBackend):
    name = "whoosh"

    def __init__(self, directory, write_timeout=20.0, time_limit=2.0):
        self.directory = Path(directory)
        self.write_timeout = write_timeout
        self.time_limit = time_limit
        self._ix = None
        self._searcher = None
        self._lock = threading.RLock()

    # -- opening -------------------------------------------------------------------------------

    def _index(self):
        with self._lock:
            if self._ix is None:
                self.directory.mkdir(parents=True, exist_ok=True)
                if index.exists_in(str(self.directory)):
                    self._ix = index.open_dir(str(self.directory))
                else:
                    self._ix = index.create_in(str(self.directory), SCHEMA)
            return self._ix

    def searcher(self):
        """The process's searcher, refreshed only if the index has changed since."""
        with self._lock:
            if self._searcher is not None and not self._searcher.up_to_date():
                # Not Searcher.refresh(): whoosh-reloaded 2.7.5 reuses the old reader's
                # segments there, so merged-away segments and deleted documents come back.
                # The old one is not closed here: another thread may still be reading it; its
                # files close when the last reference goes.
                self._searcher = None
            if self._searcher is None:
                self._searcher = self._index().searcher()
            return self._searcher

    def close(self):
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = None
            if self._ix is not None:
                self._ix.close()
            self._ix = None

    # -- writing -------------------------------------------------------------------------------

    def _writer(self, **kwargs):
        return self._index().writer(timeout=self.write_timeout, delay=0.05, **kwargs)

    def index(self, session, documents, delete_ids=()):
        documents = list(documents)
        if not documents and not delete_ids:
            return
        with self._lock:
            writer = self._writer(limitmb=128)
            try:
                for page_id in delete_ids:
                    writer.delete_by_term("page_id", str(page_id))
                for doc in documents:
                    writer.update_document(**_fields(doc))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()

    def rebuild(self, session, batches):
        """One writer for everything, committed once, replacing all existing segments."""
        with self._lock:
            writer = self._writer(limitmb=256)
            try:
                for documents in batches:
                    for doc in documents:
                        writer.add_document(**_fields(doc))
            except BaseException:
                writer.cancel()
                raise
            writer.commit(mergetype=CLEAR)

    def clear(self, session):
        with self._lock:
            self._writer().commit(mergetype=CLEAR)

    def stamps(self, session):
        reader = self.searcher().reader()  # shared: not closed here
        return {int(fields["page_id"]): fields.get("stamp") for _docnum, fields in reader.iter_docs()}

    def size_bytes(self, session):
        return sum(f.stat().st_size for f in self.directory.glob("*") if f.is_file())

    # -- reading -------------------------------------------------------------------------------

    def _term_query(self, term):
        if term.kind == "prefix":
            return Or([Prefix(name, term.words[0]) for name in TEXT_FIELDS])
        tokens = [t.text for t in _ANALYZER(" ".join(term.words), mode="query")]
        if not tokens:
            return None
        if term.kind == "phrase" and len(tokens) > 1:
            return Or([Phrase(name, tokens) for name in TEXT_FIELDS])
        return Or([Term(name, token) for name in TEXT_FIELDS for token in tokens[:1]])

    @staticmethod
    def _stems(query):
        stems = []
        for term in query.terms:
            if term.kind == "prefix":
                stems.append(term.words[0])
            else:
                stems += [t.text for t in _ANALYZER(" ".join(term.words), mode="query")]
        return stems

    def _build(self, query):
        parts = []
        for clause in query.must:
            alternatives = [q for q in (self._term_query(t) for t in clause) if q is not None]
            if alternatives:
                parts.append(Or(alternatives) if len(alternatives) > 1 else alternatives[0])
        for clause in query.must_not:
            for term in clause:
                q = self._term_query(term)
                if q is not None:
                    parts.append(Not(q))
        if not any(not isinstance(p, Not) for p in parts):
            parts.insert(0, Every())
        tree = And(parts) if len(parts) > 1 else parts[0]
        filters = [Or([Term(FILTER_FIELDS[name], value) for value in values])
                   for name, values in query.filters.items()]
        return tree, (And(filters) if filters else None)

    def search(self, session, query, sort="relevance", offset=0, limit=20):
        if not query.must and not query.filters:
            return Hits()
        tree = self._combined(query)
        searcher = self.searcher()
        kwargs = {"limit": max(1, offset + limit)}
        if sort in SORT_FIELDS:
            kwargs.update(sortedby=SORT_FIELDS[sort], reverse=True)
        results, timed_out = self._collect(searcher, tree, terms=True, **kwargs)
        results.fragmenter = highlight.ContextFragmenter(maxchars=160, surround=50)
        results.formatter = _MarkFormatter()
        stems = self._stems(query)
        hits = []
        for hit in results[offset:offset + limit]:
            body = hit.get("body") or ""
            snippet = hit.highlights("body", text=_window(body, stems), top=2) or body[:200]
            hits.append(Hit(int(hit["page_id"]), snippet))
        if timed_out:
            return Hits(hits, results.scored_length(), partial=True)
        return Hits(hits, len(results))

    def _collect(self, searcher, tree, **kwargs):
        """Run a search for at most ``time_limit`` seconds: ``(results, timed_out)``. A phrase of
        very common words can take seconds in pure Python; then what was found so far is shown."""
        collector = TimeLimitCollector(searcher.collector(**kwargs), timelimit=self.time_limit,
                                       use_alarm=False)  # no signals: we may not be the main thread
        try:
            searcher.search_with_collector(tree, collector)
        except TimeLimit:
            return collector.results(), True
        return collector.results(), False

    def count(self, session, query):
        if not query.must and not query.filters:
            return 0
        results, _timed_out = self._collect(self.searcher(), self._combined(query), limit=1)
        return len(results)

    def _combined(self, query):
        # Filters go into the query itself: a collector's filter is skipped by the time-limit
        # collector, and len() of a filtered, limited search counts unfiltered matches.
        tree, filter_query = self._build(query)
        return tree if filter_query is None else And([tree, filter_query])

    def suggest_word(self, session, word):
        searcher = self.searcher()
        for name in ("body", "title"):
            found = searcher.corrector(name).suggest(word, limit=1, maxdist=2)
            if found and found[0] != word:
                return found[0]
        return None


def _window(body, stems, size=700):
    """The part of ``body`` around the first match: highlighting re-analyses the text it is
    given, which is the slow part of a Whoosh search, so give it a window, not the whole page."""
    if len(body) <= size:
        return body
    lower = body.lower()
    found = [pos for pos in (lower.find(stem) for stem in stems if stem) if pos >= 0]
    start = max(0, min(found) - 150) if found else 0
    return body[start:start + size]


def _fields(doc):
    return {
        "page_id": str(doc.page_id), "title": doc.title, "body": doc.body,
        "tags_text": " ".join(doc.tags), "kind": doc.kind, "product": doc.product or "",
        "status": doc.status or "", "author": doc.author or "", "tag": " ".join(doc.tags),
        "updated": int(doc.updated_at.timestamp() * 1_000_000) if doc.updated_at else 0,
        "score": int(doc.score), "stamp": doc.stamp,
    }


def remove_index(directory):
    """Delete an index directory's files (used by tests and the benchmark)."""
    for file in Path(directory).glob("*"):
        if file.is_file():
            os.unlink(file)
