from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional


class RegisterForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(3, 32)],
                           description="3–32 letters, digits, dots, dashes or underscores.")
    email = EmailField("E-mail (optional)", validators=[Optional(), Length(max=254)],
                       description="Used only for password resets and digests you ask for.")
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)],
                             description="At least 10 characters.")
    confirm = PasswordField("Repeat password", validators=[DataRequired(), Length(max=200)])


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me logged in on this device")
    next = HiddenField()


class ResetRequestForm(FlaskForm):
    email = EmailField("E-mail address", validators=[DataRequired(), Length(max=254)],
                       description="The address on your account. We send a link to choose a new password.")


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=200)],
                             description="At least 10 characters.")
    confirm = PasswordField("Repeat the new password", validators=[DataRequired(), Length(max=200)])
