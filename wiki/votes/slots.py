"""Context for the votes area's template slots (``None`` means: show nothing here)."""
from flask_login import current_user

from . import services


def page_votes(page=None, **_):
    """The vote widget on a page's header: only proposals, reviews and recommendations."""
    if not services.is_votable(page):
        return None
    return {"my_vote": services.my_vote(current_user, page)}


def product_rating(product=None, **_):
    """The rating summary, histogram and star form on a product hub."""
    if product is None:
        return None
    return {"rating": services.rating_summary(product),
            "my_stars": services.my_stars(current_user, product)}
