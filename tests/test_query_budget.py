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
        counter = getfixture("budget_counter")
        for _ in range(n):
            counter["pages"] += 1
            make_page(f"Budget {kind} {counter['pages']}", kind=kind)

    return factory


@dataclass
class ListView:
    url: str | Callable
    rows: Callable
    as_user: str | None = None  # a fixture name giving a logged-in client, e.g. "customer_client"

    def __str__(self):
        return self.url if isinstance(self.url, str) else self.url.__name__


LIST_VIEWS = [
    ListView("/people/", people),
    ListView("/people/?sort=new", people),
    ListView("/people/?sort=name", people, as_user="customer_client"),
    # after the merge, one line each, e.g.:
    # ListView("/recent", pages("article")),
    # ListView("/proposals/?sort=top", pages("proposal")),
    # ListView(lambda get: f"/products/{get('product').slug}", pages("review")),
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
    few = statements(client, url)
    view.rows(request.getfixturevalue, MANY - FEW)
    many = statements(client, url)
    assert many == few, f"{url}: {few} statements for {FEW} rows but {many} for {MANY}"


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
