"""Atom feeds built from the event stream, discoverable from every page's head."""


def init_app(app):
    from .. import slots
    from .discovery import head_links, product_aside

    slots.register("head", "feeds/_head_links.html", context=head_links)
    slots.register("product.aside", "feeds/_product_aside.html", context=product_aside, order=90)
