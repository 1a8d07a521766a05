"""Watches: follow pages, products, tags and proposal statuses; managed on /account/."""


def init_app(app):
    from .. import events, personal, slots
    from . import services, slot_context

    events.subscribe(services.watch_own_page)
    slots.register("page.actions", "watches/_button.html", context=slot_context.for_page)
    # the button differs between readers of a role only by whether they watch (fact: 1 or NULL)
    personal.register("watches.button", slot_context.render_button,
                      watching=services.watching_fact, choices={"watching": (None, 1)})
    slots.register("product.header", "watches/_button.html", context=slot_context.for_product)
    slots.register("tag.header", "watches/_button.html", context=slot_context.for_tag)
    slots.register("proposals.header", "watches/_status_form.html", context=slot_context.for_statuses)
    slots.register("account.sections", "watches/_account.html", context=slot_context.for_account)
