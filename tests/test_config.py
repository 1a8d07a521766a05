"""Configuration order, the generated secret, and SQLite pragmas."""
from sqlalchemy import text

from wiki import create_app
from wiki.config import normalise_database_url
from wiki.extensions import db


def test_secret_key_is_generated_once_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.db'}",
              "INSTANCE_PATH": str(tmp_path / "instance")}
    first = create_app(dict(config))
    second = create_app(dict(config))
    assert first.config["SECRET_KEY"] and len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "instance" / "secret_key").exists()


def test_environment_overrides_instance_config(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("SEARCH_BACKEND = 'from-file'\nSITE_NAME = 'From file'\n")
    monkeypatch.setenv("COWIKI_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("SEARCH_BACKEND", "postgres")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("SEARCH_CACHE_TIMEOUT", "0")
    app = create_app()
    assert app.config["SITE_NAME"] == "From file"  # file beats defaults
    assert app.config["SEARCH_BACKEND"] == "postgres"  # environment beats file
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.db")
    assert app.config["SEARCH_CACHE_TIMEOUT"] == 0  # a number, so 0 turns the cache off


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_sqlite_uses_wal_and_enforces_foreign_keys(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}",
                      "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
        db.session.rollback()
        db.engine.dispose()


def test_passwords_are_hashed_with_scrypt_by_default(tmp_path):
    from wiki.auth.services import create_user

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'h.db'}", "SECRET_KEY": "x",
                      "TESTING": True})
    with app.app_context():
        db.create_all()
        user = create_user("hashme", "a-long-enough-pw")
        assert user.password_hash.startswith("scrypt:")
        db.session.remove()
        db.engine.dispose()
