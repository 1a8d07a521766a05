"""Edit conflicts: stale edits merge three-way when they do not overlap; otherwise the author's
text is kept on a conflict page. No edit is ever silently lost."""
import pytest
from sqlalchemy import select

from wiki.extensions import db
from wiki.models import Event
from wiki.pages.diffing import merge3
from wiki.pages.services import EditConflict, edit_page

BASE = "Intro line\n\nMiddle paragraph\n\nClosing line\n"


def test_merge3_combines_separate_changes():
    mine = BASE.replace("Intro line", "Intro, improved")
    theirs = BASE.replace("Closing line", "Closing, improved")
    assert merge3(BASE, mine, theirs) == ("Intro, improved\n\nMiddle paragraph\n\nClosing, improved\n", True)


def test_merge3_takes_identical_changes_once():
    same = BASE.replace("Middle", "Centre")
    assert merge3(BASE, same, same) == (same, True)


def test_merge3_refuses_overlapping_or_touching_changes():
    assert merge3(BASE, BASE.replace("Middle", "Mine"), BASE.replace("Middle", "Theirs")) == (None, False)
    assert merge3("a\nb\n", "A\nb\n", "a\nB\n") == (None, False)


def test_stale_edit_with_separate_changes_is_merged_and_flagged(customer, make_page, make_user):
    page = make_page("Shared", body=BASE)
    edit_page(make_user("first"), page, BASE.replace("Closing line", "Closing, theirs"), base_revision=1)
    revision = edit_page(customer, page, BASE.replace("Intro line", "Intro, mine"), "my part",
                         base_revision=1)
    assert revision.merged is True and revision.number == 3
    assert revision.source == "Intro, mine\n\nMiddle paragraph\n\nClosing, theirs\n"
    event = db.session.scalar(select(Event).order_by(Event.id.desc()))
    assert event.kind == "page.edited" and event.data == {"merged": True}


def test_overlapping_stale_edit_raises_a_conflict_carrying_both_texts(customer, make_page, make_user):
    page = make_page("Contested", body=BASE)
    theirs = BASE.replace("Middle paragraph", "Their middle")
    edit_page(make_user("first"), page, theirs, base_revision=1)
    mine = BASE.replace("Middle paragraph", "My middle")
    with pytest.raises(EditConflict) as caught:
        edit_page(customer, page, mine, base_revision=1)
    conflict = caught.value
    assert (conflict.current_revision, conflict.theirs, conflict.mine) == (2, theirs, mine)
    assert conflict.status_code == 409 and conflict.extra == {"current_revision": 2}
    assert page.revision_count == 2


def test_web_merge_tells_the_author(customer_client, make_page, make_user):
    page = make_page("Shared web", body=BASE)
    edit_page(make_user("first"), page, BASE.replace("Closing line", "Closing, theirs"))
    response = customer_client.post("/wiki/shared-web/edit", data={
        "body": BASE.replace("Intro line", "Intro, mine"), "base_revision": 1}, follow_redirects=True)
    assert "merged into revision 3" in response.get_data(as_text=True)
    assert "Intro, mine" in page.current_revision.source and "Closing, theirs" in page.current_revision.source


def test_web_conflict_page_keeps_the_authors_text_ready_to_save(customer_client, make_page, make_user):
    page = make_page("Contested web", body=BASE)
    edit_page(make_user("first"), page, BASE.replace("Middle paragraph", "Their middle"))
    mine = BASE.replace("Middle paragraph", "My carefully written middle")
    response = customer_client.post("/wiki/contested-web/edit", data={"body": mine, "base_revision": 1,
                                                                      "summary": "mine"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "My carefully written middle" in html and "Their middle" in html
    assert 'name="base_revision" type="hidden" value="2"' in html
    assert page.revision_count == 2
    # resolving: the author saves their text on top of revision 2
    resolved = customer_client.post("/wiki/contested-web/edit", data={"body": mine, "base_revision": 2})
    assert resolved.status_code == 302 and page.current_revision.source == mine


def test_unknown_base_revision_is_a_clear_error(customer_client, make_page):
    make_page("Based", body="x")
    for base in ("7", "abc"):
        response = customer_client.post("/wiki/based/edit", data={"body": "y", "base_revision": base})
        assert response.status_code == 400
