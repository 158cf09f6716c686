from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..models import ACTION_STATUSES

STATUS_LABELS = {"planned": _l("Planned"), "in_progress": _l("In progress"), "done": _l("Done"),
                 "dropped": _l("Dropped")}


def status_choices() -> list[tuple[str, str]]:
    return [(status, STATUS_LABELS[status]) for status in ACTION_STATUSES]


class ActionForm(FlaskForm):
    we_heard = TextAreaField(_l("We heard"), validators=[DataRequired(), Length(max=2000)],
                             description=_l("What residents said, in the committee's words (no names)."))
    we_will = TextAreaField(_l("We will do"), validators=[DataRequired(), Length(max=2000)])
    status = SelectField(_l("Status"), choices=status_choices, default="planned")
    due_on = DateField(_l("Due on"), validators=[Optional()])
    code_keys = SelectMultipleField(_l("Codes"), validators=[Optional()])
    indicator_codes = SelectMultipleField(_l("Indicators"), validators=[Optional()])
    geography_codes = SelectMultipleField(_l("Places"), validators=[Optional()])


class ActionStatusForm(FlaskForm):
    action_id = HiddenField(validators=[DataRequired()])
    status = SelectField(_l("Status"), choices=status_choices)
