"""Triage: the proposal workflow, the innovation team's queue, merges and internal notes."""


def init_app(app):
    from .. import events, slots
    from ..people import lead
    from . import panel

    app.config.setdefault("LEAD_CUSTOMER_MIN_SCORE", 10)
    app.config.setdefault("TRIAGE_BULK_LIMIT", 100)
    app.config.setdefault("ROADMAP_SHIPPED_DAYS", 90)
    slots.register("page.top", "triage/_page_top.html", context=panel.top_context, order=10)
    slots.register("page.aside", "triage/_page_aside.html", context=panel.aside_context, order=20)
    slots.register("profile.sections", "triage/_profile.html", context=panel.profile_context)
    events.subscribe(lead.on_event)
    lead.register_cli(app)
