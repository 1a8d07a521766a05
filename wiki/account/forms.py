from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..forms import no_control_chars


class SegmentForm(FlaskForm):
    segment = SelectField("Customer segment", coerce=str, validate_choice=False,
                          description="Which describes you best? Product teams see votes per segment.")


class ProfileForm(FlaskForm):
    bio = TextAreaField("About you", validators=[Length(max=2000), no_control_chars],
                        description="Plain text shown on your profile page.")


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField("New password", validators=[DataRequired(), Length(max=200)],
                                 description="At least 10 characters.")


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=80)],
                       description="What will use it, e.g. \"roadmap sync script\".")
