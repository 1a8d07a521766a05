"""The page cache's fast path: a WSGI layer in front of Flask that answers an anonymous reader's
GET or HEAD from the page cache without building a Flask request at all.

It only answers what it can decide from the raw request: no cookie (so no session, no log-in, no
flashed message), no Authorization header, not a static file, not a conditional request by date
alone. For those it reads the database generation (one statement), looks the URL up under it and,
when the entry is there, replays the stored answer: the body and the headers every anonymous
reader gets (security headers included), plus a fresh Last-Modified, and a 304 for a matching
If-None-Match. Everything else, misses included, goes on to Flask, where ``pagecache.py`` serves
and fills the same entries; an entry exists only for the read views in PAGE_CACHE_ENDPOINTS, so a
URL of any other view never matches.
"""
from werkzeug.http import parse_etags, unquote_etag

from . import pagecache
from .extensions import db

# request headers that make the answer depend on more than the URL
_PERSONAL = ("HTTP_COOKIE", "HTTP_AUTHORIZATION")


class FastPath:
    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self._index_paths = None
        with app.app_context():
            self.engine = db.engine
        self.static_prefix = (app.static_url_path or "/static").rstrip("/") + "/"

    def __call__(self, environ, start_response):
        answer = self._answer(environ) if self._eligible(environ) else None
        if answer is None:
            return self.wsgi_app(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body] if body else []

    def _eligible(self, environ):
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return False
        if any(name in environ for name in _PERSONAL):
            return False
        if "HTTP_IF_MODIFIED_SINCE" in environ and "HTTP_IF_NONE_MATCH" not in environ:
            return False  # Flask's path weighs the date
        path = environ.get("PATH_INFO", "")
        return not path.startswith(self.static_prefix) and "\x00" not in path

    def _answer(self, environ):
        statements = 1
        gen, newest = pagecache.generation(self.engine)
        if environ.get("PATH_INFO") in self.index_paths():
            gen = pagecache.index_generation(self.engine, gen)
            statements += 1
        entry = pagecache.cache_get(pagecache.cache_key(gen, environ), self.app)
        if entry is None:
            return None
        body, stored = entry
        headers = pagecache.hit_headers(stored, newest)
        if self.app.config.get("COUNT_SQL"):
            headers.append(("X-SQL-Count", str(statements)))
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        etag = next((value for name, value in stored if name == "ETag"), None)
        if if_none_match and etag and \
                parse_etags(if_none_match).contains_weak(unquote_etag(etag)[0]):
            return "304 NOT MODIFIED", [(k, v) for k, v in headers if k != "Content-Type"], b""
        headers.append(("Content-Length", str(len(body))))
        return "200 OK", headers, (b"" if environ["REQUEST_METHOD"] == "HEAD" else body)

    def index_paths(self):
        """Paths whose answers come from the search index (their generation adds the queue)."""
        if self._index_paths is None:
            self._index_paths = frozenset(
                rule.rule for rule in self.app.url_map.iter_rules()
                if rule.endpoint in pagecache.INDEX_ENDPOINTS and not rule.arguments)
        return self._index_paths
