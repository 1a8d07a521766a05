"""History, single revisions, diffs with highlighted words, reverts, and hidden revisions."""
from sqlalchemy import select

from wiki.extensions import db
from wiki.models import Event
from wiki.pages.diffing import diff_rows
from wiki.pages.services import edit_page, revert_page


def test_history_lists_revisions_newest_first_and_paginates(client, make_page, make_user):
    page = make_page("Busy page", body="v1")
    editor = make_user("eddie")
    for n in range(2, 26):
        edit_page(editor, page, f"v{n}", summary=f"change {n}")
    html = client.get("/wiki/busy-page/history").get_data(as_text=True)
    assert "change 25" in html and "change 5" not in html and 'rel="next"' in html
    assert html.index("change 25") < html.index("change 24")
    second = client.get("/wiki/busy-page/history?page=2").get_data(as_text=True)
    assert "change 5" in second and "change 25" not in second


def test_revision_view_shows_that_revision(client, make_page, make_user):
    page = make_page("Versions", body="first **words**")
    edit_page(make_user("eddie"), page, "second text")
    html = client.get("/wiki/versions/revisions/1").get_data(as_text=True)
    assert "first <strong>words</strong>" in html and "old revision" in html
    assert client.get("/wiki/versions/revisions/9").status_code == 404


def test_diff_highlights_the_changed_words(client, make_page, make_user):
    page = make_page("Diffable", body="The quick brown fox\njumps over\nthe dog")
    edit_page(make_user("eddie"), page, "The slow brown fox\njumps over\nthe lazy dog\nand sleeps")
    response = client.get("/wiki/diffable/diff?from=1&to=2")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<del class="diff-word">quick</del>' in html and '<ins class="diff-word">slow</ins>' in html
    assert '<ins class="diff-word">lazy </ins>' in html or '<ins class="diff-word">lazy</ins>' in html
    assert "<ins>and sleeps</ins>" in html
    assert client.get("/wiki/diffable/diff?to=2").get_data(as_text=True).count("diff-word") >= 2
    assert client.get("/wiki/diffable/diff?from=abc").status_code == 400
    assert client.get("/wiki/diffable/diff?from=1&to=7").status_code == 404


def test_diff_escapes_the_text_it_compares():
    rows = diff_rows("a <b>x</b>", "a <b>y</b>")
    old, new = str(rows[0]["old"]), str(rows[0]["new"])
    assert "&lt;b&gt;" in old and "<b>" not in old and '<ins class="diff-word">y</ins>' in new


def test_diff_keeps_context_around_changes_only():
    old = "\n".join(f"line {n}" for n in range(40))
    new = old.replace("line 20", "line twenty")
    rows = diff_rows(old, new)
    kinds = [row["type"] for row in rows]
    assert kinds.count("change") == 1 and kinds.count("skip") == 2 and kinds.count("equal") == 6


def test_revert_makes_a_new_revision_equal_to_an_old_one(customer_client, make_page, make_user):
    page = make_page("Revertible", body="good text")
    edit_page(make_user("vandal"), page, "bad text")
    response = customer_client.post("/wiki/revertible/revert", data={"revision": 1})
    assert response.status_code == 302
    current = page.current_revision
    assert (current.number, current.source, current.reverted_to) == (3, "good text", 1)
    assert "good text" in current.html and current.summary == "Reverted to revision 1"
    event = db.session.scalar(select(Event).order_by(Event.id.desc()))
    assert (event.kind, event.revision_id, event.data["reverted_to"]) == ("page.reverted", current.id, 1)
    # reverting to what the page already says makes nothing
    assert customer_client.post("/wiki/revertible/revert", data={"revision": 3}).status_code == 302
    assert page.revision_count == 3
    assert customer_client.post("/wiki/revertible/revert", data={"revision": 99}).status_code == 404
    assert customer_client.post("/wiki/revertible/revert", data={"revision": "x"}).status_code == 400


def _hide(revision):
    revision.hidden = True
    revision.hidden_reason = "personal data"
    db.session.commit()


def test_readers_see_the_latest_visible_revision_and_no_hidden_text(client, moderator_client,
                                                                   make_page, make_user):
    page = make_page("Hidden bits", body="clean text")
    edit_page(make_user("vandal"), page, "SECRET PHONE NUMBER", summary="SECRET SUMMARY")
    _hide(page.current_revision)
    for url in ("/wiki/hidden-bits", "/wiki/hidden-bits/history", "/wiki/hidden-bits/revisions/2",
                "/wiki/hidden-bits/diff?from=1&to=2", "/recent"):
        html = client.get(url).get_data(as_text=True)
        assert "SECRET" not in html, url
    assert "clean text" in client.get("/wiki/hidden-bits").get_data(as_text=True)
    assert "hidden by a moderator" in client.get("/wiki/hidden-bits/history").get_data(as_text=True)
    moderator_view = moderator_client.get("/wiki/hidden-bits/revisions/2").get_data(as_text=True)
    assert "SECRET PHONE NUMBER" in moderator_view
    assert "SECRET SUMMARY" in moderator_client.get("/wiki/hidden-bits/history").get_data(as_text=True)


def test_customers_cannot_revert_to_a_hidden_revision(customer, make_page, make_user):
    import pytest

    from wiki.errors import ValidationError

    page = make_page("Hidden target", body="one")
    edit_page(make_user("vandal"), page, "two")
    edit_page(make_user("fixer"), page, "three")
    # by number: the backref has no order, and PostgreSQL need not answer in insertion order
    _hide(next(revision for revision in page.revisions if revision.number == 2))
    with pytest.raises(ValidationError):
        revert_page(customer, page, 2)


def test_an_edit_after_a_hidden_revision_starts_from_the_visible_text(customer, make_page, make_user):
    page = make_page("After hiding", body="line one\nline two\n")
    edit_page(make_user("vandal"), page, "line one\nline two\nSPAM\n")
    _hide(page.current_revision)
    revision = edit_page(customer, page, "line one, edited\nline two\n", base_revision=1)
    assert revision.number == 3 and "SPAM" not in revision.source and not revision.merged
