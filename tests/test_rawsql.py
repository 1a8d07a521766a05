"""Statements run on the driver's cursor (wiki/rawsql.py): the same values in and out as through
SQLAlchemy, in the session's transaction, counted, and failing with SQLAlchemy's own errors."""
from datetime import timedelta

import pytest
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from wiki.extensions import db
from wiki.models import Event, Vote, utcnow
from wiki.rawsql import Statement

EVENTS = Event.__table__
VOTES = Vote.__table__

COLUMNS = ("kind", "actor_id", "page_id", "product_id", "revision_id", "comment_id",
           "target_user_id", "data", "public", "created_at")
INSERT_EVENT = Statement(insert(EVENTS).values({name: bindparam(name) for name in COLUMNS})
                         .returning(EVENTS.c.id, EVENTS.c.created_at, EVENTS.c.data, EVENTS.c.public))
INSERT_VOTE = Statement(insert(VOTES).values(
    user_id=bindparam("user_id"), page_id=bindparam("page_id"), value=bindparam("value"),
    created_at=bindparam("now"), updated_at=bindparam("now"), merged_from_page_id=None))


def event_values(**changes):
    values = {"kind": "test.raw", "actor_id": None, "page_id": None, "product_id": None,
              "revision_id": None, "comment_id": None, "target_user_id": None,
              "data": {"value": 1, "note": "ünïcode"}, "public": False,
              "created_at": utcnow() - timedelta(days=3)}
    return {**values, **changes}


def test_values_go_in_and_come_out_typed_as_through_sqlalchemy(app):
    values = event_values()
    row = INSERT_EVENT.first(values)
    db.session.commit()
    assert row.created_at == values["created_at"] and row.created_at.tzinfo is not None
    assert row.data == values["data"] and row.public is False
    loaded = db.session.get(Event, row.id)
    assert (loaded.kind, loaded.data, loaded.public, loaded.created_at) == \
        ("test.raw", values["data"], False, values["created_at"])


def test_it_runs_in_the_sessions_transaction(app):
    INSERT_EVENT.first(event_values(kind="test.undone"))
    assert db.session.scalar(select(func.count()).select_from(EVENTS)
                             .where(EVENTS.c.kind == "test.undone")) == 1  # seen inside
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(EVENTS)
                             .where(EVENTS.c.kind == "test.undone")) == 0


def test_a_driver_error_is_sqlalchemys_own(app, customer, make_proposal):
    page = make_proposal()
    ids = {"user_id": customer.id, "page_id": page.id, "value": 1, "now": utcnow()}
    INSERT_VOTE.run(ids)
    with pytest.raises(IntegrityError):  # what the vote's retry loop catches
        INSERT_VOTE.run(ids)
    db.session.rollback()


def test_values_written_into_the_statement_are_sent(app, customer, make_proposal):
    page = make_proposal()
    INSERT_VOTE.run({"user_id": customer.id, "page_id": page.id, "value": -1, "now": utcnow()})
    vote_id = db.session.scalar(select(VOTES.c.id).where(VOTES.c.page_id == page.id))
    fixed = Statement(update(VOTES).where(VOTES.c.id == vote_id).values(value=1)
                      .returning(VOTES.c.value))
    assert fixed.first({}) == (1,)
    assert fixed.first({}).value == 1  # rows are named


def test_statements_that_need_python_defaults_are_refused(app):
    with pytest.raises(ValueError, match="created_at"):
        Statement(insert(VOTES).values(user_id=1, page_id=1, value=1)).run({})


def test_statements_count_toward_the_sql_count_header(app):
    """The engine's statement counter (X-SQL-Count, the query budget) does not see a cursor."""
    from flask import g

    with app.test_request_context("/"):
        g.sql_count = 0
        INSERT_EVENT.first(event_values())
        INSERT_EVENT.first(event_values())
        assert g.sql_count == 2
    db.session.rollback()


def test_a_recorded_event_is_an_ordinary_persistent_object(app, customer, make_proposal):
    """events.record inserts on the cursor and attaches the Event as loaded (rowload.attach)."""
    from sqlalchemy import inspect

    from wiki import events
    from wiki.models import Page

    page = make_proposal()
    event = events.record("test.attached", customer, page=page, data={"n": 1}, public=False)
    state = inspect(event)
    assert state.persistent and event not in db.session.dirty
    assert event.page is page and event.actor is customer  # relationships load from the map
    assert event.product_id == page.product_id
    # something pending is flushed first, so the event can name it
    draft = Page(slug="pending-draft", title="Pending draft", kind="article")
    db.session.add(draft)
    second = events.record("test.pending", customer, page=draft)
    assert draft.id is not None and second.page_id == draft.id
    db.session.commit()
    stored = db.session.execute(select(EVENTS.c.kind, EVENTS.c.page_id, EVENTS.c.actor_id)
                                .where(EVENTS.c.kind.like("test.%")).order_by(EVENTS.c.id)).all()
    assert stored == [("test.attached", page.id, customer.id), ("test.pending", draft.id, customer.id)]
