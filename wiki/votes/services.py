"""The rules for votes on pages and star ratings of products.

  cast_vote(actor, page, value)      value 1 or -1; repeating the same vote changes nothing
  withdraw_vote(actor, page)
  vote_and_state(actor, page, value)  either of the two, answering the API's vote state
  rate_product(actor, product, stars)  1..5, once per user, changeable

Each runs in one write transaction and commits once: the vote row (unique per user and page) and
the page's counters and ranks change together, the counters with database-side arithmetic
(``votes_up = votes_up + 1``), so they always equal the rows (``accounting.counted_votes``). A
racing insert of the same vote (IntegrityError) or a busy SQLite database is retried.
"""
from flask_login import current_user
from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from .. import events, permissions
from ..database import begin_write
from ..errors import Conflict, ValidationError
from ..extensions import db
from ..models import Page, Product, Rating, User, Vote, utcnow
from ..pages.serialize import counts as counts_json
from ..pages.serialize import vote_counts  # noqa: F401  (part of this module's interface)
from ..rawsql import Statement
from . import accounting
from .ranking import ranks

VOTABLE_KINDS = ("proposal", "review", "recommendation")
MAX_ATTEMPTS = 10
_pages = Page.__table__
_products = Product.__table__
_users = User.__table__
_votes = Vote.__table__


# -- checks -------------------------------------------------------------------------------------

def check_member(actor, doing="vote"):
    if actor is None or not actor.is_authenticated:
        raise ValidationError({"_": f"Log in to {doing}."}, status_code=401)
    if not permissions.is_member(actor):
        raise ValidationError({"_": f"A banned account cannot {doing}."}, status_code=403)


def check_vote_value(value):
    """1 or -1, as an integer (not a boolean, string or float)."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in (1, -1):
        raise ValidationError({"value": "A vote is 1 (up) or -1 (down)."})
    return value


def check_votable(page):
    if page is None or page.deleted:
        raise ValidationError({"_": "There is no such page."}, status_code=404)
    if page.kind not in VOTABLE_KINDS:
        raise ValidationError({"_": "Only proposals, reviews and recommendations take votes; "
                                    f"this page is an {page.kind}."})


def check_stars(stars):
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise ValidationError({"stars": "A rating is a whole number of stars from 1 to 5."})
    return stars


def is_votable(page):
    return page is not None and not page.deleted and page.kind in VOTABLE_KINDS


# -- transactions -------------------------------------------------------------------------------

def _is_retryable(error):
    orig = getattr(error, "orig", None)
    if "database is locked" in str(orig) or "database table is locked" in str(orig):
        return True
    return getattr(orig, "sqlstate", None) in ("40001", "40P01")  # serialization, deadlock


def _in_write_transaction(work):
    """Run ``work()`` and commit; retry it from the start after a racing insert of the same row
    or a busy database. ``work`` must re-read everything it decides on."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        begin_write()
        try:
            result = work()
            db.session.commit()
            return result
        except IntegrityError as error:
            db.session.rollback()
            if attempt == MAX_ATTEMPTS:
                raise Conflict({"_": "Someone else changed this at the same moment; try again."}) from error
        except OperationalError as error:
            db.session.rollback()
            if attempt == MAX_ATTEMPTS or not _is_retryable(error):
                raise
        except Exception:
            db.session.rollback()  # nothing half-done stays in the session
            raise
    raise AssertionError("unreachable")


# -- votes --------------------------------------------------------------------------------------

def cast_vote(actor, page, value):
    """Vote ``value`` (1 or -1) on ``page``. Returns True when something changed."""
    check_member(actor)
    value = check_vote_value(value)
    check_votable(page)
    return _in_write_transaction(lambda: _set_vote(actor, page, value)[0])


def vote_and_state(actor, page, value):
    """Vote ``value`` (1 or -1; ``None`` withdraws) and return what the API answers, as of the
    same transaction: read afterwards, it would wait for SQLite's write lock a second time. The
    counts come back from the counter update itself, so nothing more is read under the lock."""
    check_member(actor)
    value = 0 if value is None else check_vote_value(value)
    check_votable(page)

    def work():
        _changed, counts = _set_vote(actor, page, value)
        if counts is None:  # nothing counted changed: the counts as they stand
            counts = _COUNTS.first({"page_id": page.id})
        return {"votes": counts_json(*counts), "my_vote": value}

    return _in_write_transaction(work)


