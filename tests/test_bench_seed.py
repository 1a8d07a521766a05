"""The benchmark seeder: bulk rows that the app reads like its own, counters exact, columns added
to the models later filled from their defaults."""
from types import SimpleNamespace

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, text

from tests.bench.rows import Filler
from tests.bench.seed import PASSWORD, Seeder, after_seed
from wiki.extensions import db
from wiki.models import Comment, Event, Page, ProposalState, Revision, Vote


@pytest.fixture
def seeded(app):
    args = SimpleNamespace(pages=60, products=3, users=25, votes=400, comments=50,
                           revisions_per_page=3.0, tokens=5, seed=1)
    with db.engine.connect() as conn, conn.begin():
        seeder = Seeder(conn, args, db.metadata.tables)
        seeder.run()
        from tests.bench.rows import reset_sequences

        reset_sequences(conn, db.metadata)
    return seeder


def test_seeded_counts_and_denormalised_counters_are_exact(seeded):
    assert db.session.scalar(select(func.count(Page.id))) == 60
    assert db.session.scalar(select(func.count(Vote.id))) == 400
    assert db.session.scalar(select(func.count(Comment.id))) == 50
    revisions = db.session.scalar(select(func.count(Revision.id)))
    assert 60 <= revisions <= 60 * 5
    for page in db.session.scalars(select(Page)):
        up = db.session.scalar(select(func.count()).where(Vote.page_id == page.id, Vote.value == 1))
        down = db.session.scalar(select(func.count()).where(Vote.page_id == page.id, Vote.value == -1))
        assert (page.votes_up, page.votes_down) == (up, down)
        assert page.comment_count == db.session.scalar(
            select(func.count()).where(Comment.page_id == page.id))
        assert page.current_revision.number == page.revision_count
        assert (page.kind == "proposal") == (page.proposal is not None)
    events = db.session.scalar(select(func.count(Event.id)))
    assert events == revisions + 50
    statuses = set(db.session.scalars(select(ProposalState.status)))
    assert len(statuses) >= 2


def test_seeded_users_log_in_and_ids_continue_after_the_seed(seeded, client, make_user):
    response = client.post("/auth/login", data={"username": "user00003", "password": PASSWORD})
    assert response.status_code == 302
    newcomer = make_user("newcomer")  # the id sequence moved past the seeded ids (PostgreSQL)
    assert newcomer.id > 25


def test_after_seed_leaves_a_database_analysed_and_on_postgresql_vacuumed(seeded, app):
    db.session.commit()  # the test's own transaction ends: SQLite's ANALYZE writes
    done = after_seed(app)
    assert "search rebuild" in done
    db.session.commit()  # statistics as of now
    if db.engine.dialect.name == "postgresql":
        assert "vacuum" in done
        assert db.session.scalar(text(
            "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'votes'"))
    else:
        assert db.session.scalar(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'votes'")) > 0


def test_seeded_revision_html_is_filled_in(seeded):
    revision = db.session.scalar(select(Revision).order_by(Revision.id).limit(1))
    assert "QQ" not in revision.source and "qq" not in revision.html
    assert revision.page.title in revision.source
    assert "<h1" in revision.html


def test_filler_uses_python_defaults_and_zero_values_for_unknown_columns():
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True),
                  Column("name", String(10)), Column("rank", Integer, default=7),
                  Column("label", String(10), default=lambda: "made"),
                  Column("required", Integer, nullable=False),
                  Column("server", Integer, server_default=text("3"), nullable=False))
    filler = Filler(table, {"name"})
    row = filler.complete({"name": "x"})
    assert row == {"name": "x", "rank": 7, "label": "made", "required": 0}
    assert "server" not in filler.insert_columns and "id" not in filler.insert_columns
