"""The ceiling: a bare Flask route returning an HTML page of the same size as CoWiki's anonymous
page view, served by the same gunicorn settings. ``BENCH_BARE_BYTES`` sets the size."""
import os

from flask import Flask

app = Flask(__name__)
SIZE = int(os.environ.get("BENCH_BARE_BYTES", "20000"))
_HEAD = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bare</title></head><body><main>"
_TAIL = "</main></body></html>"
_FILL = "<p>The quick brown fox jumps over the lazy dog.</p>\n"
PAGE = (_HEAD + _FILL * (max(0, SIZE - len(_HEAD) - len(_TAIL)) // len(_FILL) + 1))[:max(0, SIZE - len(_TAIL))] + _TAIL


@app.route("/", defaults={"path": ""})
@app.route("/<path:path>")
def page(path):
    return PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}
