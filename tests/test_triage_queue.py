"""The triage queue through the test client: filters, sorts, counts, bulk actions, segments."""
import re

import pytest
from sqlalchemy import select

from wiki.extensions import db
from wiki.models import Segment, Vote
from wiki.triage import queue, services
from wiki.votes.accounting import recount_page


def vote(user, page, value=1):
    db.session.add(Vote(user_id=user.id, page_id=page.id, value=value))
    db.session.flush()
    recount_page(page.id)
    db.session.commit()


def rows(html):
    return re.findall(r'<tr class="queue-row" data-slug="([^"]+)"', html)


def count_of(html, status):
    return int(re.search(rf'data-status="{status}">(\d+)<', html).group(1))


@pytest.fixture
def segs(app):
    return db.session.scalars(select(Segment).order_by(Segment.position)).all()


def test_queue_needs_attention_first(innovator_client, moderator, make_proposal):
    old = make_proposal("Old idea")
    answered = make_proposal("Answered idea")
    fresh = make_proposal("Fresh idea")
    reviewed = make_proposal("Reviewed idea")
    for page in (old, answered, reviewed):
        services.change_status(moderator, page, "under_review")
    services.post_response(moderator, answered, "Thanks, looking.")
    html = innovator_client.get("/triage/").get_data(as_text=True)
    assert rows(html) == [fresh.slug, old.slug, reviewed.slug, answered.slug]


def test_queue_sorts(innovator_client, make_user, make_proposal):
    a, b, c = make_proposal("Idea A"), make_proposal("Idea B"), make_proposal("Idea C")
    users = [make_user(f"user{i}") for i in range(6)]
    for user in users[:2]:
        vote(user, a)          # 2 up, 0 down: wilson ≈ 0.34
    for user in users[:5]:
        vote(user, b)
    vote(users[5], b, -1)      # 5 up, 1 down: score 4, wilson ≈ 0.44
    for user in users[:3]:
        vote(user, c)          # 3 up: score 3, wilson ≈ 0.44 (higher: no down vote)
    by_votes = rows(innovator_client.get("/triage/?sort=votes").get_data(as_text=True))
    assert by_votes == [b.slug, c.slug, a.slug]
    by_wilson = rows(innovator_client.get("/triage/?sort=wilson").get_data(as_text=True))
    assert by_wilson == [c.slug, b.slug, a.slug]
    by_age = rows(innovator_client.get("/triage/?sort=age").get_data(as_text=True))
    assert by_age == [a.slug, b.slug, c.slug]
    db.session.refresh(a)
    a.proposal.last_activity_at = a.proposal.last_activity_at.replace(year=2099)
    db.session.commit()
    assert rows(innovator_client.get("/triage/?sort=activity").get_data(as_text=True))[0] == a.slug


def test_wilson_lower_bound():
    assert queue.wilson_lower_bound(0, 0) == 0
    assert queue.wilson_lower_bound(3, 0) > queue.wilson_lower_bound(5, 1) > 0
    assert round(queue.wilson_lower_bound(1, 0), 3) == 0.207


def test_queue_filters_and_counts(innovator_client, innovator, make_user, make_product,
                                  make_proposal, segs):
    other = make_product("Acme Watch")
    a = make_proposal("Phone idea", tags=["battery"])
    b = make_proposal("Watch idea", product=other)
    c = make_proposal("Declined idea")
    services.change_status(innovator, c, "declined")
    services.assign(innovator, b, innovator)
    voter = make_user("segmented", segment=segs[1])
    vote(voter, b)

    def listed(query):
        return rows(innovator_client.get(f"/triage/?{query}").get_data(as_text=True))

    assert sorted(listed("")) == sorted([a.slug, b.slug])
    assert listed("product=acme-watch") == [b.slug]
    assert listed("status=declined") == [c.slug]
    assert sorted(listed("status=all")) == sorted([a.slug, b.slug, c.slug])
    assert listed("assignee=indira") == [b.slug]
    assert listed("assignee=none") == [a.slug]
    assert listed("assignee=me") == [b.slug]
    assert listed("tag=battery") == [a.slug]
    assert listed(f"segment={segs[1].slug}") == [b.slug]
    assert listed(f"segment={segs[0].slug}") == []
    html = innovator_client.get("/triage/?product=acme-phone").get_data(as_text=True)
    assert count_of(html, "new") == 1 and count_of(html, "declined") == 1
    assert count_of(html, "planned") == 0


def test_lead_customers_only(innovator_client, make_user, make_proposal, app):
    lead = make_user("leader")
    lead.lead_score = 50
    db.session.commit()
    mine = make_proposal("Leader idea", author=lead)
    make_proposal("Someone else's idea")
    html = innovator_client.get("/triage/?lead=1").get_data(as_text=True)
    assert rows(html) == [mine.slug]
    app.config["LEAD_CUSTOMER_MIN_SCORE"] = 60
    assert rows(innovator_client.get("/triage/?lead=1").get_data(as_text=True)) == []


