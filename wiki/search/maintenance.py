"""Rebuild the index from the database, and find and repair drift (``flask search check``)."""
from dataclasses import dataclass, field

from sqlalchemy import delete

from ..database import begin_write
from ..extensions import db
from ..models import SearchPending, utcnow
from .backends import get_backend
from .documents import build_documents, indexable_ids
from .queue import drain

BATCH = 500


def _batches(ids, size=BATCH):
    ids = sorted(ids)
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def rebuild():
    """Index every visible page from scratch. Returns the number of documents."""
    backend = get_backend()
    started = utcnow()
    begin_write()
    session = db.session
    ids = indexable_ids(session)
    backend.rebuild(session, (build_documents(session, chunk)[0] for chunk in _batches(ids)))
    # whatever was queued before we started is now in the index
    session.execute(delete(SearchPending).where(SearchPending.queued_at <= started))
    session.commit()
    return len(ids)


@dataclass
class CheckReport:
    missing: list = field(default_factory=list)
    stale: list = field(default_factory=list)
    orphaned: list = field(default_factory=list)
    drained: int = 0
    still_queued: int = 0
    repaired: bool = False

    @property
    def clean(self):
        return not (self.missing or self.stale or self.orphaned)


def check(repair=True):
    """Drain the queue, then compare the index with the database and (by default) repair it."""
    report = CheckReport()
    report.drained, report.still_queued = drain()
    backend = get_backend()
    session = db.session
    begin_write()
    expected = indexable_ids(session)
    stamps = backend.stamps(session)
    report.missing = sorted(expected - set(stamps))
    report.orphaned = sorted(set(stamps) - expected)
    fresh = {}
    for chunk in _batches(expected & set(stamps)):
        documents, _gone = build_documents(session, chunk)
        for doc in documents:
            if stamps.get(doc.page_id) != doc.stamp:
                report.stale.append(doc.page_id)
                fresh[doc.page_id] = doc
    if repair and not report.clean:
        for chunk in _batches(report.missing):
            documents, _gone = build_documents(session, chunk)
            backend.index(session, documents)
        backend.index(session, [fresh[pid] for pid in report.stale], delete_ids=report.orphaned)
        report.repaired = True
    session.commit()
    return report
