from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..labels import role_choices


def strip(value):
    return value.strip() if isinstance(value, str) else value


class SignInForm(FlaskForm):
    # No address-syntax check here: a wrong address is simply a failed sign-in.
    email = EmailField(_l("E-mail"), validators=[DataRequired()], filters=[strip])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class UserForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)], filters=[strip])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)], filters=[strip])
    role = SelectField(_l("Role"), choices=role_choices)
    locale = SelectField(_l("Language"), validate_choice=True)
    password = PasswordField(_l("Password"), validators=[Optional(), Length(min=10, max=200)],
                             description=_l("At least 10 characters."))
    active = BooleanField(_l("Account is active"), default=True)
