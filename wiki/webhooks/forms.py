from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length


class WebhookForm(FlaskForm):
    url = StringField("Receiver URL", validators=[DataRequired(), Length(max=2000)],
                      description="An http:// or https:// address that accepts POSTed JSON.")
    secret = StringField("Secret", validators=[Length(max=200)],
                         description="Used to sign each delivery (X-CoWiki-Signature). Leave empty to generate one.")
    event_kinds = StringField("Event kinds", validators=[Length(max=1000)],
                              description="Comma-separated, e.g. page.edited, proposal.*. Empty: every public event.")
    product = SelectField("Product", coerce=str, validate_choice=False,
                          description="Only events on this product's pages.")
