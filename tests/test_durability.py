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
