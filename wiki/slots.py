"""Named places in shared templates that other areas fill, so areas stay independent.

An area registers a template for a slot in its ``init_app``::

    slots.register("page.actions", "watches/_page_button.html", context=lambda page, **_: {...})

and a shared template renders every registration in order with ``{{ render_slot("page.actions",
page=page) }}``. Slots in use: page.top, page.header, page.actions, page.aside, page.footer,
product.header, product.aside, home.sections, account.sections, profile.sections, triage.row,
tag.header, pages.new_form, revision.actions, comment.actions.
"""
from flask import render_template
from markupsafe import Markup

_slots: dict[str, list] = {}


def register(name, template, context=None, order=50):
    entries = _slots.setdefault(name, [])
    if any(entry[1] == template for entry in entries):
        return
    entries.append((order, template, context))
    entries.sort(key=lambda entry: entry[0])


def render_slot(name, **values):
    parts = []
    for _order, template, context in _slots.get(name, ()):
        extra = context(**values) if context else {}
        if extra is None:  # the context function says: nothing to show here
            continue
        parts.append(render_template(template, **values, **extra))
    return Markup("".join(parts))
