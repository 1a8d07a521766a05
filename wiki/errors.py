"""Errors as data, and the handlers that answer them as HTML pages or JSON under /api/."""
from flask import flash, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db


class ValidationError(Exception):
    """Raised by services: ``errors`` maps a field name (or ``"_"``) to a message."""

    status_code = 400

    def __init__(self, errors, status_code=None):
        if isinstance(errors, str):
            errors = {"_": errors}
        self.errors = dict(errors)
        if status_code:
            self.status_code = status_code
        super().__init__("; ".join(self.errors.values()))

    @property
    def message(self):
        return "; ".join(self.errors.values())

    def flash(self):
        for message in self.errors.values():
            flash(message, "error")


class Conflict(ValidationError):
    status_code = 409


def wants_json():
    return request.path.startswith("/api/")


def json_error(status, code, message, **extra):
    body = {"error": {"code": code, "message": message}}
    body.update(extra)
    return jsonify(body), status


_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
          422: "unprocessable", 429: "rate_limited", 500: "server_error"}


def _unstorable_text(error):
    """A NUL byte or a lone surrogate that no field check caught reached the database driver
    (PostgreSQL refuses both): bad input, not a server error."""
    orig = getattr(error, "orig", None) or error
    text = str(orig)
    return (isinstance(orig, UnicodeEncodeError) and "surrogates not allowed" in text) or (
        "NUL (0x00)" in text)


def register_error_handlers(app):
    @app.errorhandler(ValidationError)
    def handle_validation(error):
        db.session.rollback()
        if wants_json():
            code = getattr(error, "code", None) or ("conflict" if error.status_code == 409 else "invalid")
            extra = dict(getattr(error, "extra", {}) or {})
            if set(error.errors) != {"_"}:
                extra.setdefault("fields", error.errors)
            return json_error(error.status_code, code, error.message, **extra)
        return render_template("errors/error.html", code=error.status_code,
                               title="That did not work", message=error.message), error.status_code

    @app.errorhandler(HTTPException)
    def handle_http(error):
        if isinstance(error, InternalServerError):
            db.session.rollback()
        code = error.code or 500
        if wants_json():
            response = json_error(code, _CODES.get(code, "error"), error.description)
        else:
            response = (render_template("errors/error.html", code=code, title=error.name,
                                        message=error.description), code)
        if code == 429:
            retry = getattr(error, "retry_after", None)
            resp = app.make_response(response)
            if retry:
                resp.headers["Retry-After"] = str(retry)
            if error.response is not None:  # Flask-Limiter attaches its headers here
                for key in ("Retry-After", "X-RateLimit-Reset"):
                    if key in error.response.headers:
                        resp.headers[key] = error.response.headers[key]
            return resp
        if code == 405 and error.valid_methods:
            resp = app.make_response(response)
            resp.headers["Allow"] = ", ".join(error.valid_methods)
            return resp
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error):
        db.session.rollback()
        if _unstorable_text(error):
            message = ("The request contains characters that cannot be stored "
                       "(a NUL character or broken Unicode).")
            if wants_json():
                return json_error(400, "invalid", message)
            return render_template("errors/error.html", code=400, title="That did not work",
                                   message=message), 400
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if app.testing and not app.config.get("RENDER_500_IN_TESTS"):
            raise error  # let the test see the traceback
        if wants_json():
            return json_error(500, "server_error", "Something went wrong on our side.")
        return render_template("errors/error.html", code=500, title="Server error",
                               message="Something went wrong on our side. It has been logged."), 500
