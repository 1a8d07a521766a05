"""Creating, reading, editing and previewing pages through the web forms."""
import pytest
from sqlalchemy import func, select

from wiki.extensions import db
from wiki.models import Comment, Event, Link, Page, Revision


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_customer_previews_then_creates_a_review(customer_client, product):
    form = {"title": "Battery review", "kind": "review", "product": product.slug,
            "body": "Lasts **two days**.", "tags": "battery, Battery Life"}
    preview = customer_client.post("/new", data={**form, "action": "preview"})
    assert preview.status_code == 200
    assert "<strong>two days</strong>" in preview.get_data(as_text=True)
    assert count(Page) == 0  # preview saves nothing
    response = customer_client.post("/new", data={**form, "action": "save"})
    assert response.status_code == 302 and response.location.endswith("/wiki/battery-review")
    page = db.session.scalar(select(Page))
    assert (page.kind, page.product_id, [t.name for t in page.tags]) == (
        "review", product.id, ["battery", "battery-life"])
    html = customer_client.get("/wiki/battery-review").get_data(as_text=True)
    assert "Lasts <strong>two days</strong>" in html and product.name in html


def test_new_form_carries_kind_product_and_the_slot_hooks(customer_client, product):
    html = customer_client.get(f"/new?kind=proposal&product={product.slug}").get_data(as_text=True)
    assert 'id="title"' in html
    assert '<option selected value="proposal">' in html
    assert f'<option selected value="{product.slug}">' in html


def test_existing_title_leads_to_the_existing_page(customer_client, make_page):
    page = make_page("Dark mode")
    response = customer_client.post("/new", data={"title": "  dark   MODE ", "kind": "article",
                                                   "body": "again", "action": "save"})
    assert response.status_code == 302 and response.location.endswith(f"/wiki/{page.slug}")
    assert count(Page) == 1
    red_link = customer_client.get("/new?title=Dark%20Mode")
    assert red_link.status_code == 302 and red_link.location.endswith("/wiki/dark-mode")


def test_a_review_needs_a_product(customer_client):
    response = customer_client.post("/new", data={"title": "Lonely", "kind": "review",
                                                   "body": "text", "action": "save"})
    assert response.status_code == 400 and "belongs to a product" in response.get_data(as_text=True)
    assert count(Page) == 0


@pytest.mark.parametrize("title", ["   ", "\t\n", "x" * 201, "a/b", "back\\slash", "bell\x07",
                                   "nul\x00byte", "esc\x1b[31m", "!!!"])
def test_bad_titles_are_refused_and_nothing_is_stored(customer_client, title):
    response = customer_client.post("/new", data={"title": title, "kind": "article",
                                                   "body": "text", "action": "save"})
    assert response.status_code == 400
    assert count(Page) == 0 and count(Revision) == 0 and count(Event) == 0


