"""What the index holds for a page: built from the database, never from a request.

Only pages that are not deleted are indexed, and only the text of their newest revision that is
not hidden, so hidden or deleted content can never be found or shown in a snippet.
"""
import hashlib
import re
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..models import Page, Revision, User

MAX_BODY_CHARS = 100_000
_MARKS = re.compile("[\x02\x03]")
_MARKDOWN_NOISE = re.compile(r"[#*_`>|\[\]]+|\(https?://[^)]*\)")


@dataclass
class Document:
    page_id: int
    slug: str
    title: str
    body: str
    kind: str
    product: str | None
    status: str | None
    author: str | None
    tags: list
    updated_at: datetime
    score: int

    @property
    def stamp(self):
        """A fingerprint of everything indexed, to find stale documents."""
        data = asdict(self)
        data["updated_at"] = self.updated_at.isoformat() if self.updated_at else ""
        raw = repr(sorted(data.items())).encode("utf-8")
        return hashlib.sha1(raw).hexdigest()


def plain_text(source):
    """Markdown source as plain, searchable text (highlight marks can never come from it)."""
    text = _MARKS.sub(" ", source or "")[:MAX_BODY_CHARS]
    return _MARKDOWN_NOISE.sub(" ", text)


def _visible_sources(session, page_ids):
    """page id → source of its newest revision that is not hidden."""
    newest = (select(Revision.page_id, func.max(Revision.number).label("number"))
              .where(Revision.page_id.in_(page_ids), Revision.hidden.is_(False))
              .group_by(Revision.page_id).subquery())
    rows = session.execute(
        select(Revision.page_id, Revision.source)
        .join(newest, (newest.c.page_id == Revision.page_id) & (newest.c.number == Revision.number)))
    return dict(rows.all())


def build_documents(session, page_ids):
    """``(documents, missing_ids)``: documents for indexable pages among ``page_ids``; the rest
    (deleted or gone) must be removed from the index."""
    page_ids = list(page_ids)
    if not page_ids:
        return [], []
    pages = session.scalars(
        select(Page).where(Page.id.in_(page_ids), Page.deleted.is_(False))
        .options(selectinload(Page.tags), selectinload(Page.proposal))).all()
    sources = _visible_sources(session, [p.id for p in pages])
    author_ids = {p.created_by_id for p in pages if p.created_by_id}
    authors = dict(session.execute(select(User.id, User.username).where(User.id.in_(author_ids))).all()) \
        if author_ids else {}
    documents = [
        Document(
            page_id=page.id, slug=page.slug, title=page.title,
            body=plain_text(sources.get(page.id, "")), kind=page.kind,
            product=page.product.slug if page.product else None,
            status=page.proposal.status if page.proposal else None,
            author=authors.get(page.created_by_id, "").casefold() or None,
            tags=[tag.name for tag in page.tags], updated_at=page.updated_at,
            score=(page.votes_up or 0) - (page.votes_down or 0))
        for page in pages
    ]
    found = {doc.page_id for doc in documents}
    return documents, [pid for pid in page_ids if pid not in found]


def indexable_ids(session):
    return set(session.scalars(select(Page.id).where(Page.deleted.is_(False))))
