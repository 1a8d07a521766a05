"""Every list's filter and sort has an index (in the models, so also in the migration)."""
import pytest
from sqlalchemy import inspect

from wiki.extensions import db

LIST_INDEXES = {
    # proposals board: kind filter, sorted by top / hot / new
    "pages": [("kind", "rank_top"), ("kind", "rank_hot"), ("kind", "created_at"),
              ("kind", "updated_at"),
              # product hubs: one product's pages of one kind, newest or last updated first
              ("product_id", "kind", "created_at"), ("product_id", "kind", "updated_at")],
    "proposal_states": [("status", "status_changed_at")],  # board and roadmap by status
    "events": [("created_at",), ("kind",), ("page_id", "created_at"),
               ("product_id", "created_at")],  # recent changes, feeds, a page's or product's
    "revisions": [("page_id", "number")],  # history
    "votes": [("user_id", "page_id"), ("page_id",)],  # "ones I voted on", a page's votes
    "notifications": [("user_id", "read_at"), ("user_id", "created_at")],
    "comments": [("page_id", "created_at")],  # talk
    "ratings": [("product_id", "stars")],  # a product's rating summary
    "links": [("to_slug",)],  # what links here
    "flags": [("resolved_at", "target_type")],  # moderation queue
}


def _indexed_columns(table):
    inspector = inspect(db.engine)
    found = {tuple(ix["column_names"]) for ix in inspector.get_indexes(table)}
    found |= {tuple(uc["column_names"]) for uc in inspector.get_unique_constraints(table)}
    pk = inspector.get_pk_constraint(table)["constrained_columns"]
    found.add(tuple(pk))
    return found


@pytest.mark.parametrize("table", sorted(LIST_INDEXES))
def test_list_filters_and_sorts_are_indexed(app, table):
    found = _indexed_columns(table)
    for columns in LIST_INDEXES[table]:
        assert any(index[:len(columns)] == columns for index in found), \
            f"{table}: no index starting with {columns}; have {sorted(found)}"


def test_the_migration_creates_the_list_indexes():
    from pathlib import Path

    source = "".join(p.read_text() for p in
                     (Path(__file__).parent.parent / "migrations" / "versions").glob("*.py"))
    for name in ("ix_pages_kind_rank_top", "ix_pages_kind_rank_hot", "ix_pages_kind_created",
                 "ix_pages_product_kind_created", "ix_notifications_user_created",
                 "ix_ratings_product_stars"):
        assert name in source


def test_the_top_board_reads_the_index_in_order(app, make_proposal):
    """The board's ORDER BY rank_top walks the index instead of sorting every row (on PostgreSQL,
    with sequential scans and sorts priced out, since a near-empty table would never use it)."""
    from wiki.proposals.services import board

    make_proposal("Indexed idea")
    dialect = db.engine.dialect
    stmt = board("top").limit(20)
    compiled = stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    connection = db.session.connection()
    if dialect.name == "sqlite":
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
        plan = " | ".join(row[3] for row in rows)
    else:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql("SET LOCAL enable_sort = off")
        plan = " | ".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {compiled}"))
    db.session.rollback()
    assert "ix_pages_kind_rank_top" in plan, plan


def _sqlite_plan(stmt):
    compiled = stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    rows = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
    return " | ".join(row[3] for row in rows)


def test_what_links_here_starts_from_the_links_without_statistics(app, make_page):
    """The test database has no ANALYZE statistics, like most production SQLite files: the page
    view's "what links here" must start from the link index, not walk the pages (as it did
    through an index on the near-constant ``deleted`` flag)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner without statistics")
    from wiki.pages import queries

    target = make_page("Target")
    make_page("Linker", body="see [[Target]]")
    assert [tuple(row) for row in queries.link_titles(target)] == [("linker", "Linker")]
    stmt = queries.link_titles_stmt(target)
    plan = _sqlite_plan(stmt)
    assert plan.startswith("SEARCH links USING INDEX ix_links_to_slug"), plan
    assert "ix_pages_deleted" not in plan


def test_pages_per_product_are_counted_from_an_index(app, product):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner without statistics")
    from wiki.products.services import page_counts_stmt

    plan = _sqlite_plan(page_counts_stmt())
    assert "COVERING INDEX ix_pages_product_deleted" in plan, plan


@pytest.mark.parametrize("product_filter, index", [(False, "ix_events_created_at"),
                                                    (True, "ix_events_product_created")])
def test_recent_changes_read_events_newest_first_from_an_index(app, make_page, product,
                                                               product_filter, index):
    """Without statistics SQLite preferred ix_events_kind (matching nearly every event) and
    sorted all of them for each page of recent changes and the home page."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner without statistics")
    from flask_login import AnonymousUserMixin

    from wiki.pages import queries

    make_page("Evented", product=product)
    stmt = queries.recent_changes(AnonymousUserMixin(), product=product if product_filter else None)
    plan = _sqlite_plan(stmt.limit(20))
    assert f"SCAN events USING INDEX {index}" in plan or f"SEARCH events USING INDEX {index}" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def test_the_recent_feed_reads_events_newest_first_from_an_index(app, make_page):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner without statistics")
    from wiki.feeds.services import Event, visible_events

    make_page("Fed")
    plan = _sqlite_plan(visible_events().order_by(Event.created_at.desc(), Event.id.desc()).limit(50))
    assert "events USING INDEX ix_events_created_at" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def test_every_index_on_a_rank_starts_with_the_kind(app):
    """Each vote rewrites every index holding a page's rank; only the board's, which sorts one
    kind's pages, earn that."""
    ranked = [index for index in inspect(db.engine).get_indexes("pages")
              if {"rank_top", "rank_hot"} & set(index["column_names"])]
    assert sorted(index["name"] for index in ranked) == ["ix_pages_kind_rank_hot",
                                                        "ix_pages_kind_rank_top"]
    assert all(index["column_names"][0] == "kind" for index in ranked)
