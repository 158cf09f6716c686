from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..fields import SLUG, CheckboxesField
from ..i18n import split_commas
from ..timezones import DEFAULT_ZONE, is_zone

GROUP_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class CampaignForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Short name for addresses"), validators=[DataRequired(), Length(max=80)],
                       description=_l("Lower-case letters, digits and hyphens, e.g. north-2026."))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    languages = CheckboxesField(_l("Languages residents answer in"), validators=[DataRequired()])
    group_keys = StringField(
        _l("Group keys"), validators=[Optional(), Length(max=400)],
        description=_l("Comma-separated keys that break results down, e.g. role, age_band, language."))
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])
    time_zone = StringField(
        _l("Time zone"), default=DEFAULT_ZONE, validators=[DataRequired(), Length(max=64)],
        render_kw={"list": "time-zones", "autocomplete": "off", "spellcheck": "false", "dir": "ltr"},
        description=_l("Every date and time of this campaign is shown and typed in this zone, "
                       "e.g. Asia/Jerusalem, America/New_York, Europe/Paris."))
    raw_text_days = IntegerField(
        _l("Keep raw text for (days after the campaign ends)"), validators=[Optional(), NumberRange(min=0, max=36500)],
        description=_l("After this, residents' own words, visit notes and door addresses are erased; redacted "
                       "text, tags and counts stay. Leave empty to keep them."))

    def validate_slug(self, field):
        if not SLUG.match(field.data or ""):
            raise ValidationError(_l("Use lower-case letters, digits and single hyphens only."))

    def validate_group_keys(self, field):
        bad = [key for key in self.group_key_list() if not GROUP_KEY.match(key)]
        if bad:
            raise ValidationError(_l("These keys are not valid: %(keys)s. Use lower-case letters, "
                                     "digits and underscores.", keys=", ".join(bad)))

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date is before the start date."))

    def validate_time_zone(self, field):
        field.data = (field.data or "").strip()
        if not is_zone(field.data):
            raise ValidationError(_l("“%(zone)s” is not a time zone name. Use a name such as Asia/Jerusalem "
                                     "or America/New_York.", zone=field.data))

    def group_key_list(self) -> list[str]:
        return split_commas(self.group_keys.data)
