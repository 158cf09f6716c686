from __future__ import annotations

from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_babel import get_locale, gettext as _
from flask_login import current_user

from ..extensions import db
from ..i18n import language_choices
from ..models import Campaign, Code, Comment, ListeningSession, VoiceItem
from ..labels import session_kind_choices
from ..models.base import labels_in, utcnow
from ..nlp_adapter import redaction_preview
from ..security import roles_required
from ..timezones import local, to_utc
from . import operations
from .forms import (CommentForm, ImportForm, ReviewForm, SessionFilterForm, SessionForm, TagForm, key_label,
                    read_tallies, review_items, value_label)
from .parsing import comment_problems, parse_notes, split_role_prefix

bp = Blueprint("sessions", __name__, url_prefix="/sessions")

# Raw comments are personal data: committee members read redacted summaries elsewhere.
RECORDERS = operations.FACILITATING_ROLES
STAFF = ("admin", "analyst")


def _load(session_id: int) -> ListeningSession:
    """The session, if this user may see it (a facilitator's own; any for analysts and admins)."""
    session = db.session.get(ListeningSession, session_id)
    if session is None or not session.visible_to(current_user):
        abort(404)
    return session


def _messages(problems) -> list[str]:
    return [problem.located() for problem in problems]


def _roles(campaign: Campaign) -> dict[str, list[str]]:
    """Role values and the words that name them in this language (for "Parent:" prefixes)."""
    return {value: [str(value_label(value))] for value in operations.group_values(campaign, "role")}


def _languages(session: ListeningSession) -> list[str]:
    return list(dict.fromkeys([*(session.languages or []), *(session.campaign.languages or [])]))


# --- List -----------------------------------------------------------------------------------


@bp.route("/")
@roles_required(*RECORDERS)
def index():
    form = SessionFilterForm(request.args)
    everyone = _("Any")
    form.kind.choices = [("", everyone), *session_kind_choices()]
    form.language.choices = language_choices(current_app.config["LANGUAGES"], blank=everyone)
    geographies = {g.id: g for campaign in Campaign.ordered() for g in operations.campaign_geographies(campaign)}
    locale = str(get_locale())
    form.geography.choices = [("", everyone), *((str(g.id), g.name_in(locale)) for g in geographies.values())]
    form.facilitator.choices = [("", everyone), *((str(u.id), u.display_name) for u in operations.facilitators())]
    form.validate()
    sessions = ListeningSession.search(
        current_user, kind=form.kind.data or None, language=form.language.data or None,
        geography_id=_int(form.geography.data), held_from=form.held_from.data, held_to=form.held_to.data,
        facilitator_id=_int(form.facilitator.data) if current_user.role in STAFF else None)
    counts = ListeningSession.comment_counts([s.id for s in sessions])
    return render_template("sessions/index.html", form=form, sessions=sessions, counts=counts,
                           kinds=dict(session_kind_choices()), show_facilitator=current_user.role in STAFF)


def _int(value) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


# --- Create and edit ------------------------------------------------------------------------


def _session_form(campaign: Campaign, session: ListeningSession | None) -> tuple[SessionForm, dict]:
    form = SessionForm(obj=session)
    form.kind.choices = session_kind_choices()
    form.languages.choices = language_choices(
        list(dict.fromkeys([*(campaign.languages or []), *((session.languages or []) if session else [])])))
    form.geography.choices = [("", _("Not recorded")),
                              *((str(g.id), g.name_in(str(get_locale())))
                                for g in operations.campaign_geographies(campaign))]
    form.facilitator.choices = [(str(u.id), u.display_name) for u in operations.facilitators()]
    form.held_time.description = _("In the campaign's time zone, %(zone)s.", zone=campaign.time_zone)
    if not form.is_submitted():
        if session is None:
            now = local(utcnow(), campaign.time_zone)
            form.held_on.data, form.held_time.data = now.date(), now.time().replace(second=0, microsecond=0)
            form.languages.data = list(campaign.languages[:1])
            form.facilitator.data = str(current_user.id)
        else:
            held = local(session.held_at, campaign.time_zone)
            form.held_on.data, form.held_time.data = held.date(), held.time()
            form.geography.data = str(session.geography_id or "")
            form.facilitator.data = str(session.facilitator_id or "")
            for entry, priority in zip(form.priorities.entries, session.priorities or []):
                entry.form.text.data, entry.form.votes.data = priority.get("text"), priority.get("votes")
                entry.form.codes.data = ", ".join(priority.get("codes", []))
            for _extra in range(len(session.priorities or []) - len(form.priorities.entries) + 1):
                form.priorities.append_entry()
    keys = list(dict.fromkeys([*(campaign.group_keys or []), *((session.tallies or {}) if session else {})]))
    tally_values = {key: operations.group_values(campaign, key) for key in keys}
    return form, tally_values


