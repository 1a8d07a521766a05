"""The rules of voting and rating, called directly: accounting, permissions, bad input, ranking."""
from datetime import UTC, datetime, timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from wiki.auth.services import ban, unban
from wiki.errors import ValidationError
from wiki.extensions import db
from wiki.models import Event, Page, Rating, Vote
from wiki.votes import accounting
from wiki.votes.ranking import hot_score, order_for, ranks, wilson_lower_bound
from wiki.votes.services import (
    cast_vote,
    my_votes,
    rate_product,
    rating_summary,
    vote_counts,
    withdraw_vote,
)


def counts(page):
    db.session.refresh(page)
    return page.votes_up, page.votes_down


def vote_rows(page):
    return db.session.scalar(select(func.count(Vote.id)).where(Vote.page_id == page.id))


def test_customer_votes_changes_and_withdraws(customer, make_proposal):
    page = make_proposal()
    assert cast_vote(customer, page, 1) is True
    assert counts(page) == (1, 0)
    assert cast_vote(customer, page, 1) is False  # repeating changes nothing
    assert counts(page) == (1, 0) and vote_rows(page) == 1
    assert cast_vote(customer, page, -1) is True
    assert counts(page) == (0, 1) and vote_rows(page) == 1
    assert withdraw_vote(customer, page) is True
    assert counts(page) == (0, 0) and vote_rows(page) == 0
    assert withdraw_vote(customer, page) is False
    assert accounting.counted_votes(page.id) == (0, 0)


def test_votes_from_several_users_add_up(make_user, make_page):
    review = make_page("Solid battery", kind="review")
    voters = [make_user(f"voter{i}") for i in range(4)]
    for voter, value in zip(voters, (1, 1, 1, -1)):
        cast_vote(voter, review, value)
    assert counts(review) == (3, 1)
    assert vote_counts(review) == {"up": 3, "down": 1, "score": 2}
    assert my_votes(voters[3], [review.id]) == {review.id: -1}


def test_each_vote_writes_a_private_event(customer, make_proposal):
    page = make_proposal()
    cast_vote(customer, page, 1)
    withdraw_vote(customer, page)
    kinds = db.session.execute(select(Event.kind, Event.public, Event.data)
                               .where(Event.kind.like("vote.%")).order_by(Event.id)).all()
    assert [(k, p) for k, p, _ in kinds] == [("vote.cast", False), ("vote.withdrawn", False)]
    assert kinds[1][2] == {"value": 0, "previous": 1}


@pytest.mark.parametrize("kind", ["proposal", "review", "recommendation"])
def test_votable_kinds(kind, customer, make_page):
    page = make_page(f"A {kind}", kind=kind)
    cast_vote(customer, page, 1)
    assert counts(page) == (1, 0)


def test_articles_take_no_votes(customer, make_page):
    article = make_page("How to pair a phone")
    with pytest.raises(ValidationError) as error:
        cast_vote(customer, article, 1)
    assert error.value.status_code == 400
    assert "article" in error.value.message
    assert vote_rows(article) == 0


def test_deleted_pages_take_no_votes(customer, make_proposal):
    page = make_proposal()
    page.deleted = True
    db.session.commit()
    with pytest.raises(ValidationError) as error:
        cast_vote(customer, page, 1)
    assert error.value.status_code == 404
    assert vote_rows(page) == 0


def test_anonymous_cannot_vote(make_proposal):
    page = make_proposal()
    with pytest.raises(ValidationError) as error:
        cast_vote(AnonymousUserMixin(), page, 1)
    assert error.value.status_code == 401
    assert counts(page) == (0, 0)


def test_banned_user_cannot_vote_or_rate(customer, moderator, make_proposal, product):
    page = make_proposal()
    ban(moderator, customer, "spam")
    for action in (lambda: cast_vote(customer, page, 1), lambda: withdraw_vote(customer, page),
                   lambda: rate_product(customer, product, 4)):
        with pytest.raises(ValidationError) as error:
            action()
        assert error.value.status_code == 403
    assert counts(page) == (0, 0) and product.rating_count == 0


