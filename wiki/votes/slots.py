"""Context for the votes area's template slots (``None`` means: show nothing here)."""
from types import SimpleNamespace

from flask_login import current_user

from ..personal import render_part
from . import services


def page_votes(page=None, **_):
    """The vote widget on a page's header: only proposals, reviews and recommendations."""
    if not services.is_votable(page):
        return None
    return {}


def render_page_votes(my_vote=None, **page):
    """The personal part ``votes.page``: the widget with the reader's own vote. ``page`` holds
    the page's id, slug, kind, counts and deleted flag, so no page is loaded here."""
    return render_part("votes/_page_votes_widget.html", page=SimpleNamespace(**page),
                       my_vote=my_vote or 0)



def product_rating(product=None, **_):
    """The rating summary, histogram and star form on a product hub."""
    if product is None:
        return None
    return {"rating": services.rating_summary(product),
            "my_stars": services.my_stars(current_user, product)}
