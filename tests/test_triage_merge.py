"""Merging duplicates: votes move exactly, cycles are refused, unmerge restores everything."""
import pytest
from sqlalchemy import select

from wiki.errors import Conflict, ValidationError
from wiki.extensions import db
from wiki.models import Event, Merge, Vote
from wiki.triage import merging, services
from wiki.votes.accounting import counted_votes


def vote(user, page, value):
    db.session.add(Vote(user_id=user.id, page_id=page.id, value=value))
    db.session.flush()
    from wiki.votes.accounting import recount_page

    recount_page(page.id)
    db.session.commit()


def votes_on(page):
    return {v.user_id: v.value for v in db.session.scalars(select(Vote).where(Vote.page_id == page.id))}


@pytest.fixture
def voters(make_user):
    return [make_user(f"voter{i}") for i in range(4)]


@pytest.fixture
def pair(make_proposal):
    return make_proposal("Dark mode"), make_proposal("Night theme")


def counts(page):
    db.session.refresh(page)
    return page.votes_up, page.votes_down


def test_merge_moves_votes_and_keeps_one_per_user(moderator, voters, pair):
    target, source = pair
    a, b, c, d = voters
    vote(a, source, 1)   # only on the source: moves
    vote(b, source, 1)   # on both, same way: keeps the target's
    vote(b, target, 1)
    vote(c, source, -1)  # on both, opposite: keeps the target's (+1)
    vote(c, target, 1)
    vote(d, target, -1)  # only on the target
    merging.merge(moderator, source, target)
    db.session.expire_all()
    assert votes_on(target) == {a.id: 1, b.id: 1, c.id: 1, d.id: -1}
    assert votes_on(source) == {}
    assert counts(target) == (3, 1) == counted_votes(target.id)
    assert counts(source) == (0, 0)
    state = source.proposal
    assert state.status == "duplicate" and state.duplicate_of_id == target.id
    row = db.session.scalars(select(Merge)).one()
    assert row.previous_status == "new"
    assert sorted((e["user_id"], e["value"], e["moved"]) for e in row.source_votes) == sorted(
        [(a.id, 1, True), (b.id, 1, False), (c.id, -1, False)])
    event = db.session.scalars(select(Event).where(Event.kind == "proposal.merged")).one()
    assert event.data["into"] == target.slug and sorted(event.data["voter_ids"]) == sorted(
        [a.id, b.id, c.id])


def test_unmerge_restores_votes_and_status_exactly(moderator, voters, pair):
    target, source = pair
    a, b, c, d = voters
    services.change_status(moderator, source, "under_review")
    vote(a, source, 1)
    vote(b, source, 1)
    vote(b, target, 1)
    vote(c, source, -1)
    vote(c, target, 1)
    vote(d, target, -1)
    before_source, before_target = votes_on(source), votes_on(target)
    row = merging.merge(moderator, source, target)
    merging.unmerge(moderator, row)
    db.session.expire_all()
    assert votes_on(source) == before_source
    assert votes_on(target) == before_target
    assert counts(source) == (2, 1) and counts(target) == (2, 1)
    assert source.proposal.status == "under_review" and source.proposal.duplicate_of_id is None
    assert row.undone_at is not None
    assert db.session.scalars(select(Event).where(Event.kind == "proposal.unmerged")).one()
    with pytest.raises(Conflict, match="undone already"):
        merging.unmerge(moderator, row)


def test_unmerge_after_voter_changed_the_moved_vote(moderator, voters, pair):
    target, source = pair
    a = voters[0]
    vote(a, source, 1)
    row = merging.merge(moderator, source, target)
    moved = db.session.scalars(select(Vote).where(Vote.page_id == target.id)).one()
    moved.value = -1  # the voter changed their mind on the target
    db.session.commit()
    merging.unmerge(moderator, row)
    db.session.expire_all()
    assert votes_on(source) == {a.id: 1} and votes_on(target) == {}
    assert counts(source) == (1, 0) and counts(target) == (0, 0)


def test_reopening_a_merged_duplicate_gives_its_votes_back(moderator, voters, pair):
    target, source = pair
    vote(voters[0], source, 1)
    merging.merge(moderator, source, target)
    services.change_status(moderator, source, "under_review", note="Not the same after all")
    db.session.expire_all()
    assert votes_on(source) == {voters[0].id: 1} and votes_on(target) == {}
    assert source.proposal.status == "under_review"
    assert db.session.scalars(select(Merge)).one().undone_at is not None


def test_merge_into_itself_is_refused(moderator, pair):
    with pytest.raises(ValidationError, match="into itself"):
        merging.merge(moderator, pair[0], pair[0])


def test_merge_cycle_is_refused(moderator, make_proposal):
    a, b, c = make_proposal("Idea A"), make_proposal("Idea B"), make_proposal("Idea C")
    merging.merge(moderator, a, b)   # a → b
    with pytest.raises(ValidationError):
        merging.merge(moderator, b, a)  # b → a would loop
    db.session.rollback()
    # a chain through an intermediate page is refused too
    b.proposal.duplicate_of_id = c.id  # simulate an older link c ← b
    db.session.commit()
    with pytest.raises(ValidationError, match="cycle|duplicate"):
        merging.merge(moderator, c, a)
    db.session.rollback()
    assert c.proposal.status == "new"


def test_merge_into_a_duplicate_points_to_the_original(moderator, make_proposal):
    a, b, c = make_proposal("Idea A"), make_proposal("Idea B"), make_proposal("Idea C")
    merging.merge(moderator, a, b)
    with pytest.raises(ValidationError, match="Merge into “Idea B” instead"):
        merging.merge(moderator, c, a)


def test_closed_proposals_cannot_be_merged(moderator, pair):
    target, source = pair
    services.change_status(moderator, source, "declined")
    with pytest.raises(ValidationError, match="cannot go from Declined"):
        merging.merge(moderator, source, target)


def test_customer_cannot_merge(customer, pair):
    with pytest.raises(ValidationError) as info:
        merging.merge(customer, pair[1], pair[0])
    assert info.value.status_code == 403
