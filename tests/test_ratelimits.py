"""Abuse limits: per account and per address, stricter for new accounts, Redis-backed on demand."""
from datetime import timedelta

import pytest
import redis

from wiki import ratelimits
from wiki.extensions import db
from wiki.models import utcnow

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_FLAG": "3 per minute",
            "RATELIMIT_FLAG_NEW": "1 per minute", "RATELIMIT_FLAG_ADDRESS": "5 per minute"}


def age(user, days):
    user.created_at = utcnow() - timedelta(days=days)
    db.session.commit()
    return user


def flag(web, page, reason="spam", **environ):
    return web.post("/moderation/flag", data={"target_type": "page", "target_id": page.id,
                                              "reason": reason, "text": "x"},
                    environ_base=environ)


def test_new_accounts_are_limited_more_strictly(login, make_user, make_page):
    pages = [make_page(f"Limit {n}") for n in range(5)]
    newcomer = login(make_user("newbie"))
    assert flag(newcomer, pages[0]).status_code == 302
    response = flag(newcomer, pages[1])
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Try again in" in response.get_data(as_text=True)
    veteran = login(age(make_user("veteran"), 30))
    statuses = [flag(veteran, page, REMOTE_ADDR="10.0.0.2").status_code for page in pages[:4]]
    assert statuses == [302, 302, 302, 429]


def test_address_limit_holds_across_accounts(login, make_user, make_page):
    pages = [make_page(f"Addr {n}") for n in range(7)]
    clients = [login(age(make_user(f"sock{n}"), 30)) for n in range(3)]
    statuses = []
    for index, page in enumerate(pages[:6]):
        statuses.append(flag(clients[index % 3], page, REMOTE_ADDR="10.9.9.9").status_code)
    assert statuses == [302] * 5 + [429]
    # someone elsewhere is not affected
    assert flag(clients[0], pages[6], REMOTE_ADDR="10.1.1.1").status_code == 302


def test_api_and_web_share_a_category(app, client, login, make_user, make_page):
    from wiki.api_auth import new_token

    member = age(make_user("sharer"), 30)
    _t, raw = new_token(member, "t")
    db.session.commit()
    pages = [make_page(f"Share {n}") for n in range(4)]
    web = login(member)
    assert flag(web, pages[0]).status_code == 302
    assert flag(web, pages[1]).status_code == 302
    api = client.post("/api/v1/flags", headers={"Authorization": f"Bearer {raw}"},
                      json={"target_type": "page", "target_id": pages[2].id, "reason": "spam"})
    assert api.status_code == 201
    api = client.post("/api/v1/flags", headers={"Authorization": f"Bearer {raw}"},
                      json={"target_type": "page", "target_id": pages[3].id, "reason": "spam"})
    assert api.status_code == 429
    assert api.json["error"]["code"] == "rate_limited" and "Try again in" in api.json["error"]["message"]
    assert "Retry-After" in api.headers


def test_categories_cover_existing_and_later_endpoints(app):
    client = app.test_client()
    app.add_url_rule("/api/v1/things/<slug>/vote", endpoint="api.fake_vote",
                     view_func=lambda slug: "voted", methods=["PUT"])
    client.get("/auth/login")  # the first request applies the limits
    applied = app.extensions["cowiki_ratelimits"]
    assert applied["auth.login"] == "login" and applied["auth.register"] == "register"
    assert applied["moderation.flag"] == "flag" and applied["api.create_flag"] == "flag"
    assert applied["pages.edit"] == "edit" and applied["api.fake_vote"] == "vote"
    assert "pages.view" not in applied  # reading is never limited


def test_login_limit_is_per_address(app, client, customer):
    app.config["RATELIMIT_LOGIN"] = "2 per minute"
    app.config["RATELIMIT_LOGIN_ADDRESS"] = "2 per minute"
    for _ in range(2):
        assert client.post("/auth/login", data={"username": "casey", "password": "wrong"}).status_code == 400
    response = client.post("/auth/login", data={"username": "casey", "password": "wrong"})
    assert response.status_code == 429 and response.headers["Retry-After"]


class TestRedis:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": REDIS_URL,
                "RATELIMIT_REGISTER": "2 per minute", "RATELIMIT_REGISTER_ADDRESS": "2 per minute"}

    def test_counters_live_in_redis(self, app, client):
        redis.Redis.from_url(REDIS_URL).flushdb()
        for n in range(2):
            response = client.post("/auth/register", data={"username": f"r{n}x", "password": "x"})
            assert response.status_code == 400
        assert client.post("/auth/register", data={"username": "r9x"}).status_code == 429
        keys = redis.Redis.from_url(REDIS_URL).keys("*")
        assert any(b"register" in key for key in keys)
        redis.Redis.from_url(REDIS_URL).flushdb()


def test_limit_value_reads_configuration(app, make_user):
    from flask_login import login_user

    user = make_user("cfg")
    with app.test_request_context("/"):
        login_user(user)
        assert ratelimits.limit_value("flag") == "1 per minute"  # new account
        app.config["NEW_ACCOUNT_DAYS"] = 0
        assert ratelimits.limit_value("flag") == "3 per minute"
        assert ratelimits.limit_value("edit") == ratelimits.CATEGORIES["edit"][0]


def test_login_attempts_on_one_account_are_limited_across_addresses(app, client, customer):
    app.config["RATELIMIT_LOGIN"] = "2 per minute"
    statuses = [client.post("/auth/login", data={"username": "Casey", "password": "wrong"},
                            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code for n in range(3)]
    assert statuses == [400, 400, 429]
    other = client.post("/auth/login", data={"username": "someone", "password": "wrong"},
                        environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 400
