"""The resident's survey at /s/<survey>: language, consent, pages, thanks; and the JSON intake.

Everything works with JavaScript off: each page is a plain form that the server checks
(``voice.intake.flow``); ``static/js/survey.js`` only shows and hides questions live.

The JSON intake (POST /s/<survey>/responses) is exempt from CSRF: it carries no ambient
authority (residents are anonymous, no cookie is read), it accepts only
``application/json`` (which a cross-site HTML form cannot send without a CORS preflight,
which we never grant), and it has the same spam defences as the form: the per-address rate
limit and the honeypot field ``website``.
"""
from __future__ import annotations

import uuid as uuid_module

from flask import (Blueprint, abort, current_app, jsonify, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _

from ..extensions import csrf, db
from ..i18n import LocaleInfo
from ..intake import flow
from ..intake.definition import split_key
from ..intake.responses import ResponseConflict, UnknownQuestion
from ..json_body import request_json
from ..models import Response, Survey, SurveyAttachment, SurveyProgress, SurveyVersion
from ..models.base import labels_in
from ..problems import Invalid
from ..security import public
from . import operations, ratelimit

bp = Blueprint("resident", __name__)

HONEYPOT = "website"
SESSION_KEY = "survey_progress"  # {survey slug: client UUID}


def _survey(slug: str) -> Survey:
    return Survey.by_slug(slug) or abort(404)


def _open_form(slug: str) -> flow.Form:
    survey = _survey(slug)
    if not survey.is_open or survey.current_version is None:
        abort(404)
    return flow.Form.of(survey)


def _direction(language: str) -> str:
    try:
        return LocaleInfo.of(language).dir
    except (ValueError, TypeError):
        return "ltr"


def _self_url(form: flow.Form, language: str | None, **values) -> str:
    """This survey's address, keeping the interface in the resident's language."""
    if language in current_app.config["LANGUAGES"]:
        values["lang"] = language
    return url_for("resident.take", survey=form.survey.slug, **values)


def _progress(form: flow.Form) -> SurveyProgress | None:
    key = session.get(SESSION_KEY, {}).get(form.survey.slug)
    if not key:
        return None
    try:
        progress = db.session.get(SurveyProgress, uuid_module.UUID(key))
    except ValueError:
        progress = None
    return progress if progress is not None and progress.survey_id == form.survey.id else None


def _remember(form: flow.Form, key: uuid_module.UUID | None) -> None:
    kept = dict(session.get(SESSION_KEY, {}))
    if key is None:
        kept.pop(form.survey.slug, None)
    else:
        kept[form.survey.slug] = str(key)
    session[SESSION_KEY] = kept


def _common(form: flow.Form, language: str) -> dict:
    return {"survey": form.survey, "definition": form.definition, "language": language,
            "direction": _direction(language), "honeypot": HONEYPOT,
            "title": labels_in(form.definition.title, language, form.definition.default_language)}


@bp.route("/s/<survey>", methods=["GET", "POST"])
@public
def take(survey: str):
    form = _open_form(survey)
    progress = _progress(form)
    if request.method == "POST":
        return _post(form, progress)
    if progress is not None:
        return _show_page(_version_form(form, progress), progress)
    languages = form.definition.languages
    chosen = request.args.get("lang") or request.args.get("language")
    if chosen not in languages:
        if len(languages) > 1:
            choices = [(code, labels_in(form.definition.title, code)) for code in languages]
            return render_template("resident/language.html", choices=choices,
                                   **_common(form, form.definition.default_language))
        chosen = languages[0]
    return render_template("resident/consent.html", key=uuid_module.uuid4(), action=_self_url(form, chosen),
                           asks_consent_itself=form.consent_question is not None, **_common(form, chosen))


def _version_form(form: flow.Form, progress: SurveyProgress) -> flow.Form:
    """A resident who started before a new publication finishes the version they started."""
    if progress.survey_version_id == form.version.id:
        return form
    return flow.Form.of(form.survey, db.session.get(SurveyVersion, progress.survey_version_id))


def _page_values(form: flow.Form, index: int, answers: dict, addable: list[dict]) -> dict:
    """The page's answers as posted, one per slot (a repeat's, per instance ``answers`` give),
    and the number of instances of each repeat the resident adds to (``addable``), as it stands."""
    values = {}
    for slot in flow.page_slots(form, index, answers):
        if slot.question.type == "select_multiple":
            values[slot.key] = request.form.getlist(slot.key)
        elif slot.question.type == "rank":  # a number per choice, each in a field named <key>:<choice>
            prefix = f"{slot.key}:"
            values[slot.key] = {key.removeprefix(prefix): value for key, value in request.form.items()
                                if key.startswith(prefix)}
        else:
            values[slot.key] = request.form.get(slot.key, "")
    values.update((repeat["key"], repeat["count"]) for repeat in addable)
    return values


def _change_instances(submitted: dict, addable: list[dict]) -> bool:
    """Apply an "add:<key>" or "remove:<key>" button (one instance more, or the last one fewer)."""
    verb, _sep, key = request.form.get("action", "").partition(":")
    if verb not in ("add", "remove") or key not in {repeat["key"] for repeat in addable}:
        return False
    submitted[key] = max(0, min(flow.MAX_INSTANCES, submitted[key] + (1 if verb == "add" else -1)))
    return True


def _post(form: flow.Form, progress: SurveyProgress | None):
    step = request.form.get("step")
    try:
        key = uuid_module.UUID(request.form.get("uuid", ""))
    except ValueError:
        key = None
    if step == "consent" and key is not None:
        language = request.form.get("language", "")
        if language not in form.definition.languages:
            return redirect(url_for("resident.take", survey=form.survey.slug))
        if request.form.get("consent") != "yes":
            return render_template("resident/declined.html", **_common(form, language))
        progress = operations.start_progress(form, key, language)
        _remember(form, progress.uuid)
        return redirect(_self_url(form, language))
    if step == "page" and key is not None:
        if progress is None or progress.uuid != key:
            done = Response.by_uuid(form.survey.id, key)
            if done is not None:  # a replay of the last page: the same thank-you page
                return redirect(url_for("resident.thanks", survey=form.survey.slug, key=key))
        if progress is not None and progress.uuid == key:
            return _answer_page(_version_form(form, progress), progress)
    if step == "restart":
        if progress is not None:
            db.session.delete(progress)
            db.session.commit()
        _remember(form, None)
    return redirect(url_for("resident.take", survey=form.survey.slug))


def _show_page(form: flow.Form, progress: SurveyProgress, *, values: dict | None = None,
               errors: dict | None = None, status: int = 200):
    index = progress.page
    if not (0 <= index < len(form.pages)) or not flow.page_is_relevant(form, index, progress.answers):
        start = min(max(index, 0), len(form.pages))
        index = flow.next_page(form, start - 1, progress.answers)
        if index is None:  # nothing further is asked: show the last page that is
            index = flow.next_page(form, start, progress.answers, step=-1)
        if index is None:
            index = 0
    language = progress.language or form.definition.default_language
    page = form.pages[index]
    shown = values if values is not None else progress.answers
    earlier = flow.off_page(form, index, progress.answers)
    questions = flow.page_entries(form, page, language, shown=shown, earlier=earlier, errors=errors)
    counted = flow.pages_to_come(form, index, {**progress.answers, **(values or {})})
    if index not in counted:
        counted = sorted([*counted, index])
    position = counted.index(index) + 1
    previous = flow.next_page(form, index, progress.answers, step=-1)
    return render_template(
        "resident/page.html", key=progress.uuid, index=index, questions=questions, errors=errors or {},
        page_label=_page_heading(form, page, language, questions),
        position=position, total=len(counted), has_previous=previous is not None,
        is_last=counted[-1] == index,
        earlier=flow.evaluation_answers(form, flow.standing_before(form, index, earlier)),
        repeats=flow.addable_repeats(form, index, {**earlier, **shown}, language),
        action=_self_url(form, language),
        **_common(form, language)), status


def _page_heading(form: flow.Form, page: flow.Page, language: str, questions: list[dict]) -> str:
    """A page of several questions is headed by its group's label, unless that label is one
    of its questions' own (a heading that says the question again helps nobody)."""
    heading = labels_in(page.label, language, form.definition.default_language)
    if len(page.questions) < 2 or heading in {entry["label"] for entry in questions}:
        return ""
    return heading


def _answer_page(form: flow.Form, progress: SurveyProgress):
    try:
        index = int(request.form.get("page", ""))
    except ValueError:
        index = progress.page
    if not 0 <= index < len(form.pages):
        return redirect(url_for("resident.take", survey=form.survey.slug))
    progress.page = index
    language = progress.language or form.definition.default_language
    addable = flow.addable_repeats(form, index, progress.answers, language)
    submitted = _page_values(form, index, progress.answers, addable)
    changed = _change_instances(submitted, addable)
    earlier = flow.off_page(form, index, progress.answers)
    checked = flow.check_page(form, index, submitted, earlier, language)
    answers = {**earlier, **checked.answers}
    if changed:  # one instance more or fewer: the same page again, nothing refused yet
        operations.save_progress(progress, page=index, answers=answers)
        return redirect(_self_url(form, language))
    if request.form.get("action") == "back":
        previous = flow.next_page(form, index, answers, step=-1)
        operations.save_progress(progress, page=index if previous is None else previous, answers=answers)
        return redirect(_self_url(form, language))
    if request.form.get(HONEYPOT):
        # A bot filled the field people never see: thank it and store nothing.
        operations.forget(progress)
        _remember(form, None)
        return render_template("resident/thanks.html", **_common(form, language))
    shown = set(request.form.get("shown", "").split())
    questions = form.questions()
    revealed = {key for key in flow.shown_keys(form, answers)[index] if key not in shown
                and split_key(key)[1] in questions and questions[split_key(key)[1]].type != "note"}
    if revealed and "shown" in request.form:
        # Without JavaScript, an answer on this page opened more questions on it: show them.
        errors = {name: error for name, error in checked.errors.items() if name not in revealed}
        operations.save_progress(progress, page=index, answers=answers)
        return _show_page(form, progress, values=submitted, errors=errors, status=422 if errors else 200)
    if checked.errors:
        return _show_page(form, progress, values=submitted, errors=checked.errors, status=422)
    following = flow.next_page(form, index, answers)
    if following is not None:
        operations.save_progress(progress, page=following, answers=answers)
        return redirect(_self_url(form, language))
    operations.save_progress(progress, page=index, answers=answers)
    if not flow.has_consent(form, flow.prune(form, answers), progress.consent):
        operations.forget(progress)  # the survey's own consent question was not agreed to: store nothing
        _remember(form, None)
        return render_template("resident/declined.html", **_common(form, language))
    if not _within_allowance(form.survey, progress.uuid):
        abort(429)
    try:
        stored = operations.submit(form, progress)
    except ResponseConflict:
        abort(409)
    _remember(form, None)
    return redirect(url_for("resident.thanks", survey=form.survey.slug, key=stored.response.uuid,
                            **({"lang": language} if language in current_app.config["LANGUAGES"] else {})))


def _within_allowance(survey: Survey, key: uuid_module.UUID | None) -> bool:
    """Spend one of the address's submissions, unless ``key`` is already stored: a replay (a
    retry after a lost answer) stores nothing new, so it must not use a resident's allowance."""
    if key is not None and Response.by_uuid(survey.id, key) is not None:
        return True
    return ratelimit.hit("intake", request.remote_addr, limit=current_app.config["INTAKE_PER_HOUR"])


def _submitted_uuid() -> uuid_module.UUID | None:
    """The submission's uuid, read with the same bounds as the submission itself."""
    try:
        payload = request_json()
    except Invalid:
        return None  # refused just after, with its reason
    try:
        return uuid_module.UUID(str(payload["uuid"]))
    except (TypeError, KeyError, ValueError):
        return None


@bp.route("/s/<survey>/media/<sha256>/<path:name>")
@public
def media(survey: str, sha256: str, name: str):
    """A file a published survey's labels or choices show. Its address names its content, so
    browsers and the tablet's offline cache keep it for good."""
    attachment = SurveyAttachment.published(_survey(survey), sha256) or abort(404)
    response = current_app.response_class(attachment.content, mimetype=attachment.content_type)
    response.set_etag(attachment.sha256)
    response.cache_control.public = True
    response.cache_control.max_age = 365 * 24 * 3600
    response.cache_control.immutable = True
    return response.make_conditional(request)


@bp.route("/s/<survey>/thanks/<uuid:key>")
@public
def thanks(survey: str, key: uuid_module.UUID):
    survey_row = _survey(survey)
    response = Response.by_uuid(survey_row.id, key) or abort(404)
    form = flow.Form.of(survey_row, response.version)
    return render_template("resident/thanks.html", **_common(form, response.language))


# --- JSON intake ----------------------------------------------------------------------------------


def _json_error(status: int, message: str, **extra):
    return jsonify({"error": message, **extra}), status


@bp.route("/s/<survey>/responses", methods=["POST"])
@public
@csrf.exempt
def submit_json(survey: str):
    """``{"uuid": ..., "language": ..., "consent": true, "answers": {name: value}}``; a repeat's
    answers are a list of instance dicts under its name (``voice.intake.responses``)."""
    survey_row = _survey(survey)
    if not survey_row.is_open or survey_row.current_version is None:
        return _json_error(404, _("This survey is not open for answers."))
    if not request.is_json:
        return _json_error(415, _("Send the response as JSON (Content-Type: application/json)."))
    if not _within_allowance(survey_row, _submitted_uuid()):
        return _json_error(429, _("Too many requests. Please wait a minute and try again."))
    try:
        payload = request_json()
    except Invalid as refused:
        return _json_error(refused.status, refused.problems[0].translated())
    if not isinstance(payload, dict):
        return _json_error(400, _("The request could not be understood. Please go back and try again."))
    errors: dict[str, str] = {}
    try:
        key = uuid_module.UUID(str(payload.get("uuid", "")))
    except ValueError:
        key = None
        errors["uuid"] = _("uuid must be a UUID made by the client, such as %(example)s.",
                           example=str(uuid_module.uuid4()))
    existing = Response.by_uuid(survey_row.id, key) if key else None
    form = flow.Form.of(survey_row, existing.version if existing else None)
    language = payload.get("language")
    if language not in form.definition.languages:
        errors["language"] = _("language must be one of: %(languages)s.",
                               languages=", ".join(form.definition.languages))
        language = form.definition.default_language
    if payload.get("consent") is not True:
        errors["consent"] = _("The resident's consent is needed (consent: true).")
    answers = payload.get("answers")
    if not isinstance(answers, dict):
        errors["answers"] = _("answers must map question names to answers.")
        answers = {}
    if payload.get(HONEYPOT):
        return jsonify({"status": "created", "uuid": str(key) if key else None}), 201
    try:
        checked = flow.check_all(form, answers, language)
    except UnknownQuestion as err:
        errors.update({name: _("There is no question named %(name)s in this survey.", name=name)
                       for name in err.names})
    else:
        errors.update(checked.errors)
    if errors:
        return jsonify({"errors": errors}), 422
    try:
        stored = operations.submit_json(form, key=key, language=language, answers=checked.answers, consent=True)
    except ResponseConflict:
        return _json_error(409, _("A different response was already stored with this uuid. Nothing was changed."))
    body = {"status": "created" if stored.created else "already_stored", "uuid": str(stored.response.uuid),
            "thanks": url_for("resident.thanks", survey=survey_row.slug, key=stored.response.uuid)}
    return jsonify(body), 201 if stored.created else 200
