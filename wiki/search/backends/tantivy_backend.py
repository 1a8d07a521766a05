"""tantivy (a Rust search library, through its ``tantivy`` binding): the Whoosh backend's features
at a small part of its cost. On 10,000 generated pages (tests/bench/search_bench.py) a two-word
search through ``services.search`` (the query with its exact count, 20 snippets, the page rows)
took 6.8 ms at the median against 150 ms with Whoosh, and indexing them 7 s against 118 s. Of
those 6.8 ms about 0.3 are the query and 2 the snippets; the rest loads the pages' rows.

The index lives in its own folder, ``tantivy`` inside ``SEARCH_INDEX_DIR``: Whoosh only opens its
own files at the top of that folder and tantivy only its meta.json and segments inside this one,
so switching backends never lets one read the other's files.

Words are analysed as in Whoosh (lowercase, the shared stop words, English stemming), at indexing
and for the query's terms alike, with one difference: a word is a run of letters and digits, as
the query parser splits them, so "4.2.1" is indexed as 4, 2, 1 next to each other, which is the
phrase the parser makes of it (Whoosh indexes one word "4.2.1" and never finds it). tantivy's
pattern tokenizer, which could copy Whoosh's, analyses text three times as slowly. Queries are
built as objects from the parsed ``Query``, never as query-language text, so nothing typed is
syntax.

Writers: tantivy's IndexWriter takes a lock file and fails at once while another holds it (another
gunicorn worker draining the queue, ``flask search rebuild``). It is asked again until
``write_timeout`` has passed, then ``IndexBusy`` is raised and the queue keeps its rows. Every
writer is committed or rolled back and then waited for, which ends its merging threads and
releases the lock, before ``index()`` returns or raises.

Readers: one Index and one searcher per process, shared by its threads (a tantivy searcher
reads memory-mapped files: there is no file offset for threads to share, as there is in Whoosh).
Each search first reads the index's meta.json, which every commit rewrites atomically, and
reloads the searcher when it changed. A forked process opens its own; see ``_reset_after_fork``.
"""
import hashlib
import logging
import os
import re
import shutil
import threading
import time
import weakref
from contextlib import contextmanager
from functools import wraps
from pathlib import Path

from tantivy import Document, Index, Occur, Order, Query, SnippetGenerator

from ..query import FILTER_FIELDS
from . import words
from .base import MARK_END, MARK_START, TITLE_BOOST, Hit, Hits, SearchBackend
from .tantivy_schema import ANALYZER, SCHEMA, TEXT_FIELDS, analyse, analyzer
from .tantivy_schema import document as _document

log = logging.getLogger(__name__)
FOLDER = "tantivy"  # inside SEARCH_INDEX_DIR
# Writer memory. tantivy needs at least 15 MB per indexing thread; a queue drain indexes up to
# 200 pages, so one thread and 50 MB do. A rebuild uses both cores of a small machine.
UPDATE_HEAP, UPDATE_THREADS = 50_000_000, 1
REBUILD_HEAP, REBUILD_THREADS = 200_000_000, 2
RETRY_EVERY = 0.05  # seconds between attempts to take the writer's lock
SNIPPET_CHARS = 250  # bytes of the best-matching part of a body
SNIPPET_WINDOW = 700  # characters of a long body in which to look for it
SNIPPET_PREFIX_TERMS = 50  # words of the index a prefix (``batt*``) highlights at most
SORT_FIELDS = {"newest": "updated", "votes": "score"}
_OPSTAMP = re.compile(rb'"opstamp"\s*:\s*(\d+)')


class IndexBusy(TimeoutError):
    """Another writer held the index's lock for longer than the write timeout."""


class TantivyPanic(RuntimeError):
    """tantivy failed inside Rust. The binding raises those as a BaseException, which
    ``except Exception`` in the services and the queue would let through as a 500 or a dead
    drain thread; this one is an ordinary error."""


