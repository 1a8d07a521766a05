"""Every state change writes its event in the same transaction (DESIGN.md, Event): each action
runs through its service and the new Event rows are checked for kind, page, actor and whether
the public stream (recent changes, feeds, notifications, webhooks) may show them."""
import pytest
from sqlalchemy import select

from wiki.extensions import db
from wiki.models import Event
from wiki.moderation import services as moderation
from wiki.pages import services as pages
from wiki.triage import merging
from wiki.triage import services as triage
from wiki.votes import services as votes


def new_events(since_id):
    db.session.expire_all()
    return db.session.scalars(select(Event).where(Event.id > since_id).order_by(Event.id)).all()


def last_id():
    return db.session.scalar(select(Event.id).order_by(Event.id.desc()).limit(1)) or 0


@pytest.fixture
def check(moderator):
    """``check(action, kinds, page=..., actor=..., public=...)`` runs ``action()`` and asserts
    the events it wrote, in order."""

    def _check(action, kinds, *, page=None, actor=moderator, public=None):
        start = last_id()
        action()
        written = new_events(start)
        assert [e.kind for e in written] == list(kinds)
        for event, kind in zip(written, kinds):
            if page is not None:
                assert event.page_id == page.id, kind
            assert event.actor_id == (actor.id if actor else None), kind
            if public is not None:
                assert event.public is public.get(kind, event.public), kind
        return written

    return _check


def test_page_changes_write_their_events(check, customer, moderator, make_page):
    page = make_page("Covered page", body="one")
    check(lambda: pages.edit_page(customer, page, "two", "an edit"), ["page.edited"],
          page=page, actor=customer, public={"page.edited": True})
    check(lambda: pages.edit_page(customer, page, "two", tags=["new-tag"]), ["page.tagged"],
          page=page, actor=customer)
    check(lambda: pages.revert_page(customer, page, 1), ["page.reverted"], page=page, actor=customer)
    check(lambda: pages.add_comment(customer, page, "A comment"), ["comment.created"],
          page=page, actor=customer)
    start = last_id()
    created = pages.create_page(customer, "Brand new", "article", "body")
    assert [(e.kind, e.page_id, e.actor_id) for e in new_events(start)] == [
        ("page.created", created.id, customer.id)]


def test_moderation_actions_write_public_and_logged_events(check, moderator, customer, make_page):
    page = make_page("Moderated page", body="one")
    revision = pages.edit_page(customer, page, "two")
    comment = pages.add_comment(customer, page, "A comment")
    logged = {"moderation.hide_revision": False, "page.deleted": True, "page.restored": True,
              "moderation.delete_page": False, "moderation.restore_page": False}
    check(lambda: moderation.hide_revision(moderator, revision, "spam"), ["moderation.hide_revision"],
          page=page, public=logged)
    check(lambda: moderation.unhide_revision(moderator, revision, "fine"), ["moderation.unhide_revision"],
          page=page)
    check(lambda: moderation.hide_comment(moderator, comment, "rude"), ["moderation.hide_comment"],
          page=page)
    check(lambda: moderation.unhide_comment(moderator, comment, "fine"), ["moderation.unhide_comment"],
          page=page)
    check(lambda: moderation.protect_page(moderator, page, "war"), ["moderation.protect_page"], page=page)
    check(lambda: moderation.unprotect_page(moderator, page, "peace"), ["moderation.unprotect_page"],
          page=page)
    deleted = check(lambda: moderation.delete_page(moderator, page, "spam page"),
                    ["page.deleted", "moderation.delete_page"], page=page, public=logged)
    assert "reason" not in (deleted[0].data or {})  # the public event does not say why
    assert deleted[1].data["reason"] == "spam page"
    check(lambda: moderation.restore_page(moderator, page, "mistake"),
          ["page.restored", "moderation.restore_page"], page=page, public=logged)


def test_user_moderation_writes_events(check, moderator, make_user, make_page):
    vandal = make_user("vandal")
    page = make_page("Vandalised", body="good")
    pages.edit_page(vandal, page, "spam")
    check(lambda: moderation.rollback_user(moderator, vandal, reason="spam"),
          ["page.reverted", "moderation.rollback_user"])
    written = check(lambda: moderation.ban_user(moderator, vandal, "spam"), ["moderation.ban"])
    assert written[0].target_user_id == vandal.id
    check(lambda: moderation.unban_user(moderator, vandal, "ok"), ["moderation.unban"])


def test_flags_write_events(check, customer, moderator, make_page):
    page = make_page("Flagged")
    check(lambda: moderation.flag(customer, "page", page.id, "spam"), ["moderation.flag"],
          page=page, actor=customer, public={"moderation.flag": False})
    check(lambda: moderation.resolve(moderator, ("page", page.id), "dismiss", "fine"),
          ["moderation.resolve"], page=page)


def test_triage_actions_write_their_events(check, moderator, innovator, make_proposal):
    page, target = make_proposal("Covered idea"), make_proposal("Covered target")
    public = {"proposal.status": True, "proposal.response": True, "proposal.merged": True,
              "proposal.unmerged": True, "proposal.impact": False, "proposal.note": False}
    check(lambda: triage.change_status(moderator, page, "under_review", "looking"), ["proposal.status"],
          page=page, public=public)
    check(lambda: triage.assign(moderator, page, innovator), ["proposal.assigned"], page=page)
    check(lambda: triage.post_response(moderator, page, "We hear you."), ["proposal.response"],
          page=page, public=public)
    check(lambda: triage.set_impact(innovator, page, "high"), ["proposal.impact"], page=page,
          actor=innovator, public=public)
    check(lambda: triage.add_note(innovator, page, "internal"), ["proposal.note"], page=page,
          actor=innovator, public=public)
    merged = {}
    check(lambda: merged.setdefault("row", merging.merge(moderator, page, target)),
          ["proposal.merged"], page=page, public=public)
    check(lambda: merging.unmerge(moderator, merged["row"]), ["proposal.unmerged"], page=page,
          public=public)


def test_votes_and_ratings_write_private_events(check, customer, make_proposal, product):
    page = make_proposal("Voted idea")
    private = {"vote.cast": False, "vote.withdrawn": False, "product.rated": False}
    check(lambda: votes.cast_vote(customer, page, 1), ["vote.cast"], page=page, actor=customer,
          public=private)
    check(lambda: votes.withdraw_vote(customer, page), ["vote.withdrawn"], page=page, actor=customer,
          public=private)
    written = check(lambda: votes.rate_product(customer, product, 4), ["product.rated"], actor=customer,
                    public=private)
    assert written[0].product_id == product.id


def test_deletion_and_restore_show_in_recent_changes_as_design_says(moderator, customer_client,
                                                                    moderator_client, make_page):
    page = make_page("Short lived page")
    moderation.delete_page(moderator, page, "spam")
    # readers see nothing of a deleted page; moderators see that it was deleted
    assert "Short lived page" not in customer_client.get("/recent").get_data(as_text=True)
    staff_view = moderator_client.get("/recent?type=deletions").get_data(as_text=True)
    assert "Short lived page" in staff_view and "deleted" in staff_view
    assert "spam" not in staff_view  # the reason stays in the moderation log
    moderation.restore_page(moderator, page, "mistake")
    body = customer_client.get("/recent?type=deletions").get_data(as_text=True)
    assert "Short lived page" in body and "restored" in body
    feed = customer_client.get("/feeds/recent.atom").get_data(as_text=True)
    assert "restored" in feed
