"""The demo's share of moderation: a couple of open flags on whatever pages exist."""
from sqlalchemy import select

from ..extensions import db
from ..models import Comment, Page


def demo_flags(users):
    from ..errors import ValidationError
    from .services import flag as _flag

    def flag(*args):
        try:
            _flag(*args)
        except ValidationError:  # flagged already (the demo loaded twice)
            db.session.rollback()

    pages = db.session.scalars(select(Page).where(Page.deleted.is_(False)).order_by(Page.id).limit(2)).all()
    reporters = [users[name] for name in ("carol", "dave") if name in users]
    if not pages or not reporters:
        return
    flag(reporters[0], "page", pages[0].id, "off_topic", "This reads like an advert, not a review.")
    if len(pages) > 1:
        flag(reporters[-1], "revision", pages[1].current_revision_id, "spam",
             "The last edit added a link to a shop.")
    comment = db.session.scalar(select(Comment).order_by(Comment.id).limit(1))
    if comment is not None:
        flag(reporters[0], "comment", comment.id, "abuse", "Rude to the author.")
