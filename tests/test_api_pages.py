"""The pages API: list, get, create, update with conflicts, revisions and diffs."""
import pytest

from wiki.extensions import db
from wiki.models import Event, Page
from wiki.pages.services import edit_page


@pytest.fixture
def auth(make_token, customer):
    return make_token(customer)


def test_create_page_answers_201_with_the_page_and_location(client, auth, product):
    response = client.post("/api/v1/pages", headers=auth, json={
        "title": "Battery lasts two days", "kind": "review", "product": product.slug,
        "body": "Long **battery**.", "summary": "First impressions", "tags": ["battery", "Power"]})
    assert response.status_code == 201, response.json
    page = response.json
    assert page["slug"] == "battery-lasts-two-days"
    assert page["kind"] == "review" and page["product"] == product.slug
    assert page["tags"] == ["battery", "power"]
    assert page["revision"] == 1 and page["body"] == "Long **battery**."
    assert "<strong>battery</strong>" in page["html"]
    assert page["votes"] == {"up": 0, "down": 0, "score": 0}
    assert response.headers["Location"].endswith("/api/v1/pages/battery-lasts-two-days")
    assert db.session.query(Event).filter_by(kind="page.created").count() == 1


def test_create_proposal_has_a_status(client, auth, product):
    response = client.post("/api/v1/pages", headers=auth, json={
        "title": "Dark mode", "kind": "proposal", "product": product.slug, "body": "Please."})
    assert response.status_code == 201
    assert response.json["status"] == "new"


@pytest.mark.parametrize("payload, status, code", [
    ({"title": "T", "kind": "article"}, 400, "missing_field"),
    ({"title": "T", "kind": "article", "body": "x", "colour": "red"}, 400, "unknown_field"),
    ({"title": 5, "kind": "article", "body": "x"}, 400, "wrong_type"),
    ({"title": "T", "kind": "article", "body": "x", "tags": "a,b"}, 400, "wrong_type"),
    ({"title": "T", "kind": "article", "body": "x", "tags": [1]}, 400, "wrong_type"),
    ({"title": "T", "kind": "poem", "body": "x"}, 400, "invalid"),
    ({"title": "T", "kind": "review", "body": "x"}, 400, "invalid"),
    ({"title": "T", "kind": "review", "body": "x", "product": "nope"}, 400, "unknown_product"),
])
def test_create_page_rejects_bad_input(client, auth, payload, status, code):
    response = client.post("/api/v1/pages", headers=auth, json=payload)
    assert response.status_code == status
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]
    assert db.session.query(Page).count() == 0


def test_create_page_rejects_malformed_json_and_other_content_types(client, auth):
    broken = client.post("/api/v1/pages", headers=auth, data="{not json",
                         content_type="application/json")
    assert broken.status_code == 400 and broken.json["error"]["code"] == "invalid_json"
    listed = client.post("/api/v1/pages", headers=auth, json=["a list"])
    assert listed.status_code == 400 and listed.json["error"]["code"] == "invalid_json"
    form = client.post("/api/v1/pages", headers=auth, data={"title": "T"})
    assert form.status_code == 415
    assert form.json["error"]["code"] == "unsupported_media_type"


def test_create_page_twice_is_a_conflict(client, auth):
    body = {"title": "Same", "kind": "article", "body": "x"}
    assert client.post("/api/v1/pages", headers=auth, json=body).status_code == 201
    again = client.post("/api/v1/pages", headers=auth, json=body)
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"