def _save(campaign: Campaign, session: ListeningSession | None):
    form, tally_values = _session_form(campaign, session)
    tallies = (session.tallies or {}) if session else {}
    tally_errors: dict[str, str] = {}
    if form.is_submitted():
        tallies, bad = read_tallies(request.form, tally_values)
        for key in bad:
            tally_errors[key] = _("Counts must be whole numbers, written as “value: count”.")
    if form.validate_on_submit() and not tally_errors:
        known_codes = {code.key for code in Code.active()}
        priorities, unknown = [], []
        for entry in form.priorities.entries:
            if (entry.form.text.data or "").strip():
                codes = entry.form.code_list()
                unknown += [code for code in codes if code not in known_codes]
                priorities.append({"text": entry.form.text.data.strip(), "votes": entry.form.votes.data or 0,
                                   "codes": codes})
        facilitator_id = _int(form.facilitator.data) if current_user.role in STAFF else (
            session.facilitator_id if session else current_user.id)
        if unknown:
            form.priorities.errors.append(_("These codes are not in the codebook: %(codes)s.",
                                            codes=", ".join(unknown)))
        else:
            try:
                saved = operations.save_session(
                    session, campaign=campaign, kind=form.kind.data, title=form.title.data.strip(),
                    held_at=to_utc(form.held_on.data, form.held_time.data, campaign.time_zone),
                    place=form.place.data, geography_id=_int(form.geography.data),
                    languages=form.languages.data, facilitator_id=facilitator_id,
                    partner_organisation=form.partner_organisation.data, attendance=form.attendance.data,
                    tallies=tallies, priorities=sorted(priorities, key=lambda p: -p["votes"]), actor=current_user)
            except operations.TalliesDoNotAddUp as exc:
                for key, total in exc.problems:
                    tally_errors[key] = _("These counts add up to %(total)s, but the attendance is %(attendance)s.",
                                          total=total, attendance=form.attendance.data or 0)
            else:
                flash(_("Session “%(title)s” saved.", title=saved.title), "success")
                return redirect(url_for("sessions.detail", session_id=saved.id))
    return render_template("sessions/form.html", form=form, session=session, campaign=campaign,
                           tally_values=tally_values, tallies=tallies, tally_errors=tally_errors,
                           key_label=key_label, value_label=value_label,
                           choose_facilitator=current_user.role in STAFF)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*RECORDERS)
def create():
    campaigns = Campaign.ordered()
    slug = request.args.get("campaign")
    if slug:
        return _save(Campaign.by_slug(slug) or abort(404), None)
    if len(campaigns) == 1:
        return redirect(url_for("sessions.create", campaign=campaigns[0].slug))
    return render_template("sessions/choose_campaign.html", campaigns=campaigns)


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@roles_required(*RECORDERS)
def edit(session_id: int):
    session = _load(session_id)
    return _save(session.campaign, session)


# --- The session page and quick comment entry -----------------------------------------------


def _comment_form(session: ListeningSession, formdata=None) -> CommentForm:
    form = CommentForm(formdata) if formdata is not None else CommentForm()
    form.speaker_role.choices = [("", _("Not given")),
                                 *((value, value_label(value)) for value in _roles(session.campaign))]
    form.language.choices = language_choices(_languages(session))
    if formdata is None:
        form.language.data = request.args.get("language") or (session.languages or [None])[0]
    return form


def _tag_form() -> TagForm:
    form = TagForm()
    locale = str(get_locale())
    form.code.choices = [(str(code.id), labels_in(code.labels, locale) or code.key) for code in Code.active()]
    return form


def _render_detail(session: ListeningSession, comment_form: CommentForm, status: int = 200):
    items = operations.items_by_comment(session)
    tags = {comment.id: operations.shown_tags(items.get(comment.id)) for comment in session.comments}
    previews = {comment.id: redaction_preview(comment.text, comment.language)
                for comment in session.comments}
    return render_template("sessions/detail.html", session=session, form=comment_form, tags=tags,
                           previews=previews, tag_form=_tag_form(), kinds=dict(session_kind_choices()),
                           key_label=key_label, value_label=value_label), status


@bp.route("/<int:session_id>")
@roles_required(*RECORDERS)
def detail(session_id: int):
    session = _load(session_id)
    return _render_detail(session, _comment_form(session))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.route("/<int:session_id>/comments", methods=["POST"])
