"""The hostile-input corpus against the fields the first pass did not reach: comments, official
responses, internal notes, status notes, product descriptions, webhook URLs and secrets, token
names and segment names. Each has a length limit with a clear message; control characters, NUL
and broken Unicode are refused (PostgreSQL cannot store them), never a 500; Markdown fields keep
no script, handler or dangerous scheme in their HTML."""
import pytest

from wiki.account import services as tokens
from wiki.admin import services as segments
from wiki.errors import ValidationError
from wiki.extensions import db
from wiki.pages.services import add_comment
from wiki.products import services as products
from wiki.triage import services as triage
from wiki.webhooks import services as hooks

from .hostile_fields import HOSTILE, too_long
from .hostile_inputs import HOSTILE as HOSTILE_MARKDOWN
from .hostile_inputs import assert_safe


def refused(call, field, label):
    with pytest.raises(ValidationError) as info:
        call()
    assert field in info.value.errors, label
    assert info.value.status_code in (400, 413), label


# Markdown keeps control characters (the sanitizer and the feeds deal with them); only what
# cannot be stored at all is refused there
UNSTORABLE = {"NUL", "lone surrogate"}


def corpus(store, field, *, blank_refused=True, markdown=False):
    """``store(value)`` for every entry: accepted ones store, the others are refused on ``field``.
    Blank values are refused where the field is required."""
    for label, value, ok in HOSTILE:
        if markdown:
            ok = label not in UNSTORABLE
        if ok and not (blank_refused and not value.strip()):
            store(value)
        else:
            refused(lambda value=value: store(value), field, label)


# -- Markdown fields ---------------------------------------------------------------------------

def test_comment_corpus_and_limit(customer, make_page):
    page = make_page("Talked about")
    corpus(lambda value: add_comment(customer, page, value), "body", markdown=True)
    for value in HOSTILE_MARKDOWN:
        assert_safe(add_comment(customer, page, value).html)
    refused(lambda: add_comment(customer, page, "x" * 20001), "body", "too long")


def test_official_response_corpus_limit_and_page(moderator, make_proposal, client):
    page = make_proposal("Responded")
    corpus(lambda value: triage.post_response(moderator, page, value), "body", markdown=True)
    for value in HOSTILE_MARKDOWN:
        state = triage.post_response(moderator, page, value)
        assert_safe(state.response_html)
    refused(lambda: triage.post_response(moderator, page, "x" * (triage.MAX_RESPONSE + 1)), "body",
            "too long")
    html = client.get(f"/wiki/{page.slug}").get_data(as_text=True).lower()
    assert "<script>alert" not in html and "onerror=" not in html and "javascript:" not in html


# -- short text fields -------------------------------------------------------------------------

def test_internal_note_and_status_note(innovator, moderator, make_proposal):
    page = make_proposal("Noted")
    corpus(lambda value: triage.add_note(innovator, page, value), "note")
    refused(lambda: triage.add_note(innovator, page, too_long(triage.MAX_NOTE)), "note", "too long")
    for label, value, ok in HOSTILE:
        if not ok:
            refused(lambda value=value: triage.change_status(moderator, page, "under_review", value),
                    "note", label)
    refused(lambda: triage.change_status(moderator, page, "under_review", too_long(triage.MAX_NOTE)),
            "note", "too long")


def test_product_description(admin):
    product = products.create_product(admin, "Hostile product", "fine")
    corpus(lambda value: products.update_product(admin, product, "Hostile product", value),
           "description", blank_refused=False)
    refused(lambda: products.update_product(admin, product, "Hostile product",
                                            too_long(products.MAX_DESCRIPTION)), "description", "long")


def test_product_description_is_escaped_on_the_hub(admin, client):
    product = products.create_product(admin, "Escaped product", '<script>alert(1)</script>'
                                      '<img src=x onerror="alert(1)"> [x](javascript:alert(1))')
    html = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x onerror" not in html
    assert 'href="javascript:' not in html


