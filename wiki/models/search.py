"""The durable queue of pages whose search document must be refreshed."""
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, UTCDateTime, utcnow


class SearchPending(Model):
    __tablename__ = "search_pending"

    # no foreign key: a deleted page's id must stay queued so its document is removed
    page_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class SearchDocument(Model):
    """One page as the PostgreSQL full-text backend sees it (unused with Whoosh)."""

    __tablename__ = "search_documents"
    __table_args__ = (Index("ix_search_documents_tsv", "tsv", postgresql_using="gin"),)

    page_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(220))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16), index=True)
    product: Mapped[str | None] = mapped_column(String(80), index=True)
    status: Mapped[str | None] = mapped_column(String(16), index=True)
    author: Mapped[str | None] = mapped_column(String(80), index=True)
    tags: Mapped[str] = mapped_column(Text, default="")  # " tag-one tag-two "
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    score: Mapped[int] = mapped_column(Integer, default=0)
    stamp: Mapped[str] = mapped_column(String(40))  # fingerprint of the indexed fields
    tsv: Mapped[str] = mapped_column(TSVECTOR().with_variant(Text(), "sqlite"))


class SearchWord(Model):
    """Words seen in indexed pages, for "did you mean" with the PostgreSQL backend."""

    __tablename__ = "search_words"

    word: Mapped[str] = mapped_column(String(40), primary_key=True)
