"""Moderation: flags, moderator actions, abuse limits and the demo's open flags."""


def init_app(app):
    from .. import slots
    from ..demo import DEMO_STEPS
    from ..ratelimits import init_ratelimits
    from .demo import demo_flags
    from .routes import slot_context
    from .services import DEFAULTS

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)

    def _ctx(target_type, key):
        def context(**values):
            extra = slot_context(**values)
            if extra is None:
                return None
            return {**extra, "target_type": target_type, "target": values[key]}
        return context

    slots.register("page.actions", "moderation/_flag_form.html", context=_ctx("page", "page"), order=80)
    slots.register("revision.actions", "moderation/_flag_form.html",
                   context=_ctx("revision", "revision"), order=80)
    slots.register("comment.actions", "moderation/_flag_form.html",
                   context=_ctx("comment", "comment"), order=80)
    if demo_flags not in DEMO_STEPS:
        DEMO_STEPS.append(demo_flags)
    init_ratelimits(app)
