"""Query budget: a list view makes as many SQL statements for many rows as for few (no N+1).

Each entry of LIST_VIEWS is one line: the URL (or a function building it from the fixtures) and a
function creating ``n`` more rows that the view shows. The statement count comes from the
``X-SQL-Count`` header that ``COUNT_SQL`` turns on (wiki/database.py).
"""
from collections.abc import Callable
from dataclasses import dataclass

import pytest

FEW, MANY = 2, 12  # both fit on the first page of a list


@pytest.fixture
def app_config():
    return {"COUNT_SQL": True}


# -- row factories: ``factory(getfixture, n)`` adds n rows the view lists ---------------------

def people(getfixture, n):
    from wiki.extensions import db
    from wiki.models import Segment, User

    segments = db.session.query(Segment).all()
    start = db.session.query(User).count()
    for i in range(start, start + n):
        db.session.add(User(username=f"person{i}", username_key=f"person{i}", password_hash="x",
                            segment=segments[i % len(segments)] if segments else None,
                            lead_score=i))
    db.session.commit()


def pages(kind="article"):
    """Pages of one kind, created through the pages service."""

    def factory(getfixture, n):
        make_page = getfixture("make_page")
        make_user = getfixture("make_user")
        counter = getfixture("budget_counter")
        for _ in range(n):
            counter["pages"] += 1
            # each by another author, so loading authors one by one would show
            make_page(f"Budget {kind} {counter['pages']}", kind=kind,
                      author=make_user(f"writer{counter['pages']}"))

    return factory


@dataclass
class ListView:
    url: str | Callable
    rows: Callable
    as_user: str | None = None  # a fixture name giving a logged-in client, e.g. "customer_client"
    # statements each row may add, when that is the design (and is written here, with why)
    per_row: int = 0

    def __str__(self):
        return self.url if isinstance(self.url, str) else self.url.__name__


def _next(getfixture, name="pages"):
    counter = getfixture("budget_counter")
    counter[name] = counter.get(name, 0) + 1
    return counter[name]


def _subject(getfixture):
    """One page the per-page lists (history, talk, revisions) are about, made once per test."""
    counter = getfixture("budget_counter")
    if "subject" not in counter:
        counter["subject"] = getfixture("make_page")("Budget subject", kind="review")
    return counter["subject"]


def subject_url(suffix):
    def url(getfixture):
        return f"/wiki/{_subject(getfixture).slug}{suffix}"

    url.__name__ = f"/wiki/<subject>{suffix}"
    return url


def api_subject_url(suffix):
    def url(getfixture):
        return f"/api/v1/pages/{_subject(getfixture).slug}{suffix}"

    url.__name__ = f"/api/v1/pages/<subject>{suffix}"
    return url


def product_url(getfixture):
    return f"/products/{getfixture('product').slug}"


def revisions(getfixture, n):
    from wiki.pages.services import edit_page

    page = _subject(getfixture)
    editor = getfixture("other_customer")
    for _ in range(n):
        edit_page(editor, page, f"Revision text {_next(getfixture, 'revisions')}.", "budget")


def comments(getfixture, n):
    from wiki.pages.services import add_comment

    page = _subject(getfixture)
    commenter = getfixture("other_customer")
    for _ in range(n):
        i = _next(getfixture, "comments")
        parent = add_comment(commenter, page, f"Comment {i}.")
        add_comment(getfixture("customer"), page, f"Reply {i}.", parent=parent)


def tagged_pages(getfixture, n):
    make_page = getfixture("make_page")
    for _ in range(n):
        i = _next(getfixture)
        make_page(f"Tagged {i}", kind="review", tags=("budget", f"tag-{i}"))


def products(getfixture, n):
    make_product = getfixture("make_product")
    make_page = getfixture("make_page")
    for _ in range(n):
        product = make_product(f"Budget product {_next(getfixture, 'products')}")
        make_page(f"About {product.name}", kind="review", product=product)


def roadmap_proposals(getfixture, n):
    from wiki.triage.services import change_status

    make_page = getfixture("make_page")
    innovator = getfixture("innovator")
    for _ in range(n):
        page = make_page(f"Roadmap idea {_next(getfixture)}", kind="proposal", tags=("budget",))
        change_status(innovator, page, "under_review")
        change_status(innovator, page, "planned")


def notifications(getfixture, n):
    """Pages created in a product the customer watches: one notification each."""
    from wiki.watches.services import watch

    customer = getfixture("customer")
    product = getfixture("product")
    watch(customer, "product", product.id)
    pages("review")(getfixture, n)


def flags(getfixture, n):
    from wiki.moderation.services import flag

    make_page = getfixture("make_page")
    reporter = getfixture("other_customer")
    for _ in range(n):
        page = make_page(f"Flagged {_next(getfixture)}", kind="review")
        flag(reporter, "page", page.id, "spam")