def test_body_over_the_limit_is_413_and_stores_nothing(app, customer_client, make_page):
    limit = app.config["MAX_BODY_BYTES"]
    big = "é" * (limit // 2 + 1)  # over the limit in bytes, not in characters
    response = customer_client.post("/new", data={"title": "Big", "kind": "article", "body": big,
                                                   "action": "save"})
    assert response.status_code == 413 and count(Page) == 0
    page = make_page("Small")
    response = customer_client.post(f"/wiki/{page.slug}/edit", data={"body": big, "base_revision": 1})
    assert response.status_code == 413 and count(Revision) == 1
    assert customer_client.post("/preview", data={"body": big}).status_code == 413


def test_deep_nesting_is_400_and_stores_nothing(customer_client, make_page):
    deep = ">" * 5000 + " x"
    response = customer_client.post("/new", data={"title": "Deep", "kind": "article", "body": deep,
                                                   "action": "save"})
    assert response.status_code == 400 and count(Page) == 0
    page = make_page("Shallow")
    response = customer_client.post(f"/wiki/{page.slug}/edit", data={"body": deep, "base_revision": 1})
    assert response.status_code == 400 and count(Revision) == 1
    assert customer_client.post(f"/wiki/{page.slug}/talk", data={"body": deep}).status_code == 400
    assert count(Comment) == 0
    assert customer_client.post("/preview", data={"body": "[" * 4000 + "]" * 4000}).status_code == 400


def test_edit_saves_a_revision_with_summary_and_size_change(customer_client, make_page):
    page = make_page("Setup guide", body="Plug it in.")
    form = customer_client.get(f"/wiki/{page.slug}/edit").get_data(as_text=True)
    assert 'name="base_revision" type="hidden" value="1"' in form
    response = customer_client.post(f"/wiki/{page.slug}/edit", data={
        "body": "Plug it in. Then switch it on.", "summary": "second step", "base_revision": "1",
        "tags": "setup"})
    assert response.status_code == 302
    revision = page.current_revision
    assert (revision.number, revision.summary, revision.size_delta) == (2, "second step", 19)
    assert revision.author.username == "casey" and [t.name for t in page.tags] == ["setup"]


def test_saving_unchanged_text_makes_no_revision(customer_client, make_page):
    page = make_page("Same", body="Same text.")
    response = customer_client.post(f"/wiki/{page.slug}/edit", data={
        "body": "Same text.", "base_revision": "1"}, follow_redirects=True)
    assert "Nothing changed" in response.get_data(as_text=True)
    assert page.revision_count == 1 and count(Revision) == 1
    assert [e.kind for e in db.session.scalars(select(Event))] == ["page.created"]


def test_textarea_newlines_do_not_count_as_a_change(customer_client, make_page):
    page = make_page("Lines", body="one\ntwo")
    customer_client.post(f"/wiki/{page.slug}/edit", data={"body": "one\r\ntwo", "base_revision": 1})
    assert page.revision_count == 1


def test_retagging_alone_makes_no_revision_but_is_recorded(customer_client, make_page):
    page = make_page("Tags only", body="Body.")
    customer_client.post(f"/wiki/{page.slug}/edit", data={"body": "Body.", "base_revision": 1,
                                                           "tags": "alpha, beta"})
    assert [t.name for t in page.tags] == ["alpha", "beta"] and page.revision_count == 1
    assert db.session.scalar(select(Event.kind).order_by(Event.id.desc())) == "page.tagged"


def test_links_table_follows_the_current_revision_and_red_links_turn_blue(customer_client, make_page):
    page = make_page("Hub", body="See [[Battery Tips]] and [[Setup]].")
    links = lambda: sorted(db.session.scalars(select(Link.to_slug).where(Link.from_page_id == page.id)))  # noqa: E731
    assert links() == ["battery-tips", "setup"]
    assert "redlink" in page.current_revision.html
    customer_client.post("/new", data={"title": "Battery tips", "kind": "article", "body": "Charge.",
                                       "action": "save"})
    db.session.refresh(page.current_revision)
    assert 'class="wikilink" href="/wiki/battery-tips"' in page.current_revision.html
    html = customer_client.get("/wiki/battery-tips").get_data(as_text=True)
    assert 'id="links-here"' in html and "/wiki/hub" in html
    assert "/wiki/hub" in customer_client.get("/wiki/battery-tips/links").get_data(as_text=True)
    customer_client.post(f"/wiki/{page.slug}/edit", data={"body": "Only [[Setup]].", "base_revision": 1})
    assert links() == ["setup"]


def test_preview_returns_a_sanitized_fragment(customer_client):
    response = customer_client.post("/preview", data={"body": "*hi* <script>x()</script>"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<em>hi</em>" in html and "<script" not in html
    assert "<html" not in html


def test_view_renders_the_slots_for_other_areas(app, client, make_page):
    from wiki import slots

    seen = {}
    for name in ("page.top", "page.header", "page.actions", "page.aside", "page.footer"):
        slots._slots.setdefault(name, []).append((99, "pages/_preview.html",
                                                  lambda page, revision, _n=name: seen.setdefault(_n, (page.slug, revision.number)) and {"html": _n}))
    try:
        page = make_page("Slotted")
        assert client.get("/wiki/slotted").status_code == 200
        assert seen == {name: ("slotted", 1) for name in seen} and len(seen) == 5
    finally:
        for name in seen:
            slots._slots[name] = [e for e in slots._slots[name] if e[0] != 99]
    assert page


def test_missing_and_deleted_pages_are_404_for_readers(client, moderator_client, make_page):
    page = make_page("Gone")
    page.deleted = True
    db.session.commit()
    assert client.get("/wiki/gone").status_code == 404
    assert client.get("/wiki/nope").status_code == 404
    assert moderator_client.get("/wiki/gone").status_code == 200


def test_protected_pages_are_edited_only_by_moderators(customer_client, moderator_client, make_page):
    page = make_page("Rules", body="Be kind.")
    page.protected = True
    db.session.commit()
    assert customer_client.get("/wiki/rules/edit").status_code == 403
    assert customer_client.post("/wiki/rules/edit", data={"body": "x", "base_revision": 1}).status_code == 403
    assert moderator_client.post("/wiki/rules/edit", data={"body": "Be kind, always.",
                                                           "base_revision": 1}).status_code == 302
    assert page.revision_count == 2


@pytest.mark.parametrize("slot, url", [
    ("pages.new_form", "/new?kind=proposal"),
    ("revision.actions", "/wiki/slotted/history"),
    ("comment.actions", "/wiki/slotted/talk"),
    ("tag.header", "/tags/fun"),
    ("home.sections", "/"),
])
def test_list_and_form_slots_are_rendered(customer_client, customer, make_page, slot, url):
    from wiki import slots
    from wiki.pages.services import add_comment

    page = make_page("Slotted", tags=["fun"])
    add_comment(customer, page, "hello")
    marker = f"SLOT-{slot}"
    slots._slots.setdefault(slot, []).append((99, "pages/_preview.html", lambda **_: {"html": marker}))
    try:
        html = customer_client.get(url).get_data(as_text=True)
    finally:
        slots._slots[slot] = [e for e in slots._slots[slot] if e[0] != 99]
    assert marker in html
    if slot == "pages.new_form":
        assert html.index('id="title"') < html.index(marker) < html.index('id="kind"')
