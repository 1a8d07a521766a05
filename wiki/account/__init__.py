"""The signed-in user's own settings."""


def init_app(app):
    from .. import slots
    from . import tokens

    slots.register("account.sections", "account/_tokens.html",
                   context=tokens.token_section_context, order=80)
