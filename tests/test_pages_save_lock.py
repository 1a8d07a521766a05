"""A save merges and renders its text before its write transaction, then checks under the write
lock that nothing it relied on changed meanwhile: another save, a linked page coming into being,
the current revision being hidden. Whatever happened, the saved revision is the one the old
all-under-the-lock save would have made. A new page renders before its transaction too."""
import pytest
from sqlalchemy import event, select, update

from wiki.errors import ValidationError
from wiki.extensions import db
from wiki.models import Page, Revision
from wiki.pages import links, services
from wiki.pages.services import EditConflict, edit_page

BASE = "Intro line\n\nMiddle paragraph\n\nClosing line\n"


@pytest.fixture
def meanwhile(monkeypatch):
    """``meanwhile(fn)``: run ``fn()`` once, right after the next save has made its draft and
    before it takes the write lock."""
    pending = []
    real = services._Draft.make.__func__

    def make(cls, *args, **kwargs):
        draft = real(cls, *args, **kwargs)
        while pending:
            pending.pop()()
        return draft

    monkeypatch.setattr(services._Draft, "make", classmethod(make))
    return pending.append


def test_a_save_committed_meanwhile_is_merged_not_overwritten(customer, make_page, make_user,
                                                             meanwhile):
    page = make_page("Busy page", body=BASE)
    other = make_user("other")
    meanwhile(lambda: edit_page(other, db.session.get(Page, page.id),
                                BASE.replace("Closing line", "Closing, theirs"), base_revision=1))
    revision = edit_page(customer, page, BASE.replace("Intro line", "Intro, mine"), base_revision=1)
    assert (revision.number, revision.merged) == (3, True)
    assert revision.source == "Intro, mine\n\nMiddle paragraph\n\nClosing, theirs\n"
    assert page.revision_count == 3


def test_an_overlapping_save_committed_meanwhile_is_a_conflict(customer, make_page, make_user,
                                                               meanwhile):
    page = make_page("Contested meanwhile", body=BASE)
    theirs = BASE.replace("Middle paragraph", "Their middle")
    meanwhile(lambda: edit_page(make_user("other"), db.session.get(Page, page.id), theirs,
                                base_revision=1))
    with pytest.raises(EditConflict) as caught:
        edit_page(customer, page, BASE.replace("Middle paragraph", "My middle"), base_revision=1)
    assert caught.value.current_revision == 2
    assert db.session.get(Page, page.id).current_revision.source == theirs


def test_a_page_created_meanwhile_is_linked_blue(customer, make_page, meanwhile):
    page = make_page("Linking page", body="First text.")
    meanwhile(lambda: make_page("Future page"))
    revision = edit_page(customer, page, "See [[Future page]].", base_revision=1)
    assert 'href="/wiki/future-page"' in revision.html and "redlink" not in revision.html


def test_a_page_deleted_meanwhile_is_linked_red(customer, make_page, meanwhile):
    page = make_page("Pointing page", body="First text.")
    target = make_page("Doomed page")

    def delete_target():
        db.session.get(Page, target.id).deleted = True
        db.session.commit()

    meanwhile(delete_target)
    revision = edit_page(customer, page, "See [[Doomed page]].", base_revision=1)
    assert "redlink" in revision.html


def test_a_revision_hidden_meanwhile_is_not_built_on(customer, make_page, make_user, meanwhile):
    page = make_page("Hidden meanwhile", body=BASE)
    edit_page(make_user("spammer"), page, BASE + "\nSpam line\n", base_revision=1)
    spam_id = page.current_revision_id

    def hide_elsewhere():  # as another process would: this session's objects stay as they are
        with db.engine.begin() as connection:
            connection.execute(update(Revision.__table__).where(Revision.__table__.c.id == spam_id)
                               .values(hidden=True))

    meanwhile(hide_elsewhere)
    with pytest.raises(ValidationError) as caught:
        edit_page(customer, page, BASE + "\nSpam line\nMy line\n", base_revision=2)
    assert "base_revision" in caught.value.errors
    assert db.session.scalar(select(Page.revision_count).where(Page.id == page.id)) == 2