def test_anonymous_cannot_create(client):
    response = client.post("/api/v1/pages", json={"title": "T", "kind": "article", "body": "x"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_get_page_has_the_fixed_shape(client, make_page):
    make_page("Guide", tags=["howto"])
    response = client.get("/api/v1/pages/guide")
    assert response.status_code == 200
    assert {"slug", "title", "kind", "product", "tags", "revision", "body", "html", "votes",
            "created_at", "updated_at"} <= set(response.json)
    assert response.json["tags"] == ["howto"] and "status" not in response.json
    assert client.get("/api/v1/pages/missing").status_code == 404


def test_update_page_saves_a_revision(client, auth, make_page):
    make_page("Guide")
    response = client.put("/api/v1/pages/guide", headers=auth,
                          json={"body": "New text.", "summary": "rewrite", "base_revision": 1})
    assert response.status_code == 200, response.json
    assert response.json["revision"] == 2 and response.json["body"] == "New text."


def test_update_with_a_stale_base_revision_is_409_with_the_current_revision(
        client, auth, make_page, other_customer):
    page = make_page("Guide", body="one\n")
    edit_page(other_customer, page, "two\n", base_revision=1)
    response = client.put("/api/v1/pages/guide", headers=auth,
                          json={"body": "three\n", "base_revision": 1})
    assert response.status_code == 409
    assert response.json["error"]["code"] == "edit_conflict"
    assert response.json["current_revision"] == 2
    assert db.session.get(Page, page.id).revision_count == 2


@pytest.mark.parametrize("payload, code", [
    ({"body": "x"}, "missing_field"),
    ({"body": "x", "base_revision": "1"}, "wrong_type"),
    ({"body": "x", "base_revision": True}, "wrong_type"),
    ({"body": ["x"], "base_revision": 1}, "wrong_type"),
    ({"body": "x", "base_revision": 1, "title": "y"}, "unknown_field"),
])
def test_update_rejects_bad_input(client, auth, make_page, payload, code):
    make_page("Guide")
    response = client.put("/api/v1/pages/guide", headers=auth, json=payload)
    assert response.status_code == 400
    assert response.json["error"]["code"] == code


def test_protected_page_cannot_be_edited_by_a_customer(client, auth, make_page):
    page = make_page("Guide")
    page.protected = True
    db.session.commit()
    response = client.put("/api/v1/pages/guide", headers=auth, json={"body": "x", "base_revision": 1})
    assert response.status_code == 403


def test_list_pages_filters_sorts_and_paginates(client, make_page, make_product):
    other = make_product("Zeta Watch")
    make_page("Banana", tags=["fruit"])
    make_page("Apple review", kind="review")
    make_page("Cherry", kind="review", product=other)
    by_title = client.get("/api/v1/pages?sort=title").json
    assert [p["title"] for p in by_title["pages"]] == ["Apple review", "Banana", "Cherry"]
    assert by_title["total"] == 3
    reviews = client.get("/api/v1/pages?kind=review&product=zeta-watch").json
    assert [p["slug"] for p in reviews["pages"]] == ["cherry"]
    assert client.get("/api/v1/pages?tag=fruit").json["total"] == 1
    page2 = client.get("/api/v1/pages?sort=title&per_page=2&page=2").json
    assert [p["title"] for p in page2["pages"]] == ["Cherry"] and page2["per_page"] == 2
    beyond = client.get("/api/v1/pages?page=9")
    assert beyond.status_code == 200
    assert beyond.json["pages"] == [] and beyond.json["total"] == 3
    capped = client.get("/api/v1/pages?per_page=100000").json
    assert capped["per_page"] == 100


@pytest.mark.parametrize("query", ["kind=poem", "sort=random", "product=nope"])
def test_list_pages_rejects_bad_filters(client, query):
    response = client.get(f"/api/v1/pages?{query}")
    assert response.status_code == 400
    assert response.json["error"]["message"]


def test_deleted_pages_are_not_listed_or_shown(client, make_page):
    page = make_page("Gone")
    page.deleted = True
    db.session.commit()
    assert client.get("/api/v1/pages").json["total"] == 0
    assert client.get("/api/v1/pages/gone").status_code == 404


def test_revisions_list_and_one_revision(client, make_page, other_customer):
    page = make_page("Guide", body="one\n")
    edit_page(other_customer, page, "two\n", summary="second")
    listing = client.get("/api/v1/pages/guide/revisions").json
    assert listing["total"] == 2
    newest = listing["revisions"][0]
    assert newest["number"] == 2 and newest["author"] == "olive" and newest["summary"] == "second"
    assert newest["size"] == 4
    one = client.get("/api/v1/pages/guide/revisions/1").json
    assert one["body"] == "one\n" and "<p>one</p>" in one["html"]
    assert client.get("/api/v1/pages/guide/revisions/9").status_code == 404


def test_hidden_revisions_stay_hidden_from_readers(client, login, moderator, make_page,
                                                   other_customer, make_token):
    page = make_page("Guide", body="fine\n")
    revision = edit_page(other_customer, page, "rude words\n", summary="rude summary")
    revision.hidden = True
    db.session.commit()
    shown = client.get("/api/v1/pages/guide").json
    assert shown["revision"] == 1 and shown["body"] == "fine\n" and shown["current_revision"] == 2
    hidden = client.get("/api/v1/pages/guide/revisions").json["revisions"][0]
    assert hidden["hidden"] is True and hidden["author"] is None and hidden["summary"] is None
    refused = client.get("/api/v1/pages/guide/revisions/2")
    assert refused.status_code == 403 and refused.json["error"]["code"] == "revision_hidden"
    assert client.get("/api/v1/pages/guide/diff?from=1&to=2").status_code == 403
    as_moderator = make_token(moderator)
    assert client.get("/api/v1/pages/guide", headers=as_moderator).json["body"] == "rude words\n"
    detail = client.get("/api/v1/pages/guide/revisions/2", headers=as_moderator).json
    assert detail["summary"] == "rude summary"


def test_diff_between_revisions(client, make_page, other_customer):
    page = make_page("Guide", body="alpha\nbeta\n")
    edit_page(other_customer, page, "alpha\ngamma\n")
    diff = client.get("/api/v1/pages/guide/diff").json
    assert diff["from"] == 1 and diff["to"] == 2
    assert "-beta" in diff["lines"] and "+gamma" in diff["lines"]
    assert diff["added"] == 1 and diff["removed"] == 1
    explicit = client.get("/api/v1/pages/guide/diff?from=2&to=1").json
    assert "+beta" in explicit["lines"]
    assert client.get("/api/v1/pages/guide/diff?from=x").status_code == 400
    assert client.get("/api/v1/pages/guide/diff?from=0").status_code == 400
    assert client.get("/api/v1/pages/guide/diff?from=1&to=7").status_code == 404


def test_oversized_text_is_413(app, client, auth):
    app.config["MAX_BODY_BYTES"] = 100
    response = client.post("/api/v1/pages", headers=auth,
                           json={"title": "Big", "kind": "article", "body": "x" * 200})
    assert response.status_code == 413
    assert response.json["error"]["message"]


def test_unchanged_text_saves_no_revision(client, auth, make_page):
    make_page("Guide", body="same")
    response = client.put("/api/v1/pages/guide", headers=auth,
                          json={"body": "same", "base_revision": 1})
    assert response.status_code == 200 and response.json["revision"] == 1
