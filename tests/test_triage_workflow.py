"""The proposal workflow: every transition allowed or refused, history, events, stale forms."""
import pytest
from sqlalchemy import select

from wiki.errors import Conflict, ValidationError
from wiki.extensions import db
from wiki.models import STATUSES, Event, StatusChange
from wiki.triage import services, workflow
from wiki.triage.services import Forbidden

ALLOWED = {
    ("new", "under_review"), ("under_review", "planned"), ("planned", "in_progress"),
    ("in_progress", "shipped"),
    ("new", "declined"), ("under_review", "declined"), ("planned", "declined"),
    ("in_progress", "declined"),
    ("new", "duplicate"), ("under_review", "duplicate"), ("planned", "duplicate"),
    ("in_progress", "duplicate"),
    ("declined", "under_review"), ("duplicate", "under_review"),
}
ALL_PAIRS = [(a, b) for a in STATUSES for b in STATUSES if a != b]


def _put(page, status):
    page.proposal.status = status
    db.session.commit()


@pytest.mark.parametrize("from_status,to_status", ALL_PAIRS)
def test_transition_table(from_status, to_status, innovator, make_proposal):
    page = make_proposal()
    target = make_proposal("Quicker checkout")
    _put(page, from_status)
    if (from_status, to_status) in ALLOWED:
        services.change_status(innovator, page, to_status, note="why",
                               duplicate_of=target if to_status == "duplicate" else None)
        db.session.expire_all()
        assert page.proposal.status == to_status
        change = db.session.scalars(select(StatusChange).where(StatusChange.page_id == page.id)
                                    .order_by(StatusChange.id.desc())).first()
        assert (change.from_status, change.to_status, change.actor_id) == (
            from_status, to_status, innovator.id)
    else:
        with pytest.raises(ValidationError) as info:
            services.change_status(innovator, page, to_status, duplicate_of=target)
        assert "cannot go from" in info.value.message or "already" in info.value.message
        db.session.rollback()
        assert page.proposal.status == from_status


def test_workflow_table_matches_design():
    assert {(a, b) for a in STATUSES for b in workflow.allowed_targets(a)} == ALLOWED


def test_status_change_records_history_and_event(moderator, make_proposal):
    page = make_proposal()
    services.change_status(moderator, page, "under_review", note="Looking at it")
    event = db.session.scalars(select(Event).where(Event.kind == "proposal.status")).one()
    assert event.page_id == page.id and event.public
    assert event.data == {"from": "new", "to": "under_review", "note": "Looking at it"}
    assert [c.note for c in services.timeline(page)] == ["Looking at it"]


def test_unknown_status_is_refused(moderator, make_proposal):
    with pytest.raises(ValidationError, match="Unknown status"):
        services.change_status(moderator, make_proposal(), "done")


def test_duplicate_needs_a_target(moderator, make_proposal):
    with pytest.raises(ValidationError, match="duplicates"):
        services.change_status(moderator, make_proposal(), "duplicate")


def test_stale_form_is_a_conflict(moderator, innovator, make_proposal):
    page = make_proposal()
    services.change_status(innovator, page, "under_review")
    with pytest.raises(Conflict, match="Someone else changed the status"):
        services.change_status(moderator, page, "declined", expected_status="new")
    db.session.rollback()
    assert page.proposal.status == "under_review"
    assert len(services.timeline(page)) == 1


def test_customer_cannot_change_status(customer, make_proposal):
    with pytest.raises(Forbidden):
        services.change_status(customer, make_proposal(), "under_review")


def test_only_proposals_have_a_status(moderator, make_page):
    article = make_page("Plain article")
    with pytest.raises(ValidationError, match="Only proposals"):
        services.change_status(moderator, article, "under_review")


def test_assign_to_staff_only(moderator, innovator, customer, make_proposal):
    page = make_proposal()
    services.assign(moderator, page, innovator)
    assert page.proposal.assignee_id == innovator.id
    with pytest.raises(ValidationError, match="cannot be assigned"):
        services.assign(moderator, page, customer)
    db.session.rollback()
    services.assign(moderator, page, None)
    assert page.proposal.assignee_id is None
    kinds = db.session.scalars(select(Event.kind).where(Event.kind == "proposal.assigned")).all()
    assert len(kinds) == 2


def test_impact_and_notes_are_for_insights(moderator, innovator, make_proposal):
    page = make_proposal()
    with pytest.raises(Forbidden):
        services.set_impact(moderator, page, "high")
    with pytest.raises(Forbidden):
        services.add_note(moderator, page, "secret")
    services.set_impact(innovator, page, "high")
    services.add_note(innovator, page, "Big customer asked for this")
    assert page.proposal.impact == "high"
    assert [n.body for n in services.internal_notes(page)] == ["Big customer asked for this"]
    private = db.session.scalars(select(Event).where(Event.kind.in_(
        ("proposal.impact", "proposal.note")))).all()
    assert len(private) == 2 and not any(e.public for e in private)
    with pytest.raises(ValidationError, match="Choose an impact"):
        services.set_impact(innovator, page, "huge")


def test_official_response_is_rendered(moderator, make_proposal):
    page = make_proposal()
    services.post_response(moderator, page, "We **love** it. <script>alert(1)</script>")
    state = page.proposal
    assert "<strong>love</strong>" in state.response_html
    assert "<script>" not in state.response_html
    assert state.response_by_id == moderator.id and state.response_at is not None
    assert db.session.scalars(select(Event).where(Event.kind == "proposal.response")).one().public
    with pytest.raises(ValidationError, match="Write the response"):
        services.post_response(moderator, page, "   ")
