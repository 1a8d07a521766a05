"""The one JSON shape of a page's identity and votes, shared by the JSON API, search results,
the events feed and webhook payloads (each adds its own fields around it)."""


def vote_counts(page):
    return counts(page.votes_up, page.votes_down)


def counts(up, down):
    return {"up": up, "down": down, "score": up - down}


def page_ref(page):
    """What names a page: ``{"slug", "title", "kind"}``."""
    return {"slug": page.slug, "title": page.title, "kind": page.kind}


def page_brief(page):
    """A page in a list: its name, product slug and vote counts."""
    return {**page_ref(page), "product": page.product.slug if page.product else None,
            "votes": vote_counts(page)}
