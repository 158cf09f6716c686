from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired

from ..fields import CheckboxesField


class IndicatorImportForm(FlaskForm):
    upload = FileField(_l("Indicator file (CSV or XLSX)"), validators=[
        FileRequired(_l("Choose a file.")), FileAllowed(["csv", "xlsx"], _l("Use a .csv or .xlsx file."))],
        description=_l("One value a row: indicator, geography, period, group (empty for everyone), value, "
                       "numerator, denominator, source. Optional: name, name_he…, unit, direction, codes."))


class GeographyImportForm(FlaskForm):
    upload = FileField(_l("Geography file (CSV or GeoJSON)"), validators=[
        FileRequired(_l("Choose a file.")), FileAllowed(["csv", "geojson", "json"], _l("Use a .csv or .geojson file."))],
        description=_l("Columns or properties: code, name, level, parent, population, and optionally "
                       "population.language.he … for the population by group."))


class LinkCodesForm(FlaskForm):
    indicator = HiddenField(validators=[DataRequired()])
    codes = CheckboxesField(_l("Codes residents raise that relate to this indicator"))
