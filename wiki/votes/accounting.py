"""Vote counts on a page, recomputed from the vote rows (banned users' votes do not count)."""
from sqlalchemy import case, func, select, update

from ..extensions import db
from ..models import Page, User, Vote


def counted_votes(page_id):
    """``(up, down)`` from the rows: the truth the denormalised counters must equal."""
    row = db.session.execute(
        select(func.coalesce(func.sum(case((Vote.value == 1, 1), else_=0)), 0),
               func.coalesce(func.sum(case((Vote.value == -1, 1), else_=0)), 0))
        .join(User, User.id == Vote.user_id)
        .where(Vote.page_id == page_id, User.banned.is_(False))).one()
    return int(row[0]), int(row[1])


def recount_page(page_id):
    """Set a page's counters from its rows, in the caller's transaction."""
    up, down = counted_votes(page_id)
    db.session.execute(update(Page).where(Page.id == page_id).values(votes_up=up, votes_down=down))
    return up, down
