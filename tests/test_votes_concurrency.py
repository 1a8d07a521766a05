"""Vote accounting under concurrency and over random histories, and ``flask votes check``."""
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update

from wiki.extensions import db
from wiki.models import Page, User, Vote
from wiki.votes import accounting
from wiki.votes.services import cast_vote, withdraw_vote


@pytest.fixture
def quick_users(app):
    """``quick_users(n)``: n customers made without hashing a password each (fast)."""

    def _make(n, prefix="crowd"):
        users = [User(username=f"{prefix}{i}", username_key=f"{prefix}{i}", password_hash="!",
                      role="customer") for i in range(n)]
        db.session.add_all(users)
        db.session.commit()
        return [user.id for user in users]

    return _make


def run_in_threads(app, jobs):
    """Run each ``job()`` in its own thread and app context, all released at once."""
    barrier = threading.Barrier(len(jobs))
    errors = []

    def worker(job):
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                job()
        except Exception as error:  # noqa: BLE001 -- reported to the test below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def vote_job(user_id, page_id, value):
    def job():
        user = db.session.get(User, user_id)
        page = db.session.get(Page, page_id)
        if value == 0:
            withdraw_vote(user, page)
        else:
            cast_vote(user, page, value)

    return job


def stored(page_id):
    db.session.rollback()  # end any read transaction: see what the threads committed
    page = db.session.get(Page, page_id)
    return page.votes_up, page.votes_down


def test_fifty_users_voting_at_once_count_exactly_fifty(app, quick_users, make_proposal):
    page_id = make_proposal().id
    user_ids = quick_users(50)
    run_in_threads(app, [vote_job(uid, page_id, 1) for uid in user_ids])
    assert stored(page_id) == (50, 0)
    assert accounting.counted_votes(page_id) == (50, 0)
    assert db.session.scalar(select(func.count(Vote.id)).where(Vote.page_id == page_id)) == 50


def test_one_users_concurrent_duplicate_votes_end_as_one(app, quick_users, make_proposal):
    page_id = make_proposal().id
    (user_id,) = quick_users(1)
    run_in_threads(app, [vote_job(user_id, page_id, 1) for _ in range(12)])
    assert stored(page_id) == (1, 0)
    assert db.session.scalar(select(func.count(Vote.id)).where(Vote.page_id == page_id)) == 1


def test_concurrent_changes_and_withdrawals_match_the_rows(app, quick_users, make_proposal):
    page_id = make_proposal().id
    user_ids = quick_users(6)
    jobs = [vote_job(uid, page_id, value) for uid in user_ids for value in (1, -1, 0, 1)]
    run_in_threads(app, jobs)
    assert stored(page_id) == accounting.counted_votes(page_id)


def test_votes_check_command(runner, customer, make_proposal):
    page = make_proposal()
    cast_vote(customer, page, 1)
    result = runner.invoke(args=["votes", "check"])
    assert result.exit_code == 0, result.output
    assert "No drift" in result.output
    db.session.execute(update(Page).where(Page.id == page.id).values(votes_up=7, votes_down=2))
    db.session.commit()
    result = runner.invoke(args=["votes", "check"])
    assert result.exit_code == 1
    assert f"page {page.slug}: stored +7/-2, rows say +1/-0" in result.output
    result = runner.invoke(args=["votes", "check", "--fix"])
    assert result.exit_code == 0 and "Repaired 1 page(s)" in result.output
    assert stored(page.id) == (1, 0)
    assert runner.invoke(args=["votes", "check"]).exit_code == 0


def test_votes_check_reports_rating_drift(runner, customer, product):
    from wiki.votes.services import rate_product

    rate_product(customer, product, 4)
    product.rating_sum = 9
    db.session.commit()
    result = runner.invoke(args=["votes", "check"])
    assert result.exit_code == 1 and f"product {product.slug}" in result.output
    assert runner.invoke(args=["votes", "check", "--fix"]).exit_code == 0
    db.session.refresh(product)
    assert (product.rating_count, product.rating_sum) == (1, 4)


# -- random histories ---------------------------------------------------------------------------

OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["vote", "withdraw", "ban", "unban"]),
              st.integers(0, 2), st.integers(0, 1), st.sampled_from([1, -1])),
    max_size=25)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operations=OPERATIONS)
def test_random_histories_keep_counts_equal_to_the_rows(operations, app, quick_users, moderator,
                                                        make_proposal):
    from wiki.auth.services import ban, unban

    if not hasattr(app, "_history_fixture"):
        app._history_fixture = (quick_users(3, "hist"), [make_proposal("History one").id,
                                                         make_proposal("History two").id])
    user_ids, page_ids = app._history_fixture
    db.session.execute(delete(Vote))
    db.session.execute(update(User).values(banned=False))
    db.session.execute(update(Page).values(votes_up=0, votes_down=0))
    db.session.commit()
    for action, who, which, value in operations:
        user = db.session.get(User, user_ids[who])
        page = db.session.get(Page, page_ids[which])
        if action == "vote" and not user.banned:
            cast_vote(user, page, value)
        elif action == "withdraw" and not user.banned:
            withdraw_vote(user, page)
        elif action == "ban" and not user.banned:
            ban(moderator, user, "testing")
        elif action == "unban" and user.banned:
            unban(moderator, user)
        for page_id in page_ids:
            assert stored(page_id) == accounting.counted_votes(page_id)
    assert accounting.vote_drift() == []