def test_webhook_url_and_secret(innovator):
    for label, value, _ok in HOSTILE:
        refused(lambda value=value: hooks.create_webhook(innovator, value), "url", label)
    for url in ("javascript:alert(1)", "data:text/html,x", "ftp://example.com/", "//example.com/",
                "https://user:pw@example.com/", "https://exa mple.com/", "https://example.com:99999/"):
        refused(lambda url=url: hooks.create_webhook(innovator, url), "url", url)
    refused(lambda: hooks.create_webhook(innovator, "https://e.example/" + too_long(hooks.MAX_URL)),
            "url", "too long")
    corpus(lambda value: hooks.create_webhook(innovator, "https://e.example/", secret=value), "secret",
           blank_refused=False)
    refused(lambda: hooks.create_webhook(innovator, "https://e.example/", secret=too_long(hooks.MAX_SECRET)),
            "secret", "too long")


def test_token_name(customer):
    stored = 0
    for label, value, ok in HOSTILE:
        if ok and value.strip():
            token, _raw = tokens.create_token(customer, value)
            assert token.name == " ".join(value.split()), label
            stored += 1
            db.session.delete(token)
            db.session.commit()
        else:
            refused(lambda value=value: tokens.create_token(customer, value), "name", label)
    refused(lambda: tokens.create_token(customer, too_long(tokens.MAX_NAME)), "name", "too long")
    assert stored > 5


def test_segment_name(admin):
    user = admin
    for n, (label, value, ok) in enumerate(HOSTILE):
        named = f"{value} {n}"
        if ok:
            segment = admin_add(user, named, label)
            if segment is not None:
                assert segment.name == " ".join(named.split()), label
        else:
            refused(lambda named=named: segments.add_segment(user, named), "name", label)
    refused(lambda: segments.add_segment(user, too_long(segments.MAX_NAME)), "name", "too long")


def admin_add(user, name, label):
    try:
        return segments.add_segment(user, name)
    except ValidationError as error:  # a name with no letter or digit left (emoji, marks) is refused
        assert "name" in error.errors, label
        return None


# -- over HTTP: never a 500 ----------------------------------------------------------------------

def test_nul_in_urls_is_a_clear_answer(client):
    assert client.get("/wiki/%00").status_code == 404
    assert client.get("/api/v1/pages/%00").status_code == 404
    for url in ("/recent?product=%00", "/api/v1/pages?tag=%00", "/api/v1/events?product=%00",
                "/proposals/?tag=%00&product=%00", "/feeds/proposals.atom?product=%00",
                "/search?q=%00", "/people/?q=%00"):
        assert client.get(url).status_code in (200, 400, 404), url


def test_broken_unicode_in_json_is_a_400(customer_client):
    response = customer_client.post("/api/v1/pages", content_type="application/json",
                                    data='{"title": "Broken", "kind": "article", "body": "a\\ud800b"}')
    assert response.status_code == 400


def test_nul_in_a_lookup_field_is_a_400_not_a_crash(moderator_client, make_proposal):
    page = make_proposal("Looked up")
    response = moderator_client.post(f"/triage/{page.slug}/assign", data={"assignee": "a\x00b"})
    assert response.status_code == 400
    response = moderator_client.post(f"/api/v1/proposals/{page.slug}/merge", json={"into": "a\x00b"})
    assert response.status_code in (400, 404)


def test_control_characters_never_break_a_feed(moderator, customer, make_proposal, client):
    page = make_proposal("Feed safe")
    triage.post_response(moderator, page, "We hear you \x07 \x1b[31m loudly")
    add_comment(customer, page, "bell \x07 in a comment")
    for url in ("/feeds/recent.atom", "/feeds/proposals.atom", f"/wiki/{page.slug}/history.atom"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "\x07" not in response.get_data(as_text=True), url
