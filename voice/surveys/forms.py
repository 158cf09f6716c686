"""Forms of the survey editor. Per-language fields are added for the survey's languages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, MultipleFileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from ..fields import SLUG, CheckboxesField
from ..i18n import language_name
from ..intake.expressions import QUESTION_NAME, ExpressionError, parse
from .media import MAX_MEDIA_BYTES

NAME_HINT = _l("Letters, digits and _ only, starting with a letter, e.g. hardest_thing. Used in "
               "expressions as ${name} and as the column name in exports.")


def question_types() -> list[tuple[str, str]]:
    return [
        ("text", _l("Open answer (text)")),
        ("select_one", _l("Choose one")),
        ("select_multiple", _l("Choose any")),
        ("integer", _l("Whole number")),
        ("decimal", _l("Decimal number")),
        ("date", _l("Date")),
        ("time", _l("Time of day")),
        ("datetime", _l("Date and time")),
        ("geopoint", _l("Position (latitude and longitude)")),
        ("note", _l("Note (no answer)")),
        ("geography", _l("Place (from the campaign's geographies)")),
        ("consent", _l("Consent (tick to agree)")),
    ]


def _slug(form, field):
    if not SLUG.match(field.data or ""):
        raise ValidationError(_l("Use lower-case letters, digits and single hyphens only."))


def _expression(form, field):
    if field.data and field.data.strip():
        try:
            parse(field.data)
        except ExpressionError as err:
            raise ValidationError(_l("This expression cannot be read: %(error)s", error=str(err)))


class SurveyForm(FlaskForm):
    slug = StringField(_l("Address"), validators=[DataRequired(), Length(max=80), _slug],
                       description=_l("Residents answer at /s/<address>. Lower-case letters, digits and hyphens."))
    languages = CheckboxesField(_l("Languages of the survey"), validators=[DataRequired()])


# What may come with an XLSForm: choice lists and pulldata tables, and the media types
# voice.surveys.media serves (their bytes are checked there; this only catches a wrong pick).
ATTACHMENT_EXTENSIONS = ["csv", "xml", "png", "jpg", "jpeg", "gif", "webp", "mp3", "m4a", "wav", "ogg", "oga",
                         "flac", "mp4", "m4v", "webm", "ogv"]


class XLSFormUploadForm(FlaskForm):
    file = FileField(_l("XLSForm (.xlsx, .xls or .csv)"), validators=[
        FileRequired(_l("Choose a file.")), FileAllowed(["xlsx", "xls", "csv"],
                                                        _l("Upload an XLSForm: .xlsx, .xls or .csv."))])
    attachments = MultipleFileField(
        _l("Files the form uses"),
        validators=[FileAllowed(ATTACHMENT_EXTENSIONS, _l("Attach .csv or .xml files, images, sounds or videos."))],
        description=_l("Named as in the form: the choice lists of select_one_from_file, the tables of "
                       "pulldata(), and the images, sounds and videos of its image, audio and video "
                       "columns (each up to %(megabytes)d MB).", megabytes=MAX_MEDIA_BYTES // (1024 * 1024)))
    slug = StringField(_l("Address"), validators=[Optional(), Length(max=80), _slug],
                       description=_l("Leave empty to use the form_id of the workbook."))


class PageForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120),
                                               Regexp(QUESTION_NAME.pattern, message=NAME_HINT)])
    relevant = StringField(_l("Show this page only if"), validators=[Optional(), Length(max=2000), _expression],
                           description=_l("An expression, e.g. ${children} > 0. Leave empty to always show."))


class QuestionForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120),
                                               Regexp(QUESTION_NAME.pattern, message=NAME_HINT)],
                       description=NAME_HINT)
    type = SelectField(_l("Type"), choices=[])
    page = SelectField(_l("Page"), choices=[], validate_choice=False)
    required = BooleanField(_l("An answer is required"))
    relevant = StringField(_l("Ask only if"), validators=[Optional(), Length(max=2000), _expression],
                           description=_l("Skip logic, e.g. ${role} = 'parent' or selected(${needs}, 'care')."))
    constraint = StringField(_l("Accept the answer only if"), validators=[Optional(), Length(max=2000), _expression],
                             description=_l("Use . for the answer, e.g. . >= 0 and . <= 20."))
    role = SelectField(_l("Use the answer as"), choices=[], validate_choice=False)
    choices = TextAreaField(_l("Choices"), validators=[Optional(), Length(max=20000)])

    def texts(self, text_field: str, languages: list[str]) -> dict[str, str]:
        values = {language: (getattr(self, f"{text_field}__{language}").data or "").strip() for language in languages}
        return {language: text for language, text in values.items() if text}

    def to_question(self, languages: list[str]) -> dict:
        """The question as the draft stores it (see ``definition.Question.to_dict``)."""
        return {"name": self.name.data.strip(), "type": self.type.data,
                "label": self.texts("label", languages), "hint": self.texts("hint", languages),
                "required": bool(self.required.data),
                "required_message": self.texts("required_message", languages),
                "relevant": (self.relevant.data or "").strip() or None,
                "constraint": (self.constraint.data or "").strip() or None,
                "constraint_message": self.texts("constraint_message", languages),
                "role": self.role.data or None}

    def fill(self, question: dict, languages: list[str], choices_text: str, page: str) -> None:
        for key in ("name", "type", "required", "relevant", "constraint"):
            getattr(self, key).data = question.get(key)
        self.role.data = question.get("role") or ""
        self.page.data = page
        self.choices.data = choices_text
        for text_field in TEXT_FIELDS:
            for language in languages:
                getattr(self, f"{text_field}__{language}").data = question.get(text_field, {}).get(language, "")

    def validate_role(self, field):
        if field.data and field.data not in dict(field.choices):
            raise ValidationError(_l("Choose one of the roles offered."))

    def validate_choices(self, field):
        if self.type.data in ("select_one", "select_multiple"):
            names = [line.split("|")[0].strip() for line in (field.data or "").splitlines() if line.strip()]
            if not names:
                raise ValidationError(_l("A choice question needs at least one choice."))
            bad = [name for name in names if not QUESTION_NAME.fullmatch(name)]
            if bad:
                raise ValidationError(_l("These choice names are not valid: %(names)s.", names=", ".join(bad)))
            if len(set(names)) < len(names):
                raise ValidationError(_l("Each choice needs its own name."))


TEXT_FIELDS = ("label", "hint", "required_message", "constraint_message")


def question_form_class(languages: list[str]) -> type[QuestionForm]:
    """QuestionForm with label, hint and messages per survey language."""
    fields = {}
    for language in languages:
        name = language_name(language)
        titles = {"label": _l("Question in %(language)s", language=name),
                  "hint": _l("Hint in %(language)s", language=name),
                  "required_message": _l("Message when unanswered, in %(language)s", language=name),
                  "constraint_message": _l("Message when not accepted, in %(language)s", language=name)}
        for text_field in TEXT_FIELDS:
            widget = TextAreaField if text_field == "label" else StringField
            fields[f"{text_field}__{language}"] = widget(
                titles[text_field],
                validators=[Optional(), Length(max=2000)], render_kw={"lang": language, "dir": "auto"})
    return type("LocalisedQuestionForm", (QuestionForm,), fields)


def page_form_class(languages: list[str]) -> type[PageForm]:
    fields = {f"label__{language}": StringField(_l("Page title in %(language)s", language=language_name(language)),
                                                validators=[Optional(), Length(max=500)],
                                                render_kw={"lang": language, "dir": "auto"})
              for language in languages}
    return type("LocalisedPageForm", (PageForm,), fields)


def title_form_class(languages: list[str]) -> type[FlaskForm]:
    fields = {f"title__{language}": StringField(_l("Title in %(language)s", language=language_name(language)),
                                                validators=[Optional(), Length(max=500)],
                                                render_kw={"lang": language, "dir": "auto"})
              for language in languages}
    return type("LocalisedTitleForm", (FlaskForm,), fields)
