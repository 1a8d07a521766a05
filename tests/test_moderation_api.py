"""Flags through the JSON API, by session (with CSRF header) or bearer token."""
from wiki.api_auth import new_token
from wiki.extensions import db
from wiki.models import Flag


def bearer(user):
    _token, raw = new_token(user, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def test_member_flags_by_token(client, customer, make_page):
    page = make_page("Api flagged")
    response = client.post("/api/v1/flags", headers=bearer(customer), json={
        "target_type": "page", "target_id": page.id, "reason": "spam", "text": "ad"})
    assert response.status_code == 201, response.json
    assert response.json["target_type"] == "page" and response.json["page"] == "api-flagged"
    again = client.post("/api/v1/flags", headers=bearer(customer), json={
        "target_type": "page", "target_id": page.id, "reason": "spam"})
    assert again.status_code == 409 and again.json["error"]["message"]


def test_flag_api_errors(client, customer, make_page):
    page = make_page("Api errors")
    headers = bearer(customer)
    assert client.post("/api/v1/flags", json={"target_type": "page", "target_id": page.id,
                                              "reason": "spam"}).status_code == 401
    cases = [
        ({"target_type": "page", "target_id": page.id, "reason": "bogus"}, 400),
        ({"target_type": "page", "target_id": "1", "reason": "spam"}, 400),
        ({"target_type": "page", "target_id": page.id}, 400),
        ({"target_type": "page", "target_id": page.id, "reason": "spam", "x": 1}, 400),
        ({"target_type": "page", "target_id": page.id, "reason": "spam", "text": "y" * 1001}, 400),
        ({"target_type": "comment", "target_id": 4242, "reason": "spam"}, 404),
    ]
    for body, status in cases:
        response = client.post("/api/v1/flags", headers=headers, json=body)
        assert response.status_code == status, (body, response.json)
        assert response.json["error"]["message"]
    response = client.post("/api/v1/flags", headers=headers, data="reason=spam")
    assert response.status_code == 415


def test_moderator_lists_and_resolves_flags(client, customer, moderator, make_page):
    page = make_page("Api resolve")
    client.post("/api/v1/flags", headers=bearer(customer), json={
        "target_type": "page", "target_id": page.id, "reason": "abuse"})
    assert client.get("/api/v1/flags", headers=bearer(customer)).status_code == 403
    listing = client.get("/api/v1/flags", headers=bearer(moderator)).json
    assert listing["total"] == 1 and listing["flags"][0]["reporter"] == "casey"
    flag_id = listing["flags"][0]["id"]
    response = client.post(f"/api/v1/flags/{flag_id}/resolve", headers=bearer(moderator),
                           json={"action": "delete", "note": "abusive"})
    assert response.status_code == 200 and response.json["resolved"][0]["resolution"] == "delete"
    assert page.deleted and db.session.get(Flag, flag_id).resolved_at is not None
