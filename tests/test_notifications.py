"""Notifications from watches and votes, the header count, the list page and the JSON API."""
from sqlalchemy import select

from wiki import events
from wiki.extensions import db
from wiki.models import Notification, Vote
from wiki.notifications import services
from wiki.pages.services import edit_page
from wiki.watches.services import watch


def _notes(user):
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def test_page_watchers_hear_of_edits_but_not_of_their_own(make_user, make_page):
    author = make_user("writer")
    editor = make_user("editor")
    page = make_page("Battery tips", author=author)
    assert _notes(author) == []  # creating it: the actor is never notified
    edit_page(editor, page, "Better text.", "tidy")
    notes = _notes(author)
    assert [(n.event.kind, n.reason) for n in notes] == [("page.edited", "watch:page")]
    edit_page(author, page, "Even better text.")
    assert len(_notes(author)) == 1  # own edit: nothing new
    assert _notes(editor) == []


def test_product_tag_and_status_watchers(make_user, make_proposal, product, moderator):
    prod_fan, tag_fan, planned_fan, shipped_fan = (
        make_user(n) for n in ("prodfan", "tagfan", "plannedfan", "shippedfan"))
    watch(prod_fan, "product", product.id)
    page = make_proposal("Dark mode", tags=["ui"])
    watch(tag_fan, "tag", "ui")
    watch(planned_fan, "status", "planned")
    watch(shipped_fan, "status", "shipped")
    assert [n.event.kind for n in _notes(prod_fan)] == ["page.created"]
    events.record("proposal.status", moderator, page=page, data={"from": "new", "to": "planned"})
    db.session.commit()
    assert [n.reason for n in _notes(planned_fan)] == ["watch:status"]
    assert _notes(shipped_fan) == []
    assert [n.event.kind for n in _notes(tag_fan)] == ["proposal.status"]
    assert [n.event.kind for n in _notes(prod_fan)] == ["page.created", "proposal.status"]


def test_voters_hear_of_status_changes_responses_and_merges(make_user, make_proposal, moderator):
    voter, quiet = make_user("voter"), make_user("quiet")
    page = make_proposal("Dark mode")
    db.session.add(Vote(user_id=voter.id, page_id=page.id, value=1))
    db.session.add(Vote(user_id=moderator.id, page_id=page.id, value=1))
    db.session.commit()
    for kind in ("proposal.status", "proposal.response", "proposal.merged", "comment.created"):
        events.record(kind, moderator, page=page, data={"to": "under_review"})
    db.session.commit()
    assert [(n.event.kind, n.reason) for n in _notes(voter)] == [
        ("proposal.status", "vote"), ("proposal.response", "vote"), ("proposal.merged", "vote")]
    assert _notes(moderator) == []  # the actor, though a voter
    assert _notes(quiet) == []


def test_non_public_events_notify_nobody(make_user, make_page, moderator):
    author = make_user("writer")
    page = make_page("Battery tips", author=author)
    events.record("moderation.protect", moderator, page=page, public=False)
    db.session.commit()
    assert _notes(author) == []


def test_header_count_list_follow_and_mark_read(login, make_user, make_page):
    author = make_user("writer")
    editor = make_user("editor")
    page = make_page("Battery tips", author=author)
    edit_page(editor, page, "Second text.", "second")
    edit_page(editor, page, "Third text.", "third")
    client = login(author)
    html = client.get("/account/").get_data(as_text=True)
    assert 'aria-label="Notifications, 2 unread"' in html
    listing = client.get("/notifications/").get_data(as_text=True)
    assert "editor edited “Battery tips”" in listing and "third" in listing
    assert "Mark all 2 read" in listing
    first, second = _notes(author)
    response = client.get(f"/notifications/{first.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/wiki/battery-tips/diff?from=1&to=2")
    assert services.unread_count(author) == 1
    assert "1 unread" in client.get("/notifications/").get_data(as_text=True)
    unread_only = client.get("/notifications/?show=unread").get_data(as_text=True)
    assert f"/notifications/{second.id}\"" in unread_only and f"/notifications/{first.id}\"" not in unread_only
    assert client.post("/notifications/read-all").status_code == 302
    assert services.unread_count(author) == 0
    assert "Nothing unread" in client.get("/notifications/?show=unread").get_data(as_text=True)


