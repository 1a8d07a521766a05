from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField


class ProductForm(FlaskForm):
    # lengths and emptiness are checked by the service, so every entry point gives the same message
    name = StringField("Name", description="Shown on the hub; its address stays the same on rename.")
    description = TextAreaField("Description", description="A sentence or two about the product.")