def webhooks(getfixture, n):
    from wiki.webhooks.services import create_webhook

    owner = getfixture("innovator")
    for _ in range(n):
        create_webhook(owner, f"https://hooks.example.com/{_next(getfixture, 'hooks')}",
                       product_slug=getfixture("product").slug)


def tokens(getfixture, n):
    from wiki.account.services import create_token

    for _ in range(n):
        create_token(getfixture("customer"), f"token {_next(getfixture, 'tokens')}")


LIST_VIEWS = [
    ListView("/people/", people),
    ListView("/people/?sort=new", people),
    ListView("/people/?sort=name", people, as_user="customer_client"),
    ListView("/", pages("review")),
    ListView("/products/", products),
    ListView(product_url, pages("review")),
    ListView(product_url, pages("proposal"), as_user="customer_client"),
    ListView("/proposals/?sort=top", pages("proposal")),
    ListView("/proposals/?sort=hot", pages("proposal"), as_user="customer_client"),
    ListView("/proposals/?sort=new&tag=budget", roadmap_proposals),
    ListView("/recent", pages("article")),
    ListView("/recent", pages("proposal"), as_user="moderator_client"),
    ListView("/recent?type=comments", comments),
    ListView(subject_url("/history"), revisions),
    ListView(subject_url("/history"), revisions, as_user="moderator_client"),
    ListView(subject_url("/talk"), comments),
    ListView(subject_url("/talk"), comments, as_user="customer_client"),
    ListView("/tags/", tagged_pages),
    ListView("/tags/budget", tagged_pages),
    # each row asks search for its likely duplicates (one search, one statement loading the
    # hits); everything else about the rows is loaded in a fixed number of statements
    ListView("/triage/", pages("proposal"), as_user="innovator_client", per_row=1),
    ListView("/roadmap", roadmap_proposals),
    ListView("/notifications/", notifications, as_user="customer_client"),
    ListView("/moderation/", flags, as_user="moderator_client"),
    ListView("/moderation/log", flags, as_user="moderator_client"),
    ListView("/webhooks/", webhooks, as_user="innovator_client"),
    ListView("/admin/users", people, as_user="admin_client"),
    ListView("/account/", tokens, as_user="customer_client"),
    ListView("/feeds/recent.atom", pages("article")),
    ListView("/feeds/proposals.atom", pages("proposal")),
    # each hit shows its product and proposal status, loaded with the pages
    ListView("/search?q=budget", pages("proposal")),
    ListView("/api/v1/search?q=budget", pages("proposal")),
    ListView("/api/v1/pages", pages("review")),
    ListView("/api/v1/proposals", pages("proposal")),
    ListView("/api/v1/products", products),
    ListView("/api/v1/events", pages("article")),
    ListView(api_subject_url("/revisions"), revisions),
    ListView("/api/v1/notifications", notifications, as_user="customer_client"),
    ListView("/api/v1/flags", flags, as_user="moderator_client"),
    ListView("/api/v1/webhooks", webhooks, as_user="innovator_client"),
    ListView("/api/v1/tokens", tokens, as_user="customer_client"),
]


@pytest.fixture
def budget_counter():
    return {"pages": 0}


def statements(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert "X-SQL-Count" in response.headers
    return int(response.headers["X-SQL-Count"])


@pytest.mark.parametrize("view", LIST_VIEWS, ids=str)
def test_list_view_statements_do_not_grow_with_rows(request, view):
    client = request.getfixturevalue(view.as_user) if view.as_user else \
        request.getfixturevalue("client")
    url = view.url if isinstance(view.url, str) else view.url(request.getfixturevalue)
    view.rows(request.getfixturevalue, FEW)
    if view.as_user:  # as if the welcome message after logging in had been shown
        with client.session_transaction() as session:
            session.pop("_flashes", None)
    few = statements(client, url)
    view.rows(request.getfixturevalue, MANY - FEW)
    many = statements(client, url)
    expected = few + view.per_row * (MANY - FEW)
    assert many == expected, f"{url}: {few} statements for {FEW} rows but {many} for {MANY}"


class TestWithoutCounting:
    @pytest.fixture
    def app_config(self):
        return {}

    def test_no_header_without_count_sql(self, client):
        assert "X-SQL-Count" not in client.get("/people/").headers


def test_the_header_counts_statements(client, make_user):
    make_user("counted")
    assert statements(client, "/people/") >= 2  # at least the count and the rows


def test_the_budget_check_catches_an_n_plus_one(app, client):
    """A view loading each row's segment lazily makes one more statement per row."""
    from sqlalchemy import select
    from sqlalchemy.orm import lazyload

    from wiki.extensions import db
    from wiki.models import User

    def careless():
        users = db.session.scalars(select(User).options(lazyload(User.segment))).all()
        db.session.expire_all()
        return ", ".join(f"{u.username}:{u.segment.name if u.segment else ''}" for u in users)

    app.add_url_rule("/careless-list", "careless_list", careless)
    people(None, FEW)
    few = statements(client, "/careless-list")
    people(None, MANY - FEW)
    assert statements(client, "/careless-list") > few