def test_bad_filters_fall_back(innovator_client, make_proposal):
    page = make_proposal()
    response = innovator_client.get("/triage/?status=bogus&sort=bogus")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and rows(html) == [page.slug]
    assert "Unknown status" in html and "Unknown sort" in html


def test_empty_queue_says_what_to_do(innovator_client):
    html = innovator_client.get("/triage/").get_data(as_text=True)
    assert "No proposals match these filters" in html


def test_votes_by_segment_one_query(app, make_user, make_proposal, segs):
    from sqlalchemy import event

    a, b = make_proposal("Idea A"), make_proposal("Idea B")
    vote(make_user("seg0", segment=segs[0]), a)
    vote(make_user("seg0b", segment=segs[0]), a, -1)
    vote(make_user("seg2", segment=segs[2]), b)
    vote(make_user("nosegment"), b)
    ids = [a.id, b.id]
    statements = []
    listener = lambda *args: statements.append(args[2])
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result = queue.votes_by_segment(ids)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    selects = [s for s in statements if s.startswith("SELECT")]
    assert len(selects) == 2  # the segments, then one grouped query for every page
    assert sum("FROM votes" in s for s in selects) == 1
    by_name = {row["name"]: (row["up"], row["down"]) for row in result[a.id]}
    assert by_name[segs[0].name] == (1, 1) and by_name[segs[1].name] == (0, 0)
    by_name = {row["name"]: (row["up"], row["down"]) for row in result[b.id]}
    assert by_name[segs[2].name] == (1, 0) and by_name["No segment"] == (1, 0)


def test_queue_shows_segment_chart_to_innovation_only(innovator_client, moderator_client,
                                                      make_user, make_proposal, segs):
    page = make_proposal()
    vote(make_user("seg0", segment=segs[0]), page)
    html = innovator_client.get("/triage/").get_data(as_text=True)
    assert '<svg class="bars"' in html and f"{segs[0].name}: 1 for" in html
    html = moderator_client.get("/triage/").get_data(as_text=True)
    assert rows(html) == [page.slug] and '<svg class="bars"' not in html
    assert 'name="lead"' not in html


def test_bulk_status_reports_partial_failure(moderator_client, moderator, make_proposal):
    a, b = make_proposal("Idea A"), make_proposal("Idea B")
    shipped = make_proposal("Idea C")
    for status in ("under_review", "planned", "in_progress", "shipped"):
        services.change_status(moderator, shipped, status)
    response = moderator_client.post("/triage/bulk", data={
        "ids": [a.id, b.id, shipped.id, 99999], "action": "status", "status": "under_review",
        "note": "Batch review"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Updated 2 proposals." in html
    assert "Not updated: “Idea C”" in html and "cannot go from Shipped" in html
    assert "#99999" in html
    db.session.expire_all()
    assert a.proposal.status == b.proposal.status == "under_review"
    assert services.timeline(a)[-1].note == "Batch review"
    assert shipped.proposal.status == "shipped"


def test_bulk_assign(moderator_client, innovator, customer, make_proposal):
    a, b = make_proposal("Idea A"), make_proposal("Idea B")
    moderator_client.post("/triage/bulk", data={"ids": [a.id, b.id], "action": "assign",
                                                "assignee": "indira"})
    db.session.expire_all()
    assert a.proposal.assignee_id == b.proposal.assignee_id == innovator.id
    response = moderator_client.post("/triage/bulk", data={"ids": [a.id], "action": "assign",
                                                           "assignee": "casey"},
                                     follow_redirects=True)
    assert "cannot be assigned" in response.get_data(as_text=True)


def test_bulk_bad_input(moderator_client):
    assert moderator_client.post("/triage/bulk", data={"ids": ["x"], "action": "status"}).status_code == 400
    assert moderator_client.post("/triage/bulk", data={"action": "status"}).status_code == 400
    assert moderator_client.post("/triage/bulk", data={"ids": [1], "action": "delete"}).status_code == 400


def test_suggested_duplicates_are_optional(innovator_client, make_proposal, monkeypatch):
    import sys
    import types

    a, b = make_proposal("Dark mode"), make_proposal("Dark theme")
    fake = types.ModuleType("wiki.search.services")
    fake.similar_proposals = lambda title, exclude_page_id=None, limit=5: [
        {"slug": b.slug, "title": b.title}] if exclude_page_id == a.id else []
    monkeypatch.setitem(sys.modules, "wiki.search.services", fake)
    html = innovator_client.get("/triage/").get_data(as_text=True)
    assert f'<a href="/wiki/{b.slug}">Dark theme</a>' in html

    def broken(*args, **kwargs):
        raise RuntimeError("index missing")

    fake.similar_proposals = broken
    assert innovator_client.get("/triage/").status_code == 200
