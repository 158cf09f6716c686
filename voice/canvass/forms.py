"""Forms of the canvass pages: turf import and assignment, queue-file import."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length


class TurfImportForm(FlaskForm):
    campaign = SelectField(_l("Campaign"), coerce=int, validators=[DataRequired()])
    name = StringField(_l("Turf name"), validators=[DataRequired(), Length(max=100)],
                       description=_l("With a block column, each block becomes a turf named “name · block”."))
    canvasser = SelectField(_l("Assign to canvasser"), coerce=int, default=0)
    upload = FileField(_l("Address list (CSV)"), validators=[
        FileRequired(_l("Choose a CSV file.")), FileAllowed(["csv", "txt"], _l("Choose a CSV file."))],
        description=_l("Columns: door_id, address, geography (a geography code), and optionally block."))


class AssignTurfForm(FlaskForm):
    canvasser = SelectField(_l("Canvasser"), coerce=int, default=0)


class QueueImportForm(FlaskForm):
    upload = FileField(_l("Exported queue (JSON)"), validators=[
        FileRequired(_l("Choose a JSON file.")), FileAllowed(["json"], _l("Choose a JSON file."))],
        description=_l("The file a tablet saved with “Export the queue”. Records already stored are not stored again."))
