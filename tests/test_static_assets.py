"""Static files: content-hashed URLs cached for a year; unversioned URLs revalidate."""
import hashlib
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "wiki" / "static"


def _digest(name):
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def test_pages_link_css_and_js_with_their_content_hash(client):
    html = client.get("/").get_data(as_text=True)
    assert f'/static/css/site.css?v={_digest("css/site.css")}' in html
    assert f'/static/js/site.js?v={_digest("js/site.js")}' in html


def test_versioned_static_file_is_cached_for_a_year(client):
    url = re.search(r'href="(/static/css/site\.css\?v=\w+)"', client.get("/").get_data(as_text=True)).group(1)
    response = client.get(url)
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 3600
    assert response.cache_control.public
    assert "immutable" in response.headers["Cache-Control"]
    assert not response.cache_control.no_cache


def test_unversioned_or_stale_static_url_is_not_cached_long(client):
    for url in ("/static/css/site.css", "/static/css/site.css?v=000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.cache_control.max_age in (None, 0)


def test_missing_static_file_is_404_and_url_has_no_version(app, client):
    from flask import url_for

    with app.test_request_context():
        assert url_for("static", filename="css/nope.css") == "/static/css/nope.css"
    assert client.get("/static/css/nope.css").status_code == 404


def test_static_url_helper_in_templates(app):
    with app.test_request_context():
        rendered = app.jinja_env.from_string("{{ static_url('js/site.js') }}").render()
    assert rendered == f"/static/js/site.js?v={_digest('js/site.js')}"
