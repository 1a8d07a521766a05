"""Forms for pages and talk. Lengths, kinds and titles are checked by the service, so the web
forms and the API give the same messages."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from ..models import KINDS

try:  # WTForms 3.3 declares options as SelectChoice; older releases take (value, label) pairs
    from wtforms import SelectChoice
except ImportError:  # pragma: no cover
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)


def choices(pairs):
    return [SelectChoice(value, label) for value, label in pairs]

BODY_HELP = "Markdown: **bold**, lists, tables, ``` code ```, [^1] footnotes, [[Page title]] links."
TAGS_HELP = "Comma-separated, up to 10: battery, setup, accessibility."


class NewPageForm(FlaskForm):
    title = StringField("Title", id="title", description="Up to 200 characters; it gives the page its address.")
    kind = SelectField("Kind", choices=choices((k, k.capitalize()) for k in KINDS), validate_choice=False)
    product = SelectField("Product", choices=[], validate_choice=False,
                          description="Reviews, recommendations and proposals belong to a product.")
    body = TextAreaField("Text", description=BODY_HELP, render_kw={"rows": 16})
    summary = StringField("Edit summary (optional)")
    tags = StringField("Tags (optional)", description=TAGS_HELP)


class EditForm(FlaskForm):
    body = TextAreaField("Text", description=BODY_HELP, render_kw={"rows": 20})
    summary = StringField("Edit summary", description="What did you change, and why?")
    tags = StringField("Tags", description=TAGS_HELP)
    base_revision = HiddenField("Started from revision")


class CommentForm(FlaskForm):
    body = TextAreaField("Comment", description="Markdown works here too.", render_kw={"rows": 4})
    parent = HiddenField("Reply to")


class RevertForm(FlaskForm):
    revision = HiddenField("Revision")
