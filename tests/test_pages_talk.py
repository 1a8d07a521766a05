"""Talk pages: Markdown comments with one level of replies."""
import pytest
from sqlalchemy import select

from wiki.errors import ValidationError
from wiki.extensions import db
from wiki.models import Comment, Event
from wiki.pages.services import add_comment


def test_customer_comments_and_replies_on_the_talk_page(customer_client, make_page, other_customer):
    page = make_page("Talkative")
    response = customer_client.post("/wiki/talkative/talk", data={"body": "Is **this** right?"})
    assert response.status_code == 302 and "#comment-" in response.location
    first = db.session.scalar(select(Comment))
    assert first.html == "<p>Is <strong>this</strong> right?</p>" and page.comment_count == 1
    customer_client.post("/wiki/talkative/talk", data={"body": "Answering myself", "parent": first.id})
    reply = db.session.scalar(select(Comment).where(Comment.parent_id == first.id))
    assert reply is not None
    html = customer_client.get("/wiki/talkative/talk").get_data(as_text=True)
    assert html.index("Is <strong>this</strong>") < html.index("Answering myself")
    assert 'class="replies"' in html
    event = db.session.scalar(select(Event).order_by(Event.id.desc()))
    assert (event.kind, event.comment_id, event.page_id) == ("comment.created", reply.id, page.id)


def test_replies_stay_one_level_deep(customer, make_page):
    page = make_page("Threads")
    top = add_comment(customer, page, "top")
    reply = add_comment(customer, page, "reply", parent=top)
    nested = add_comment(customer, page, "reply to reply", parent=reply)
    assert nested.parent_id == top.id


def test_reply_must_belong_to_the_same_page(customer, make_page):
    one, two = make_page("One"), make_page("Two")
    comment = add_comment(customer, one, "hello")
    with pytest.raises(ValidationError):
        add_comment(customer, two, "crossing", parent=comment)


def test_empty_and_bad_replies_are_refused(customer_client, make_page):
    make_page("Quiet")
    assert customer_client.post("/wiki/quiet/talk", data={"body": "   "}).status_code == 400
    assert customer_client.post("/wiki/quiet/talk", data={"body": "x", "parent": "999"}).status_code == 400
    assert customer_client.post("/wiki/quiet/talk", data={"body": "x", "parent": "abc"}).status_code == 400
    assert db.session.scalar(select(Comment)) is None


def test_hidden_comments_are_not_shown_to_readers(client, moderator_client, customer, make_page):
    page = make_page("Moderated")
    comment = add_comment(customer, page, "RUDE WORDS")
    comment.hidden = True
    db.session.commit()
    assert "RUDE WORDS" not in client.get("/wiki/moderated/talk").get_data(as_text=True)
    assert "RUDE WORDS" in moderator_client.get("/wiki/moderated/talk").get_data(as_text=True)


def test_anonymous_readers_see_talk_and_an_invitation_to_log_in(client, customer, make_page):
    page = make_page("Public talk")
    add_comment(customer, page, "visible to all")
    html = client.get("/wiki/public-talk/talk").get_data(as_text=True)
    assert "visible to all" in html and "to join the conversation" in html