@pytest.fixture
def steps(app, monkeypatch):
    """The SQLite transactions a request begins, in order, with "render" where Markdown ran.
    The search queue is left undrained: its own transactions are not the save's."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("BEGIN IMMEDIATE is SQLite's")
    monkeypatch.setitem(app.config, "SEARCH_DRAIN", "later")
    seen = []

    def note(_conn, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            seen.append(statement)

    real_render = links.render

    def render(*args, **kwargs):
        seen.append("render")
        return real_render(*args, **kwargs)

    monkeypatch.setattr(links, "render", render)
    event.listen(db.engine, "before_cursor_execute", note)
    yield seen
    event.remove(db.engine, "before_cursor_execute", note)


def last_render(steps):
    return max(i for i, step in enumerate(steps) if step == "render")


def test_an_api_save_renders_before_it_takes_the_write_lock_once(client, customer, make_page,
                                                                  make_token, steps):
    make_page("Api saved", body="First text.")
    headers = make_token(customer)
    db.session.commit()
    steps.clear()
    response = client.put("/api/v1/pages/api-saved", headers=headers,
                          json={"body": "Second text, with [[Api saved]].", "base_revision": 1})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["revision"] == 2
    assert steps.count("BEGIN IMMEDIATE") == 1
    assert last_render(steps) < steps.index("BEGIN IMMEDIATE")


def test_a_form_save_renders_before_it_takes_the_write_lock_once(customer_client, make_page, steps):
    make_page("Form saved", body="First text.")
    db.session.commit()
    steps.clear()
    response = customer_client.post("/wiki/form-saved/edit",
                                     data={"body": "Second text.", "base_revision": 1})
    assert response.status_code == 302
    assert steps.count("BEGIN IMMEDIATE") == 1
    assert last_render(steps) < steps.index("BEGIN IMMEDIATE")
    assert db.session.scalar(select(Page.revision_count).where(Page.slug == "form-saved")) == 2


def test_a_new_page_links_a_page_created_while_it_rendered_blue(customer, make_page, monkeypatch):
    real_render, done = links.render, []

    def render_then_create(*args, **kwargs):
        rendered = real_render(*args, **kwargs)
        if not done:  # the new page's own rendering, before its write transaction
            done.append(True)
            make_page("Arrived meanwhile")
        return rendered

    monkeypatch.setattr(links, "render", render_then_create)
    page = services.create_page(customer, "Newcomer", "article", "See [[Arrived meanwhile]].")
    html = page.current_revision.html
    assert 'href="/wiki/arrived-meanwhile"' in html and "redlink" not in html


def test_a_new_pages_link_to_itself_is_blue(customer):
    page = services.create_page(customer, "Selfie", "article", "About [[Selfie]] itself.")
    assert 'href="/wiki/selfie"' in page.current_revision.html
    assert "redlink" not in page.current_revision.html


def test_a_title_taken_meanwhile_is_a_conflict_and_leaves_nothing(customer, make_page, monkeypatch):
    real_render, done = links.render, []

    def render_then_take(*args, **kwargs):
        rendered = real_render(*args, **kwargs)
        if not done:
            done.append(True)
            make_page("Contested title")
        return rendered

    monkeypatch.setattr(links, "render", render_then_take)
    with pytest.raises(services.Conflict):
        services.create_page(customer, "Contested title", "article", "Mine.")
    assert db.session.scalar(select(Page.revision_count).where(Page.slug == "contested-title")) == 1


def test_an_api_create_renders_before_it_takes_the_write_lock_once(client, customer, make_token,
                                                                   product, steps):
    headers = make_token(customer)
    db.session.commit()
    steps.clear()
    response = client.post("/api/v1/pages", headers=headers, json={
        "title": "Api created", "kind": "review", "body": "A review of [[Api created]].",
        "product": product.slug})
    assert response.status_code == 201, response.get_json()
    assert steps.count("BEGIN IMMEDIATE") == 1
    assert last_render(steps) < steps.index("BEGIN IMMEDIATE")


def test_a_form_create_renders_before_it_takes_the_write_lock_once(customer_client, steps):
    steps.clear()
    response = customer_client.post("/new", data={"title": "Form created", "kind": "article",
                                                  "body": "Some text, see [[Elsewhere]]."})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert steps.count("BEGIN IMMEDIATE") == 1
    assert last_render(steps) < steps.index("BEGIN IMMEDIATE")


# -- pages linking to a new title ------------------------------------------------------------------

def current_html(slug):
    return db.session.scalar(select(Revision.html).join(Page, Page.current_revision_id == Revision.id)
                             .where(Page.slug == slug))


def blue(html, slug):
    return f'class="wikilink" href="/wiki/{slug}"' in html


@pytest.fixture
def meanwhile_create(monkeypatch):
    """``meanwhile_create(fn)``: run ``fn()`` once, right after the next new page has rendered the
    pages linking to its title and before it takes the write lock."""
    pending = []
    real = services.LinkingPages.render.__func__

    def render(cls, slug):
        linking = real(cls, slug)
        while pending:
            pending.pop()()
        return linking

    monkeypatch.setattr(services.LinkingPages, "render", classmethod(render))
    return pending.append


def test_pages_linking_to_a_new_title_render_before_the_write_lock(customer_client, make_page,
                                                                   steps):
    make_page("First linker", body="Waiting for [[Awaited page]].")
    make_page("Second linker", body="Also [[Awaited page]] and [[Nowhere]].")
    db.session.commit()
    assert "redlink" in current_html("first-linker")
    steps.clear()
    response = customer_client.post("/new", data={"title": "Awaited page", "kind": "article",
                                                  "body": "Here at last."})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert steps.count("render") == 3  # the new page and both linking pages
    assert steps.count("BEGIN IMMEDIATE") == 1
    assert last_render(steps) < steps.index("BEGIN IMMEDIATE")
    assert blue(current_html("first-linker"), "awaited-page")
    second = current_html("second-linker")
    assert blue(second, "awaited-page") and 'href="/new?title=Nowhere"' in second


def test_a_linking_page_saved_meanwhile_is_rendered_from_its_new_text(customer, make_page,
                                                                      make_user, meanwhile_create):
    linker = make_page("Changing linker", body="Before: [[Expected page]].")
    old_revision_html = current_html("changing-linker")
    meanwhile_create(lambda: edit_page(make_user("editor"), db.session.get(Page, linker.id),
                                       "After: [[Expected page]], rewritten.", base_revision=1))
    services.create_page(customer, "Expected page", "article", "Arrived.")
    html = current_html("changing-linker")
    assert "rewritten" in html and blue(html, "expected-page")
    first = db.session.scalar(select(Revision.html).where(Revision.page_id == linker.id,
                                                          Revision.number == 1))
    assert first == old_revision_html  # no longer current: left as it was


def test_a_page_that_starts_linking_meanwhile_is_rendered_blue(customer, make_page,
                                                               meanwhile_create):
    meanwhile_create(lambda: make_page("Late linker", body="Now see [[Popular title]]."))
    services.create_page(customer, "Popular title", "article", "Here.")
    assert blue(current_html("late-linker"), "popular-title")


def test_linking_pages_render_again_when_a_page_they_link_to_came_meanwhile(customer, make_page,
                                                                            meanwhile_create):
    make_page("Double linker", body="See [[Target one]] and [[Target two]].")
    meanwhile_create(lambda: make_page("Target two"))
    services.create_page(customer, "Target one", "article", "One.")
    html = current_html("double-linker")
    assert blue(html, "target-one") and blue(html, "target-two")


def test_a_loaded_linking_revision_reads_its_new_html(customer, make_page):
    linker = make_page("Loaded linker", body="Soon [[Soon here]].")
    revision = linker.current_revision
    assert "redlink" in revision.html
    session = db.session()
    session.expire_on_commit = False  # the session keeps what it loaded across the commit
    try:
        services.create_page(customer, "Soon here", "article", "Here.")
        assert blue(revision.html, "soon-here")
    finally:
        session.expire_on_commit = True
