from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileSize
from wtforms import (DateField, SelectChoice, Form, FormField, FieldList, IntegerField, SelectField, StringField,
                     TextAreaField, TimeField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..fields import CheckboxesField
from ..i18n import split_commas
from .parsing import MAX_COMMENT_LENGTH, ParsedComment

# Labels of the well-known group values (operations.KNOWN_GROUP_VALUES); others show as typed.
GROUP_VALUE_LABELS = {
    "parent": _l("Parent"),
    "provider": _l("Provider"),
    "youth": _l("Youth"),
    "resident": _l("Resident"),
    "other": _l("Other"),
    "under_18": _l("Under 18"),
    "18_24": _l("18 to 24"),
    "25_44": _l("25 to 44"),
    "45_64": _l("45 to 64"),
    "65_plus": _l("65 and over"),
}
GROUP_KEY_LABELS = {"role": _l("Role"), "age_band": _l("Age band"), "language": _l("Language spoken")}
MAX_NOTES_BYTES = 5 * 1024 * 1024
MAX_REVIEW_ITEMS = 2000


def value_label(value: str) -> str:
    return GROUP_VALUE_LABELS.get(value, value)


def key_label(key: str) -> str:
    return GROUP_KEY_LABELS.get(key, key)


class PriorityForm(Form):
    text = StringField(_l("Priority"), validators=[Optional(), Length(max=300)])
    votes = IntegerField(_l("Votes"), validators=[Optional(), NumberRange(min=0, max=100000)])
    codes = StringField(_l("Codes"), validators=[Optional(), Length(max=300)],
                        description=_l("Optional codebook keys, comma-separated, e.g. barrier.cost."))

    def code_list(self) -> list[str]:
        return split_commas(self.codes.data)


class SessionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind of session"), validators=[DataRequired()])
    held_on = DateField(_l("Date"), validators=[DataRequired()])
    held_time = TimeField(_l("Time"), validators=[DataRequired()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    geography = SelectField(_l("Area"), validators=[Optional()])
    languages = CheckboxesField(_l("Languages spoken"), validators=[DataRequired()])
    facilitator = SelectField(_l("Facilitator"), validators=[Optional()])
    partner_organisation = StringField(_l("Partner organisation"), validators=[Optional(), Length(max=200)])
    attendance = IntegerField(_l("Attendance"), validators=[Optional(), NumberRange(min=0, max=100000)],
                              description=_l("How many people came. Group counts below must add up to it."))
    priorities = FieldList(FormField(PriorityForm), min_entries=3)

    def validate_priorities(self, field):
        for entry in field.entries:
            if entry.form.votes.data is not None and not (entry.form.text.data or "").strip():
                raise ValidationError(_l("A priority with votes needs its text."))


class CommentForm(FlaskForm):
    text = TextAreaField(_l("What was said"), validators=[DataRequired(), Length(max=MAX_COMMENT_LENGTH)],
                         description=_l("Enter saves; Shift+Enter starts a new line. "
                                        "Start with “Parent:” to set the speaker's role."))
    speaker_role = SelectField(_l("Speaker's role"), validators=[Optional()])
    language = SelectField(_l("Language"), validators=[DataRequired()])


class ImportForm(FlaskForm):
    format = SelectField(_l("Kind of notes"), choices=[
        SelectChoice("auto", _l("Find out from the notes")),
        SelectChoice("text", _l("Notes: one comment per paragraph, line or bullet")),
        SelectChoice("transcript", _l("Transcript with speaker turns (“Parent: …”)")),
        SelectChoice("csv", _l("CSV: one comment per row (text, speaker_role, language)")),
        SelectChoice("docx", _l("Word document (.docx)")),
    ], default="auto")
    pasted = TextAreaField(_l("Paste your notes"), validators=[Optional(), Length(max=MAX_NOTES_BYTES)])
    upload = FileField(_l("Or upload a file"), validators=[FileSize(MAX_NOTES_BYTES)],
                       description=_l("Plain text, CSV or Word (.docx), up to 5 MB."))
    language = SelectField(_l("Language of the notes"), validators=[DataRequired()])

    def validate_pasted(self, field):
        if not (field.data or "").strip() and not self.upload.data:
            raise ValidationError(_l("Paste your notes or choose a file."))


class TagForm(FlaskForm):
    code = SelectField(_l("Code"), validators=[DataRequired()])
    applies = SelectField(choices=[SelectChoice("1", _l("Add")), SelectChoice("0", _l("Reject"))],
                          default="1")


class ReviewForm(FlaskForm):
    """The review screen: CSRF only; the items are numbered fields read by ``review_items``."""


def review_items(formdata, count: int) -> list[tuple[ParsedComment, bool]]:
    """The reviewed comments (``text-3``, ``role-3``, ``language-3``, ``keep-3``, ``line-3``)."""
    items = []
    for index in range(min(count, MAX_REVIEW_ITEMS)):
        try:
            line = int(formdata.get(f"line-{index}", index + 1))
        except ValueError:
            line = index + 1
        comment = ParsedComment(line, (formdata.get(f"text-{index}") or "").strip(),
                                formdata.get(f"role-{index}") or None, formdata.get(f"language-{index}") or None)
        items.append((comment, formdata.get(f"keep-{index}") == "1"))
    return items


def read_tallies(formdata, values_by_key: dict[str, list[str]]) -> tuple[dict[str, dict[str, int]], list[str]]:
    """Counts from ``tally-<key>-<value>`` inputs and a ``tally-<key>-extra`` line such as
    ``grandparent: 2, neighbour: 1``. Returns the tallies and the keys whose input is unreadable."""
    tallies: dict[str, dict[str, int]] = {}
    bad: list[str] = []
    for key, values in values_by_key.items():
        counts: dict[str, int] = {}
        pairs = [(value, formdata.get(f"tally-{key}-{value}", "")) for value in values]
        for part in split_commas(formdata.get(f"tally-{key}-extra")):
            if part.strip():
                value, _sep, number = part.rpartition(":")
                pairs.append((value.strip(), number.strip()) if value.strip() else ("", part))
        for value, raw in pairs:
            raw = (raw or "").strip()
            if not raw:
                continue
            if not value or not raw.isdigit() or len(raw) > 6:
                bad.append(key)
                break
            if int(raw):
                counts[value] = counts.get(value, 0) + int(raw)
        if counts:
            tallies[key] = counts
    return tallies, list(dict.fromkeys(bad))


class SessionFilterForm(FlaskForm):
    """The session list's filters, read from the query string (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), validators=[Optional()])
    geography = SelectField(_l("Area"), validators=[Optional()])
    language = SelectField(_l("Language"), validators=[Optional()])
    held_from = DateField(_l("From"), validators=[Optional()])
    held_to = DateField(_l("To"), validators=[Optional()])
    facilitator = SelectField(_l("Facilitator"), validators=[Optional()])
