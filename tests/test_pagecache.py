"""Anonymous reads: no cookie, ETag/Last-Modified with 304s, and a page cache that a commit of any
change (edit, hidden revision, vote, status change) makes miss, in every worker process."""
from datetime import timedelta

import pytest

from tests.conftest import csrf_token_from
from wiki import create_app
from wiki.extensions import db


@pytest.fixture
def app_config():
    return {"CACHE_TYPE": "SimpleCache"}


@pytest.fixture
def review(make_page):
    return make_page("Battery life review", kind="review", body="The battery lasts two days.")


@pytest.fixture
def idea(make_proposal):
    return make_proposal("Dark mode for the app", body="Please add a dark mode.")


def anonymous_urls(review, idea, product):
    return [f"/wiki/{review.slug}", f"/products/{product.slug}", "/proposals/?sort=top",
            "/recent", f"/wiki/{review.slug}/history"]


# -- no session cookie for anonymous readers ---------------------------------------------------

def test_an_anonymous_page_view_sets_no_cookie(app, client, review, idea, product):
    app.config["WTF_CSRF_ENABLED"] = True
    for url in anonymous_urls(review, idea, product):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Set-Cookie" not in response.headers, url
        html = response.get_data(as_text=True)
        assert 'name="csrf-token"' not in html and 'name="csrf_token"' not in html, url


def test_logged_in_pages_still_carry_the_csrf_token(login, customer, review):
    html = login(customer).get(f"/wiki/{review.slug}").get_data(as_text=True)
    assert csrf_token_from(html)


