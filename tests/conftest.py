"""Shared fixtures: a fresh app and database per test, clients, and one user of each role.

Set TEST_DATABASE_URL (for example postgresql://postgres@127.0.0.1:5432/test) to run the whole
suite on that database instead of a throw-away SQLite file.
"""
import os
import re
import shutil

import pytest
from sqlalchemy import text

from wiki import create_app
from wiki.extensions import db, limiter

PASSWORD = "correct-horse-battery"

# Browser journeys run only with `make e2e` (COWIKI_E2E=1): they need Chromium and a live server.
collect_ignore = [] if os.environ.get("COWIKI_E2E") else ["e2e"]
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def _reset_database():
    """Empty every table and restart the id sequences (PostgreSQL), so each test starts clean.

    DELETE on small tables takes milliseconds where TRUNCATE takes most of a second."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    sequences = db.session.scalars(text(
        "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = current_schema()"))
    for name in list(sequences):
        db.session.execute(text(f'ALTER SEQUENCE "{name}" RESTART'))
    db.session.commit()


_pg_schema_ready = False


def _forget_request_user():
    from flask import g

    g.pop("_login_user", None)
    g.pop("api_token", None)
    g.pop("bearer_auth", None)
    g.pop("csrf_token", None)  # Flask-WTF caches the token in g; a new request must re-read it


@pytest.fixture
def app_config(tmp_path):
    """Override in a test module to change the configuration of ``app``."""
    return {}


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """An empty SQLite database with the schema, made once and copied for each test."""
    if TEST_DATABASE_URL:
        return None
    path = tmp_path_factory.mktemp("template") / "template.db"
    template_app = create_app({"TESTING": True, "SECRET_KEY": "x",
                               "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                               "SEARCH_INDEX_DIR": str(path.parent / "idx")})
    with template_app.app_context():
        db.create_all()
        from wiki.auth.services import ensure_default_segments

        ensure_default_segments()
        db.session.remove()
        # everything into the file the tests copy, the WAL emptied: first the app's own
        # background checkpoint ends, as the one below would only say it is busy meanwhile
        template_app.extensions["sqlite_write_gate"].checkpointer.wait()
        with db.engine.connect() as conn:
            busy, _frames, _copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        assert not busy, "the template database is still in use"
        db.engine.dispose()
    return path


@pytest.fixture
def app(tmp_path, app_config, sqlite_template):
    global _pg_schema_ready
    if sqlite_template is not None:
        shutil.copyfile(sqlite_template, tmp_path / "test.db")
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast hashing: tests are not an attack
        "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'test.db'}",
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "CACHE_TYPE": "NullCache",
        "CACHE_NO_NULL_WARNING": True,
        "SERVER_NAME": "localhost",
    }
    config.update(app_config)
    app = create_app(config)
    # The test keeps an app context open, and Flask reuses it for every request, so g (where
    # Flask-Login caches the current user) would leak from one client's request to the next.
    app.before_request_funcs.setdefault(None, []).insert(0, _forget_request_user)
    with app.app_context():
        if TEST_DATABASE_URL:
            if not _pg_schema_ready:
                db.drop_all()
                db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
                db.session.commit()
                db.create_all()
                _pg_schema_ready = True
            _reset_database()
        from wiki.auth.services import ensure_default_segments

        ensure_default_segments()
        db.session.commit()  # end the read transaction, so the test starts with a fresh snapshot
        if app.config["RATELIMIT_ENABLED"]:
            limiter.reset()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """``make_user("name", role="customer")`` creates and returns a user."""
    from wiki.auth.services import create_user

    def _make(username, role="customer", password=PASSWORD, **kwargs):
        return create_user(username, password, role=role, check_reserved=False, **kwargs)

    return _make


@pytest.fixture
def customer(make_user):
    return make_user("casey")


@pytest.fixture
def other_customer(make_user):
    return make_user("olive")


@pytest.fixture
def moderator(make_user):
    return make_user("morgan", role="moderator")


@pytest.fixture
def innovator(make_user):
    return make_user("indira", role="innovation")


@pytest.fixture
def admin(make_user):
    return make_user("adele", role="admin")


def log_in(client, user, password=PASSWORD):
    response = client.post("/auth/login", data={"username": user.username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


@pytest.fixture
def login(app):
    """``login(user)`` returns a new test client logged in as ``user``."""

    def _login(user, password=PASSWORD):
        return log_in(app.test_client(), user, password)

    return _login


@pytest.fixture
def customer_client(login, customer):
    return login(customer)


@pytest.fixture
def moderator_client(login, moderator):
    return login(moderator)


@pytest.fixture
def innovator_client(login, innovator):
    return login(innovator)


@pytest.fixture
def admin_client(login, admin):
    return login(admin)


_CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|name="csrf-token" content="([^"]+)"')


def csrf_token_from(html):
    match = _CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


@pytest.fixture
def make_product(app):
    """``make_product("Acme Phone")`` creates and returns a product."""
    from wiki.models import Product
    from wiki.text import slugify

    def _make(name="Acme Phone", description="A phone."):
        product = Product(slug=slugify(name), name=name, description=description)
        db.session.add(product)
        db.session.commit()
        return product

    return _make


@pytest.fixture
def product(make_product):
    return make_product()


@pytest.fixture
def make_page(app, make_user, product):
    """``make_page("Title", kind="proposal", author=user, body=...)`` creates a page through the
    pages service (so its revision, events and search update happen as in the app)."""
    from wiki.pages.services import create_page

    authors = {}

    def _make(title="A page", kind="article", author=None, body=None, product=product, tags=()):
        if author is None:
            author = authors.get("default") or make_user("author")
            authors["default"] = author
        return create_page(author, title, kind, body or f"Text about {title}.",
                           product=product if kind != "article" else None, tags=tags)

    return _make


@pytest.fixture
def make_proposal(make_page):
    def _make(title="Faster checkout", **kwargs):
        return make_page(title, kind="proposal", **kwargs)

    return _make


@pytest.fixture
def make_token(app):
    """``make_token(user)`` returns request headers carrying a new API token for ``user``:
    ``client.get("/api/v1/tokens", headers=make_token(customer))``."""
    from wiki.api_auth import new_token

    def _make(user, name="test token"):
        _token, raw = new_token(user, name)
        db.session.commit()
        return {"Authorization": f"Bearer {raw}"}

    return _make
