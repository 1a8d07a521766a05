"""Personal API tokens (web UI and API) and the two ways to authenticate API calls."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.conftest import csrf_token_from
from wiki.account import services as tokens
from wiki.api_auth import hash_token, user_for_token
from wiki.extensions import db
from wiki.models import ApiToken, User


def test_create_token_service_stores_only_a_hash(customer):
    token, raw = tokens.create_token(customer, "  sync   script ")
    assert token.name == "sync script"
    assert raw.startswith("cwk_") and token.prefix == raw[:10]
    assert token.token_hash == hash_token(raw) and raw not in token.token_hash
    assert user_for_token(raw).id == customer.id


@pytest.mark.parametrize("name", ["", "   ", "x" * 81, "bad\x07name"])
def test_create_token_service_refuses_bad_names(customer, name):
    from wiki.errors import ValidationError

    with pytest.raises(ValidationError):
        tokens.create_token(customer, name)
    assert db.session.query(ApiToken).count() == 0


def test_revoking_is_idempotent_and_only_for_the_owner(customer, other_customer):
    from werkzeug.exceptions import NotFound

    token, raw = tokens.create_token(customer, "ci")
    first = tokens.revoke_token(customer, token.id).revoked_at
    assert tokens.revoke_token(customer, token.id).revoked_at == first
    assert user_for_token(raw) is None
    with pytest.raises(NotFound):
        tokens.revoke_token(other_customer, token.id)


def test_api_token_lifecycle(client, make_token, customer):
    auth = make_token(customer, "first")
    created = client.post("/api/v1/tokens", headers=auth, json={"name": "deploy bot"})
    assert created.status_code == 201
    raw = created.json["token"]
    assert created.headers["Cache-Control"] == "no-store"
    new_auth = {"Authorization": f"Bearer {raw}"}
    listing = client.get("/api/v1/tokens", headers=new_auth).json
    assert listing["total"] == 2
    assert {t["name"] for t in listing["tokens"]} == {"first", "deploy bot"}
    assert all("token" not in t and "token_hash" not in t for t in listing["tokens"])
    revoked = client.delete(f"/api/v1/tokens/{created.json['id']}", headers=auth)
    assert revoked.status_code == 200 and revoked.json["revoked_at"]
    refused = client.get("/api/v1/tokens", headers=new_auth)
    assert refused.status_code == 401
    assert refused.json["error"]["code"] == "unauthorized"


def test_another_users_token_id_is_404(client, make_token, customer, other_customer):
    theirs, _raw = tokens.create_token(other_customer, "theirs")
    response = client.delete(f"/api/v1/tokens/{theirs.id}", headers=make_token(customer))
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    assert db.session.get(ApiToken, theirs.id).revoked_at is None


@pytest.mark.parametrize("payload, code", [({}, "missing_field"), ({"name": 3}, "wrong_type"),
                                           ({"name": "a", "scope": "all"}, "unknown_field"),
                                           ({"name": " "}, "invalid")])
def test_api_create_token_bad_input(client, make_token, customer, payload, code):
    response = client.post("/api/v1/tokens", headers=make_token(customer), json=payload)
    assert response.status_code == 400 and response.json["error"]["code"] == code


@pytest.mark.parametrize("header", ["Bearer cwk_not-a-real-token", "Bearer ", "Basic abc"])
def test_unknown_or_missing_token_is_401(client, header):
    response = client.get("/api/v1/tokens", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json["error"]["message"]


def test_unknown_token_is_401_even_on_public_endpoints(client):
    response = client.get("/api/v1/pages", headers={"Authorization": "Bearer cwk_nope"})
    assert response.status_code == 401


def test_banned_users_token_stops_working(client, make_token, customer):
    auth = make_token(customer)
    customer.banned = True
    db.session.commit()
    assert client.get("/api/v1/tokens", headers=auth).status_code == 401


def test_token_use_is_recorded(client, make_token, customer):
    auth = make_token(customer)
    assert client.get("/api/v1/tokens", headers=auth).status_code == 200
    token = db.session.query(ApiToken).one()
    db.session.refresh(token)
    assert token.last_used_at is not None


def test_bearer_wins_over_a_session_cookie_for_someone_else(login, make_token, customer,
                                                             other_customer):
    client = login(customer)
    assert client.get("/api/v1/").json["user"] == "casey"
    assert client.get("/api/v1/", headers=make_token(other_customer)).json["user"] == "olive"
    created = client.post("/api/v1/tokens", headers=make_token(other_customer, "x"),
                          json={"name": "made by olive"})
    assert db.session.get(ApiToken, created.json["id"]).user_id == other_customer.id


class TestWithCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def _logged_in(self, app, customer):
        client = app.test_client()
        token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
        response = client.post("/auth/login", data={"username": customer.username,
                                                     "password": "correct-horse-battery",
                                                     "csrf_token": token})
        assert response.status_code == 302
        return client, csrf_token_from(client.get("/account/").get_data(as_text=True))

    def test_session_without_csrf_header_is_refused(self, app, customer):
        client, _token = self._logged_in(app, customer)
        response = client.post("/api/v1/tokens", json={"name": "x"})
        assert response.status_code == 400
        assert response.json["error"]["code"] == "bad_request"
        assert "CSRF" in response.json["error"]["message"]
        assert db.session.query(ApiToken).count() == 0

    def test_session_with_csrf_header_works(self, app, customer):
        client, token = self._logged_in(app, customer)
        response = client.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRFToken": token})
        assert response.status_code == 201

    def test_bearer_needs_no_csrf(self, app, client, make_token, customer):
        response = client.post("/api/v1/tokens", json={"name": "x"}, headers=make_token(customer))
        assert response.status_code == 201


def test_account_page_lists_tokens_with_an_empty_state(customer_client):
    html = customer_client.get("/account/").get_data(as_text=True)
    assert "API tokens" in html and "You have no API tokens yet" in html


def test_account_create_token_shows_it_once(customer_client, customer):
    response = customer_client.post("/account/tokens", data={"tok-name": "laptop"})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    token = db.session.query(ApiToken).one()
    raw = html.split('id="new-token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    assert hash_token(raw) == token.token_hash and token.user_id == customer.id
    account = customer_client.get("/account/").get_data(as_text=True)
    assert "laptop" in account and token.prefix in account and raw not in account


def test_account_create_token_without_a_name_is_400(customer_client):
    response = customer_client.post("/account/tokens", data={"tok-name": ""})
    assert response.status_code == 400
    assert "This field is required" in response.get_data(as_text=True)
    assert db.session.query(ApiToken).count() == 0


def test_account_revoke_token(customer_client, customer, other_customer):
    mine, raw = tokens.create_token(customer, "mine")
    theirs, _ = tokens.create_token(other_customer, "theirs")
    assert customer_client.post(f"/account/tokens/{theirs.id}/revoke").status_code == 404
    response = customer_client.post(f"/account/tokens/{mine.id}/revoke")
    assert response.status_code == 302
    assert user_for_token(raw) is None
    assert "revoked" in customer_client.get("/account/").get_data(as_text=True)


def test_account_tokens_need_login(client):
    response = client.post("/account/tokens", data={"tok-name": "x"})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


class TestAnonymousApiWrites:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_an_anonymous_write_is_401_not_a_csrf_error(self, client):
        response = client.post("/api/v1/pages", json={"title": "x", "kind": "article", "body": "y"})
        assert response.status_code == 401
        assert response.json["error"]["code"] == "unauthorized"

    def test_a_signed_in_session_still_needs_the_csrf_header(self, client, customer):
        from .conftest import csrf_token_from

        token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
        client.post("/auth/login", data={"username": "casey", "password": "correct-horse-battery",
                                         "csrf_token": token})
        response = client.post("/api/v1/pages", json={"title": "x", "kind": "article", "body": "y"})
        assert response.status_code == 400 and "CSRF" in response.json["error"]["message"]

    def test_a_remember_cookie_alone_still_needs_the_csrf_header(self, client, customer):
        from .conftest import csrf_token_from

        token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
        client.post("/auth/login", data={"username": "casey", "password": "correct-horse-battery",
                                         "remember": "y", "csrf_token": token})
        with client.session_transaction() as session:  # the session ended; the remember cookie did not
            session.clear()
        response = client.post("/api/v1/pages", json={"title": "x", "kind": "article", "body": "y"})
        assert response.status_code == 400 and "CSRF" in response.json["error"]["message"]


def test_the_token_look_up_gives_the_rows_as_the_orm_loads_them(app, customer):
    """``user_for_token`` reads the token and its user outside the session (``wiki.rowload``):
    the token as its typed values, the user as a persistent, clean object."""
    from datetime import timedelta

    from flask import g
    from sqlalchemy import inspect

    from wiki.api_auth import new_token
    from wiki.models import User, utcnow

    token, raw = new_token(customer, "typed")
    token.last_used_at = utcnow() - timedelta(hours=3)
    db.session.commit()
    expected = {c.key: getattr(token, c.key) for c in ApiToken.__table__.columns}
    customer_id = customer.id
    db.session.expunge_all()

    with app.test_request_context("/api/v1/tokens"):
        user = user_for_token(raw)
        loaded = g.api_token
        assert loaded._asdict() == expected
        assert loaded.last_used_at.tzinfo is not None
        assert user.id == customer_id and isinstance(user, User)
        assert inspect(user).persistent
        assert not db.session.dirty and not db.session.new
        assert user_for_token(raw) is user  # one object per row: the identity map
        assert user.segment is None  # relationships load when asked for
        assert user_for_token(raw + "x") is None


def test_a_revoked_token_is_nobody(app, customer):
    from wiki.api_auth import new_token
    from wiki.models import utcnow

    token, raw = new_token(customer, "revoked")
    token.revoked_at = utcnow()
    db.session.commit()
    db.session.expunge_all()
    with app.test_request_context("/api/v1/tokens"):
        assert user_for_token(raw) is None


# -- the last-use stamp rides in the request's own write transaction --------------------------

def _last_used(token_id):
    db.session.expire_all()
    return db.session.get(ApiToken, token_id).last_used_at


def test_a_tokens_first_write_of_the_minute_stamps_it_in_the_writes_own_transaction(
        app, client, customer, make_proposal, make_token):
    """The vote takes SQLite's write lock once: the stamp is its transaction's first statement,
    not a transaction of its own before it."""
    from sqlalchemy import event

    page = make_proposal()
    headers = make_token(customer)
    token_id = db.session.query(ApiToken.id).scalar()
    statements = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement.split()[0] + (" IMMEDIATE" if "IMMEDIATE" in statement else "")
                          + (" last_used_at" if "last_used_at" in statement else ""))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = client.put(f"/api/v1/pages/{page.slug}/vote", json={"value": 1}, headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert response.status_code == 200
    assert _last_used(token_id) is not None
    assert statements.count("UPDATE last_used_at") == 1
    if db.engine.dialect.name == "sqlite":
        assert statements.count("BEGIN IMMEDIATE") == 1
        # the stamp follows the vote's BEGIN IMMEDIATE, nothing between
        assert statements[statements.index("BEGIN IMMEDIATE") + 1] == "UPDATE last_used_at"


def test_a_stamp_whose_write_rolls_back_is_written_at_the_end_of_the_request(app, customer):
    from flask import g

    from wiki.api_auth import _STAMP, _note_use, _stamp_unwritten, new_token
    from wiki.database import begin_write
    from wiki.models import utcnow

    token, _raw = new_token(customer, "rolled back")
    db.session.commit()
    token_id = token.id
    stale = utcnow() - timedelta(hours=2)
    db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=stale))
    db.session.commit()
    with app.test_request_context("/api/v1/pages/x/vote", method="PUT"):
        _note_use(rowload_token(token_id))
        begin_write()
        db.session.execute(select(User.id).limit(1)).all()  # the write begins: the stamp goes in
        assert db.session.info.get(_STAMP)
        db.session.rollback()  # … and is undone with it
        with db.engine.connect() as conn:  # not the session: its next write would take the stamp
            assert conn.execute(select(ApiToken.last_used_at)
                                .where(ApiToken.id == token_id)).scalar() == stale
        assert _STAMP in g
        _stamp_unwritten()
        assert _STAMP not in g
    assert _last_used(token_id) > stale


def test_a_stamp_committed_with_the_write_is_not_written_again(app, customer):
    from flask import g

    from wiki.api_auth import _STAMP, _note_use, new_token
    from wiki.database import begin_write

    token, _raw = new_token(customer, "committed")
    db.session.commit()
    token_id = token.id
    db.session.commit()  # reading the id began a transaction: the write must begin its own
    with app.test_request_context("/api/v1/pages/x/vote", method="PUT"):
        _note_use(rowload_token(token_id))
        begin_write()
        db.session.execute(select(User.id).limit(1)).all()
        db.session.commit()
        assert _STAMP not in g  # nothing left for the request's end
    assert _last_used(token_id) is not None


def test_a_token_used_within_the_minute_is_not_stamped_again(app, customer):
    from flask import g

    from wiki.api_auth import _STAMP, _note_use, new_token
    from wiki.models import utcnow

    token, _raw = new_token(customer, "recent")
    token.last_used_at = utcnow() - timedelta(seconds=20)
    db.session.commit()
    with app.test_request_context("/api/v1/tokens"):
        _note_use(rowload_token(token.id))
        assert _STAMP not in g


def rowload_token(token_id):
    from wiki import rowload

    return rowload.row(ApiToken, "id", token_id)
