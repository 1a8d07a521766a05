"""Form helpers shared by every area."""
from flask import flash


def attach_errors(form, error):
    """Show a service's ValidationError on the form's fields, or as a flash message."""
    for field, message in error.errors.items():
        target = getattr(form, field, None) if form is not None else None
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors) + [message]
        else:
            flash(message, "error")


def no_control_chars(form, field):
    """WTForms validator: refuse NUL, escape sequences and other control characters."""
    from wtforms.validators import ValidationError as FieldError

    from .text import has_control_chars

    if field.data and has_control_chars(field.data):
        raise FieldError("This cannot contain control characters.")
