"""The pages maintenance command and the demo content."""
from sqlalchemy import func, select, update

from wiki.extensions import db
from wiki.models import Comment, Event, Link, Page, Product, Revision
from wiki.pages.services import add_comment


def test_rerender_refreshes_stored_html_and_links(runner, customer, make_page):
    page = make_page("Stale", body="**bold** [[Elsewhere]]")
    comment = add_comment(customer, page, "*hi*")
    db.session.execute(update(Revision).values(html="<p>old renderer</p>"))
    db.session.execute(update(Comment).values(html="<p>old renderer</p>"))
    db.session.execute(Link.__table__.delete())
    db.session.commit()
    result = runner.invoke(args=["pages", "rerender"])
    assert result.exit_code == 0 and "Re-rendered 1 revisions and 1 comments" in result.output
    db.session.expire_all()
    assert "<strong>bold</strong>" in page.current_revision.html
    assert db.session.get(Comment, comment.id).html == "<p><em>hi</em></p>"
    assert db.session.scalar(select(Link.to_slug)) == "elsewhere"


def test_demo_content_shows_the_wiki(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(Product.id))) >= 4
    for kind in ("article", "review", "recommendation", "proposal"):
        assert db.session.scalar(select(func.count(Page.id)).where(Page.kind == kind)) >= 12
    assert db.session.scalar(select(func.count(Page.id)).where(Page.revision_count >= 3)) >= 10
    authors = db.session.scalar(select(func.count(func.distinct(Revision.author_id))))
    assert authors >= 4
    assert db.session.scalar(select(func.count()).select_from(Comment)) >= 20
    # links between pages, some of them red
    slugs = set(db.session.scalars(select(Page.slug)))
    targets = set(db.session.scalars(select(Link.to_slug)))
    assert targets & slugs and targets - slugs
    kinds = set(db.session.scalars(select(Event.kind)))
    assert {"page.created", "page.edited", "comment.created"} <= kinds


def test_demo_pages_have_one_main_heading(app, runner, client):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    html = client.get("/wiki/acme-phone-x-battery-life-review").get_data(as_text=True)
    assert html.count("<h1") == 1
