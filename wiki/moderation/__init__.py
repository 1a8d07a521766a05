"""Moderation: flags, moderator actions, abuse limits and the demo's open flags."""


def init_app(app):
    from .. import slots
    from ..demo import DEMO_STEPS
    from ..ratelimits import init_ratelimits
    from .demo import demo_flags
    from .routes import slot_context
    from .services import DEFAULTS, is_visible_to, visible_revision

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
    def _profile_context(person, **_values):
        from flask_login import current_user

        from ..permissions import STAFF_ROLES, can_moderate, has_role

        if not can_moderate(current_user) or person.id == current_user.id or has_role(person, *STAFF_ROLES):
            return None
        return {"here": slot_context()["here"]}

    slots.register("profile.sections", "moderation/_profile_tools.html", context=_profile_context, order=90)
    # the page view asks which revision a reader may see: {{ visible_revision(page, current_user) }}
    app.jinja_env.globals["visible_revision"] = visible_revision
    app.jinja_env.globals["is_visible_to"] = is_visible_to
    if demo_flags not in DEMO_STEPS:
        DEMO_STEPS.append(demo_flags)
    init_ratelimits(app)
