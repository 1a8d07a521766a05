"""Collects the API modules onto one blueprint; modules not written yet are skipped."""
import importlib

from .blueprint import bp

MODULES = ("meta", "pages", "products", "search", "votes", "proposals", "events", "notifications",
           "webhooks", "tokens", "moderation")

for _name in MODULES:
    try:
        importlib.import_module(f"{__package__}.{_name}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"{__package__}.{_name}":
            raise

__all__ = ["bp"]
