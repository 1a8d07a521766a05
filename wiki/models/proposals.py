"""Proposal workflow state, its history, internal notes and merge records."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, UTCDateTime, utcnow

STATUSES = ("new", "under_review", "planned", "in_progress", "shipped", "declined", "duplicate")
OPEN_STATUSES = ("new", "under_review", "planned", "in_progress")
IMPACTS = ("low", "medium", "high", "very_high")


class ProposalState(Model):
    __tablename__ = "proposal_states"
    __table_args__ = (Index("ix_proposal_states_status_changed", "status", "status_changed_at"),)

    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="new")
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    impact: Mapped[str | None] = mapped_column(String(16))
    response_source: Mapped[str | None] = mapped_column(Text)
    response_html: Mapped[str | None] = mapped_column(Text)
    response_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id", ondelete="SET NULL"), index=True)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    page = relationship("Page", foreign_keys=[page_id], back_populates="proposal")
    assignee = relationship("User", foreign_keys=[assignee_id])
    response_by = relationship("User", foreign_keys=[response_by_id])
    duplicate_of = relationship("Page", foreign_keys=[duplicate_of_id])


class StatusChange(Model):
    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User")


class InternalNote(Model):
    """Private to the innovation team and admins."""

    __tablename__ = "internal_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User")


class Merge(Model):
    """A duplicate merged into a target: what moved, so it can be undone exactly."""

    __tablename__ = "merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    target_page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    previous_status: Mapped[str] = mapped_column(String(16))
    # the source's votes as they were: [{"user_id":…, "value":…, "created_at":…}]
    source_votes: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