@pytest.mark.parametrize("value", [0, 2, -2, True, False, "1", "-1", 1.0, None, [1], {"v": 1}])
def test_bad_vote_values_change_nothing(value, customer, make_proposal):
    page = make_proposal()
    cast_vote(customer, page, 1)
    with pytest.raises(ValidationError) as error:
        cast_vote(customer, page, value)
    assert error.value.status_code == 400
    assert counts(page) == (1, 0)
    assert db.session.scalar(select(Vote.value).where(Vote.page_id == page.id)) == 1


# -- bans ---------------------------------------------------------------------------------------

def test_ban_excludes_votes_and_unban_restores_them(customer, other_customer, moderator, make_proposal):
    first, second = make_proposal("Dark mode"), make_proposal("Offline maps")
    cast_vote(customer, first, 1)
    cast_vote(customer, second, -1)
    cast_vote(other_customer, first, 1)
    ban(moderator, customer, "vote ring")
    assert counts(first) == (1, 0) and counts(second) == (0, 0)
    assert vote_rows(first) == 2  # kept, just not counted
    unban(moderator, customer, "appeal accepted")
    assert counts(first) == (2, 0) and counts(second) == (0, 1)
    for page in (first, second):
        assert counts(page) == accounting.counted_votes(page.id)


def test_ban_recount_also_updates_the_ranks(customer, moderator, make_proposal):
    page = make_proposal()
    cast_vote(customer, page, 1)
    db.session.refresh(page)
    assert page.rank_top > 0
    ban(moderator, customer, "spam")
    db.session.refresh(page)
    assert page.rank_top == 0
    assert page.rank_hot == pytest.approx(hot_score(0, 0, page.created_at))


def test_vote_of_a_user_whose_ban_expired_unnoticed_is_kept_consistent(customer, make_proposal):
    """The ban flag is still set (not cleared yet by a log-in): the vote is stored but, like the
    recount, not counted, so the counters never drift."""
    page = make_proposal()
    customer.banned = True
    customer.banned_until = datetime.now(UTC) - timedelta(days=1)
    db.session.commit()
    assert cast_vote(customer, page, 1) is True
    assert vote_rows(page) == 1
    assert counts(page) == accounting.counted_votes(page.id) == (0, 0)


# -- ratings ------------------------------------------------------------------------------------

def test_rating_once_and_changeable(customer, other_customer, product):
    assert rate_product(customer, product, 5) is True
    assert rate_product(customer, product, 5) is False
    rate_product(other_customer, product, 2)
    rate_product(customer, product, 3)
    db.session.refresh(product)
    assert (product.rating_count, product.rating_sum) == (2, 5)
    assert db.session.scalar(select(func.count(Rating.id))) == 2
    summary = rating_summary(product)
    assert summary == {"average": 2.5, "count": 2,
                       "histogram": {"1": 0, "2": 1, "3": 1, "4": 0, "5": 0}}


def test_rating_summary_without_ratings(product):
    assert rating_summary(product) == {"average": None, "count": 0,
                                       "histogram": {str(n): 0 for n in range(1, 6)}}


@pytest.mark.parametrize("stars", [0, 6, -1, True, "5", 4.5, None])
def test_bad_stars_change_nothing(stars, customer, product):
    rate_product(customer, product, 4)
    with pytest.raises(ValidationError) as error:
        rate_product(customer, product, stars)
    assert error.value.status_code == 400
    db.session.refresh(product)
    assert (product.rating_count, product.rating_sum) == (1, 4)


def test_anonymous_cannot_rate(product):
    with pytest.raises(ValidationError) as error:
        rate_product(AnonymousUserMixin(), product, 3)
    assert error.value.status_code == 401


# -- ranking ------------------------------------------------------------------------------------

