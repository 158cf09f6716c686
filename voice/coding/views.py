from __future__ import annotations

from urllib.parse import unquote_plus, urlencode

from flask import (Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectChoice

from ..extensions import db
from ..i18n import language_name, locale_info
from ..labels import channel_label
from ..jobs import queue_job
from ..models import Code, CodingAssignment, CodingRound, Geography, Job, User, VoiceItem
from ..nlp_adapter import count_stale_items, ensure_codebook
from ..problems import Invalid
from ..refusals import problems_flashed
from ..security import roles_required
from . import codebook_yaml, codes, double_coding, emerging, health, keywords, review_queue
from .forms import (AddCodeForm, AdoptThemeForm, BlindCodingForm, DecisionForm, ImportForm, MergeForm,
                    ReviewFilterForm, RoundForm, SettleForm, SplitForm, choices, code_form_class)
from .overview import nlp_overview

bp = Blueprint("coding", __name__, url_prefix="/coding")
STAFF = ("admin", "analyst")


@bp.route("/nlp")
@roles_required(*STAFF)
def nlp():
    return render_template("coding/nlp.html", overview=nlp_overview(), form=FlaskForm())


@bp.route("/nlp/run", methods=["POST"])
@roles_required(*STAFF)
def start_run():
    job = queue_job("nlp_run", actor=current_user)
    flash(_("Tagging started.") if job.status != "failed" else _("Tagging failed: %(error)s", error=job.error),
          "info" if job.status != "failed" else "error")
    return redirect(_return_to())


@bp.route("/nlp/train", methods=["POST"])
@roles_required(*STAFF)
def start_training():
    job = queue_job("nlp_train", actor=current_user)
    if job.status == "failed":
        flash(_("Training failed: %(error)s", error=job.error), "error")
    else:
        flash(_("Training started. Items are tagged again with the new model on the next run."), "info")
    return redirect(_return_to())


def _return_to() -> str:
    """Back to the coding page the button was on (only ever a page of this blueprint)."""
    back = request.form.get("next", "")
    return back if back.startswith("/coding/") and "//" not in back else url_for("coding.nlp")


@bp.route("/jobs/<int:job_id>.json")
@roles_required(*STAFF)
def job_status(job_id: int):
    job = db.session.get(Job, job_id) or abort(404)
    return jsonify(id=job.id, kind=job.kind, status=job.status, done=job.done, total=job.total,
                   percent=job.percent, error=job.error, result=job.result)
# ------------------------------------------------------------------------------ helpers

def _locale() -> str:
    return locale_info().code


def _label(code: Code) -> str:
    return codes.code_label(code, _locale())


def _flash_form_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors if isinstance(errors, list) else [errors]:
            flash(str(error), "error")


def _code_choices(exclude: int | None = None, kind: str | None = None) -> list[SelectChoice]:
    return choices((code.id, "— " * depth + _label(code)) for code, depth in codes.code_tree()
                   if code.id != exclude and (kind is None or code.kind == kind))


# ------------------------------------------------------------------------------ codebook editor

@bp.route("/")
@roles_required(*STAFF)
def index():
    return redirect(url_for("coding.review"))


@bp.route("/codebook")
@roles_required(*STAFF)
def codebook():
    ensure_codebook()
    return render_template("coding/codebook.html", tree=codes.code_tree(), label=_label,
                           stale=count_stale_items(), history=codes.codebook_history(),
                           import_form=ImportForm(), form=FlaskForm())


def _code_form(code: Code | None):
    languages = codes.codebook_languages(Code.active())
    form_class = code_form_class(languages, language_name)
    form = form_class(obj=None)
    if code is not None and request.method == "GET":
        form.key.data, form.kind.data, form.parent.data = code.key, code.kind, code.parent_id or 0
        for language in languages:
            form[f"label_{language}"].data = (code.labels or {}).get(language, "")
            form[f"description_{language}"].data = (code.descriptions or {}).get(language, "")
            form[f"keywords_{language}"].data = ", ".join((code.keywords or {}).get(language, []))
    form.parent.choices = choices([(0, _("— none —"))]) + _code_choices(exclude=code.id if code else None)
    return form, languages


def _code_fields(form, languages: list[str], code: Code | None) -> dict:
    """What the code form says, as ``codes.save_code`` takes it (a key is set once, at creation)."""
    return {"key": code.key if code else form.key.data.strip(), "kind": form.kind.data,
            "parent_id": form.parent.data or None,
            "labels": {language: form[f"label_{language}"].data for language in languages},
            "descriptions": {language: form[f"description_{language}"].data for language in languages},
            "keywords": {language: keywords.split_keywords(form[f"keywords_{language}"].data)
                         for language in languages}}


def _save_code(code: Code | None):
    form, languages = _code_form(code)
    previews = {}
    if request.method == "POST" and request.form.get("preview"):  # the no-script keyword preview
        previews = {language: keywords.preview_keywords(language, keywords.split_keywords(
            form[f"keywords_{language}"].data)) for language in languages}
    elif form.validate_on_submit():
        with problems_flashed():
            saved = codes.save_code(code, **_code_fields(form, languages, code), actor=current_user)
            flash(_("Saved. %(count)s items will be tagged again.", count=count_stale_items()), "success")
            return redirect(url_for("coding.edit_code", code_id=saved.id))
    merge_form = None
    if code is not None:
        merge_form = MergeForm()
        merge_form.into.choices = _code_choices(exclude=code.id, kind=code.kind)
    return render_template("coding/code.html", form=form, code=code, previews=previews, merge_form=merge_form,
                           label=_label, stale=count_stale_items(), language_name=language_name)


@bp.route("/codebook/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new_code():
    return _save_code(None)


@bp.route("/codebook/<int:code_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def edit_code(code_id: int):
    return _save_code(db.get_or_404(Code, code_id))


@bp.route("/codebook/preview.json")
@roles_required(*STAFF)
def keyword_preview():
    language = request.args.get("language", "")
    preview = keywords.preview_keywords(language, keywords.split_keywords(request.args.get("keywords")))
    preview["summary"] = _("Matches %(matched)s of the last %(sample)s items in this language.",
                           matched=preview["matched"], sample=preview["sample"])
    return jsonify(preview)


@bp.route("/codebook/<int:code_id>/merge", methods=["POST"])
@roles_required(*STAFF)
def merge_code(code_id: int):
    code = db.get_or_404(Code, code_id)
    form = MergeForm()
    form.into.choices = _code_choices(exclude=code.id, kind=code.kind)
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return redirect(url_for("coding.edit_code", code_id=code.id))
    keep = db.get_or_404(Code, form.into.data)
    with problems_flashed():
        moved = codes.merge_codes(code, keep, actor=current_user)
        flash(_("Merged into %(code)s: %(count)s tags moved.", code=_label(keep),
                count=moved["moved"] + moved["folded"]), "success")
        return redirect(url_for("coding.edit_code", code_id=keep.id))
    return redirect(url_for("coding.edit_code", code_id=code.id))


@bp.route("/codebook/<int:code_id>/split", methods=["GET", "POST"])
@roles_required(*STAFF)
def split_code(code_id: int):
    code = db.get_or_404(Code, code_id)
    form = SplitForm()
    items = codes.human_tagged_items(code)
    form.items.choices = choices((item.id, item.original_text[:120]) for item in items)
    if form.validate_on_submit():
        with problems_flashed():
            new = codes.split_code(code, key=form.key.data.strip(), labels={_locale(): form.label.data.strip()},
                                   item_ids=form.items.data or [], actor=current_user)
            flash(_("New code %(code)s made; %(count)s items moved to it.", code=_label(new),
                    count=len(form.items.data or [])), "success")
            return redirect(url_for("coding.edit_code", code_id=new.id))
    return render_template("coding/split.html", form=form, code=code, label=_label, items=items)


@bp.route("/codebook/import", methods=["GET", "POST"])
@roles_required(*STAFF)
def import_codebook_file():
    form = ImportForm()
    problems = []
    if form.validate_on_submit():
        upload = form.file.data
        text = upload.read().decode("utf-8", errors="replace") if upload else (form.text.data or "")
        if not text.strip():
            flash(_("Choose a file or paste the codebook."), "error")
        else:
            try:
                count, retired = codebook_yaml.import_yaml(text, actor=current_user,
                                                           retire_missing=form.retire_missing.data)
            except Invalid as error:  # shown line by line on the page, not flashed
                problems = error.problems
            else:
                flash(_("Imported %(count)s codes. %(stale)s items will be tagged again.", count=count,
                        stale=count_stale_items()), "success")
                if retired:
                    flash(_("%(count)s codes not in the file were retired.", count=retired), "success")
                return redirect(url_for("coding.codebook"))
    elif request.method == "POST":
        _flash_form_errors(form)
    return render_template("coding/import.html", form=form, problems=problems)


@bp.route("/codebook/export.yaml")
@roles_required(*STAFF)
def export_codebook():
    ensure_codebook()
    return Response(codebook_yaml.export_yaml(), mimetype="application/yaml",
                    headers={"Content-Disposition": "attachment; filename=codebook.yaml"})


# ------------------------------------------------------------------------------ review queue

SKIPPED = "coding_skipped"


def _filters() -> review_queue.ReviewFilters:
    def number(name, cast):
        try:
            return cast(request.args[name]) if request.args.get(name) not in (None, "") else None
        except ValueError:
            return None
    return review_queue.ReviewFilters(
        code_id=number("code", int) or None, min_confidence=number("min", float),
        max_confidence=number("max", float), language=request.args.get("language") or None,
        channel=request.args.get("channel") or None, geography_id=number("geography", int) or None,
        order="oldest" if request.args.get("order") == "oldest" else "rank")


def _filter_form() -> ReviewFilterForm:
    form = ReviewFilterForm(request.args)
    form.code.choices = choices([(0, _("Any code"))]) + _code_choices()
    form.language.choices = choices([("", _("Any language"))] + [
        (code, language_name(code)) for code in codes.codebook_languages()])
    channels = db.session.scalars(select(VoiceItem.channel).distinct().order_by(VoiceItem.channel))
    form.channel.choices = choices([("", _("Any channel"))] + [(channel, channel_label(channel)) for channel in channels])
    form.geography.choices = choices([(0, _("Any area"))] + [
        (geo.id, geo.name) for geo in db.session.scalars(select(Geography).order_by(Geography.name))])
    return form


def _back_filters() -> dict:
    """The filters a review form carried back (its ``back`` field holds the query string)."""
    back = request.form.get("back", "")
    args = dict(pair.split("=", 1) for pair in back.split("&") if "=" in pair)
    allowed = {"code", "min", "max", "language", "channel", "geography", "order"}
    return {name: unquote_plus(value) for name, value in args.items() if name in allowed and value}


def _back_to_review(**values):
    """The queue again, with the filters the form carried back."""
    return redirect(url_for("coding.review", **values, **_back_filters()))


@bp.route("/review")
@roles_required(*STAFF)
def review():
    filters = _filters()
    skipped = session.get(SKIPPED, [])
    item = None
    if request.args.get("item", "").isdigit():
        item = db.session.get(VoiceItem, int(request.args["item"]))
    if item is None:
        item = review_queue.next_item(filters, skipped)
    machine, extra = review_queue.item_tags(item, _locale()) if item else ([], [])
    add_form = AddCodeForm()
    add_form.code.choices = _code_choices()
    return render_template(
        "coding/review.html", item=item, machine=machine, extra=extra,
        current=next((tag for tag in machine if tag.decision is None), None),
        parts=review_queue.evidence_parts(item, machine) if item else [],
        waiting=review_queue.count_to_review(filters, skipped), filter_form=_filter_form(), add_form=add_form,
        form=FlaskForm(), back=urlencode(filters.as_args()), skipped=len(skipped), filters=filters.as_args())


def _record_decision(item_id: int, decision: tuple[int, bool] | None, refusal: str):
    """Record (code id, applies) on the item, or flash ``refusal`` when the form said neither."""
    item = db.get_or_404(VoiceItem, item_id)
    if decision is None:
        flash(refusal, "error")
    else:
        with problems_flashed():
            review_queue.decide(item, db.get_or_404(Code, decision[0]), decision[1], actor=current_user)
    return _back_to_review(item=item.id)


@bp.route("/review/<int:item_id>/decide", methods=["POST"])
@roles_required(*STAFF)
def decide(item_id: int):
    form = DecisionForm()
    chosen = form.validate_on_submit() and form.code.data.isdigit() and form.decision.data in ("accept", "reject")
    return _record_decision(item_id, (int(form.code.data), form.decision.data == "accept") if chosen else None,
                            _("Choose a code to accept or reject."))


@bp.route("/review/<int:item_id>/add", methods=["POST"])
@roles_required(*STAFF)
def add_code(item_id: int):
    form = AddCodeForm()
    form.code.choices = _code_choices()
    return _record_decision(item_id, (form.code.data, True) if form.validate_on_submit() else None,
                            _("Choose a code to add."))


@bp.route("/review/<int:item_id>/next", methods=["POST"])
@roles_required(*STAFF)
def next_item(item_id: int):
    item = db.get_or_404(VoiceItem, item_id)
    if FlaskForm().validate_on_submit() and not any(tag.source == "human" for tag in item.tags):
        session[SKIPPED] = review_queue.drop_stale_skips([*session.get(SKIPPED, []), item.id])
    return _back_to_review()


# ------------------------------------------------------------------------------ emerging themes

@bp.route("/themes")
@roles_required(*STAFF)
def themes():
    return render_template("coding/themes.html", suggestions=emerging.emerging_themes(), form=AdoptThemeForm(),
                           language_name=language_name)


@bp.route("/themes/adopt", methods=["POST"])
@roles_required(*STAFF)
def adopt_theme():
    form = AdoptThemeForm()
    if not form.validate_on_submit():
        flash(_("This suggestion could not be read; reload the page and try again."), "error")
        return redirect(url_for("coding.themes"))
    with problems_flashed():
        code = emerging.adopt_theme(form.language.data, keywords.split_keywords(form.keywords.data),
                                    actor=current_user)
        flash(_("New code %(code)s made from the suggestion. Give it labels in every language.",
                code=_label(code)), "success")
        return redirect(url_for("coding.edit_code", code_id=code.id))
    return redirect(url_for("coding.themes"))


# ------------------------------------------------------------------------------ double coding

@bp.route("/rounds", methods=["GET", "POST"])
@roles_required(*STAFF)
def rounds():
    form = RoundForm()
    coders = [user for user in User.ordered() if user.role in STAFF and user.active]
    form.coders.choices = choices((user.id, user.display_name) for user in coders)
    if form.validate_on_submit():
        chosen = [user for user in coders if user.id in form.coders.data]
        with problems_flashed():
            round_ = double_coding.start_round(form.name.data.strip(), form.size.data, chosen, actor=current_user)
            flash(_("Round started: each coder codes the same %(count)s items without seeing the others.",
                    count=len(round_.item_ids())), "success")
            return redirect(url_for("coding.round_detail", round_id=round_.id))
    return render_template("coding/rounds.html", form=form, rounds=CodingRound.ordered())


@bp.route("/rounds/<int:round_id>")
@roles_required(*STAFF)
def round_detail(round_id: int):
    round_ = db.get_or_404(CodingRound, round_id)
    return render_template("coding/round.html", round=round_, result=double_coding.agreement(round_),
                           codes={code.key: code for code in db.session.scalars(select(Code))}, label=_label,
                           settle_form=SettleForm(), mine=double_coding.next_assignment(round_, current_user))


def _own_assignment(form: BlindCodingForm, round_: CodingRound) -> CodingAssignment:
    """The assignment the form names, only if it is the signed-in coder's in this round."""
    assignment = db.session.get(CodingAssignment, int(form.assignment.data)) \
        if form.assignment.data.isdigit() else None
    if assignment is None or assignment.coder_id != current_user.id or assignment.round_id != round_.id:
        abort(404)
    return assignment


@bp.route("/rounds/<int:round_id>/code", methods=["GET", "POST"])
@roles_required(*STAFF)
def code_round(round_id: int):
    round_ = db.get_or_404(CodingRound, round_id)
    form = BlindCodingForm()
    form.codes.choices = choices((code.key, _label(code)) for code, _depth in codes.code_tree())
    if form.validate_on_submit():
        double_coding.save_assignment(_own_assignment(form, round_), form.codes.data or [], actor=current_user)
        return redirect(url_for("coding.code_round", round_id=round_.id))
    assignment = double_coding.next_assignment(round_, current_user)
    if assignment is None:
        flash(_("You have coded every item of this round assigned to you."), "info")
        return redirect(url_for("coding.round_detail", round_id=round_.id))
    done, total = double_coding.progress_of(round_, current_user)
    form.assignment.data = str(assignment.id)
    form.codes.data = []
    return render_template("coding/code_round.html", round=round_, assignment=assignment, form=form,
                           done=done, total=total)


@bp.route("/rounds/<int:round_id>/settle", methods=["POST"])
@roles_required(*STAFF)
def settle(round_id: int):
    round_ = db.get_or_404(CodingRound, round_id)
    form = SettleForm()
    if form.validate_on_submit() and form.item.data.isdigit() and int(form.item.data) in round_.item_ids():
        item = db.session.get(VoiceItem, int(form.item.data))
        double_coding.settle(round_, item, form.codes.data or [], actor=current_user)
        flash(_("Settled: the final tags are stored as people's tags."), "success")
    else:
        flash(_("Choose an item of this round to settle."), "error")
    return redirect(url_for("coding.round_detail", round_id=round_.id))


# ------------------------------------------------------------------------------ model health

@bp.route("/model")
@roles_required(*STAFF)
def model_health():
    ensure_codebook()
    model, rows, coded = health.model_health(_locale())
    return render_template("coding/model.html", model=model, rows=rows, coded=coded, stale=count_stale_items(),
                           overview=nlp_overview(), form=FlaskForm(), needs=health.NEEDS_EXAMPLES)