@roles_required(*RECORDERS)
def add_comment(session_id: int):
    session = _load(session_id)
    form = _comment_form(session, request.form)
    if form.validate_on_submit():
        role, text = form.speaker_role.data or None, form.text.data
        if role is None:
            role, text = split_role_prefix(text, _roles(session.campaign))
        comment = operations.add_comment(session, text=text, speaker_role=role, language=form.language.data,
                                         actor=current_user)
        message = _("Comment %(number)s saved.", number=len(session.comments))
        if _wants_json():
            item_tags = {comment.id: operations.shown_tags(operations.items_by_comment(session).get(comment.id))}
            previews = {comment.id: redaction_preview(comment.text, comment.language)}
            html = render_template("sessions/_comment.html", comment=comment, session=session, tags=item_tags,
                                   previews=previews, tag_form=_tag_form(), value_label=value_label)
            return jsonify(id=comment.id, message=message, html=html, count=len(session.comments))
        flash(message, "success")
        # No #fragment: a fragment would stop the browser from focusing the autofocus box.
        return redirect(url_for("sessions.detail", session_id=session.id, language=form.language.data))
    errors = [error for field in form for error in field.errors]
    if _wants_json():
        return jsonify(errors=errors), 400
    return _render_detail(session, form, 400 if form.is_submitted() and request.form.get("text") else 200)


@bp.route("/<int:session_id>/comments/<int:comment_id>/tags", methods=["POST"])
@roles_required(*RECORDERS)
def correct_tag(session_id: int, comment_id: int):
    session = _load(session_id)
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.session_id != session.id:
        abort(404)
    form = _tag_form()
    if form.validate_on_submit():
        item = db.session.scalar(db.select(VoiceItem).where(VoiceItem.source == "comment",
                                                           VoiceItem.source_id == comment.id)) or abort(404)
        code = db.session.get(Code, int(form.code.data)) or abort(404)
        operations.correct_tag(item, code, applies=form.applies.data == "1", actor=current_user)
        flash(_("Tag saved."), "success")
    else:
        flash(_("Choose a code first."), "error")
    return redirect(url_for("sessions.detail", session_id=session.id, _anchor=f"comment-{comment.id}"))


# --- Paste or upload notes, review, save ----------------------------------------------------


@bp.route("/<int:session_id>/import", methods=["GET", "POST"])
@roles_required(*RECORDERS)
def import_notes(session_id: int):
    session = _load(session_id)
    form = ImportForm()
    form.language.choices = language_choices(_languages(session))
    if not form.is_submitted():
        form.language.data = (session.languages or [None])[0]
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.upload.data
        notes = parse_notes(pasted=form.pasted.data or "", data=upload.read() if upload else None,
                            filename=(upload.filename or "") if upload else "", format=form.format.data,
                            roles=_roles(session.campaign), languages=_languages(session))
        if notes.ok:
            for comment in notes.comments:
                comment.language = comment.language or form.language.data
            return _render_review(session, [(comment, True) for comment in notes.comments], notes.format)
        problems = _messages(notes.problems)
    return render_template("sessions/import.html", session=session, form=form, problems=problems), (
        422 if problems else 200)


def _render_review(session: ListeningSession, items, source: str, problems: list[str] | None = None):
    previews = [redaction_preview(comment.text, comment.language) for comment, _keep in items]
    roles = [("", _("Not given")), *((value, value_label(value)) for value in _roles(session.campaign))]
    return render_template("sessions/review.html", session=session, items=items, previews=previews,
                           source=source, roles=roles, languages=language_choices(_languages(session)),
                           form=ReviewForm(), problems=problems or []), (422 if problems else 200)


@bp.route("/<int:session_id>/import/save", methods=["POST"])
@roles_required(*RECORDERS)
def save_import(session_id: int):
    session = _load(session_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    items = review_items(request.form, _int(request.form.get("count")) or 0)
    source = request.form.get("source", "text")[:20]
    kept = [comment for comment, keep in items if keep]
    roles, languages = _roles(session.campaign), _languages(session)
    problems = [problem for comment in kept for problem in comment_problems(comment, roles=roles,
                                                                            languages=languages)]
    if not kept:
        flash(_("Nothing was kept, so nothing was saved."), "error")
        return redirect(url_for("sessions.import_notes", session_id=session.id))
    if problems:
        return _render_review(session, items, source, _messages(problems))
    stored = operations.import_comments(session, kept, actor=current_user, source=source)
    flash(_("%(count)s comments saved.", count=len(stored)), "success")
    return redirect(url_for("sessions.detail", session_id=session.id))