def _rust_errors(method):
    @wraps(method)
    def guarded(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except BaseException as error:
            if type(error).__name__ == "PanicException":
                raise TantivyPanic(str(error)) from error
            raise

    return guarded


# every backend in this process, so a forked child can forget its parent's objects at once
_instances = weakref.WeakSet()


def _after_fork_in_child():
    for backend in list(_instances):
        backend._reset_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class TantivyBackend(SearchBackend):
    name = "tantivy"
    local_index = True

    def __init__(self, directory, write_timeout=20.0):
        self.directory = Path(directory)
        self.write_timeout = write_timeout
        self._lock = threading.RLock()  # opening and reloading
        self._write_lock = threading.Lock()  # one writer per process: the others wait here
        self._pid = os.getpid()
        self._ix = None
        self._reader = None  # (meta.json's version, searcher)
        self._inherited = []  # a forked child's copies of its parent's objects: never dropped
        _instances.add(self)

    # -- opening -------------------------------------------------------------------------------

    def _reset_after_fork(self):
        """Called in a forked process (a gunicorn worker of a preloading master) before it does
        anything else. tantivy objects hold threads and memory maps of the parent, and the
        threads did not survive the fork: the child opens its own. It keeps the parent's copies
        unused rather than dropping them, since dropping one may wait for a thread that is gone.
        The locks are new too: a thread of the parent may have held one at the fork."""
        self._inherited.append((self._ix, self._reader))
        self._ix, self._reader = None, None
        self._lock, self._write_lock = threading.RLock(), threading.Lock()
        self._pid = os.getpid()

    def _index(self):
        if self._pid != os.getpid():  # forked by something that bypassed os.fork's hooks
            self._reset_after_fork()
        ix = self._ix
        if ix is None:
            with self._lock:
                if self._ix is None:
                    self._ix = self._open()
                ix = self._ix
        return ix

    def _open(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        try:
            ix = Index(SCHEMA, path=str(self.directory), reuse=True)
        except ValueError:
            # two processes creating the index at once: the second finds it made; open that
            time.sleep(RETRY_EVERY)
            ix = Index(SCHEMA, path=str(self.directory), reuse=True)
        # tokenizers are not stored with the index: every Index object must be told of ours
        ix.register_tokenizer(ANALYZER, analyzer())
        ix.config_reader(reload_policy="manual")  # reloaded by _searcher, not by a watcher thread
        return ix

    def _meta(self):
        """meta.json as it is now: rewritten (atomically) by every commit and merge."""
        try:
            return (self.directory / "meta.json").read_bytes()
        except FileNotFoundError:
            self._index()  # creates an empty index
            return (self.directory / "meta.json").read_bytes()

    @_rust_errors
    def version(self):
        """``"<opstamp>-<digest of meta.json>"``, read in ~50 µs. The opstamp grows with every
        commit; the digest covers the segments' random ids too, so an index removed and built
        again from scratch never repeats an earlier version (the search cache keys on it)."""
        meta = self._meta()
        found = _OPSTAMP.search(meta)
        opstamp = found.group(1).decode() if found else "0"
        return f"{opstamp}-{hashlib.blake2b(meta, digest_size=8).hexdigest()}"

    def _searcher(self):
        """This process's searcher, reloaded first if the index has changed since it was made."""
        ix = self._index()
        current = self.version()
        reader = self._reader
        if reader is None or reader[0] != current:
            with self._lock:
                reader = self._reader
                if reader is None or reader[0] != current:
                    ix.reload()
                    reader = self._reader = (current, ix.searcher())
        return reader[1]

    def close(self):
        with self._lock:
            self._ix, self._reader = None, None

    # -- writing -------------------------------------------------------------------------------

    def _writer(self, heap, threads, deadline):
        ix = self._index()
        while True:
            try:
                return ix.writer(heap_size=heap, num_threads=threads)
            except ValueError as error:
                if "LockBusy" not in str(error):
                    raise
                if time.monotonic() >= deadline:
                    raise IndexBusy(f"The search index at {self.directory} is still being written "
                                    f"by another process after {self.write_timeout:g} s.") from error
            time.sleep(RETRY_EVERY)

    @contextmanager
    def _writing(self, heap=UPDATE_HEAP, threads=UPDATE_THREADS):
        """A writer, committed when the block ends or rolled back if it raises; either way it is
        then waited for, which ends its threads and releases the lock for the next writer."""
        deadline = time.monotonic() + self.write_timeout
        if not self._write_lock.acquire(timeout=self.write_timeout):
            raise IndexBusy(f"Another thread kept the search index writer for {self.write_timeout:g} s.")
        try:
            writer = self._writer(heap, threads, deadline)
            try:
                yield writer
                writer.commit()
            except BaseException:
                try:
                    writer.rollback()
                except BaseException:
                    log.exception("Rolling back the search index writer failed.")
                raise
            finally:
                try:
                    writer.wait_merging_threads()
                except Exception:  # the commit (if any) stands; the lock is gone with the writer
                    log.exception("Waiting for the search index's merges failed.")
        finally:
            self._write_lock.release()

    @_rust_errors
    def index(self, session, documents, delete_ids=()):
        """Without a session (scripts, tests) the pages' words are not recorded for "did you
        mean"; otherwise they are written first, in the caller's transaction, so a failing
        commit of the index leaves them to the caller's rollback."""
        documents = list(documents)
        if not documents and not delete_ids:
            return
        if session is not None:
            words.remember(session, words.words_of(documents))
        with self._writing() as writer:
            for page_id in delete_ids:
                writer.delete_documents_by_term("page_id", int(page_id))
            for doc in documents:
                writer.delete_documents_by_term("page_id", int(doc.page_id))
                writer.add_document(_document(doc))

    def after_index(self, session, documents):
        """The queue indexes outside the database's transaction (``index(None, …)``), then
        records the pages' words here, in the transaction that takes them off the queue."""
        words.remember(session, words.words_of(documents))

    @_rust_errors
    def rebuild(self, session, batches):
        """One writer for everything, committed once: searches see the old index until then."""
        self._open_for_rebuild()
        if session is not None:
            words.forget_all(session)
        seen = set()
        with self._writing(REBUILD_HEAP, REBUILD_THREADS) as writer:
            writer.delete_all_documents()
            for documents in batches:
                documents = list(documents)
                if session is not None:
                    new = words.words_of(documents) - seen
                    words.remember(session, new)
                    seen |= new
                for doc in documents:
                    writer.add_document(_document(doc))

    def _open_for_rebuild(self):
        """An index this version cannot open (another tantivy's format, another schema) is
        removed, since a rebuild replaces all of it anyway; searches fail until then."""
        try:
            self._index()
        except Exception:
            log.warning("Removing the search index at %s, which cannot be opened, to rebuild it.",
                        self.directory, exc_info=True)
            with self._lock:
                self._ix, self._reader = None, None
                shutil.rmtree(self.directory, ignore_errors=True)
            self._index()

    @_rust_errors
    def clear(self, session):
        if session is not None:
            words.forget_all(session)
        with self._writing() as writer:
            writer.delete_all_documents()

    @_rust_errors
    def stamps(self, session):
        searcher = self._searcher()
        if not searcher.num_docs:
            return {}
        addresses = [address for _score, address in
                     searcher.search(Query.all_query(), limit=searcher.num_docs, count=False).hits]
        ids = searcher.fast_field_values("page_id", addresses)
        return {int(page_id): (searcher.doc(address).get_first("stamp") or b"").decode()
                for page_id, address in zip(ids, addresses)}

    def size_bytes(self, session):
        return sum(f.stat().st_size for f in self.directory.rglob("*") if f.is_file())

    # -- reading -------------------------------------------------------------------------------

    def _term_query(self, term):
        """One term of the query on the three text fields, or None when only stop words are
        left of it (the query then ignores it, as Whoosh's does)."""
        if term.kind == "prefix":
            # a one-word phrase prefix is a range of the index's words: constant score, as in
            # Whoosh; the prefix is not stemmed there either
            return _any([Query.phrase_prefix_query(SCHEMA, name, [term.words[0]])
                         for name in TEXT_FIELDS])
        tokens = analyse(" ".join(term.words))
        if not tokens:
            return None
        if term.kind == "phrase" and len(tokens) > 1:
            first = tokens[0][0]
            phrase = [(position - first, word) for position, word in tokens]
            return _any([_weighted(name, Query.phrase_query(SCHEMA, name, phrase))
                         for name in TEXT_FIELDS])
        word = tokens[0][1]
        return _any([_weighted(name, Query.term_query(SCHEMA, name, word)) for name in TEXT_FIELDS])

    def _build(self, query):
        """Every must clause (its alternatives joined by OR), no must-not term, and the field
        filters, which add nothing to the score. Without a positive term, every page."""
        parts = []
        for clause in query.must:
            alternatives = [q for q in map(self._term_query, clause) if q is not None]
            if alternatives:
                parts.append((Occur.Must, _any(alternatives)))
        if not parts:
            parts.append((Occur.Must, Query.all_query()))
        for clause in query.must_not:
            parts += [(Occur.MustNot, q) for q in map(self._term_query, clause) if q is not None]
        filters = [_any([Query.term_query(SCHEMA, name, value) for value in values])
                   for name, values in query.filters.items() if name in FILTER_FIELDS and values]
        if filters:
            allowed = filters[0] if len(filters) == 1 else \
                Query.boolean_query([(Occur.Must, f) for f in filters])
            parts.append((Occur.Must, Query.const_score_query(allowed, 0.0)))
        return Query.boolean_query(parts)

    @_rust_errors
    def search(self, session, query, sort="relevance", offset=0, limit=20):
        if not query.must and not query.filters:
            return Hits()
        searcher = self._searcher()
        kwargs = {}
        if sort in SORT_FIELDS:
            kwargs = {"order_by_field": SORT_FIELDS[sort], "order": Order.Desc}
        found = searcher.search(self._build(query), limit=max(1, limit), offset=max(0, offset),
                                count=True, **kwargs)
        addresses = [address for _score, address in found.hits]
        return Hits(self._hits(searcher, query, addresses), found.count)

    @_rust_errors
    def count(self, session, query):
        if not query.must and not query.filters:
            return 0
        return self._searcher().search(self._build(query), limit=1, count=True).count

    def _hits(self, searcher, query, addresses):
        if not addresses:
            return []
        ids = searcher.fast_field_values("page_id", addresses)
        highlight = self._snippets(searcher, query)
        hits = []
        for page_id, address in zip(ids, addresses):
            doc = searcher.doc(address)
            hits.append(Hit(int(page_id), highlight(doc, doc.get_first("body") or "")))
        return hits

    def _snippets(self, searcher, query):
        """A function of a hit's document and body giving its snippet: tantivy's highlighter on
        the words the query's terms match in the body, with marks around them."""
        stems, typed = [], []
        for term in query.terms:
            if term.kind == "prefix":
                found = searcher.terms_with_prefix("body", term.words[0], limit=SNIPPET_PREFIX_TERMS)
                stems += [word for word, _count in found]
            else:
                stems += [word for _position, word in analyse(" ".join(term.words))]
            typed += term.words
        if not stems:
            return lambda doc, body: body[:200]
        stems = list(dict.fromkeys(stems))
        generator = SnippetGenerator.create(
            searcher, _any([Query.term_query(SCHEMA, "body", stem) for stem in stems]), SCHEMA, "body")
        generator.set_max_num_chars(SNIPPET_CHARS)
        clues = tuple(dict.fromkeys(stems + typed))

        def highlight(doc, body):
            window = _window(body, clues)
            found = generator.snippet_from_doc(doc if window is body else Document(body=window))
            if not found.highlighted() and window is not body:  # the clue was inside another word
                found = generator.snippet_from_doc(doc)
            marks = found.highlighted()
            return _marked(found.fragment(), marks) if marks else body[:200]

        return highlight

    def suggest_word(self, session, word):
        return words.suggest(session, word)


def _window(body, clues, size=SNIPPET_WINDOW):
    """The part of a long ``body`` from a little before the first of ``clues`` (stems and typed
    words, as text): tantivy's highlighter analyses all the text it is given, ~0.1 ms a
    kilobyte, and a page may have a hundred. ``body`` itself when it is short."""
    if len(body) <= size:
        return body
    lower = body.lower()
    found = [at for at in (lower.find(clue) for clue in clues) if at >= 0]
    start = max(0, min(found) - 100) if found else 0
    return body[start:start + size]


def _marked(fragment, ranges):
    """The fragment with MARK_START/MARK_END around each range (byte offsets into it)."""
    raw = fragment.encode("utf-8")
    parts, at = [], 0
    for span in ranges:
        parts += [raw[at:span.start], MARK_START.encode(), raw[span.start:span.end], MARK_END.encode()]
        at = span.end
    parts.append(raw[at:])
    return b"".join(parts).decode("utf-8", "replace")


def _any(queries):
    return queries[0] if len(queries) == 1 else \
        Query.boolean_query([(Occur.Should, q) for q in queries])


def _weighted(name, query):
    return Query.boost_query(query, TITLE_BOOST) if name == "title" else query
