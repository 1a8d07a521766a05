"""The interface every search backend serves, and the shapes it answers with."""
import fcntl
import os
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

# snippets mark highlighted words with these; the service escapes the rest and turns them into <mark>
MARK_START = "\x02"
MARK_END = "\x03"
# A backend may estimate a total above this many matches rather than count them all; it is at
# least as deep as results can be paged (services.MAX_RESULTS_DEPTH), so paging stays exact.
EXACT_COUNT = 1000
# a word in a page's title counts this many times as much as in its body, on every backend that
# weighs fields itself (Whoosh, tantivy; PostgreSQL ranks by its A/D weights)
TITLE_BOOST = 3.0


@dataclass
class Hit:
    page_id: int
    snippet: str = ""  # plain text with MARK_START/MARK_END around highlighted words


@dataclass
class Hits:
    hits: list = field(default_factory=list)
    total: int = 0
    partial: bool = False  # the backend stopped at its time limit
    estimated: bool = False  # ``total`` is an estimate (more than EXACT_COUNT matches)


class SearchBackend:
    """Implemented by WhooshBackend, TantivyBackend and PostgresBackend; the same behavioural
    tests run on each."""

    name = "base"
    # A local index (files of this machine: Whoosh, tantivy) is written outside the database's
    # transaction, between a read and a short write (see queue._drain_batch); an index in the
    # database (PostgreSQL) is written in the draining transaction.
    local_index = False

    def version(self):
        """A value that changes whenever the index's answers may change, cheap to read from any
        process; None when the backend cannot tell (the database's generation stands in)."""
        return None

    def index(self, session, documents, delete_ids=()):
        """Add or replace ``documents`` and remove ``delete_ids``, all or nothing. May raise."""
        raise NotImplementedError

    def after_index(self, session, documents):
        """A local index's own rows in the database for ``documents`` just indexed, written in
        the transaction that takes them off the queue (tantivy's did-you-mean words)."""

    def drain_lock(self):
        """Held by a drain of a local index from reading the pages to forgetting them, so the
        drains of several processes take turns (an index in the database has its transactions)."""
        if not self.local_index:
            return nullcontext()
        return file_lock(Path(self.directory) / ".drain-lock")

    def clear(self, session):
        """Remove every document (before a rebuild)."""
        raise NotImplementedError

    def rebuild(self, session, batches):
        """Replace the whole index with the documents from ``batches`` (lists of documents)."""
        self.clear(session)
        for documents in batches:
            self.index(session, documents)

    def stamps(self, session):
        """``{page_id: stamp}`` of every indexed document, for drift checks."""
        raise NotImplementedError

    def search(self, session, query, sort="relevance", offset=0, limit=20):
        """Run a parsed ``Query``; returns ``Hits`` for that slice and the total."""
        raise NotImplementedError

    def count(self, session, query):
        return self.search(session, query, limit=1).total

    def suggest_word(self, session, word):
        """A known, similar word for a misspelt one, or None."""
        raise NotImplementedError

    def size_bytes(self, session):
        """The index's size on disk (for the benchmark)."""
        return 0

    def close(self):
        """Release files and searchers."""


@contextmanager
def file_lock(path):
    """An exclusive lock on ``path`` (made if missing) for every thread and process that takes
    it here; waiting is in the kernel, woken as soon as the holder lets go."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # lets go of the lock
