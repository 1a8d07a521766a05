"""Configuration: defaults in code, then ``instance/config.py``, then the environment.

Nothing here reads the application at import time; ``load_config`` is called by the factory.
"""
import os
import secrets
from pathlib import Path


class Defaults:
    SQLALCHEMY_DATABASE_URI = None  # filled in from instance_path when not configured
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLITE_BUSY_TIMEOUT_MS = 15000
    SECRET_KEY = None
    PASSWORD_HASH_METHOD = "scrypt"
    SEARCH_BACKEND = "whoosh"  # or "tantivy" or "postgres"
    SEARCH_INDEX_DIR = None  # defaults to instance/search-index (tantivy: its "tantivy" folder)
    # seconds a search answer is kept in the shared cache (wiki/search/cache.py); 0 = off
    SEARCH_CACHE_TIMEOUT = 300
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_LOGIN = "10 per minute;100 per hour"
    RATELIMIT_REGISTER = "5 per minute;30 per hour"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    MAX_CONTENT_LENGTH = 1024 * 1024  # whole request
    MAX_BODY_BYTES = 256 * 1024  # one page's Markdown source
    MAX_MARKDOWN_NESTING = 40
    WTF_CSRF_TIME_LIMIT = None  # token lives as long as the session
    PER_PAGE = 20
    MAX_PER_PAGE = 100
    CACHE_TYPE = "SimpleCache"
    CACHE_DEFAULT_TIMEOUT = 60
    # entries per process for the in-process cache; pages are ~5-30 kB, so about 60 MB at most.
    # Several workers or machines should share Redis instead (CACHE_REDIS_URL).
    CACHE_THRESHOLD = 2000
    MAIL_SERVER = None
    MAIL_PORT = 25
    MAIL_FROM = "cowiki@localhost"
    SITE_NAME = "CoWiki"
    COUNT_SQL = False  # count SQL statements per request into X-SQL-Count (benchmarks, tests)
    DEFAULT_SEGMENTS = ("Technology constrained", "Technology optimist", "Technology investor")


# Environment variables read on start-up, and how each is parsed.
_ENV = {
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "SECRET_KEY": ("SECRET_KEY", str),
    "SEARCH_BACKEND": ("SEARCH_BACKEND", str),
    "SEARCH_INDEX_DIR": ("SEARCH_INDEX_DIR", str),
    "SEARCH_CACHE_TIMEOUT": ("SEARCH_CACHE_TIMEOUT", int),
    "RATELIMIT_STORAGE_URI": ("RATELIMIT_STORAGE_URI", str),
    "RATELIMIT_ENABLED": ("RATELIMIT_ENABLED", "bool"),
    "SESSION_COOKIE_SECURE": ("SESSION_COOKIE_SECURE", "bool"),
    "CACHE_TYPE": ("CACHE_TYPE", str),
    "CACHE_REDIS_URL": ("CACHE_REDIS_URL", str),
    "MAIL_SERVER": ("MAIL_SERVER", str),
    "MAIL_PORT": ("MAIL_PORT", int),
    "MAIL_FROM": ("MAIL_FROM", str),
    "MAX_BODY_BYTES": ("MAX_BODY_BYTES", int),
}


def _parse(kind, raw):
    if kind == "bool":
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    return kind(raw)


def normalise_database_url(url):
    """Let ``postgres://`` and ``postgresql://`` URLs use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def load_config(app, overrides=None):
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for env_name, (key, kind) in _ENV.items():
        raw = os.environ.get(env_name)
        if raw:
            app.config[key] = _parse(kind, raw)
    if overrides:
        app.config.update(overrides)

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'wiki.db'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SEARCH_INDEX_DIR"):
        app.config["SEARCH_INDEX_DIR"] = str(instance / "search-index")
    if app.config.get("CACHE_REDIS_URL") and app.config["CACHE_TYPE"] == "SimpleCache":
        app.config["CACHE_TYPE"] = "RedisCache"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance)
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]


def _instance_secret(instance):
    """Generate a secret key once into the instance folder and reuse it afterwards."""
    path = instance / "secret_key"
    if path.exists():
        key = path.read_text().strip()
        if key:
            return key
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
