"""Survey authoring and analysis pages (admin, analyst). The resident's pages: voice.resident."""
from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

from flask import (Blueprint, Response as FlaskResponse, abort, current_app, flash, redirect, render_template,
                   request, url_for)
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..i18n import language_choices
from ..models import CHANNELS, Campaign, Geography, Survey
from ..models.base import labels_in
from ..problems import Invalid
from ..security import roles_required
from . import drafts, exports, operations
from ..intake.definition import QUESTION_TYPES, SELECT_TYPES, iter_items
from .forms import (SurveyForm, XLSFormUploadForm, page_form_class, question_form_class, question_types,
                    title_form_class)

bp = Blueprint("surveys", __name__)

STAFF = ("admin", "analyst")
PER_PAGE = 50


def _campaign(slug: str) -> Campaign:
    return Campaign.by_slug(slug) or abort(404)


def _survey(survey: str) -> Survey:
    return Survey.by_slug(survey) or abort(404)


def import_error(error: Invalid) -> str:
    """A refused workbook's problems, where each was found, in the reader's language."""
    return "; ".join(problem.located() for problem in error.problems)


def attached_files(uploads) -> dict[str, bytes]:
    """The uploaded attachments by file name (the browser sends an empty part when none)."""
    return {Path(upload.filename).name: upload.read() for upload in uploads or [] if upload and upload.filename}


def field_name(field: str) -> str:
    return {"title": _("title"), "label": _("question text"), "hint": _("hint"),
            "required_message": _("message when unanswered"),
            "constraint_message": _("message when not accepted")}.get(field, field)


# --- Surveys of a campaign ---------------------------------------------------------------------


@bp.route("/campaigns/<slug>/surveys/")
@roles_required(*STAFF)
def index(slug: str):
    campaign = _campaign(slug)
    surveys = list(db.session.scalars(select(Survey).where(Survey.campaign_id == campaign.id).order_by(Survey.slug)))
    return render_template("surveys/index.html", campaign=campaign, surveys=surveys)


