"""Whoosh (whoosh-reloaded): an index directory per deployment, one searcher per process.

The searcher is opened once and reopened only when the index changed (a cheap check of the
table of contents). Writers take Whoosh's own lock file with a timeout, so several gunicorn
workers draining the queue at once wait their turn instead of failing; a writer that still cannot
get the lock raises, and the queue keeps its rows for the next drain.
"""
import itertools
import math
import os
import threading
import time
import weakref
from pathlib import Path

from whoosh import index
from whoosh.collectors import TimeLimit, TopCollector, WrappingCollector
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.query import And, Every, Not, Or, Phrase, Prefix, Term
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import FilterMatcher
from whoosh.query.compound import DefaultOr
from whoosh.writing import CLEAR

from .base import EXACT_COUNT, TITLE_BOOST, Hit, Hits, SearchBackend
from .whoosh_blockmax import BlockMaxBM25F, BlockNotes
from .whoosh_snippets import ANALYZER as _ANALYZER
from .whoosh_snippets import highlighted_words, snippet

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


class _TopCollector(TopCollector):
    """Whoosh's top-N collector, also raising the bar when a document only ties the worst of a
    full top N: it cannot get in (ties keep document order), so blocks whose best score is no
    higher can be skipped. Whoosh raises the bar only on a replacement, so where many documents
    share the top score (a filter alone, or a word used alike on many pages) it never skips."""

    def _collect(self, global_docnum, score):
        key = super()._collect(global_docnum, score)
        items = self.items
        if len(items) >= self.limit and items[0][0] > self.minscore:
            self.minscore = items[0][0]
        return key


class _GuardedCollector(WrappingCollector):
    """Runs the wrapped (top-N or sorted) collector on documents the ``allow`` query matches, and
    gives up after ``timelimit`` seconds.

    Whoosh's own pieces do not combine: a TimeLimitCollector around a FilterCollector steps the
    innermost collector and ignores the filter, and a FilterCollector first reads every document
    the filter matches into a set (~9 ms for kind:proposal at 50,000 pages). Here candidates come
    in document order, so a matcher for the filter is moved along to each one. The clock is read
    between matches, as TimeLimitCollector does without signals (a worker thread may not use
    them). Both step through the wrapped collector's own matches, so block skipping applies."""

    def __init__(self, child, allow, timelimit):
        super().__init__(child)
        self.allow = allow
        self.timelimit = timelimit
        self._allowed = None

    def prepare(self, top_searcher, q, context):
        super().prepare(top_searcher, q, context)
        self.deadline = time.monotonic() + self.timelimit

    def set_subsearcher(self, subsearcher, offset):
        super().set_subsearcher(subsearcher, offset)
        if self.allow is not None:
            self._allowed = self.allow.matcher(subsearcher, subsearcher.boolean_context())

    def collect_matches(self):
        child, allowed, deadline, clock = self.child, self._allowed, self.deadline, time.monotonic
        for sub_docnum in child.matches():
            if clock() > deadline:
                raise TimeLimit
            if allowed is not None:
                if allowed.is_active() and allowed.id() < sub_docnum:
                    allowed.skip_to(sub_docnum)
                if not allowed.is_active():
                    return  # nothing further in this segment passes the filters
                if allowed.id() != sub_docnum:
                    continue
            child.collect(sub_docnum)


