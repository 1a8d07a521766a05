"""The append-only activity stream, watches and notifications read from it."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, UTCDateTime, utcnow


class Event(Model):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_page_created", "page_id", "created_at"),
        Index("ix_events_product_created", "product_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # page.created, page.edited, page.reverted, page.deleted, page.restored, comment.created,
    # proposal.status, proposal.merged, proposal.unmerged, proposal.response, moderation.*, …
    kind: Mapped[str] = mapped_column(String(40), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    page_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id", ondelete="SET NULL"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    # internal events (moderation, internal notes) never reach public feeds
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor = relationship("User", foreign_keys=[actor_id])
    page = relationship("Page")
    product = relationship("Product")
    revision = relationship("Revision")
    comment = relationship("Comment")
    target_user = relationship("User", foreign_keys=[target_user_id])


class Watch(Model):
    __tablename__ = "watches"
    __table_args__ = (
        UniqueConstraint("user_id", "target_type", "target_key"),
        Index("ix_watches_target", "target_type", "target_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    target_type: Mapped[str] = mapped_column(String(16))  # page | product | tag | status
    target_key: Mapped[str] = mapped_column(String(220))  # page id, product id, tag name, status
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(Model):
    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "event_id"),
        Index("ix_notifications_user_read", "user_id", "read_at"),
        Index("ix_notifications_user_created", "user_id", "created_at"),  # newest first
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(40), default="watch")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event = relationship(Event)
