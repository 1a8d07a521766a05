"""The proposals JSON API: lists, detail, triage actions, permissions like the web UI."""
import pytest
from sqlalchemy import select

from wiki.api_auth import new_token
from wiki.extensions import db
from wiki.models import Merge, Vote
from wiki.triage import services
from wiki.votes.accounting import recount_page


def bearer(user):
    _, raw = new_token(user, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def ideas(make_proposal, make_product):
    watch = make_product("Acme Watch")
    return make_proposal("Phone idea"), make_proposal("Watch idea", product=watch)


def test_list_filters_and_pagination(client, moderator, ideas):
    phone, watch = ideas
    services.change_status(moderator, watch, "declined")
    body = client.get("/api/v1/proposals").get_json()
    assert body["total"] == 2 and {p["slug"] for p in body["proposals"]} == {phone.slug, watch.slug}
    body = client.get("/api/v1/proposals?status=declined").get_json()
    assert [p["slug"] for p in body["proposals"]] == [watch.slug]
    body = client.get("/api/v1/proposals?status=open").get_json()
    assert [p["slug"] for p in body["proposals"]] == [phone.slug]
    body = client.get("/api/v1/proposals?product=acme-watch").get_json()
    assert [p["slug"] for p in body["proposals"]] == [watch.slug]
    body = client.get("/api/v1/proposals?per_page=1&page=2").get_json()
    assert body["total"] == 2 and len(body["proposals"]) == 1 and body["page"] == 2
    response = client.get("/api/v1/proposals?status=bogus")
    assert response.status_code == 400 and "Unknown status" in response.get_json()["error"]["message"]


def test_detail_hides_internal_notes_from_others(client, moderator, innovator, ideas):
    phone, _ = ideas
    services.change_status(moderator, phone, "under_review", note="Looking")
    services.set_impact(innovator, phone, "high")
    services.add_note(innovator, phone, "Secret")
    public = client.get(f"/api/v1/proposals/{phone.slug}").get_json()
    assert public["status"] == "under_review"
    assert public["timeline"][0] == {"from": "new", "to": "under_review", "note": "Looking",
                                     "by": "morgan", "at": public["timeline"][0]["at"]}
    assert "internal_notes" not in public and "impact" not in public
    as_mod = client.get(f"/api/v1/proposals/{phone.slug}", headers=bearer(moderator)).get_json()
    assert "internal_notes" not in as_mod and "merges" in as_mod
    as_inno = client.get(f"/api/v1/proposals/{phone.slug}", headers=bearer(innovator)).get_json()
    assert [n["body"] for n in as_inno["internal_notes"]] == ["Secret"]
    assert as_inno["impact"] == "high"
    assert client.get("/api/v1/proposals/missing").status_code == 404


def test_status_endpoint(client, moderator, customer, ideas):
    phone, _ = ideas
    url = f"/api/v1/proposals/{phone.slug}/status"
    assert client.post(url, json={"status": "under_review"}).status_code == 401
    response = client.post(url, json={"status": "under_review"}, headers=bearer(customer))
    assert response.status_code == 403
    headers = bearer(moderator)
    response = client.post(url, json={"status": "under_review", "note": "ok"}, headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "under_review"
    response = client.post(url, json={"status": "shipped"}, headers=headers)
    assert response.status_code == 400 and "cannot go from" in response.get_json()["error"]["message"]
    response = client.post(url, json={"status": "planned", "expected_status": "new"}, headers=headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"
    assert client.post(url, json={"status": 3}, headers=headers).status_code == 400
    assert client.post(url, json={"colour": "red"}, headers=headers).status_code == 400
    assert client.post(url, data="status=planned", headers=headers).status_code == 415


def test_merge_and_unmerge_endpoints(client, moderator, make_user, ideas):
    phone, watch = ideas
    voter = make_user("voter1")
    db.session.add(Vote(user_id=voter.id, page_id=watch.id, value=1))
    recount_page(watch.id)
    db.session.commit()
    headers = bearer(moderator)
    response = client.post(f"/api/v1/proposals/{watch.slug}/merge", json={"into": watch.slug},
                           headers=headers)
    assert response.status_code == 400
    assert client.post(f"/api/v1/proposals/{watch.slug}/merge", json={"into": "nope"},
                       headers=headers).status_code == 404
    response = client.post(f"/api/v1/proposals/{watch.slug}/merge", json={"into": phone.slug},
                           headers=headers)
    body = response.get_json()
    assert response.status_code == 200
    assert body["source"]["status"] == "duplicate" and body["source"]["duplicate_of"] == phone.slug
    assert body["target"]["votes"] == {"up": 1, "down": 0, "score": 1}
    response = client.post(f"/api/v1/proposals/{watch.slug}/unmerge",
                           json={"merge_id": body["merge_id"]}, headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "new"
    assert response.get_json()["votes"]["up"] == 1
    assert db.session.scalars(select(Merge)).one().undone_at is not None


def test_assign_response_impact_notes(client, moderator, innovator, customer, ideas):
    phone, _ = ideas
    mod, inno = bearer(moderator), bearer(innovator)
    base = f"/api/v1/proposals/{phone.slug}"
    assert client.post(f"{base}/assign", json={"assignee": "indira"},
                       headers=mod).get_json()["assignee"] == "indira"
    assert client.post(f"{base}/assign", json={"assignee": "casey"}, headers=mod).status_code == 400
    assert client.post(f"{base}/assign", json={"assignee": None},
                       headers=mod).get_json()["assignee"] is None
    body = client.post(f"{base}/response", json={"body": "We **will**."}, headers=mod).get_json()
    assert "<strong>will</strong>" in body["response"]["html"] and body["response"]["by"] == "morgan"
    assert client.post(f"{base}/impact", json={"impact": "high"}, headers=mod).status_code == 403
    assert client.post(f"{base}/notes", json={"body": "x"}, headers=mod).status_code == 403
    assert client.post(f"{base}/impact", json={"impact": "high"},
                       headers=inno).get_json()["impact"] == "high"
    response = client.post(f"{base}/notes", json={"body": "Private"}, headers=inno)
    assert response.status_code == 201 and response.get_json()["body"] == "Private"
    assert client.post(f"{base}/response", json={"body": "x"},
                       headers=bearer(customer)).status_code == 403


def test_every_proposal_endpoint_is_documented(app):
    views = [view for rule, view in ((r.rule, app.view_functions[r.endpoint])
                                     for r in app.url_map.iter_rules())
             if rule.startswith("/api/v1/proposals")]
    assert len(views) == 9
    assert all(view.api_doc["summary"] for view in views)