def withdraw_vote(actor, page):
    """Take back the actor's vote on ``page`` (nothing happens when there is none)."""
    check_member(actor)
    check_votable(page)
    return _in_write_transaction(lambda: _set_vote(actor, page, 0)[0])


def _set_vote(actor, page, new):
    """The vote's change, under the write lock: ``(changed, (up, down) or None)``, the page's new
    counts when they changed. ``page`` is a Page or a row of its values (``rowload.row``). The
    statements are built once (below) and run on the driver's cursor (``rawsql``), as this runs
    while every other writer waits."""
    ids = {"user_id": actor.id, "page_id": page.id}
    # The page was read before this transaction (so the write lock is not held while it loads):
    # see here that it still stands. Lock the voter's row for share: a ban committing meanwhile
    # waits for this vote (and then recounts it away), or this vote sees the ban. Banned users'
    # votes are kept, not counted.
    guard = _GUARD.first(ids)
    if guard.deleted is not False:  # NULL: the page is gone
        raise ValidationError({"_": "There is no such page."}, status_code=404)
    counted = not guard.banned
    row = _MY_VOTE_ROW.first(ids)
    old = row.value if row else 0
    if old == new:
        return False, None
    now = utcnow()
    if row is None:
        _INSERT_VOTE.run({**ids, "value": new, "now": now})
    elif new == 0:
        _DELETE_VOTE.run({"vote_id": row.id})
    else:
        _UPDATE_VOTE.run({"vote_id": row.id, "value": new, "now": now})
    counts = None
    if counted:
        counts = _add_to_counts(page.id, up=int(new == 1) - int(old == 1),
                                down=int(new == -1) - int(old == -1))
        if isinstance(page, Page) and page in db.session:  # not a row's values (the API's)
            db.session.expire(page, ["votes_up", "votes_down", "rank_top", "rank_hot"])
    kind = "vote.withdrawn" if new == 0 else "vote.cast"
    events.record(kind, actor, page=page, data={"value": new, "previous": old}, public=False)
    return True, counts


def _add_to_counts(page_id, up, down):
    """``votes_up = votes_up + up`` in the database, then the ranks from the new counts.
    Returns the new ``(votes_up, votes_down)``."""
    new_up, new_down, created_at = _ADD_TO_COUNTS.first({"page_id": page_id, "up": up, "down": down})
    _SET_RANKS.run({"page_id": page_id, **ranks(new_up, new_down, created_at)})
    return new_up, new_down


_GUARD = Statement(
    select(_users.c.banned,
           select(_pages.c.deleted).where(_pages.c.id == bindparam("page_id")).scalar_subquery()
           .label("deleted"))
    .where(_users.c.id == bindparam("user_id"))
    .with_for_update(read=True, of=_users))
_MY_VOTE_ROW = Statement(
    select(_votes.c.id, _votes.c.value)
    .where(_votes.c.user_id == bindparam("user_id"), _votes.c.page_id == bindparam("page_id"))
    .with_for_update())
_INSERT_VOTE = Statement(insert(_votes).values(
    user_id=bindparam("user_id"), page_id=bindparam("page_id"), value=bindparam("value"),
    created_at=bindparam("now"), updated_at=bindparam("now"), merged_from_page_id=None))
_DELETE_VOTE = Statement(delete(_votes).where(_votes.c.id == bindparam("vote_id")))
_UPDATE_VOTE = Statement(update(_votes).where(_votes.c.id == bindparam("vote_id"))
                         .values(value=bindparam("value"), updated_at=bindparam("now")))
_ADD_TO_COUNTS = Statement(
    update(_pages).where(_pages.c.id == bindparam("page_id"))
    .values(votes_up=_pages.c.votes_up + bindparam("up"),
            votes_down=_pages.c.votes_down + bindparam("down"))
    .returning(_pages.c.votes_up, _pages.c.votes_down, _pages.c.created_at))
