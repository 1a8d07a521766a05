"""Triage actions through the web UI: the role matrix, stale forms, and the proposal panels."""
import pytest
from flask_login import login_user
from sqlalchemy import select

from wiki.extensions import db
from wiki.models import InternalNote, Merge
from wiki.slots import render_slot
from wiki.triage import services

ACTIONS = [  # (path after /triage/<slug>, form, needs insights)
    ("status", {"status": "under_review"}, False),
    ("assign", {"assignee": "morgan"}, False),
    ("response", {"body": "Thanks!"}, False),
    ("merge", {"into": "other-idea"}, False),
    ("impact", {"impact": "high"}, True),
    ("notes", {"body": "Private"}, True),
]


@pytest.fixture
def proposal(make_proposal, moderator):
    make_proposal("Other idea")
    return make_proposal("Main idea")


@pytest.mark.parametrize("action,form,insights", ACTIONS)
def test_anonymous_is_sent_to_log_in(client, proposal, action, form, insights):
    response = client.post(f"/triage/{proposal.slug}/{action}", data=form)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("action,form,insights", ACTIONS)
def test_customer_is_refused(customer_client, proposal, action, form, insights):
    assert customer_client.post(f"/triage/{proposal.slug}/{action}", data=form).status_code == 403


@pytest.mark.parametrize("action,form,insights", ACTIONS)
def test_moderator_may_triage_but_not_insights(moderator_client, proposal, action, form, insights):
    response = moderator_client.post(f"/triage/{proposal.slug}/{action}", data=form)
    assert response.status_code == (403 if insights else 302)


@pytest.mark.parametrize("action,form,insights", ACTIONS)
def test_innovation_may_do_everything(innovator_client, moderator, proposal, action, form,
                                      insights):
    response = innovator_client.post(f"/triage/{proposal.slug}/{action}", data=form)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/wiki/{proposal.slug}")


def test_queue_access(client, customer_client, moderator_client, innovator_client, admin_client):
    assert client.get("/triage/").status_code == 302
    assert customer_client.get("/triage/").status_code == 403
    for staff in (moderator_client, innovator_client, admin_client):
        assert staff.get("/triage/").status_code == 200
    assert customer_client.post("/triage/bulk", data={"action": "status"}).status_code == 403


def test_status_form_changes_status(moderator_client, proposal):
    response = moderator_client.post(f"/triage/{proposal.slug}/status", data={
        "status": "under_review", "note": "On it", "expected_status": "new"})
    assert response.status_code == 302
    db.session.expire_all()
    assert proposal.proposal.status == "under_review"


def test_stale_status_form_is_409(moderator_client, innovator, proposal):
    services.change_status(innovator, proposal, "declined")
    response = moderator_client.post(f"/triage/{proposal.slug}/status", data={
        "status": "under_review", "expected_status": "new"})
    assert response.status_code == 409
    assert "Someone else changed the status to Declined" in response.get_data(as_text=True)
    db.session.expire_all()
    assert proposal.proposal.status == "declined"


def test_refused_transition_is_400_with_message(moderator_client, proposal):
    response = moderator_client.post(f"/triage/{proposal.slug}/status", data={"status": "shipped"})
    assert response.status_code == 400
    assert "cannot go from New to Shipped" in response.get_data(as_text=True)


def test_assign_to_customer_is_400(moderator_client, customer, proposal):
    response = moderator_client.post(f"/triage/{proposal.slug}/assign", data={"assignee": "casey"})
    assert response.status_code == 400 and "cannot be assigned" in response.get_data(as_text=True)
    response = moderator_client.post(f"/triage/{proposal.slug}/assign", data={"assignee": "nobody1"})
    assert response.status_code == 400


def test_merge_and_unmerge_routes(moderator_client, proposal):
    assert moderator_client.post(f"/triage/{proposal.slug}/merge",
                                 data={"into": proposal.slug}).status_code == 400
    assert moderator_client.post(f"/triage/{proposal.slug}/merge",
                                 data={"into": "missing"}).status_code == 400
    assert moderator_client.post(f"/triage/{proposal.slug}/merge",
                                 data={"into": "other-idea"}).status_code == 302
    row = db.session.scalars(select(Merge)).one()
    assert moderator_client.post(f"/triage/{proposal.slug}/unmerge/999").status_code == 404
    assert moderator_client.post(f"/triage/{proposal.slug}/unmerge/{row.id}").status_code == 302
    db.session.expire_all()
    assert proposal.proposal.status == "new" and row.undone_at is not None


def test_unknown_proposal_is_404(moderator_client, make_page):
    article = make_page("Just an article")
    assert moderator_client.post("/triage/missing/status", data={"status": "declined"}).status_code == 404
    assert moderator_client.post(f"/triage/{article.slug}/status",
                                 data={"status": "declined"}).status_code == 404


def test_bad_impact_is_400(innovator_client, proposal):
    assert innovator_client.post(f"/triage/{proposal.slug}/impact",
                                 data={"impact": "huge"}).status_code == 400


def test_internal_note_saved(innovator_client, proposal):
    innovator_client.post(f"/triage/{proposal.slug}/notes", data={"body": "Enterprise asks"})
    assert db.session.scalars(select(InternalNote.body)).all() == ["Enterprise asks"]
    assert innovator_client.post(f"/triage/{proposal.slug}/notes", data={"body": " "}).status_code == 400


def _slot(app, name, user, page):
    with app.test_request_context("/wiki/" + page.slug):
        if user is not None:
            login_user(user)
        return str(render_slot(name, page=page, revision=None))


def test_page_top_shows_response_badge_and_timeline(app, moderator, proposal):
    services.change_status(moderator, proposal, "under_review", note="Reading the votes")
    services.post_response(moderator, proposal, "We *like* it.")
    html = _slot(app, "page.top", None, proposal)
    assert "status-under_review" in html and "Official response" in html
    assert "<em>like</em>" in html and "Reading the votes" in html


def test_page_top_is_empty_for_other_pages(app, make_page):
    assert _slot(app, "page.top", None, make_page("An article")) == ""


def test_page_aside_by_role(app, customer, moderator, innovator, proposal):
    services.add_note(innovator, proposal, "Secret plan")
    assert _slot(app, "page.aside", customer, proposal) == ""
    assert _slot(app, "page.aside", None, proposal) == ""
    html = _slot(app, "page.aside", moderator, proposal)
    assert "Change status" in html and "Secret plan" not in html
    assert "Votes per segment" not in html and "Impact estimate" not in html
    html = _slot(app, "page.aside", innovator, proposal)
    assert "Secret plan" in html and "Votes per segment" in html and "Impact estimate" in html
    assert 'name="csrf_token"' in html


def test_profile_shows_proposals_and_lead_breakdown(client, make_user, make_proposal):
    author = make_user("thinker")
    make_proposal("Thinker idea", author=author)
    html = client.get("/people/thinker").get_data(as_text=True)
    assert "Thinker idea" in html and "Lead score: 0" in html
    assert "Edits kept by later revisions" in html


def test_stale_merge_form_is_409(moderator_client, innovator, proposal):
    services.change_status(innovator, proposal, "under_review")
    response = moderator_client.post(f"/triage/{proposal.slug}/merge",
                                     data={"into": "other-idea", "expected_status": "new"})
    assert response.status_code == 409
    db.session.expire_all()
    assert proposal.proposal.status == "under_review"
    assert db.session.scalars(select(Merge)).all() == []
