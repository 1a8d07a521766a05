"""The pages service contract that every area builds on."""
import pytest

from wiki.errors import Conflict, ValidationError
from wiki.models import Event


def test_create_and_edit_make_numbered_revisions_and_events(make_page, make_user, app):
    from wiki.extensions import db
    from wiki.pages.services import edit_page

    page = make_page("Dark mode", kind="proposal", body="Please add [[Night Theme]].")
    assert page.slug == "dark-mode" and page.proposal.status == "new"
    assert page.current_revision.number == 1
    assert "redlink" in page.current_revision.html
    editor = make_user("editor")
    revision = edit_page(editor, page, "Please add a dark mode.", "clearer", base_revision=1)
    assert revision.number == 2 and page.current_revision_id == revision.id
    assert edit_page(editor, page, "Please add a dark mode.") is None  # unchanged text
    with pytest.raises(Conflict):
        edit_page(editor, page, "stale", base_revision=1)
    kinds = [e.kind for e in db.session.query(Event).order_by(Event.id)]
    assert kinds == ["page.created", "page.edited"]


def test_bad_titles_are_refused(make_page):
    for title in ("   ", "x" * 201, "a/b", "nul\x00"):
        with pytest.raises(ValidationError):
            make_page(title)


def test_a_title_taken_in_a_race_is_a_conflict_not_a_crash(make_page, make_user, monkeypatch):
    from wiki.extensions import db
    from wiki.models import Page
    from wiki.pages import services

    make_page("Raced")
    monkeypatch.setattr(services, "get_page", lambda slug: None)  # the check ran before the insert
    with pytest.raises(Conflict):
        services.create_page(make_user("racer"), "Raced", "article", "text")
    assert db.session.query(Page).count() == 1


def test_comment_count_and_links_are_kept(make_page, make_user):
    from sqlalchemy import select

    from wiki.extensions import db
    from wiki.models import Link
    from wiki.pages.services import add_comment

    page = make_page("Counted", body="[[Other]]")
    user = make_user("talker")
    add_comment(user, page, "one")
    add_comment(user, page, "two")
    db.session.refresh(page)
    assert page.comment_count == 2
    assert list(db.session.scalars(select(Link.to_slug))) == ["other"]
