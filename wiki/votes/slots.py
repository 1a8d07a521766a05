"""Context for the votes area's template slots (``None`` means: show nothing here)."""
from types import SimpleNamespace

from flask_login import current_user

from ..models import Vote
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


def my_vote_fact(id, **_):
    """The part's fact ``my_vote``: the reader's vote on the page (NULL: none)."""
    return _MY_VOTE_SQL, {"user_id": current_user.id, "page_id": id}


_MY_VOTE_SQL = f"SELECT value FROM {Vote.__tablename__} WHERE user_id = :user_id AND page_id = :page_id"


def product_rating(product=None, **_):
    """The rating summary, histogram and star form on a product hub."""
    if product is None:
        return None
    return {"rating": services.rating_summary(product),
            "my_stars": services.my_stars(current_user, product)}