def test_mark_one_read_and_others_notifications_are_404(login, make_user, make_page, customer):
    author, editor = make_user("writer"), make_user("editor")
    page = make_page("Battery tips", author=author)
    edit_page(editor, page, "Second text.")
    (note,) = _notes(author)
    assert login(customer).get(f"/notifications/{note.id}").status_code == 404
    assert login(customer).post(f"/notifications/{note.id}/read").status_code == 404
    assert login(author).post(f"/notifications/{note.id}/read").status_code == 302
    db.session.refresh(note)
    assert note.read_at is not None


def test_empty_list_tells_what_to_do(customer_client, client):
    assert "No notifications yet" in customer_client.get("/notifications/").get_data(as_text=True)
    assert client.get("/notifications/").status_code == 302  # log in first


def test_notifications_are_paginated(login, make_user, make_page):
    author, editor = make_user("writer"), make_user("editor")
    page = make_page("Battery tips", author=author)
    for n in range(3):
        edit_page(editor, page, f"Text {n}.")
    client = login(author)
    body = client.get("/api/v1/notifications?per_page=2").get_json()
    assert body["total"] == 3 and len(body["notifications"]) == 2 and body["unread"] == 3
    assert client.get("/api/v1/notifications?per_page=2&page=2").get_json()["notifications"][0]["kind"] == "page.edited"
    assert client.get("/api/v1/notifications?page=9").get_json()["notifications"] == []
    html = client.get("/notifications/?per_page=2").get_data(as_text=True)
    assert 'rel="next"' in html


def test_api_marks_read_by_ids_or_all(login, make_user, make_page, customer):
    author, editor = make_user("writer"), make_user("editor")
    page = make_page("Battery tips", author=author)
    edit_page(editor, page, "Second.")
    edit_page(editor, page, "Third.")
    first, second = _notes(author)
    client = login(author)
    body = client.get("/api/v1/notifications").get_json()
    assert {n["id"] for n in body["notifications"]} == {first.id, second.id}
    assert body["notifications"][0]["url"].startswith("/wiki/battery-tips/diff")
    response = client.post("/api/v1/notifications/read", json={"ids": [first.id, 999999]})
    assert response.status_code == 200 and response.get_json() == {"marked": 1, "unread": 1}
    assert client.get("/api/v1/notifications?unread=1").get_json()["total"] == 1
    # another user's ids change nothing
    assert login(customer).post("/api/v1/notifications/read", json={"ids": [second.id]}).get_json()["marked"] == 0
    assert client.post("/api/v1/notifications/read", json={"all": True}).get_json() == {"marked": 1, "unread": 0}


def test_api_bad_input(login, customer, client):
    api = login(customer)
    assert api.post("/api/v1/notifications/read", data="ids=1").status_code == 415
    for body, code in (({}, "missing_field"), ({"ids": "1"}, "wrong_type"),
                       ({"ids": ["x"]}, "invalid"), ({"all": "yes"}, "wrong_type"),
                       ({"everything": True}, "unknown_field")):
        response = api.post("/api/v1/notifications/read", json=body)
        assert response.status_code == 400, body
        assert response.get_json()["error"]["code"] == code, body
    response = api.post("/api/v1/notifications/read", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert client.get("/api/v1/notifications").status_code == 401


def test_merge_notifies_voters_listed_in_the_event(make_user, make_proposal, moderator):
    folded = make_user("folded")  # voted on both pages: only the target's vote is left
    source, target = make_proposal("Dark mode"), make_proposal("Night theme")
    db.session.add(Vote(user_id=folded.id, page_id=target.id, value=1))
    db.session.commit()
    events.record("proposal.merged", moderator, page=source,
                  data={"into": target.slug, "voter_ids": [folded.id, moderator.id, "x", 999999]})
    db.session.commit()
    (note,) = _notes(folded)
    assert note.reason == "vote"
    assert _notes(moderator) == []


def test_an_assignment_reads_as_a_sentence(make_proposal, moderator, make_user):
    from wiki.models import Event
    from wiki.notifications import describe
    from wiki.triage.services import assign

    proposal = make_proposal("Faster sync")
    assign(moderator, proposal, moderator)
    assign(moderator, proposal, None)
    lines = [describe.title(e) for e in db.session.scalars(
        select(Event).where(Event.kind == "proposal.assigned").order_by(Event.id))]
    name = moderator.username
    assert lines == [f"{name} assigned “Faster sync” to {name}", f"{name} assigned “Faster sync” to nobody"]
