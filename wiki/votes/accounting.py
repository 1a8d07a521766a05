"""Vote counts on a page, recomputed from the vote rows (banned users' votes do not count)."""
from sqlalchemy import case, func, select, update

from ..extensions import db
from ..models import Page, Product, Rating, User, Vote


def counted_votes(page_id):
    """``(up, down)`` from the rows: the truth the denormalised counters must equal."""
    row = db.session.execute(
        select(func.coalesce(func.sum(case((Vote.value == 1, 1), else_=0)), 0),
               func.coalesce(func.sum(case((Vote.value == -1, 1), else_=0)), 0))
        .join(User, User.id == Vote.user_id)
        .where(Vote.page_id == page_id, User.banned.is_(False))).one()
    return int(row[0]), int(row[1])


def recount_page(page_id):
    """Set a page's counters (and its ranks) from its rows, in the caller's transaction."""
    from .ranking import ranks

    # lock the page row first (PostgreSQL), so a vote committing meanwhile is either counted
    # here or adds itself to the recounted value afterwards
    created_at = db.session.scalar(select(Page.created_at).where(Page.id == page_id).with_for_update())
    up, down = counted_votes(page_id)
    values = {"votes_up": up, "votes_down": down}
    if created_at is not None:
        values.update(ranks(up, down, created_at))
    db.session.execute(update(Page).where(Page.id == page_id).values(**values))
    return up, down


def vote_drift():
    """Pages whose counters differ from their rows: ``[(page_id, slug, stored, counted)]`` with
    ``stored``/``counted`` as ``(up, down)``. One aggregate query over every page."""
    counted = (select(Vote.page_id.label("page_id"),
                      func.sum(case((Vote.value == 1, 1), else_=0)).label("up"),
                      func.sum(case((Vote.value == -1, 1), else_=0)).label("down"))
               .join(User, User.id == Vote.user_id).where(User.banned.is_(False))
               .group_by(Vote.page_id).subquery())
    up = func.coalesce(counted.c.up, 0)
    down = func.coalesce(counted.c.down, 0)
    rows = db.session.execute(
        select(Page.id, Page.slug, Page.votes_up, Page.votes_down, up, down)
        .outerjoin(counted, counted.c.page_id == Page.id)
        .where((Page.votes_up != up) | (Page.votes_down != down)).order_by(Page.id))
    return [(pid, slug, (su, sd), (int(cu), int(cd))) for pid, slug, su, sd, cu, cd in rows]


def rating_drift():
    """Products whose rating count or sum differ from their rows: ``[(id, slug, stored, counted)]``."""
    counted = (select(Rating.product_id.label("product_id"), func.count().label("n"),
                      func.sum(Rating.stars).label("total"))
               .group_by(Rating.product_id).subquery())
    n = func.coalesce(counted.c.n, 0)
    total = func.coalesce(counted.c.total, 0)
    rows = db.session.execute(
        select(Product.id, Product.slug, Product.rating_count, Product.rating_sum, n, total)
        .outerjoin(counted, counted.c.product_id == Product.id)
        .where((Product.rating_count != n) | (Product.rating_sum != total)).order_by(Product.id))
    return [(pid, slug, (sc, ss), (int(cn), int(ct))) for pid, slug, sc, ss, cn, ct in rows]


def recount_product(product_id):
    n, total = db.session.execute(select(func.count(), func.coalesce(func.sum(Rating.stars), 0))
                                  .where(Rating.product_id == product_id)).one()
    db.session.execute(update(Product).where(Product.id == product_id)
                       .values(rating_count=int(n), rating_sum=int(total)))
    return int(n), int(total)
