"""A write that fails midway leaves nothing half-done: a failure is injected inside multi-row
operations and the database is checked, from a fresh session, to be exactly as before."""
import pytest
from sqlalchemy import func, select

from wiki import events
from wiki.extensions import db
from wiki.models import Comment, Event, Flag, Page, Revision, User
from wiki.moderation import services
from wiki.pages import services as pages
from wiki.rendering import render


class Boom(RuntimeError):
    pass


def snapshot():
    """Everything a write could touch, read through a fresh session."""
    db.session.rollback()
    db.session.expire_all()
    rows = {}
    for model in (Event, Flag, Revision, Comment):
        rows[model.__name__] = db.session.scalar(select(func.count()).select_from(model))
    rows["pages"] = [tuple(row) for row in db.session.execute(
        select(Page.id, Page.current_revision_id, Page.revision_count, Page.deleted, Page.protected)
        .order_by(Page.id))]
    rows["hidden"] = sorted(db.session.scalars(select(Revision.id).where(Revision.hidden.is_(True))))
    rows["users"] = [tuple(row) for row in db.session.execute(
        select(User.id, User.banned, User.session_version).order_by(User.id))]
    rows["flags"] = [tuple(row) for row in db.session.execute(select(Flag.id, Flag.resolved_at))]
    return rows


def fail_on(monkeypatch, target, name, after=0):
    """Make ``target.name`` raise on its (after+1)-th call."""
    original = getattr(target, name)
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > after:
            raise Boom(f"injected failure in {name}")
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, failing)
    return calls


def test_edit_page_failing_at_its_event_saves_nothing(monkeypatch, make_page, customer):
    page = make_page("Durable", body="v1")
    before = snapshot()
    fail_on(monkeypatch, events, "record")
    with pytest.raises(Boom):
        pages.edit_page(customer, page, "v2", "an edit")
    after = snapshot()
    assert after == before
    assert db.session.get(Page, page.id).current_revision.source == "v1"


def test_rollback_failing_on_the_second_page_changes_no_page(monkeypatch, make_page, make_user, moderator):
    vandal = make_user("vandal")
    first, second = make_page("One", body="good one"), make_page("Two", body="good two")
    pages.edit_page(vandal, first, "spam")
    pages.edit_page(vandal, second, "spam")
    before = snapshot()
    calls = fail_on(monkeypatch, pages, "_add_revision", after=1)
    with pytest.raises(Boom):
        services.rollback_user(moderator, vandal)
    assert calls["n"] == 2  # the first page was already reverted in the transaction
    assert snapshot() == before
    assert db.session.get(Page, first.id).current_revision.source == "spam"


def test_resolve_with_ban_failing_at_the_ban_hides_nothing(monkeypatch, make_page, customer,
                                                            other_customer, moderator):
    page = make_page("Ban durability")
    html, _ = render("rude")
    comment = Comment(page_id=page.id, author_id=other_customer.id, source="rude", html=html)
    db.session.add(comment)
    db.session.commit()
    services.flag(customer, "comment", comment.id, "abuse")
    before = snapshot()
    from wiki.auth import services as accounts

    fail_on(monkeypatch, accounts, "ban")
    with pytest.raises(Boom):
        services.resolve(moderator, ("comment", comment.id), "ban", "rude again")
    assert snapshot() == before
    assert db.session.get(Comment, comment.id).hidden is False


def test_a_failing_web_request_rolls_back(app, monkeypatch, moderator_client, make_page, make_user):
    app.config["RENDER_500_IN_TESTS"] = True
    vandal = make_user("webvandal")
    first, second = make_page("Web one", body="a"), make_page("Web two", body="b")
    pages.edit_page(vandal, first, "spam a")
    pages.edit_page(vandal, second, "spam b")
    before = snapshot()
    fail_on(monkeypatch, pages, "_add_revision", after=1)
    response = moderator_client.post(f"/moderation/users/{vandal.id}/rollback", data={"reason": "spam"})
    assert response.status_code == 500
    assert snapshot() == before


def test_autohide_failing_leaves_no_flag(monkeypatch, app, make_page, make_user):
    from datetime import timedelta

    from wiki.models import utcnow

    app.config["MODERATION_AUTOHIDE_FLAGS"] = 1
    page = make_page("Autohide durability")
    reporter = make_user("reporter")
    reporter.created_at = utcnow() - timedelta(days=30)
    db.session.commit()
    make_page("Reporter's page", author=reporter)
    before = snapshot()
    fail_on(monkeypatch, events, "record", after=1)  # the flag's event passes, the hide's fails
    with pytest.raises(Boom):
        services.flag(reporter, "page", page.id, "spam")
    assert snapshot() == before


# -- every table, after a caller that carries on and commits ----------------------------------

def committed_rows():
    """Every row of every table, after committing whatever the session still holds: a service
    that failed must have left nothing a caller's later commit would write."""
    db.session.commit()
    db.session.expire_all()
    return {table.name: sorted((tuple(row) for row in db.session.execute(select(table))), key=repr)
            for table in db.metadata.sorted_tables}


@pytest.fixture
def voted_pair(make_proposal, make_user):
    from wiki.votes.services import cast_vote

    source, target = make_proposal("Dark mode"), make_proposal("Night theme")
    voters = [make_user(f"voter{n}") for n in range(3)]
    for voter in voters:
        cast_vote(voter, source, 1)
    cast_vote(voters[0], target, -1)  # voted on both: keeps the target's vote
    return source, target


