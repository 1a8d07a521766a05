"""Products and their hubs: the reviews, recommendations and proposals about each product."""
from .. import slots


def _home_context(**_values):
    from .services import popular_products

    return {"popular": popular_products()}


def init_app(app):
    slots.register("home.sections", "products/_home_popular.html", context=_home_context, order=60)
