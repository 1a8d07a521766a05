"""Full-text search: the /search page, the similar-proposals helper, the index and its queue."""
from .. import events, slots


def init_app(app):
    from . import cache, queue
    from .cli import search_cli

    # in a web request the queue is drained by a background thread; elsewhere straight away
    app.config.setdefault("SEARCH_DRAIN", "inline" if app.testing else "thread")
    events.subscribe(queue.enqueue_event)
    queue.install_session_hooks()
    cache.init_app(app)
    slots.register("pages.new_form", "search/_similar.html")
    app.cli.add_command(search_cli)
