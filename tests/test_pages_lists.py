"""Recent changes, tags and the home page: filters, pagination, and a fixed number of queries."""
import pytest
from sqlalchemy import event as sa_event

from wiki.extensions import db
from wiki.pages.services import add_comment, edit_page, revert_page


@pytest.fixture
def world(make_page, make_product, make_user, product):
    other = make_product("Beta Buds")
    alice, bob = make_user("alice"), make_user("bob")
    review = make_page("Phone review", kind="review", author=alice, tags=["battery"])
    proposal = make_page("Buds idea", kind="proposal", author=bob, product=other, tags=["battery", "sound"])
    article = make_page("Guide", author=alice)
    edit_page(bob, review, "Edited review text", "tidy")
    revert_page(alice, review, 1)
    add_comment(bob, proposal, "Nice idea")
    return {"review": review, "proposal": proposal, "article": article, "other": other}


def test_recent_changes_lists_every_change_newest_first(client, world):
    html = client.get("/recent").get_data(as_text=True).split('<ul class="events">', 1)[1]
    assert html.index("commented") < html.index("reverted") < html.index("edited")
    for title in ("Phone review", "Buds idea", "Guide"):
        assert title in html
    assert "tidy" in html


def test_recent_changes_filters_by_kind_product_and_type(client, world, product):
    by_kind = client.get("/recent?kind=proposal").get_data(as_text=True)
    assert "Buds idea" in by_kind and "Phone review" not in by_kind
    by_product = client.get(f"/recent?product={product.slug}").get_data(as_text=True)
    assert "Phone review" in by_product and "Buds idea" not in by_product and ">Guide<" not in by_product
    comments = client.get("/recent?type=comments").get_data(as_text=True).split('<ul class="events">')[1]
    assert "commented" in comments and "reverted" not in comments
    reverts = client.get("/recent?type=reverted").get_data(as_text=True).split('<ul class="events">')[1]
    assert "reverted" in reverts and "Buds idea" not in reverts
    assert client.get("/recent?kind=bogus&type=bogus&product=nope").status_code == 200


def test_recent_changes_paginates(client, make_page, make_user):
    page = make_page("Many edits", body="0")
    editor = make_user("eddie")
    for n in range(1, 30):
        edit_page(editor, page, str(n), summary=f"edit number {n}")
    first = client.get("/recent").get_data(as_text=True)
    assert "edit number 29" in first and "edit number 5<" not in first and 'rel="next"' in first
    assert "edit number 5<" in client.get("/recent?page=2").get_data(as_text=True)


def test_deleted_pages_drop_out_of_recent_changes_for_readers(client, moderator_client, world):
    world["proposal"].deleted = True
    db.session.commit()
    assert "Buds idea" not in client.get("/recent").get_data(as_text=True)
    assert "Buds idea" in moderator_client.get("/recent").get_data(as_text=True)


def test_tag_pages_list_what_carries_each_tag(client, world):
    html = client.get("/tags/battery").get_data(as_text=True)
    assert "Phone review" in html and "Buds idea" in html and "Guide" not in html
    index = client.get("/tags/").get_data(as_text=True)
    assert "/tags/battery" in index and "/tags/sound" in index
    assert "No page carries this tag" in client.get("/tags/unused").get_data(as_text=True)


def test_home_page_shows_recent_activity_and_popular_products(client, world):
    html = client.get("/").get_data(as_text=True)
    assert "Recent activity" in html and "Popular products" in html and "Beta Buds" in html


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args, **kwargs):
        self.count += 1


def queries_for(client, url):
    counter = QueryCounter()
    sa_event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", counter)
    return counter.count


LIST_URLS = ["/recent", "/tags/battery", "/products/acme-phone", "/wiki/p0/history", "/wiki/p0/talk",
             "/products/", "/", "/wiki/p0", "/wiki/p0/links"]


def test_list_views_use_a_fixed_number_of_queries(client, make_page, make_user, product):
    from wiki.pages.services import get_page

    people = [make_user(f"writer{i}") for i in range(16)]

    def grow(start, stop):
        for i in range(start, stop):
            author, editor = people[2 * i], people[2 * i + 1]
            page = make_page(f"P{i}", kind="review", author=author, tags=["battery"])
            edit_page(editor, page, f"changed {i} [[P0]]")
            comment = add_comment(author, get_page("p0"), f"comment {i}")
            add_comment(editor, get_page("p0"), "reply", parent=comment)

    grow(0, 2)
    small = {url: queries_for(client, url) for url in LIST_URLS}
    grow(2, 8)
    large = {url: queries_for(client, url) for url in LIST_URLS}
    assert large == small


def test_long_lists_count_only_as_far_as_the_pager_reaches(app, make_page):
    """A capped count: the last page is unknown, the pager says "more than N", not a total."""
    from wiki.database import paginate
    from wiki.models import Page
    from sqlalchemy import select

    for n in range(12):
        make_page(f"Counted {n}")
    stmt = select(Page).order_by(Page.id)
    with app.test_request_context():
        first = paginate(stmt, page=1, per_page=2, capped=True)  # counts (1 + 2) * 2 + 1 rows
        assert (first.total, first.exact, first.pages, first.has_next) == (7, False, 4, True)
        assert list(first.iter_pages()) == [1, 2, 3, None]
        near_end = paginate(stmt, page=5, per_page=2, capped=True)  # reaches all 12 rows
        assert (near_end.total, near_end.exact, near_end.pages) == (12, True, 6)
        assert list(near_end.iter_pages()) == [1, None, 3, 4, 5, 6]
        assert [p.title for p in near_end.items] == ["Counted 8", "Counted 9"]
        whole = paginate(stmt, page=1, per_page=2)
        assert (whole.total, whole.exact, whole.pages) == (12, True, 6)


def test_recent_changes_pager_links_ahead_without_counting_everything(client, app, make_page):
    app.config["PER_PAGE"] = 2
    for n in range(12):
        make_page(f"Change {n}")
    first = client.get("/recent").get_data(as_text=True)
    assert "more than 6" in first and " in all" not in first
    assert 'href="/recent?page=3"' in first and 'href="/recent?page=4"' not in first
    assert 'rel="next" href="/recent?page=2"' in first
    last = client.get("/recent?page=6").get_data(as_text=True)
    assert "12 in all" in last and "Change 0" in last and 'rel="next"' not in last
    assert 'href="/recent?page=1"' in last and 'rel="prev" href="/recent?page=5"' in last
    assert "Change 11" not in client.get("/recent?page=99").get_data(as_text=True)