def test_the_login_form_still_gets_its_token(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    html = client.get("/auth/login").get_data(as_text=True)
    assert csrf_token_from(html)


# -- ETag, Last-Modified and 304 -----------------------------------------------------------------

def test_anonymous_reads_answer_304_to_a_matching_etag(client, review, idea, product):
    for url in anonymous_urls(review, idea, product):
        first = client.get(url)
        etag = first.headers.get("ETag")
        assert etag, url
        assert "no-cache" in first.headers["Cache-Control"], url
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304, url
        assert again.get_data() == b""
        other = client.get(url, headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200, url


def test_the_etag_changes_after_an_edit(client, review, customer):
    from wiki.pages.services import edit_page

    url = f"/wiki/{review.slug}"
    etag = client.get(url).headers["ETag"]
    edit_page(customer, review, "The battery lasts three days.", "longer")
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert "three days" in response.get_data(as_text=True)
    assert response.headers["ETag"] != etag


def test_last_modified_once_the_newest_change_has_settled(client, review):
    from sqlalchemy import update

    from wiki.models import Event
    from wiki.models.base import utcnow

    db.session.execute(update(Event).values(created_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    url = f"/wiki/{review.slug}"
    first = client.get(url)
    last_modified = first.headers.get("Last-Modified")
    assert last_modified
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304


def test_a_change_after_last_modified_answers_200(client, review, customer):
    from sqlalchemy import update

    from wiki.models import Event
    from wiki.models.base import utcnow
    from wiki.pages.services import edit_page

    db.session.execute(update(Event).values(created_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    url = f"/wiki/{review.slug}"
    last_modified = client.get(url).headers["Last-Modified"]
    edit_page(customer, review, "The battery now lasts four days.", "update")
    response = client.get(url, headers={"If-Modified-Since": last_modified})
    assert response.status_code == 200
    assert "four days" in response.get_data(as_text=True)


def test_no_last_modified_while_the_newest_change_is_recent(client, review):
    assert "Last-Modified" not in client.get(f"/wiki/{review.slug}").headers


def test_logged_in_reads_are_neither_cached_nor_conditional(login, customer, review):
    user_client = login(customer)
    response = user_client.get(f"/wiki/{review.slug}")
    assert "X-Page-Cache" not in response.headers
    assert "ETag" not in response.headers


# -- the page cache ------------------------------------------------------------------------------

def test_a_second_anonymous_read_is_served_from_the_cache(client, review):
    url = f"/wiki/{review.slug}"
    assert client.get(url).headers["X-Page-Cache"] == "miss"
    second = client.get(url)
    assert second.headers["X-Page-Cache"] == "hit"
    assert "two days" in second.get_data(as_text=True)


def test_an_edit_is_shown_at_once(client, review, customer):
    from wiki.pages.services import edit_page

    url = f"/wiki/{review.slug}"
    client.get(url)
    edit_page(customer, review, "Now the battery lasts a week.", "update")
    html = client.get(url).get_data(as_text=True)
    assert "lasts a week" in html and "two days" not in html


def test_a_hidden_revision_disappears_at_once(client, review, customer, moderator):
    from wiki.moderation.actions import hide_revision
    from wiki.pages.services import edit_page

    revision = edit_page(customer, review, "Buy pills at spam.example.", "spam")
    url = f"/wiki/{review.slug}"
    assert "spam.example" in client.get(url).get_data(as_text=True)
    assert "spam.example" in client.get(url).get_data(as_text=True)  # now from the cache
    hide_revision(moderator, revision, "spam")
    html = client.get(url).get_data(as_text=True)
    assert "spam.example" not in html and "two days" in html


def test_a_vote_changes_the_counts_at_once(client, idea, customer, product):
    from wiki.votes.services import cast_vote

    shown = {f"/wiki/{idea.slug}": '<span data-count="up">1</span> support',
             "/proposals/?sort=top": '<span data-count="up">1</span> support',
             f"/products/{product.slug}": "score +1"}
    for url, text in shown.items():
        assert text not in client.get(url).get_data(as_text=True)
        assert client.get(url).headers["X-Page-Cache"] == "hit"
    cast_vote(customer, idea, 1)
    for url, text in shown.items():
        response = client.get(url)
        assert response.headers["X-Page-Cache"] == "miss", url
        assert text in response.get_data(as_text=True), url


def test_a_status_change_shows_on_the_board_at_once(client, idea, innovator):
    from wiki.triage.services import change_status

    url = "/proposals/?status=planned"
    assert "Dark mode" not in client.get(url).get_data(as_text=True)
    client.get(url)
    change_status(innovator, idea, "under_review")
    change_status(innovator, idea, "planned")
    assert "Dark mode" in client.get(url).get_data(as_text=True)


def test_search_results_follow_an_edit(client, review, customer):
    from wiki.pages.services import edit_page

    url = "/search?q=zeppelin"
    client.get(url)
    assert client.get(url).headers["X-Page-Cache"] == "hit"
    assert "Battery life review" not in client.get(url).get_data(as_text=True)
    edit_page(customer, review, "It charges as slowly as a zeppelin flies.", "zeppelin")
    response = client.get(url)
    assert response.headers["X-Page-Cache"] == "miss"
    assert "Battery life review" in response.get_data(as_text=True)


def test_search_results_wait_for_the_index_queue(app, client, review):
    """While pages wait to be indexed, results are kept under another key than after."""
    from wiki.models import SearchPending

    url = "/search?q=battery"
    client.get(url)
    assert client.get(url).headers["X-Page-Cache"] == "hit"
    db.session.add(SearchPending(page_id=review.id))  # queued, and not drained yet
    db.session.commit()
    assert client.get(url).headers["X-Page-Cache"] == "miss"


def test_signed_in_users_never_get_the_anonymous_copy(client, login, customer, review):
    url = f"/wiki/{review.slug}"
    client.get(url)
    assert client.get(url).headers["X-Page-Cache"] == "hit"
    html = login(customer).get(url).get_data(as_text=True)
    assert "casey" in html  # the header names the signed-in user
    assert 'name="csrf-token"' in html


def test_a_visitor_with_a_flash_message_gets_a_fresh_page(client, review):
    url = f"/wiki/{review.slug}"
    client.get(url)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Welcome back, reader.")]
    response = client.get(url)
    assert "X-Page-Cache" not in response.headers
    assert "Welcome back, reader." in response.get_data(as_text=True)


def test_invalidation_reaches_every_worker_process(app, tmp_path, review, customer):
    """A second app on the same database stands for another gunicorn worker with its own
    SimpleCache: an edit made through one worker is shown at once by the other."""
    other = create_app({**{k: app.config[k] for k in (
        "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "SEARCH_INDEX_DIR", "TESTING")},
        "CACHE_TYPE": "SimpleCache", "SERVER_NAME": "localhost"})
    url = f"/wiki/{review.slug}"
    with other.app_context():
        worker = other.test_client()
        worker.get(url)
        assert worker.get(url).headers["X-Page-Cache"] == "hit"
        db.session.remove()
    from wiki.pages.services import edit_page

    edit_page(customer, review, "Edited in the first worker.", "x")
    with other.app_context():
        html = other.test_client().get(url).get_data(as_text=True)
        db.session.remove()
        db.engine.dispose()
    assert "Edited in the first worker." in html


# -- Atom feeds: cached like pages, with their own validators ----------------------------------

def test_a_feed_is_served_from_the_cache_and_keeps_its_own_validators(client, review):
    first = client.get("/feeds/recent.atom")
    assert first.status_code == 200 and first.headers["X-Page-Cache"] == "miss"
    second = client.get("/feeds/recent.atom")
    assert second.headers["X-Page-Cache"] == "hit"
    assert second.data == first.data and second.mimetype == "application/atom+xml"
    for name in ("ETag", "Last-Modified", "Cache-Control"):
        assert second.headers[name] == first.headers[name]
    assert "max-age=60" in second.headers["Cache-Control"]
    again = client.get("/feeds/recent.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.headers["X-Page-Cache"] == "hit"


def test_a_cached_feed_shows_an_edit_at_once(client, review, customer):
    from wiki.pages.services import edit_page

    before = client.get("/feeds/recent.atom")
    edit_page(customer, review, "Now the battery lasts a week.", "a much longer life")
    after = client.get("/feeds/recent.atom")
    assert after.headers["X-Page-Cache"] == "miss"
    assert "a much longer life" in after.get_data(as_text=True)
    assert after.headers["ETag"] != before.headers["ETag"]


# -- the WSGI fast path: hits for cookie-less readers are answered before Flask ------------------

@pytest.fixture
def flask_requests(app):
    """How many requests reached Flask's request handling."""
    seen = []
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: seen.append(1))
    return seen


def test_a_hit_without_cookies_is_answered_before_flask(client, review, flask_requests):
    url = f"/wiki/{review.slug}"
    miss = client.get(url)
    assert miss.headers["X-Page-Cache"] == "miss" and len(flask_requests) == 1
    hit = client.get(url)
    assert hit.headers["X-Page-Cache"] == "hit" and len(flask_requests) == 1
    assert hit.data == miss.data and hit.mimetype == "text/html"
    for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
                 "ETag", "Cache-Control", "Vary"):
        assert hit.headers[name] == miss.headers[name], name
    assert int(hit.headers["Content-Length"]) == len(hit.data)
    assert "Set-Cookie" not in hit.headers


def test_the_fast_path_answers_head_and_if_none_match(client, review, flask_requests):
    url = f"/wiki/{review.slug}"
    etag = client.get(url).headers["ETag"]
    head = client.head(url)
    assert head.status_code == 200 and head.data == b"" and head.headers["X-Page-Cache"] == "hit"
    not_modified = client.get(url, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert not_modified.headers["ETag"] == etag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert len(flask_requests) == 1


def test_a_reader_with_a_cookie_or_a_token_goes_through_flask(app, client, review, flask_requests):
    url = f"/wiki/{review.slug}"
    client.get(url)
    client.set_cookie("unrelated", "1")
    with_cookie = client.get(url)
    assert with_cookie.headers["X-Page-Cache"] == "hit"  # Flask's path serves the same entry
    assert len(flask_requests) == 2
    client.delete_cookie("unrelated")
    client.get(url, headers={"Authorization": "Bearer nope"})
    assert len(flask_requests) == 3


def test_the_fast_path_never_answers_a_write_or_an_uncached_view(client, review, flask_requests):
    client.get("/auth/login")
    client.get("/auth/login")
    assert len(flask_requests) == 2
    client.post(f"/wiki/{review.slug}/vote", data={"value": "1"})
    assert len(flask_requests) == 3


def test_an_unreachable_cache_server_costs_speed_not_pages(app, client, review, monkeypatch):
    """Redis down: both hit paths (the fast path reads the backend, Flask the cache object) and
    the store after a miss fail; every anonymous page is rendered as if there were no cache."""
    from wiki.extensions import cache

    def down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(cache.cache, "get", down)
    monkeypatch.setattr(cache.cache, "set", down)
    for _ in range(2):
        response = client.get(f"/wiki/{review.slug}")
        assert response.status_code == 200
        assert "two days" in response.get_data(as_text=True)
        assert "X-Page-Cache" not in response.headers


# -- the near cache: a process's own copies of entries it read from a shared cache server --------

def test_a_near_copy_answers_without_asking_the_server(app, client, review, monkeypatch):
    from wiki.extensions import cache
    from wiki.pagecache import NearCache

    app.extensions["pagecache_near"] = NearCache(10)
    backend = cache.cache
    asked = []
    real_get = backend.get
    monkeypatch.setattr(backend, "get", lambda key: asked.append(key) or real_get(key))
    url = f"/wiki/{review.slug}"
    assert client.get(url).headers["X-Page-Cache"] == "miss"  # stored there and near
    looked = len(asked)  # the fast path, then Flask, looked for it
    for _ in range(3):
        hit = client.get(url)
        assert hit.headers["X-Page-Cache"] == "hit" and "two days" in hit.get_data(as_text=True)
    assert looked >= 1 and len(asked) == looked  # the hits never asked the server


def test_a_near_copy_follows_the_generation(app, client, review, customer):
    from wiki.pagecache import NearCache
    from wiki.pages.services import edit_page

    app.extensions["pagecache_near"] = NearCache(10)
    url = f"/wiki/{review.slug}"
    client.get(url)
    edit_page(customer, review, "The battery lasts three days.", "longer")
    response = client.get(url)
    assert response.headers["X-Page-Cache"] == "miss"
    assert "three days" in response.get_data(as_text=True)


def test_the_near_cache_keeps_the_newest_and_drops_the_expired(monkeypatch):
    from wiki import pagecache

    near = pagecache.NearCache(2)
    near.put("a", 1, 300)
    near.put("b", 2, 300)
    assert near.get("a") == 1  # a is now the most recently used
    near.put("c", 3, 300)
    assert (near.get("a"), near.get("b"), near.get("c")) == (1, None, 3)
    now = pagecache.time.monotonic()
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: now + 301)
    assert near.get("a") is None


def test_only_a_cache_outside_the_process_gets_a_near_cache():
    from wiki import create_app

    base = {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    assert "pagecache_near" not in create_app({**base, "CACHE_TYPE": "SimpleCache"}).extensions
    redis_app = create_app({**base, "CACHE_TYPE": "RedisCache",
                            "CACHE_REDIS_URL": "redis://127.0.0.1:6379/13"})
    assert "pagecache_near" in redis_app.extensions


def test_reads_outside_the_session_keep_one_connection_per_thread_and_see_each_commit(app):
    """No pool checkout per read (SQLite: a checkout and checkin cost more than the read), and a
    kept connection holds no old snapshot: a commit made elsewhere shows on the next read."""
    from sqlalchemy import event as sa_event

    from wiki import pagecache

    engine = db.engine
    with engine.begin() as other:
        other.exec_driver_sql("CREATE TABLE reader_probe (n INTEGER)")
    checkouts = []

    def count(*_args):
        checkouts.append(1)

    try:
        assert pagecache.one_row(engine, "SELECT count(*) FROM reader_probe")[0] == 0
        with engine.begin() as other:
            other.exec_driver_sql("INSERT INTO reader_probe (n) VALUES (1)")
        sa_event.listen(engine, "checkout", count)
        assert pagecache.one_row(engine, "SELECT count(*) FROM reader_probe")[0] == 1
        assert pagecache.one_row(engine, "SELECT :n + 1", {"n": 41})[0] == 42
        assert checkouts == []
    finally:
        sa_event.remove(engine, "checkout", count)
        with engine.begin() as other:
            other.exec_driver_sql("DROP TABLE reader_probe")


def test_a_thread_keeps_reading_connections_to_a_few_databases_only(tmp_path, monkeypatch):
    """Each test makes a database of its own: a thread closes its oldest reader beyond four."""
    import sqlite3

    from sqlalchemy import create_engine

    from wiki import pagecache

    # this thread's readers for the test alone (a test run alone has none yet)
    monkeypatch.setattr(pagecache._readers, "connections", pagecache.OrderedDict(), raising=False)
    engines = [create_engine(f"sqlite:///{tmp_path / f'{n}.db'}") for n in range(6)]
    kept = [pagecache._thread_connection(engine) for engine in engines]
    assert len(pagecache._readers.connections) == pagecache.READERS_PER_THREAD
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        kept[0].execute("SELECT 1")
    assert kept[-1].execute("SELECT 1").fetchone() == (1,)
    assert pagecache._thread_connection(engines[-1]) is kept[-1]
    for engine in engines:
        engine.dispose()


def test_a_threads_own_reading_connection_is_kept_and_replaced_when_dropped(app):
    """On PostgreSQL, reads outside the session use one autocommit connection per thread (no
    pool ping before each); one the server dropped is replaced and the read tried again."""
    from wiki import pagecache

    engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("a server dropping the connection: SQLite has no server")
    backend = "SELECT pg_backend_pid()"
    first = pagecache.one_row(engine, backend)[0]
    assert pagecache.one_row(engine, backend)[0] == first  # the same connection, kept
    with engine.connect() as other:
        other.exec_driver_sql(f"SELECT pg_terminate_backend({first})")
    replaced = pagecache.one_row(engine, backend)[0]
    assert replaced != first
    assert pagecache.one_row(engine, "SELECT :n + 1", {"n": 41})[0] == 42


def test_a_commit_with_an_event_bumps_the_generation_on_the_threads_own_connection(app, customer,
                                                                                  review):
    """On PostgreSQL every transaction that recorded an event advances the generation after its
    commit, with one statement on the thread's reading connection: no pooled connection (the
    committing session still holds one) and no transaction of its own."""
    from wiki import pagecache
    from wiki.pages.services import edit_page

    engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's generation is the newest event id alone")
    statements = []
    real = pagecache._fetch_one

    def counted(conn, engine, sql, params):
        statements.append(sql)
        return real(conn, engine, sql, params)

    before = pagecache.generation()[0]
    checked_out = engine.pool.checkedout()
    pagecache._fetch_one, statements[:] = counted, []
    try:
        edit_page(customer, review, "The battery lasts three days.", base_revision=1)
    finally:
        pagecache._fetch_one = real
    assert statements.count(pagecache._BUMP) == 1
    assert engine.pool.checkedout() == checked_out
    bumped = pagecache.generation()[0]
    assert bumped != before
    assert int(bumped.split(".")[1]) == int(before.split(".")[1]) + 1


def test_a_statement_without_rows_answers_none(app):
    from wiki import pagecache

    create = "CREATE TABLE IF NOT EXISTS scratch_rows (n integer)"
    assert pagecache.one_row(db.engine, create) is None
    assert pagecache.one_row(db.engine, "SELECT count(*) FROM scratch_rows")[0] == 0
    assert pagecache.one_row(db.engine, "DROP TABLE scratch_rows") is None
