"""Static files with content hashes: ``url_for('static', ...)`` adds ``?v=<hash>`` by itself, and a
URL carrying the current hash is cached by browsers for a year (a new file gets a new URL)."""
import hashlib
from pathlib import Path

from flask import request

STATIC_MAX_AGE = 365 * 24 * 3600
_hashes = {}


def file_hash(static_folder, filename):
    """First 12 hex digits of the file's SHA-256, read once per process; None when missing."""
    key = (static_folder, filename)
    if key not in _hashes:
        path = Path(static_folder, filename)
        try:
            resolved = path.resolve(strict=True)
            inside = resolved.is_relative_to(Path(static_folder).resolve())
            _hashes[key] = hashlib.sha256(resolved.read_bytes()).hexdigest()[:12] if inside else None
        except (OSError, ValueError):
            _hashes[key] = None
    return _hashes[key]


def configure_static(app):
    @app.url_defaults
    def _versioned_static(endpoint, values):
        if endpoint == "static" and "v" not in values and values.get("filename"):
            digest = file_hash(app.static_folder, values["filename"])
            if digest:
                values["v"] = digest

    @app.after_request
    def _cache_versioned_static(response):
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        version = request.args.get("v")
        filename = (request.view_args or {}).get("filename", "")
        if version and version == file_hash(app.static_folder, filename):
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = STATIC_MAX_AGE
            response.cache_control.immutable = True
        return response

    app.jinja_env.globals["static_url"] = lambda filename: _static_url(filename)


def _static_url(filename):
    from flask import url_for

    return url_for("static", filename=filename)