@bp.route("/campaigns/<slug>/surveys/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def create(slug: str):
    campaign = _campaign(slug)
    form = SurveyForm()
    form.languages.choices = language_choices(campaign.languages or current_app.config["LANGUAGES"])
    if not form.is_submitted():
        form.languages.data = list(campaign.languages or [])
    if form.validate_on_submit():
        try:
            survey = operations.create_survey(campaign, slug=form.slug.data, title={}, languages=form.languages.data,
                                              actor=current_user)
        except operations.SlugTaken:
            form.slug.errors.append(_("Another survey already uses this address."))
        else:
            flash(_("Survey created. Give it a title, then add questions."), "success")
            return redirect(url_for("surveys.settings", survey=survey.slug))
    return render_template("surveys/create.html", campaign=campaign, form=form)


@bp.route("/campaigns/<slug>/surveys/import", methods=["GET", "POST"])
@roles_required(*STAFF)
def upload(slug: str):
    campaign = _campaign(slug)
    form = XLSFormUploadForm()
    error = None
    if form.validate_on_submit():
        upload_file = form.file.data
        try:
            imported = operations.import_survey(campaign, upload_file.read(), slug=form.slug.data or None,
                                                actor=current_user, filename=upload_file.filename or "",
                                                attachments=attached_files(form.attachments.data))
        except Invalid as err:
            error = import_error(err)
        except operations.SlugTaken as err:
            form.slug.errors.append(_("Another survey already uses the address %(slug)s.", slug=str(err)))
        else:
            if imported.new_version:
                flash(_("The XLSForm is the new draft of %(slug)s. Check it, then publish it as its next "
                        "version.", slug=imported.survey.slug), "success")
            else:
                flash(_("The XLSForm was imported as a draft. Check it, then publish it."), "success")
            for notice in imported.left_out:
                flash(notice.located(), "warning")
            return redirect(url_for("surveys.detail", survey=imported.survey.slug))
    status = 422 if error or form.errors else 200
    return render_template("surveys/upload.html", campaign=campaign, form=form, error=error), status


# --- One survey: the editor ----------------------------------------------------------------------


def _outline(survey: Survey) -> list[dict]:
    """Rows of the editor's outline: pages and questions with their depth."""
    rows = []
    for parents, item in iter_items(drafts_items(survey)):
        rows.append({"item": item, "depth": len(parents), "label": labels_in(item.label, str(_locale())),
                     "is_group": item.kind == "group"})
    return rows


def drafts_items(survey: Survey):
    return operations.draft_definition(survey).items


def _locale() -> str:
    return str(get_locale())


@bp.route("/surveys/<survey>/")
@roles_required(*STAFF)
def detail(survey: str):
    survey_row = _survey(survey)
    blocked = operations.publication_problems(survey_row)
    problems = [problem.translated() for problem in blocked.problems]
    missing = [(path or _("survey"), field_name(field), language) for path, field, language in blocked.missing]
    return render_template("surveys/detail.html", survey=survey_row, outline=_outline(survey_row),
                           problems=problems, missing=missing, type_names=dict(question_types()))


@bp.route("/surveys/<survey>/settings", methods=["GET", "POST"])
@roles_required(*STAFF)
def settings(survey: str):
    survey_row = _survey(survey)
    draft = survey_row.draft
    languages = draft.get("languages", [])
    form = title_form_class(languages)()
    if not form.is_submitted():
        for language in languages:
            getattr(form, f"title__{language}").data = draft.get("title", {}).get(language, "")
    if form.validate_on_submit():
        title = {language: getattr(form, f"title__{language}").data.strip() for language in languages
                 if (getattr(form, f"title__{language}").data or "").strip()}
        operations.save_draft(survey_row, drafts.set_texts(draft, title=title, languages=languages,
                                                           default_language=draft.get("default_language", "en")),
                              actor=current_user, action="edit", what="title")
        flash(_("Saved."), "success")
        return redirect(url_for("surveys.detail", survey=survey_row.slug))
    return render_template("surveys/settings.html", survey=survey_row, form=form, languages=languages)


def _role_choices(survey: Survey) -> list[tuple[str, str]]:
    keys = list(survey.campaign.group_keys or [])
    keys += [q.role.removeprefix("group:") for q in _questions(survey) if (q.role or "").startswith("group:")]
    return ([("", _("An answer only")), ("geography", _("The response's place (geography)"))]
            + [(f"group:{key}", _("Group key %(key)s", key=key)) for key in dict.fromkeys(keys)])


def _questions(survey: Survey):
    return [item for _p, item in iter_items(drafts_items(survey)) if item.kind == "question"]


def _existing(draft: dict, name: str | None, kind: str) -> dict | None:
    """The draft's item being edited (None for a new one); 404 if there is no such ``kind``."""
    if name is None:
        return None
    found = drafts.find(draft, name)
    if found is None or found[2].get("kind") != kind:
        abort(404)
    return found[2]


def _saved(survey: Survey, change, *, what: str, name: str, form) -> bool:
    """Apply ``change`` to the draft and save it; a name used twice is the form's error."""
    try:
        new_draft = change(survey.draft)
    except drafts.DraftError as err:
        form.name.errors.append(_("The name %(name)s is used more than once.", name=err.name))
        return False
    operations.save_draft(survey, new_draft, actor=current_user, action="edit", what=what, name=name)
    return True


def _question_page(survey: Survey, original: str | None):
    draft = survey.draft
    languages = draft.get("languages", [])
    old = _existing(draft, original, "question")
    editable = [(code, title) for code, title in question_types() if code in QUESTION_TYPES]
    if old is not None and old.get("type") not in dict(editable):
        # A calculation or a range comes from an XLSForm, and the editor has no fields for them.
        flash(_("The question %(name)s is edited in its XLSForm: export the survey, change it there "
                "and import it again.", name=original), "error")
        return redirect(url_for("surveys.detail", survey=survey.slug) + f"#item-{original}")
    form = question_form_class(languages)()
    form.type.choices = editable
    form.page.choices = [("", _("A page of its own"))] + [
        (name, labels_in(drafts.find(draft, name)[2].get("label"), _locale()) or name)
        for name in drafts.page_names(draft)]
    form.role.choices = _role_choices(survey)
    if old is not None and not form.is_submitted():
        choices = draft.get("choice_lists", {}).get(old.get("choice_list") or "", [])
        form.fill(old, languages, drafts.choices_to_lines(choices, languages), drafts.page_of(draft, original))
    elif not form.is_submitted():
        form.page.data = request.args.get("page", "")
    if form.validate_on_submit():
        question = {"choice_list": None, "choice_filter": None, "appearance": None, **(old or {}),
                    **form.to_question(languages)}
        question.pop("kind", None)
        choices = None
        if question["type"] in SELECT_TYPES:
            choices = drafts.choices_from_lines(form.choices.data or "", languages)
        else:
            question.update(choice_list=None, choice_filter=None)
        if _saved(survey, lambda draft: drafts.save_question(draft, original, question, form.page.data or "",
                                                                 choices),
                  what="question", name=question["name"], form=form):
            flash(_("Question %(name)s saved.", name=question["name"]), "success")
            return redirect(url_for("surveys.detail", survey=survey.slug) + f"#item-{question['name']}")
    return render_template("surveys/question.html", survey=survey, form=form, languages=languages,
                           original=original)


@bp.route("/surveys/<survey>/questions/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new_question(survey: str):
    return _question_page(_survey(survey), None)


@bp.route("/surveys/<survey>/questions/<name>", methods=["GET", "POST"])
@roles_required(*STAFF)
def edit_question(survey: str, name: str):
    return _question_page(_survey(survey), name)


def _page_page(survey: Survey, original: str | None):
    draft = survey.draft
    languages = draft.get("languages", [])
    old = _existing(draft, original, "group")
    form = page_form_class(languages)()
    if old is not None and not form.is_submitted():
        form.name.data, form.relevant.data = old["name"], old.get("relevant")
        for language in languages:
            getattr(form, f"label__{language}").data = old.get("label", {}).get(language, "")
    if form.validate_on_submit():
        label = {language: getattr(form, f"label__{language}").data.strip() for language in languages
                 if (getattr(form, f"label__{language}").data or "").strip()}
        relevant = (form.relevant.data or "").strip() or None
        if _saved(survey, lambda draft: drafts.save_page(draft, original, form.name.data.strip(), label, relevant),
                  what="page", name=form.name.data, form=form):
            flash(_("Page saved."), "success")
            return redirect(url_for("surveys.detail", survey=survey.slug))
    return render_template("surveys/page.html", survey=survey, form=form, languages=languages, original=original)


@bp.route("/surveys/<survey>/pages/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new_page(survey: str):
    return _page_page(_survey(survey), None)


@bp.route("/surveys/<survey>/pages/<page_name>", methods=["GET", "POST"])
@roles_required(*STAFF)
def edit_page(survey: str, page_name: str):
    return _page_page(_survey(survey), page_name)


def _edit_outline(survey: str, name: str, change, what: str):
    survey_row = _survey(survey)
    try:
        new_draft = change(survey_row.draft)
    except drafts.DraftError:
        flash(_("There is no question or page named %(name)s.", name=name), "error")
    else:
        operations.save_draft(survey_row, new_draft, actor=current_user, action="edit", what=what, name=name)
    return redirect(url_for("surveys.detail", survey=survey_row.slug) + f"#item-{name}")


@bp.route("/surveys/<survey>/items/<name>/move", methods=["POST"])
@roles_required(*STAFF)
def move_item(survey: str, name: str):
    step = -1 if request.form.get("direction") == "up" else 1
    return _edit_outline(survey, name, lambda draft: drafts.move(draft, name, step), "move")


@bp.route("/surveys/<survey>/items/<name>/delete", methods=["POST"])
@roles_required(*STAFF)
def delete_item(survey: str, name: str):
    return _edit_outline(survey, name, lambda draft: drafts.remove(draft, name), "delete")


@bp.route("/surveys/<survey>/publish", methods=["POST"])
@roles_required(*STAFF)
def publish(survey: str):
    survey_row = _survey(survey)
    try:
        version = operations.publish(survey_row, actor=current_user)
    except operations.PublishBlocked:
        flash(_("The survey cannot be published yet: fix what is listed below."), "error")
    else:
        if version is None:
            flash(_("Nothing changed since the last version; the survey is open."), "success")
        else:
            flash(_("Version %(number)d published. Residents answer it at %(address)s.", number=version.number,
                    address=url_for("resident.take", survey=survey_row.slug, _external=True)), "success")
    return redirect(url_for("surveys.detail", survey=survey_row.slug))


@bp.route("/surveys/<survey>/open", methods=["POST"])
@roles_required(*STAFF)
def set_open(survey: str):
    survey_row = _survey(survey)
    choice = request.form.get("open")
    if choice not in ("yes", "no"):
        return redirect(url_for("surveys.detail", survey=survey_row.slug))
    operations.set_open(survey_row, choice == "yes", actor=current_user)
    flash(_("The survey is open for answers.") if survey_row.is_open else _("The survey is closed."), "success")
    return redirect(url_for("surveys.detail", survey=survey_row.slug))


@bp.route("/surveys/<survey>/form.xlsx")
@roles_required(*STAFF)
def export_form(survey: str):
    survey_row = _survey(survey)
    published = request.args.get("version") == "published"
    content = operations.export_survey(survey_row, published=published)
    return _download(content, f"{survey_row.slug}.xlsx", XLSX)


@bp.route("/surveys/<survey>/form.zip")
@roles_required(*STAFF)
def export_form_with_files(survey: str):
    """The workbook and the files it names (choice lists, pulldata tables) in one archive."""
    survey_row = _survey(survey)
    published = request.args.get("version") == "published"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(f"{survey_row.slug}.xlsx", operations.export_survey(survey_row, published=published))
        for name, content in operations.export_survey_files(survey_row, published=published).items():
            bundle.writestr(Path(name).name, content)
    return _download(archive.getvalue(), f"{survey_row.slug}.zip", "application/zip")


# --- Responses ---------------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, filename: str, mimetype: str) -> FlaskResponse:
    return FlaskResponse(content, mimetype=mimetype,
                         headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                  "Cache-Control": "no-store"})


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _filters() -> exports.Filters:
    return exports.Filters(language=request.args.get("language", ""), channel=request.args.get("channel", ""),
                           geography=request.args.get("geography", ""), since=_date_arg("since"),
                           until=_date_arg("until"))


@bp.route("/surveys/<survey>/responses")
@roles_required(*STAFF)
def responses(survey: str):
    survey_row = _survey(survey)
    filters = _filters()
    label_language = request.args.get("labels", "")
    table = exports.Table(survey_row, label_language)
    page = db.paginate(exports.responses_query(survey_row, filters), per_page=PER_PAGE, error_out=False)
    languages = list(dict.fromkeys(language for version in survey_row.versions
                                   for language in version.definition.get("languages", [])))
    places = list(db.session.scalars(select(Geography).order_by(Geography.name)))
    return render_template("surveys/responses.html", survey=survey_row, table=table, page=page,
                           rows=[table.row(response) for response in page.items], filters=filters,
                           languages=languages, channels=CHANNELS, places=places, label_language=label_language,
                           query=request.args.to_dict())


@bp.route("/surveys/<survey>/responses.csv")
@roles_required(*STAFF)
def export_csv(survey: str):
    survey_row = _survey(survey)
    exported = exports.export_responses(survey_row, _filters(), file_format="csv",
                                        label_language=request.args.get("labels", ""), actor=current_user)
    if exported.zipped:  # a CSV per table, as KoboToolbox exports repeats
        return _download(exported.content, f"{survey_row.slug}-responses.zip", "application/zip")
    return _download(exported.content, f"{survey_row.slug}-responses.csv", "text/csv; charset=utf-8")


@bp.route("/surveys/<survey>/responses.xlsx")
@roles_required(*STAFF)
def export_xlsx(survey: str):
    survey_row = _survey(survey)
    exported = exports.export_responses(survey_row, _filters(), file_format="xlsx",
                                        label_language=request.args.get("labels", ""), actor=current_user,
                                        titles=(_("Responses"), _("Columns")))
    return _download(exported.content, f"{survey_row.slug}-responses.xlsx", XLSX)