class WhooshBackend(SearchBackend):
    name = "whoosh"
    local_index = True

    def __init__(self, directory, write_timeout=20.0, time_limit=2.0, exact_count=EXACT_COUNT):
        self.directory = Path(directory)
        self.write_timeout = write_timeout
        self.time_limit = time_limit
        self.exact_count = exact_count  # totals above this are estimates
        self._notes = BlockNotes()  # per-block score bounds, kept across searchers
        self._ix = None
        self._local = threading.local()  # each thread's own searcher
        self._searchers = weakref.WeakSet()  # every open one, to close them all
        self._pid = os.getpid()
        self._lock = threading.RLock()

    # -- opening -------------------------------------------------------------------------------

    def _forget_if_forked(self):
        """A forked process (a gunicorn worker of a preloading master) must not read through
        its parent's open files: they share one file offset, and concurrent reads then get each
        other's bytes. Drop what was inherited (without closing the parent's files)."""
        if self._pid != os.getpid():
            self._ix, self._local, self._pid = None, threading.local(), os.getpid()
            self._searchers = weakref.WeakSet()

    def _index(self):
        with self._lock:
            self._forget_if_forked()
            if self._ix is None:
                self.directory.mkdir(parents=True, exist_ok=True)
                if index.exists_in(str(self.directory)):
                    self._ix = index.open_dir(str(self.directory))
                else:
                    self._ix = index.create_in(str(self.directory), SCHEMA)
            return self._ix

    def searcher(self):
        """This thread's searcher, refreshed only if the index has changed since.

        One per thread: a Whoosh searcher reads its segment files by seek-and-read on shared
        file objects, so two threads searching through one read each other's bytes (corrupt
        postings, "invalid load key" under gunicorn's threads)."""
        with self._lock:
            self._forget_if_forked()
        found = getattr(self._local, "searcher", None)
        if found is not None and not found.up_to_date():
            # Not Searcher.refresh(): whoosh-reloaded 2.7.5 reuses the old reader's segments
            # there, so merged-away segments and deleted documents come back. The old one
            # closes when the last reference to it goes.
            found = None
        if found is None:
            found = self._index().searcher(weighting=BlockMaxBM25F(self._notes))
            self._local.searcher = found
            with self._lock:
                self._searchers.add(found)
        return found

    def version(self):
        """The generation of the index's table of contents, which every commit (an added,
        changed or deleted document) raises: one listing of the index folder."""
        return self._index().latest_generation()

    def close(self):
        with self._lock:
            for searcher in list(self._searchers):
                searcher.close()
            self._searchers = weakref.WeakSet()
            self._local = threading.local()
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
        # DefaultOr: whoosh's automatic choice, in segments under 5,000 documents, reads and
        # scores every posting of all three fields up front, which no block skipping can undo
        return DefaultOr([Term(name, token) for name in TEXT_FIELDS for token in tokens[:1]])

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
        tree, allow = self._plan(query)
        searcher = self.searcher()
        kwargs = {"limit": max(1, offset + limit)}
        if sort in SORT_FIELDS:
            kwargs.update(sortedby=SORT_FIELDS[sort], reverse=True)
        # No terms=True: recording which terms matched steps the matcher through every document
        # and turns off block skipping; highlighting falls back to the query's own terms.
        results, timed_out = self._collect(searcher, tree, allow, **kwargs)
        matched = highlighted_words(query)
        hits = [Hit(int(hit["page_id"]), snippet(hit.get("body") or "", *matched))
                for hit in results[offset:offset + limit]]
        if timed_out:
            return Hits(hits, results.scored_length(), partial=True)
        total, estimated = self._count(searcher, tree, allow)
        return Hits(hits, max(total, results.scored_length()), estimated=estimated)

    def _plan(self, query):
        """``(tree, allow)``: what to score, and the filters as a set of allowed documents.

        Filters are not scored: inside the query they would add the same constant to every
        score, and an intersection with them cannot skip blocks of the words' postings. A search
        with filters but no words scores the filters instead of every document."""
        tree, filter_query = self._build(query)
        if filter_query is None:
            return tree, None
        parts = tree.subqueries if isinstance(tree, And) else [tree]
        if any(isinstance(p, Every) for p in parts):
            rest = [p for p in parts if not isinstance(p, Every)]
            return (And([filter_query, *rest]) if rest else filter_query), None
        return tree, filter_query

    def _collect(self, searcher, tree, allow=None, **kwargs):
        """Run a search for at most ``time_limit`` seconds: ``(results, timed_out)``. A phrase of
        very common words can take seconds in pure Python; then what was found so far is shown."""
        if "sortedby" in kwargs or kwargs["limit"] >= searcher.doc_count():
            child = searcher.collector(**kwargs)
        else:
            child = _TopCollector(kwargs["limit"])
        collector = _GuardedCollector(child, allow, self.time_limit)
        try:
            searcher.search_with_collector(tree, collector)
        except TimeLimit:
            return collector.results(), True
        return collector.results(), False

    def _count(self, searcher, tree, allow=None):
        """``(total, estimated)``: exact up to ``exact_count`` matches, else an estimate.

        ``len(results)`` would walk every match a second time (a quarter of a common word's
        search at 50,000 pages). Matches come in document order, so the share of the index
        read to find the first ``exact_count`` of them gives the estimate; it is rounded to
        two significant figures so no one mistakes it for a count."""
        found, last = 0, -1
        for last in itertools.islice(_matching_docnums(searcher, tree, allow), self.exact_count + 1):
            found += 1
        if found <= self.exact_count:
            return found, False
        share = (last + 1) / max(1, searcher.doc_count_all())
        return max(found, _round_estimate(found / share)), True

    def count(self, session, query):
        if not query.must and not query.filters:
            return 0
        total, _estimated = self._count(self.searcher(), *self._plan(query))
        return total

    def suggest_word(self, session, word):
        searcher = self.searcher()
        for name in ("body", "title"):
            # prefix=1: only words with the same first letter (as the PostgreSQL backend does).
            # Without it every word in the index is compared: 1-2 s at 50,000 pages.
            found = searcher.corrector(name).suggest(word, limit=1, maxdist=2, prefix=1)
            if found and found[0] != word:
                return found[0]
        return None


