"""The <link rel="alternate"> feeds advertised in the page head."""
from flask import request, url_for

from ..models import STATUSES


def head_links(**_):
    links = [("Recent changes", url_for("feeds.recent"))]
    slug = (request.view_args or {}).get("slug")
    endpoint = request.endpoint
    if slug and endpoint == "pages.view":
        links.append(("History of this page", url_for("feeds.page_history", slug=slug)))
    elif slug and endpoint == "products.hub":
        links.append(("This product", url_for("feeds.product", slug=slug)))
    elif slug and endpoint == "pages.tag":
        links.append((f"Tag {slug}", url_for("feeds.tag", tag=slug)))
    elif endpoint == "proposals.index":
        status = request.args.get("status")
        args = {"status": status} if status in STATUSES else {}
        links.append(("Proposals", url_for("feeds.proposals", **args)))
    return {"feed_links": links}