def test_wilson_lower_bound_prefers_many_votes_to_few():
    assert wilson_lower_bound(480, 20) > wilson_lower_bound(5, 0)
    assert wilson_lower_bound(0, 0) == 0
    assert wilson_lower_bound(0, 10) == pytest.approx(0, abs=1e-12)
    assert 0 < wilson_lower_bound(1, 0) < wilson_lower_bound(10, 0) < 1
    assert wilson_lower_bound(50, 50) < 0.5
    assert wilson_lower_bound(480, 20) == pytest.approx(0.9390, abs=1e-4)  # worked by hand


def test_hot_score_decays_with_age_and_grows_with_score():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    day_old = now - timedelta(days=1)
    assert hot_score(10, 0, now) > hot_score(10, 0, day_old)
    assert hot_score(100, 0, now) > hot_score(10, 0, now) > hot_score(0, 0, now) > hot_score(0, 10, now)
    # one order of magnitude of score is worth 12.5 hours
    assert hot_score(10, 0, now) == pytest.approx(hot_score(1, 0, now + timedelta(seconds=45000)))
    # naive datetimes are taken as UTC
    assert hot_score(3, 1, now.replace(tzinfo=None)) == pytest.approx(hot_score(3, 1, now))


def test_new_pages_start_with_a_hot_rank_from_their_age(make_proposal):
    page = make_proposal()
    assert page.rank_top == 0
    assert page.rank_hot == pytest.approx(hot_score(0, 0, page.created_at))


def test_ranks_follow_each_vote(customer, other_customer, make_proposal):
    page = make_proposal()
    cast_vote(customer, page, 1)
    cast_vote(other_customer, page, 1)
    db.session.refresh(page)
    assert page.rank_top == pytest.approx(wilson_lower_bound(2, 0))
    assert page.rank_hot == pytest.approx(hot_score(2, 0, page.created_at))


def test_order_for_top_puts_480_of_500_above_5_of_5(make_proposal):
    few, many = make_proposal("Few votes"), make_proposal("Many votes")
    make_proposal("Fresh")
    for page, (up, down) in ((few, (5, 0)), (many, (480, 20))):  # counters set by hand here
        page.votes_up, page.votes_down = up, down
        for key, value in ranks(up, down, page.created_at).items():
            setattr(page, key, value)
    db.session.commit()
    top = db.session.scalars(select(Page.title).where(Page.kind == "proposal").order_by(*order_for("top"))).all()
    assert top == ["Many votes", "Few votes", "Fresh"]
    new = db.session.scalars(select(Page.title).where(Page.kind == "proposal").order_by(*order_for("new"))).all()
    assert new[0] == "Fresh"
    assert [str(c) for c in order_for("nonsense")] == [str(c) for c in order_for("hot")]


def test_an_expired_ban_restores_the_votes_when_the_user_logs_in(app, make_user, moderator, make_proposal):
    from datetime import timedelta

    from wiki.auth.services import authenticate, ban
    from wiki.extensions import db
    from wiki.models import utcnow
    from wiki.votes.accounting import counted_votes
    from wiki.votes.services import cast_vote

    from .conftest import PASSWORD

    page = make_proposal("Expiring ban")
    voter = make_user("shortban")
    cast_vote(voter, page, 1)
    ban(moderator, voter, "cool off", until=utcnow() + timedelta(hours=1))
    db.session.refresh(page)
    assert (page.votes_up, counted_votes(page.id)) == (0, (0, 0))
    voter.banned_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert authenticate("shortban", PASSWORD).id == voter.id
    db.session.refresh(page)
    assert page.votes_up == 1 and counted_votes(page.id) == (1, 0)


def test_a_vote_on_a_page_deleted_after_it_was_read_is_refused(customer, make_proposal):
    """Views read the page before the vote's write transaction (not under the write lock), so
    the vote itself must see that the page still stands."""
    page = make_proposal()
    assert page.deleted is False
    with db.engine.begin() as other:  # deleted meanwhile, elsewhere: ``page`` is as it was read
        other.execute(Page.__table__.update().where(Page.__table__.c.id == page.id)
                      .values(deleted=True))
    with pytest.raises(ValidationError) as raised:
        cast_vote(customer, page, 1)
    assert raised.value.status_code == 404
    assert vote_rows(page) == 0 and counts(page) == (0, 0)
