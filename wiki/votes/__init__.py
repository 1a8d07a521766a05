"""Votes on pages, product ratings and ranking."""


def init_app(app):
    from .. import events, personal, slots
    from . import commands, services
    from . import slots as vote_slots

    events.subscribe(services.on_event)
    slots.register("head", "votes/_head.html")
    slots.register("page.header", "votes/_page_votes.html", context=vote_slots.page_votes)
    # the widget differs between readers of a role only by their own vote: none, up or down
    personal.register("votes.page", vote_slots.render_page_votes, my_vote=services.my_vote_fact,
                      choices={"my_vote": (None, 1, -1)})
    slots.register("product.header", "votes/_product_rating.html", context=vote_slots.product_rating)
    app.cli.add_command(commands.votes_cli)
