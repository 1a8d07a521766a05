"""Turning events into an Atom 1.0 document (feedgen) with ETag and Last-Modified."""
import hashlib
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from flask import current_app, make_response, request

from ..notifications import describe
from ..text import xml_safe

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _aware(value):
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def build(title, alternate_path, events, subtitle=None):
    """The Atom XML bytes for ``events`` (newest first)."""
    root = request.url_root.rstrip("/")
    fg = FeedGenerator()
    fg.id(request.base_url)
    fg.title(f"{title} · {current_app.config['SITE_NAME']}")
    fg.subtitle(subtitle or title)
    fg.link(href=root + alternate_path, rel="alternate", type="text/html")
    fg.link(href=request.url, rel="self", type="application/atom+xml")
    fg.author({"name": current_app.config["SITE_NAME"]})
    fg.generator(current_app.config["SITE_NAME"])
    fg.updated(_aware(events[0].created_at) if events else EPOCH)
    # feedgen prepends entries; add oldest first so the document lists newest first
    for event in reversed(events):
        entry = fg.add_entry()
        entry.id(f"{root}/events/{event.id}")
        entry.title(xml_safe(describe.title(event)))
        entry.link(href=root + describe.path(event), rel="alternate", type="text/html")
        entry.author({"name": xml_safe(describe.actor_name(event))})
        entry.published(_aware(event.created_at))
        entry.updated(_aware(event.created_at))
        text = xml_safe(describe.summary(event))
        if text:
            entry.summary(text)
    return fg.atom_str(pretty=True)


def respond(title, alternate_path, events, subtitle=None):
    """A conditional Atom response: 304 when the client's ETag/Last-Modified is current."""
    fingerprint = ",".join(str(e.id) for e in events) + "|" + request.full_path
    etag = hashlib.sha256(fingerprint.encode("utf-8")).hexdigest()[:32]
    last_modified = _aware(events[0].created_at) if events else EPOCH
    response = make_response(b"")
    response.set_etag(etag)
    response.last_modified = last_modified
    response.headers["Cache-Control"] = "public, max-age=60"
    response.make_conditional(request)
    if response.status_code == 304:
        return response
    response.set_data(build(title, alternate_path, events, subtitle))
    response.mimetype = "application/atom+xml"
    response.charset = "utf-8"
    return response
