from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (BooleanField, DecimalField, HiddenField, IntegerField, SelectChoice, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..fields import CheckboxesField
from ..models import CODE_KINDS


def kind_choices():
    names = {"theme": _l("Theme"), "barrier": _l("Barrier")}
    return [SelectChoice(kind, names[kind]) for kind in CODE_KINDS]


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def code_form_class(languages: list[str], language_name):
    """A code's form with a label, description and keywords field per codebook language."""

    class CodeForm(FlaskForm):
        key = StringField(_l("Key"), validators=[DataRequired(), Length(max=80)],
                          description=_l("Lower-case words joined by dots, e.g. barrier.cost. It cannot change later."))
        kind = SelectField(_l("Kind"), choices=kind_choices())
        parent = SelectField(_l("Part of"), coerce=int, default=0)

        def per_language(self):
            return [(language, self[f"label_{language}"], self[f"description_{language}"],
                     self[f"keywords_{language}"]) for language in languages]

    for language in languages:
        name = language_name(language)
        setattr(CodeForm, f"label_{language}", StringField(_l("Label (%(language)s)", language=name),
                                                           validators=[Optional(), Length(max=200)]))
        setattr(CodeForm, f"description_{language}", TextAreaField(
            _l("Description (%(language)s)", language=name), validators=[Optional(), Length(max=2000)]))
        setattr(CodeForm, f"keywords_{language}", TextAreaField(
            _l("Keywords (%(language)s)", language=name), validators=[Optional(), Length(max=4000)],
            description=_l("Separated by commas. Word forms match too: \"bus\" finds \"buses\".")))
    return CodeForm


class MergeForm(FlaskForm):
    into = SelectField(_l("Merge into"), coerce=int, validators=[DataRequired()],
                       description=_l("Its tags and keywords move to the chosen code; this code is retired, "
                                      "not deleted."))


class SplitForm(FlaskForm):
    key = StringField(_l("Key of the new code"), validators=[DataRequired(), Length(max=80)])
    label = StringField(_l("Label of the new code"), validators=[DataRequired(), Length(max=200)])
    items = CheckboxesField(_l("Items whose people's tags move to the new code"), coerce=int)


class ImportForm(FlaskForm):
    file = FileField(_l("Codebook file (YAML)"), validators=[FileAllowed(["yaml", "yml"], _l("Choose a .yaml file."))])
    text = TextAreaField(_l("Or paste the YAML"), validators=[Optional(), Length(max=500_000)])
    retire_missing = BooleanField(_l("Retire the codes that are not in the file"), default=False,
                                  description=_l("Retired codes are no longer suggested or tagged; their tags "
                                                 "and history are kept."))


class ReviewFilterForm(FlaskForm):
    class Meta:
        csrf = False

    code = SelectField(_l("Code"), coerce=int, default=0, validators=[Optional()])
    min = DecimalField(_l("Confidence from"), places=2, validators=[Optional(), NumberRange(0, 1)])
    max = DecimalField(_l("Confidence to"), places=2, validators=[Optional(), NumberRange(0, 1)])
    language = SelectField(_l("Language"), default="", validators=[Optional()])
    channel = SelectField(_l("Channel"), default="", validators=[Optional()])
    geography = SelectField(_l("Area"), coerce=int, default=0, validators=[Optional()])
    order = SelectField(_l("Order"), default="rank",
                        choices=[SelectChoice("rank", _l("What teaches the model most")),
                                 SelectChoice("oldest", _l("Oldest first"))])


class DecisionForm(FlaskForm):
    code = HiddenField(validators=[DataRequired()])
    decision = HiddenField(validators=[DataRequired()])
    back = HiddenField()


class AddCodeForm(FlaskForm):
    code = SelectField(_l("Add a code"), coerce=int, validators=[DataRequired()])
    back = HiddenField()


class RoundForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    size = IntegerField(_l("Items in the sample"), default=30, validators=[DataRequired(), NumberRange(1, 500)])
    coders = CheckboxesField(_l("Coders"), coerce=int, validators=[DataRequired()])


class BlindCodingForm(FlaskForm):
    assignment = HiddenField(validators=[DataRequired()])
    codes = CheckboxesField(_l("Codes that apply"), validate_choice=False)


class SettleForm(FlaskForm):
    item = HiddenField(validators=[DataRequired()])
    codes = CheckboxesField(_l("Codes that apply"), validate_choice=False)


class AdoptThemeForm(FlaskForm):
    language = HiddenField(validators=[DataRequired()])
    keywords = HiddenField(validators=[DataRequired()])
