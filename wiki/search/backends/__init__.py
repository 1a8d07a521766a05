"""Pick the configured backend: one instance per application (and so per process)."""
from pathlib import Path

from flask import current_app

from .base import EXACT_COUNT


class BackendConfigError(RuntimeError):
    pass


def make_backend(app):
    name = (app.config.get("SEARCH_BACKEND") or "whoosh").lower()
    if name == "whoosh":
        from .whoosh_backend import WhooshBackend

        return WhooshBackend(app.config["SEARCH_INDEX_DIR"],
                             write_timeout=float(app.config.get("SEARCH_WRITE_TIMEOUT", 20)),
                             time_limit=float(app.config.get("SEARCH_TIME_LIMIT", 2)),
                             # tests lower it to see estimates without indexing 1,000 pages
                             exact_count=int(app.config.get("SEARCH_EXACT_COUNT", EXACT_COUNT)))
    if name == "tantivy":
        from .tantivy_backend import FOLDER, TantivyBackend

        return TantivyBackend(Path(app.config["SEARCH_INDEX_DIR"]) / FOLDER,
                              write_timeout=float(app.config.get("SEARCH_WRITE_TIMEOUT", 20)))
    if name == "postgres":
        if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            raise BackendConfigError("SEARCH_BACKEND=postgres needs DATABASE_URL to be PostgreSQL.")
        from .postgres import PostgresBackend

        return PostgresBackend(time_limit=float(app.config.get("SEARCH_TIME_LIMIT", 5)))
    raise BackendConfigError(f"Unknown SEARCH_BACKEND {name!r}: use whoosh, tantivy or postgres.")


def get_backend(app=None):
    """The application's backend, made on first use and kept for the life of the process."""
    app = app or current_app._get_current_object()
    state = app.extensions.setdefault("search", {})
    if state.get("backend") is None:
        state["backend"] = make_backend(app)
    return state["backend"]
