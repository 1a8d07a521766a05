"""Pages, their revisions, tags, links and talk comments."""
from datetime import datetime

from sqlalchemy import (Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, UTCDateTime, utcnow

KINDS = ("article", "review", "recommendation", "proposal")
PRODUCT_KINDS = ("review", "recommendation", "proposal")

page_tags = Table(
    "page_tags",
    Model.metadata,
    Column("page_id", ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class HideableMixin:
    """Moderation hides, it does not destroy."""

    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(String(500))


def _initial_hot(context):
    """A new page's "hot" rank: no votes yet, so only its age counts (see wiki.votes.ranking)."""
    from ..votes.ranking import hot_score

    params = context.get_current_parameters() if context is not None else {}
    created = params.get("created_at") or utcnow()
    return hot_score(0, 0, created)


class Tag(Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


class Page(Model):
    __tablename__ = "pages"
    __table_args__ = (
        Index("ix_pages_kind_updated", "kind", "updated_at"),
        Index("ix_pages_product_kind", "product_id", "kind"),
        # list sorts (performance): the proposals board by top/hot/new, product hubs by new/updated
        Index("ix_pages_kind_rank_top", "kind", "rank_top"),
        Index("ix_pages_kind_rank_hot", "kind", "rank_hot"),
        Index("ix_pages_kind_created", "kind", "created_at"),
        Index("ix_pages_product_kind_created", "product_id", "kind", "created_at"),
        Index("ix_pages_product_kind_updated", "product_id", "kind", "updated_at"),
        # pages per product (popular products, the product list) from the index alone
        Index("ix_pages_product_deleted", "product_id", "deleted"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(220), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # the revision shown to readers; kept by the pages service, never set elsewhere. No foreign
    # key: pages and revisions would point at each other, and revisions are never deleted.
    current_revision_id: Mapped[int | None] = mapped_column(Integer)
    revision_count: Mapped[int] = mapped_column(Integer, default=0)
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    # not indexed on its own: nearly every page is live, so an index on it narrows nothing, and
    # without statistics SQLite would still pick it over a selective one (what links here)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # denormalised vote counts, changed only with database-side arithmetic in the votes service
    votes_up: Mapped[int] = mapped_column(Integer, default=0)
    votes_down: Mapped[int] = mapped_column(Integer, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    # ranking, kept with the counts in the same transaction (wiki.votes.ranking): lower bound of
    # the Wilson score interval ("top") and a time-invariant "hot" score; indexed only with the
    # kind (above), as every list sorted by rank is one kind's: each index is written by each vote
    rank_top: Mapped[float] = mapped_column(Float, default=0.0)
    rank_hot: Mapped[float] = mapped_column(Float, default=_initial_hot)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product = relationship("Product", lazy="joined")
    created_by = relationship("User", foreign_keys=[created_by_id])
    current_revision = relationship(
        "Revision", primaryjoin="foreign(Page.current_revision_id) == remote(Revision.id)",
        post_update=True)
    tags = relationship(Tag, secondary=page_tags, order_by=Tag.name, backref="pages")
    proposal = relationship("ProposalState", uselist=False, back_populates="page",
                            foreign_keys="ProposalState.page_id")

    @property
    def score(self):
        return self.votes_up - self.votes_down

    def __repr__(self):
        return f"<Page {self.slug}>"


class Revision(Model, HideableMixin):
    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("page_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    source: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)  # rendered once, at save time
    summary: Mapped[str] = mapped_column(String(300), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)  # bytes of source
    size_delta: Mapped[int] = mapped_column(Integer, default=0)
    reverted_to: Mapped[int | None] = mapped_column(Integer)  # number restored by a revert
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    page = relationship(Page, foreign_keys=[page_id], backref="revisions")
    author = relationship("User", foreign_keys=[author_id])


class Link(Model):
    """One wiki link from a page's current revision to a slug (which may not exist yet)."""

    __tablename__ = "links"

    from_page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True)
    to_slug: Mapped[str] = mapped_column(String(220), primary_key=True, index=True)


class Comment(Model, HideableMixin):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_page_created", "page_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    source: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    page = relationship(Page)
    author = relationship("User", foreign_keys=[author_id])
    parent = relationship("Comment", remote_side=[id], backref="replies")
