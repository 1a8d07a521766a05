"""CoWiki: a community wiki where customers co-author reviews, recommendations and proposals."""
from flask import Flask

from .config import load_config


def create_app(config=None):
    """Build the application. ``config`` overrides everything; its ``INSTANCE_PATH`` (or the
    ``COWIKI_INSTANCE_PATH`` environment variable) moves the instance folder."""
    import os

    config = dict(config or {})
    instance_path = config.pop("INSTANCE_PATH", None) or os.environ.get("COWIKI_INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    load_config(app, config)
    configure_extensions(app)
    configure_blueprints(app)
    configure_templates(app)
    configure_security(app)
    configure_errors(app)
    configure_cli(app)
    return app


def configure_extensions(app):
    from . import database
    from .extensions import cache, csrf, db, limiter, login_manager, migrate

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database.engine_options(app.config)
    db.init_app(app)
    database.configure_engine(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    cache.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to do that."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from .auth.services import load_user

    login_manager.user_loader(load_user)
    from .api_auth import configure_api_auth

    configure_api_auth(app)
    from . import pagecache

    pagecache.init_app(app)


# One package per area of the product. Each may have routes.py with a blueprint ``bp`` and an
# ``init_app(app)`` in its __init__.py (CLI commands, event subscribers, template slots).
# Areas not written yet are skipped.
AREAS = ("main", "auth", "account", "people", "products", "pages", "search", "votes",
         "proposals", "triage", "roadmap", "admin", "moderation", "watches", "notifications",
         "feeds", "webhooks", "api")


def _import_area(name, module=None):
    import importlib

    target = f"{__name__}.{name}" + (f".{module}" if module else "")
    try:
        return importlib.import_module(target)
    except ModuleNotFoundError as exc:
        if exc.name in (target, f"{__name__}.{name}"):
            return None
        raise


def configure_blueprints(app):
    for name in AREAS:
        package = _import_area(name)
        if package is None:
            continue
        routes = _import_area(name, "routes")
        if routes is not None and hasattr(routes, "bp"):
            app.register_blueprint(routes.bp)
        if hasattr(package, "init_app"):
            package.init_app(app)


def configure_templates(app):
    from .templating import configure_templating

    configure_templating(app)


def configure_security(app):
    from .security import configure_security as _configure

    _configure(app)


def configure_errors(app):
    from .errors import register_error_handlers

    register_error_handlers(app)


def configure_cli(app):
    from .cli import register_cli

    register_cli(app)


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"
