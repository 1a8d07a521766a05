"""The OpenAPI document describes every API endpoint, and every GET endpoint answers as documented.

The checks are generic: an endpoint another area adds later is covered as soon as it is in the
url_map. Path parameters are filled from a fixture world in which the product and a proposal
share one slug, so ``<slug>`` works for pages, proposals and products alike.
"""
import re

import jsonschema
import pytest
from openapi_spec_validator import validate

from wiki import create_app
from wiki.api_auth import new_token
from wiki.extensions import db
from wiki.pages.services import edit_page

SLUG = "acme-phone"
# query values for documented parameters that need one to answer with data
SAMPLE_QUERY = {"q": "acme", "from": "1", "to": "2"}


def _documented_gets():
    """(path, operation) for every documented GET, read from an app built just to list them."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "RATELIMIT_ENABLED": False, "SERVER_NAME": "localhost"})
    with app.app_context():
        from wiki.api.meta import build_openapi

        document = build_openapi()
    return [(path, item["get"]) for path, item in sorted(document["paths"].items())
            if "get" in item]


DOCUMENTED_GETS = _documented_gets()


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


@pytest.fixture
def world(make_user, product, make_page, admin):
    """A product and a proposal both at ``acme-phone``, with two revisions, and an admin token."""
    assert product.slug == SLUG
    author = make_user("writer")
    page = make_page("Acme Phone", kind="proposal", product=product, author=author,
                     body="first\n", tags=["phones"])
    edit_page(author, page, "second\n", summary="more")
    token, raw = new_token(admin, "openapi test")
    db.session.commit()
    return {"headers": {"Authorization": f"Bearer {raw}"},
            "params": {"slug": SLUG, "number": "1", "n": "1", "token_id": str(token.id),
                       "username": admin.username, "tag": "phones", "status": "new"}}


def test_every_api_endpoint_is_documented(app, document):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")]
    assert rules
    undocumented = [r.endpoint for r in rules if not hasattr(app.view_functions[r.endpoint], "api_doc")]
    assert undocumented == []
    assert "x-undocumented" not in document
    for rule in rules:
        path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in document["paths"][path], (rule.rule, method)


def test_document_is_valid_openapi(document):
    assert document["openapi"].startswith("3.")
    assert document["paths"] and document["components"]["schemas"]["Error"]
    assert set(document["components"]["securitySchemes"]) == {"bearer", "cookie"}
    validate(document)  # raises on an invalid document
    for item in document["paths"].values():
        for op in item.values():
            assert op["summary"] and op["responses"]
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    assert response["$ref"].startswith("#/components/responses/Error")


def test_path_parameters_are_described(document):
    op = document["paths"]["/api/v1/pages/{slug}/revisions/{number}"]["get"]
    params = {p["name"]: p for p in op["parameters"]}
    assert params["slug"]["in"] == "path" and params["slug"]["required"] is True
    assert params["number"]["schema"]["type"] == "integer"
    listing = document["paths"]["/api/v1/pages"]["get"]
    assert {"kind", "product", "tag", "sort", "page", "per_page"} <= {
        p["name"] for p in listing["parameters"] if p["in"] == "query"}
    create = document["paths"]["/api/v1/pages"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "title", "kind", "body"]
    assert "201" in create["responses"] and "415" in create["responses"]


def _check_against(document, schema, body):
    root = dict(schema)
    root["components"] = document["components"]
    jsonschema.validate(body, root, cls=jsonschema.Draft202012Validator)


def _fill(path, op, params):
    unknown = []

    def _sub(match):
        name = match.group(1)
        if name not in params:
            unknown.append(name)
            return "1"
        return params[name]

    url = re.sub(r"\{(\w+)\}", _sub, path)
    query = {p["name"]: p.get("example", SAMPLE_QUERY.get(p["name"], "1"))
             for p in op["parameters"]
             if p["in"] == "query" and (p.get("required") or p["name"] in SAMPLE_QUERY)}
    return url, query, unknown


@pytest.mark.parametrize("path, op", DOCUMENTED_GETS, ids=[p for p, _ in DOCUMENTED_GETS])
def test_get_endpoint_answers_as_documented(client, document, world, path, op):
    live_op = document["paths"][path]["get"]
    url, query, unknown = _fill(path, live_op, world["params"])
    response = client.get(url, query_string=query, headers=world["headers"])
    expected = live_op["responses"]
    status = str(response.status_code)
    if unknown:  # an id we could not fill in: a documented error is an acceptable answer too
        assert status in expected, (url, status, response.get_data(as_text=True)[:300])
    else:
        success = [s for s in expected if s.startswith("2")]
        assert status in success, (url, status, response.get_data(as_text=True)[:300])
    content = expected[status].get("content")
    if status.startswith("2") and content:
        schema = content["application/json"]["schema"]
        _check_against(document, schema, response.json)
        resolved = schema
        while "$ref" in resolved:
            resolved = document["components"]["schemas"][resolved["$ref"].rsplit("/", 1)[1]]
        assert set(resolved.get("required", resolved.get("properties", {}))) <= set(response.json)
    elif not status.startswith("2"):
        _check_against(document, {"$ref": "#/components/schemas/Error"}, response.json)


@pytest.mark.parametrize("path, op", DOCUMENTED_GETS, ids=[p for p, _ in DOCUMENTED_GETS])
def test_endpoints_that_need_a_login_answer_401_anonymously(client, world, path, op):
    if op["security"] != [{"bearer": []}, {"cookie": []}]:
        return
    url, query, _unknown = _fill(path, op, world["params"])
    response = client.get(url, query_string=query)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_index_links_to_the_list_endpoints(client, document):
    body = client.get("/api/v1/").json
    assert body["openapi"] == "/api/v1/openapi.json"
    assert body["links"]["pages"] == "/api/v1/pages"
    for link in body["links"].values():
        assert link in document["paths"]


def test_an_undocumented_endpoint_is_reported(app, client):
    app.add_url_rule("/api/v1/forgotten", endpoint="api.forgotten", view_func=lambda: "{}")
    document = client.get("/api/v1/openapi.json").json
    assert document["x-undocumented"] == ["api.forgotten"]
    assert "/api/v1/forgotten" not in document["paths"]


def test_query_parameter_specs():
    from wiki.api.meta import query_parameter

    simple = query_parameter("q", (str, "Words"))
    assert simple == {"name": "q", "in": "query", "required": False, "description": "Words",
                      "schema": {"type": "string"}}
    rich = query_parameter("limit", (int, "How many", {"required": True, "maximum": 5,
                                                       "example": 3}))
    assert rich["required"] is True and rich["schema"] == {"type": "integer", "maximum": 5}
    assert rich["example"] == 3
