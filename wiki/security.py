"""Response headers, safe redirects and session checks."""
from urllib.parse import urljoin, urlsplit

from flask import abort, request

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")


def is_safe_next(target):
    """True when ``target`` stays on this site (relative path, same scheme and host)."""
    if not target or not isinstance(target, str):
        return False
    if any(ch in target for ch in "\\\r\n\t") or target.startswith("//"):
        return False
    here = urlsplit(request.host_url)
    there = urlsplit(urljoin(request.host_url, target))
    return there.scheme in ("http", "https") and there.netloc == here.netloc


def safe_next(target, default="/"):
    return target if is_safe_next(target) else default


def configure_security(app):
    @app.before_request
    def refuse_nul_in_paths():
        """A NUL in a path names nothing (PostgreSQL cannot even compare it). Query arguments
        are each view's business (search cleans them); a NUL that still reaches the database
        is a 400 (errors.py)."""
        if "\x00" in request.path:
            abort(404)

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
