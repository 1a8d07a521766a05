"""Flags, moderator actions, roll-back and the moderation pages."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from wiki.errors import Conflict, ValidationError
from wiki.extensions import db
from wiki.models import Comment, Event, Flag, utcnow
from wiki.moderation import services
from wiki.pages.services import edit_page
from wiki.rendering import render


def make_comment(page, author, source="A comment."):
    html, _ = render(source)
    comment = Comment(page_id=page.id, author_id=author.id, source=source, html=html)
    db.session.add(comment)
    db.session.commit()
    return comment


def established(user, days=10):
    user.created_at = utcnow() - timedelta(days=days)
    db.session.commit()
    return user


@pytest.fixture
def veterans(make_user, make_page):
    """Three established members (old accounts with an edit each)."""
    people = []
    for name in ("vera", "vince", "viola"):
        person = established(make_user(name))
        make_page(f"Notes by {name}", author=person)
        people.append(person)
    return people


def test_customer_flags_a_page_and_it_is_recorded(customer, make_page):
    page = make_page("Spammy")
    item = services.flag(customer, "page", page.id, "spam", "Shop links everywhere")
    assert item.page_id == page.id and item.reason == "spam" and item.resolved_at is None
    event = db.session.scalar(select(Event).where(Event.kind == "moderation.flag"))
    assert event.public is False and event.data["reason"] == "spam"


def test_one_open_flag_per_reporter_and_target(customer, make_page):
    page = make_page("Twice")
    services.flag(customer, "page", page.id, "spam")
    with pytest.raises(Conflict):
        services.flag(customer, "page", page.id, "abuse")
    assert db.session.scalar(select(func.count(Flag.id))) == 1


@pytest.mark.parametrize("reason,text,field", [
    ("nonsense", "", "reason"),
    ("other", "", "text"),
    ("spam", "x" * 1001, "text"),
    ("spam", "bell\x07", "text"),
])
def test_bad_flags_are_refused_with_a_clear_message(customer, make_page, reason, text, field):
    page = make_page("Bad flags")
    with pytest.raises(ValidationError) as info:
        services.flag(customer, "page", page.id, reason, text)
    assert field in info.value.errors


def test_flagging_a_missing_target_is_404(customer):
    with pytest.raises(ValidationError) as info:
        services.flag(customer, "comment", 999, "spam")
    assert info.value.status_code == 404
    with pytest.raises(ValidationError):
        services.flag(customer, "user", 1, "spam")


def test_three_established_members_hide_a_comment_pending_review(veterans, make_page, customer):
    page = make_page("Talk")
    comment = make_comment(page, customer, "Buy cheap pills")
    services.flag(veterans[0], "comment", comment.id, "spam")
    services.flag(veterans[1], "comment", comment.id, "spam")
    assert not comment.hidden
    services.flag(veterans[2], "comment", comment.id, "abuse")
    assert comment.hidden and comment.hidden_reason == services.AUTOHIDE_REASON
    assert db.session.scalar(select(Event).where(Event.kind == "moderation.autohide"))


def test_new_accounts_do_not_count_towards_hiding(make_user, make_page, customer):
    page = make_page("Brigade")
    comment = make_comment(page, customer)
    for name in ("sock1", "sock2", "sock3", "sock4"):
        services.flag(make_user(name), "comment", comment.id, "spam")
    assert not comment.hidden


def test_established_needs_age_and_edits(app, make_user, make_page, moderator):
    fresh = make_user("fresh")
    assert not services.is_established(fresh)
    old = established(make_user("oldtimer"))
    assert not services.is_established(old)  # no edits yet
    make_page("First edit", author=old)
    assert services.is_established(old)
    assert services.is_established(moderator)
    app.config["MODERATION_ESTABLISHED_EDITS"] = 0
    app.config["MODERATION_ESTABLISHED_DAYS"] = 0
    assert services.is_established(fresh)


def test_dismissing_flags_restores_auto_hidden_revision(veterans, make_page, moderator):
    page = make_page("Revision flagged")
    revision = page.current_revision
    for person in veterans:
        services.flag(person, "revision", revision.id, "spam")
    assert revision.hidden
    flags = services.resolve(moderator, ("revision", revision.id), "dismiss", "Looks fine")
    assert len(flags) == 3 and all(f.resolution == "dismiss" and f.resolved_by_id == moderator.id for f in flags)
    assert not revision.hidden
    assert services.open_flags() == []


def test_auto_hidden_page_is_deleted_until_dismissed(veterans, make_page, moderator):
    page = make_page("Page flagged")
    for person in veterans:
        services.flag(person, "page", page.id, "off_topic")
    assert page.deleted
    services.resolve(moderator, ("page", page.id), "dismiss")
    assert not page.deleted


def test_resolve_hide_and_ban_author(customer, other_customer, make_page, moderator):
    page = make_page("Bad comment")
    comment = make_comment(page, other_customer, "insults")
    services.flag(customer, "comment", comment.id, "abuse")
    with pytest.raises(ValidationError) as info:
        services.resolve(moderator, ("comment", comment.id), "ban", "")
    assert "note" in info.value.errors
    services.resolve(moderator, ("comment", comment.id), "ban", "Repeated insults")
    db.session.refresh(other_customer)
    assert comment.hidden and comment.hidden_by_id == moderator.id
    assert other_customer.is_banned_now and other_customer.banned_reason == "Repeated insults"
    kinds = set(db.session.scalars(select(Event.kind).where(Event.kind.like("moderation.%"))))
    assert {"moderation.hide_comment", "moderation.resolve", "moderation.ban"} <= kinds
    with pytest.raises(Conflict):  # resolved already
        services.resolve(moderator, ("comment", comment.id), "dismiss")


def test_resolve_is_for_moderators_only(customer, innovator, make_page):
    page = make_page("Resolve")
    services.flag(customer, "page", page.id, "spam")
    for actor in (customer, innovator):
        with pytest.raises(ValidationError) as info:
            services.resolve(actor, ("page", page.id), "dismiss")
        assert info.value.status_code == 403
    assert page.deleted is False


def test_hidden_current_revision_shows_the_previous_one(make_page, customer, moderator):
    page = make_page("Vandalised", body="Good text")
    bad = edit_page(customer, page, "BAD TEXT", "vandalism")
    services.hide_revision(moderator, bad, "Vandalism")
    assert services.visible_revision(page, customer).source == "Good text"
    assert services.visible_revision(page, None).number == 1
    assert services.visible_revision(page, moderator).id == bad.id
    services.unhide_revision(moderator, bad)
    assert services.visible_revision(page, customer).id == bad.id
    kinds = db.session.scalars(select(Event.kind).where(Event.kind.like("moderation.%"))
                               .order_by(Event.id)).all()
    assert kinds == ["moderation.hide_revision", "moderation.unhide_revision"]
    event = db.session.scalar(select(Event).where(Event.kind == "moderation.hide_revision"))
    assert event.data["reason"] == "Vandalism" and not event.public


def test_every_action_needs_a_reason_where_it_takes_something_away(make_page, moderator):
    page = make_page("Reasons")
    for action in (services.hide_revision, ):
        with pytest.raises(ValidationError):
            action(moderator, page.current_revision, "  ")
    with pytest.raises(ValidationError):
        services.protect_page(moderator, page, "")
    with pytest.raises(ValidationError):
        services.delete_page(moderator, page, "x" * 501)


def test_protect_delete_restore_and_comments(make_page, customer, moderator):
    page = make_page("Lifecycle")
    services.protect_page(moderator, page, "Edit war")
    assert page.protected
    services.unprotect_page(moderator, page, "Calm again")
    services.delete_page(moderator, page, "Spam page")
    assert page.deleted and page.deleted_at is not None
    services.restore_page(moderator, page)
    assert not page.deleted
    comment = make_comment(page, customer)
    services.hide_comment(moderator, comment, "Off topic")
    assert comment.hidden
    services.unhide_comment(moderator, comment)
    assert not comment.hidden
    kinds = db.session.scalars(select(Event.kind).where(Event.kind.like("moderation.%"))
                               .order_by(Event.id)).all()
    assert kinds == ["moderation.protect_page", "moderation.unprotect_page", "moderation.delete_page",
                     "moderation.restore_page", "moderation.hide_comment", "moderation.unhide_comment"]


def test_customers_cannot_moderate(make_page, customer):
    page = make_page("No")
    with pytest.raises(ValidationError) as info:
        services.protect_page(customer, page, "mine")
    assert info.value.status_code == 403 and not page.protected


def test_ban_with_expiry_and_unban(customer, moderator, admin):
    with pytest.raises(ValidationError):
        services.ban_user(moderator, customer, "Spam", "2001-01-01")
    with pytest.raises(ValidationError):
        services.ban_user(moderator, customer, "Spam", "next tuesday")
    until = (utcnow() + timedelta(days=7)).date().isoformat()
    services.ban_user(moderator, customer, "Spam", until)
    assert customer.is_banned_now and customer.banned_until is not None
    services.unban_user(moderator, customer, "Appeal accepted")
    assert not customer.is_banned_now
    with pytest.raises(ValidationError):
        services.ban_user(moderator, admin, "No")
    with pytest.raises(ValidationError):
        services.ban_user(moderator, moderator, "Me")


def test_rollback_reverts_every_page_to_the_last_other_author(make_page, make_user, customer, moderator):
    vandal = make_user("vandal")
    first = make_page("First", body="first good")
    second = make_page("Second", body="second good")
    untouched = make_page("Untouched", body="fine")
    edit_page(vandal, first, "spam 1")
    edit_page(vandal, first, "spam 2")
    edit_page(vandal, second, "spam 3")
    edit_page(vandal, untouched, "spam 4")
    edit_page(customer, untouched, "fixed by customer")
    own = make_page("Vandal page", author=vandal, body="all spam")
    touched = services.rollback_user(moderator, vandal)
    assert {p.slug for p in touched} == {"first", "second", "vandal-page"}
    assert first.current_revision.source == "first good" and first.current_revision.reverted_to == 1
    assert first.current_revision.author_id == moderator.id
    assert second.current_revision.source == "second good"
    assert untouched.current_revision.source == "fixed by customer"
    assert own.deleted
    assert db.session.scalar(select(Event).where(Event.kind == "moderation.rollback_user")).target_user_id == vandal.id


def test_rollback_since_leaves_older_edits(make_page, make_user, moderator):
    writer = make_user("writer")
    page = make_page("Old", body="base")
    old = edit_page(writer, page, "old edit by writer")
    old.created_at = utcnow() - timedelta(days=5)
    db.session.commit()
    assert services.rollback_user(moderator, writer, since=utcnow() - timedelta(days=1)) == []
    edit_page(writer, page, "new spam")
    services.rollback_user(moderator, writer, since=utcnow() - timedelta(days=1))
    assert page.current_revision.source == "old edit by writer"


# -- through the web ---------------------------------------------------------------------------

def test_flag_form_posts_and_queue_shows_it(customer_client, moderator_client, make_page):
    page = make_page("Web flagged", body="Buy now at example.com")
    response = customer_client.post("/moderation/flag", data={
        "target_type": "page", "target_id": page.id, "reason": "spam", "text": "an advert",
        "next": "/moderation/elsewhere"})
    assert response.status_code == 302
    html = moderator_client.get("/moderation/").get_data(as_text=True)
    assert "Web flagged" in html and "an advert" in html and "Buy now" in html
    response = moderator_client.post("/moderation/resolve", data={
        "target_type": "page", "target_id": page.id, "action": "delete", "note": "advert"})
    assert response.status_code == 302
    assert page.deleted
    log = moderator_client.get("/moderation/log").get_data(as_text=True)
    assert "delete page" in log and "advert" in log


def test_flag_form_errors_come_back_as_messages(customer_client, make_page):
    page = make_page("Flag error")
    response = customer_client.post("/moderation/flag", data={
        "target_type": "page", "target_id": page.id, "reason": "other", "text": ""},
        follow_redirects=True)
    assert "Say what is wrong" in response.get_data(as_text=True)
    assert customer_client.post("/moderation/flag", data={
        "target_type": "page", "target_id": 9999, "reason": "spam"}).status_code == 404


def test_empty_queue_says_what_to_expect(moderator_client):
    html = moderator_client.get("/moderation/").get_data(as_text=True)
    assert "No open flags" in html


@pytest.mark.parametrize("who,status", [("anon", 302), ("customer", 403), ("innovator", 403),
                                        ("moderator", 200), ("admin", 200)])
def test_moderation_pages_are_for_moderators(request, client, who, status):
    web = client if who == "anon" else request.getfixturevalue(f"{who}_client")
    for url in ("/moderation/", "/moderation/log"):
        assert web.get(url).status_code == status


def test_moderator_buttons_act_on_content(moderator_client, make_page, customer):
    page = make_page("Buttons")
    comment = make_comment(page, customer)
    assert moderator_client.post(f"/moderation/page/{page.id}/protect", data={"reason": "war"}).status_code == 302
    assert page.protected
    moderator_client.post(f"/moderation/comment/{comment.id}/hide", data={"reason": "rude"})
    assert comment.hidden
    moderator_client.post(f"/moderation/users/{customer.id}/ban", data={"reason": "rude", "until": ""})
    db.session.refresh(customer)
    assert customer.is_banned_now
    assert moderator_client.post(f"/moderation/page/{page.id}/explode").status_code == 404
    assert moderator_client.post("/moderation/page/9999/protect", data={"reason": "x"}).status_code == 404


def test_customer_cannot_use_moderator_buttons(customer_client, make_page):
    page = make_page("Not yours")
    assert customer_client.post(f"/moderation/page/{page.id}/delete", data={"reason": "x"}).status_code == 403
    assert not page.deleted


def test_flag_slots_render_for_members_only(app, customer, moderator, make_page):
    from flask_login import login_user

    from wiki.slots import render_slot

    page = make_page("Slots")
    with app.test_request_context(f"/wiki/{page.slug}"):
        assert str(render_slot("page.actions", page=page)) == ""
    with app.test_request_context(f"/wiki/{page.slug}"):
        login_user(customer)
        html = str(render_slot("revision.actions", page=page, revision=page.current_revision))
        assert 'name="target_type" value="revision"' in html and "Moderate" not in html
    with app.test_request_context(f"/wiki/{page.slug}"):
        login_user(moderator)
        html = str(render_slot("page.actions", page=page))
        assert "Report" in html and "Protect page" in html and "csrf_token" in html


def test_profile_shows_moderator_tools_and_rolls_back(moderator_client, customer_client, make_user,
                                                      make_page, customer):
    vandal = make_user("profilevandal")
    page = make_page("Profile rollback", body="good")
    edit_page(vandal, page, "bad")
    html = moderator_client.get("/people/profilevandal").get_data(as_text=True)
    assert "Roll back every page" in html and "Ban profilevandal" in html
    assert "Roll back every page" not in customer_client.get("/people/profilevandal").get_data(as_text=True)
    response = moderator_client.post(f"/moderation/users/{vandal.id}/rollback",
                                     data={"reason": "vandalism", "next": "/people/profilevandal"})
    assert response.status_code == 302 and response.location.endswith("/people/profilevandal")
    assert page.current_revision.source == "good"


def test_is_visible_to(make_page, customer, moderator):
    page = make_page("Visible")
    comment = make_comment(page, customer)
    services.hide_comment(moderator, comment, "rude")
    assert not services.is_visible_to(comment, customer) and not services.is_visible_to(comment, None)
    assert services.is_visible_to(comment, moderator)
    assert services.is_visible_to(page.current_revision, customer)


def test_demo_step_leaves_open_flags_and_copes_with_a_second_run(make_user, make_page, customer):
    from wiki.moderation.demo import demo_flags

    users = {"carol": make_user("carol"), "dave": make_user("dave")}
    demo_flags(users)  # no pages yet: nothing to flag, no error
    assert services.open_flags() == []
    first, _second = make_page("Demo one"), make_page("Demo two")
    make_comment(first, customer)
    demo_flags(users)
    demo_flags(users)
    groups = services.open_flags()
    assert {g["target_type"] for g in groups} == {"page", "revision", "comment"}
    assert sum(len(g["flags"]) for g in groups) == 3


def test_rollback_skips_hidden_revisions_and_ban_refuses_staff(make_page, make_user, moderator, customer):
    spammer, vandal = make_user("spammer"), make_user("vandal2")
    page = make_page("Layers", body="clean")
    spam = edit_page(spammer, page, "spam link")
    services.hide_revision(moderator, spam, "spam")
    edit_page(vandal, page, "vandalism")
    services.rollback_user(moderator, vandal)
    assert page.current_revision.source == "clean"
    staff_page = make_page("Staff page", author=moderator)
    services.flag(customer, "page", staff_page.id, "spam")
    with pytest.raises(ValidationError, match="Staff"):
        services.resolve(moderator, ("page", staff_page.id), "ban", "no")
    db.session.rollback()
    assert not db.session.get(type(staff_page), staff_page.id).deleted