@pytest.mark.parametrize("where", ["event", "target recount"])
def test_merge_failing_midway_changes_nothing(monkeypatch, moderator, voted_pair, where):
    from wiki.triage import merging

    source, target = voted_pair
    before = committed_rows()
    if where == "event":
        fail_on(monkeypatch, events, "record")
    else:
        fail_on(monkeypatch, merging, "recount_page", after=1)  # source recounted, target fails
    with pytest.raises(Boom):
        merging.merge(moderator, source, target)
    assert committed_rows() == before


def test_unmerge_failing_at_its_event_changes_nothing(monkeypatch, moderator, voted_pair):
    from wiki.triage import merging

    source, target = voted_pair
    merge_row = merging.merge(moderator, source, target)
    before = committed_rows()
    fail_on(monkeypatch, events, "record")
    with pytest.raises(Boom):
        merging.unmerge(moderator, db.session.get(type(merge_row), merge_row.id))
    assert committed_rows() == before


def test_reopening_a_duplicate_failing_at_its_event_keeps_the_merge(monkeypatch, moderator, voted_pair):
    from wiki.triage import merging
    from wiki.triage import services as triage

    source, target = voted_pair
    merging.merge(moderator, source, target)
    before = committed_rows()
    fail_on(monkeypatch, events, "record")
    with pytest.raises(Boom):
        triage.change_status(moderator, db.session.get(Page, source.id), "under_review")
    assert committed_rows() == before


def test_revert_failing_at_its_event_changes_nothing(monkeypatch, make_page, customer):
    page = make_page("Revert durability", body="first")
    pages.edit_page(customer, page, "second")
    before = committed_rows()
    fail_on(monkeypatch, events, "record")
    with pytest.raises(Boom):
        pages.revert_page(customer, db.session.get(Page, page.id), 1)
    assert committed_rows() == before


def test_bulk_status_failing_on_the_second_proposal_changes_none(monkeypatch, moderator, make_proposal):
    from wiki.triage import services as triage

    proposals = [make_proposal(f"Bulk {n}") for n in range(3)]
    before = committed_rows()
    calls = fail_on(monkeypatch, events, "record", after=1)
    with pytest.raises(Boom):
        triage.bulk(moderator, [p.id for p in proposals], "status", status="under_review", note="n")
    assert calls["n"] == 2  # the first proposal had already changed inside the transaction
    assert committed_rows() == before


def test_bulk_failing_while_assigning_changes_none(monkeypatch, moderator, make_proposal):
    from wiki.triage import services as triage

    proposals = [make_proposal(f"Assign {n}") for n in range(2)]
    before = committed_rows()
    fail_on(monkeypatch, events, "record", after=1)
    with pytest.raises(Boom):
        triage.bulk(moderator, [p.id for p in proposals], "assign", assignee=moderator)
    assert committed_rows() == before


def test_bulk_skips_a_refused_proposal_and_keeps_the_rest(moderator, make_proposal):
    """A proposal the workflow refuses is reported and undone alone (its savepoint)."""
    from wiki.models import ProposalState
    from wiki.triage import services as triage

    first, closed, last = (make_proposal(f"Mixed {n}") for n in range(3))
    triage.change_status(moderator, first, "under_review")
    triage.change_status(moderator, last, "under_review")
    triage.change_status(moderator, closed, "declined", "no")
    done, failed = triage.bulk(moderator, [first.id, closed.id, last.id], "status", status="planned")
    assert [p.id for p in done] == [first.id, last.id]
    assert [getattr(p, "id", p) for p, _message in failed] == [closed.id]
    db.session.expire_all()
    statuses = {s.page_id: s.status for s in db.session.scalars(select(ProposalState))}
    assert statuses == {first.id: "planned", closed.id: "declined", last.id: "planned"}


def test_vote_failing_at_its_event_counts_nothing(monkeypatch, make_proposal, customer):
    from wiki.votes.services import cast_vote

    page = make_proposal("Vote durability")
    before = committed_rows()
    fail_on(monkeypatch, events, "record")
    with pytest.raises(Boom):
        cast_vote(customer, page, 1)
    assert committed_rows() == before


def test_official_response_failing_at_its_event_changes_nothing(monkeypatch, moderator, make_proposal):
    from wiki.triage import services as triage

    page = make_proposal("Response durability")
    before = committed_rows()
    fail_on(monkeypatch, events, "record")
    with pytest.raises(Boom):
        triage.post_response(moderator, page, "We are on it.")
    assert committed_rows() == before


def test_webhook_outbox_failing_on_the_second_hook_saves_no_edit(monkeypatch, innovator, make_page,
                                                                 customer):
    from wiki.webhooks import services as hooks

    hooks.create_webhook(innovator, "https://one.example/hook")
    hooks.create_webhook(innovator, "https://two.example/hook")
    page = make_page("Outbox durability", body="one")
    before = committed_rows()
    assert before["deliveries"], "page.created was queued for both hooks"
    calls = fail_on(monkeypatch, hooks, "matches", after=1)
    with pytest.raises(Boom):
        pages.edit_page(customer, page, "two")
    assert calls["n"] == 2  # the first hook's delivery row was already added
    assert committed_rows() == before