_SET_RANKS = Statement(update(_pages).where(_pages.c.id == bindparam("page_id"))
                       .values(rank_top=bindparam("rank_top"), rank_hot=bindparam("rank_hot")))
_COUNTS = Statement(select(_pages.c.votes_up, _pages.c.votes_down)
                    .where(_pages.c.id == bindparam("page_id")))
# a personal fact (wiki.personal asks it with the page's others), so a plain select
_MY_VOTE = select(Vote.value).where(Vote.user_id == bindparam("user_id"),
                                    Vote.page_id == bindparam("page_id"))


def my_vote_fact(id, **_):
    """The vote widget's fact ``my_vote``: the signed-in reader's vote on page ``id`` (NULL:
    none), asked with the page's other personal facts (``wiki.personal``)."""
    return _MY_VOTE, {"user_id": current_user.id, "page_id": id}


def my_votes(user, page_ids):
    """``{page_id: value}`` for the user's votes on these pages, in one query."""
    page_ids = list(page_ids)
    if user is None or not user.is_authenticated or not page_ids:
        return {}
    rows = db.session.execute(select(Vote.page_id, Vote.value)
                              .where(Vote.user_id == user.id, Vote.page_id.in_(page_ids)))
    return {page_id: value for page_id, value in rows}


# -- bans ---------------------------------------------------------------------------------------

def recount_user_votes(user_id):
    """Recount every page the user voted on (in page order, so concurrent recounts queue)."""
    page_ids = sorted(set(db.session.scalars(select(Vote.page_id).where(Vote.user_id == user_id))))
    for page_id in page_ids:
        accounting.recount_page(page_id)
    return page_ids


def on_event(event):
    """A ban stops a user's votes counting, an unban restores them: recount in the same
    transaction as the ban."""
    if event.kind in ("moderation.ban", "moderation.unban") and event.target_user is not None:
        db.session.flush()
        recount_user_votes(event.target_user.id)


# -- ratings ------------------------------------------------------------------------------------

def rate_product(actor, product, stars):
    """Rate ``product`` 1..5 stars; rating again changes the rating. True when something changed."""
    check_member(actor, "rate products")
    stars = check_stars(stars)
    if product is None:
        raise ValidationError({"_": "There is no such product."}, status_code=404)
    return _in_write_transaction(lambda: _set_rating(actor, product, stars))


def _set_rating(actor, product, stars):
    user_id, product_id = actor.id, product.id
    row = db.session.execute(
        select(Rating.id, Rating.stars).where(Rating.user_id == user_id, Rating.product_id == product_id)
        .with_for_update()).first()
    old = row.stars if row else 0
    if old == stars:
        return False
    now = utcnow()
    if row is None:
        db.session.execute(insert(Rating).values(user_id=user_id, product_id=product_id, stars=stars,
                                                 created_at=now, updated_at=now))
        change = {"rating_count": _products.c.rating_count + 1,
                  "rating_sum": _products.c.rating_sum + stars}
    else:
        db.session.execute(update(Rating).where(Rating.id == row.id).values(stars=stars, updated_at=now))
        change = {"rating_sum": _products.c.rating_sum + (stars - old)}
    db.session.execute(update(_products).where(_products.c.id == product_id).values(**change))
    if product in db.session:
        db.session.expire(product, ["rating_count", "rating_sum"])
    events.record("product.rated", actor, product=product, data={"stars": stars, "previous": old},
                  public=False)
    return True


def rating_summary(product):
    """``{"average", "count", "histogram": {"1": n, …, "5": n}}`` (average None without ratings)."""
    rows = db.session.execute(select(Rating.stars, func.count()).where(Rating.product_id == product.id)
                              .group_by(Rating.stars))
    histogram = {str(stars): 0 for stars in range(1, 6)}
    for stars, count in rows:
        histogram[str(stars)] = count
    average = product.rating_average
    return {"average": round(average, 2) if average is not None else None,
            "count": product.rating_count, "histogram": histogram}


def my_stars(user, product):
    if user is None or not user.is_authenticated:
        return 0
    return db.session.scalar(select(Rating.stars).where(Rating.user_id == user.id,
                                                        Rating.product_id == product.id)) or 0


def rating_state(user, product):
    return {"rating": rating_summary(product), "my_stars": my_stars(user, product)}