def _matching_docnums(searcher, tree, allow=None):
    """The documents ``tree`` matches and ``allow`` (if given) also matches, in order.

    Not docs_for_query(): it reads both whole posting lists of an intersection into sets
    before yielding anything. Here a plain posting list is read block by block, anything else
    is stepped through, and the filters' documents are merged with the words' as both come."""
    context = searcher.boolean_context()
    for subsearcher, offset in searcher.leaf_searchers():
        matcher = tree.matcher(subsearcher, context).replace()  # drops words absent here
        if not matcher.is_active():
            continue
        docnums = _ids(matcher)
        if allow is not None:
            docnums = _both(docnums, _ids(allow.matcher(subsearcher, context).replace()))
        for docnum in docnums:
            yield offset + docnum


def _both(left, right):
    """Document numbers in both ascending sequences (a merge: both are read a block at a time)."""
    left, right = iter(left), iter(right)
    try:
        a, b = next(left), next(right)
        while True:
            if a == b:
                yield a
                a, b = next(left), next(right)
            elif a < b:
                a = next(left)
            else:
                b = next(right)
    except StopIteration:
        return


def _ids(matcher):
    """A matcher's document numbers in order. For a term's postings (behind the filter that
    hides deleted documents) a whole decoded block at a time: whoosh's own all_ids() steps
    through them one by one."""
    if isinstance(matcher, FilterMatcher) and matcher._exclude \
            and isinstance(matcher.child, W3LeafMatcher):
        deleted = matcher._ids
        yield from (docnum for docnum in _block_ids(matcher.child) if docnum not in deleted)
        return
    if isinstance(matcher, W3LeafMatcher):
        yield from _block_ids(matcher)
        return
    while matcher.is_active():
        yield matcher.id()
        matcher.next()


def _block_ids(leaf):
    while leaf.is_active():
        if leaf._ids is None:
            leaf._read_ids()
        yield from leaf._ids[leaf._i:]
        leaf._next_block()


def _round_estimate(number):
    """Two significant figures: 49,513 -> 50,000; 1,234 -> 1,200."""
    number = int(round(number))
    if number < 100:
        return number
    scale = 10 ** (int(math.log10(number)) - 1)
    return int(round(number / scale) * scale)


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
