"""The durable queue of pages whose search document must be refreshed."""
from datetime import datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, UTCDateTime, utcnow


class SearchPending(Model):
    __tablename__ = "search_pending"

    # no foreign key: a deleted page's id must stay queued so its document is removed
    page_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
