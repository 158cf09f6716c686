"""The canvasser's offline tablet app, its sync API, and the turf and coverage pages.

The sync API (POST /canvass/api/visits and /canvass/api/responses) takes JSON from the
signed-in canvasser's session, with Flask-WTF's CSRF token in the ``X-CSRFToken`` header:
the app fetches a fresh token from /canvass/api/session before each sync, since a token
cached for a day offline would have expired.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import (Blueprint, Response as FlaskResponse, abort, current_app, flash, jsonify, redirect,
                   render_template, request, url_for)
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from ..extensions import db
from ..json_body import request_json
from ..models import DOOR_OUTCOMES, AuditEvent, Campaign, Turf, User
from ..problems import Invalid, Problem
from ..security import public, roles_required
from . import queue, records
from . import turfs as turf_operations
from .bundle import canvasser_bundle
from .coverage import UNDER_HEARD, campaign_coverage
from .forms import AssignTurfForm, QueueImportForm, TurfImportForm

bp = Blueprint("canvass", __name__, url_prefix="/canvass")

STAFF = ("admin", "analyst")
STATIC = Path(__file__).resolve().parent.parent / "static"
# What the service worker keeps for a day without signal (besides the bundle).
SHELL_ASSETS = ("css/voice.css", "js/expressions.js", "js/flow.js", "js/position.js",
                "js/canvass/store.js", "js/canvass/app.js", "img/canvass-icon.svg")


# --- The tablet app -------------------------------------------------------------------------


@bp.route("/")
@roles_required("canvasser")
def app():
    return render_template("canvass/app.html", strings=_app_strings())


def _app_strings() -> dict[str, str]:
    return {
        "waiting": _("Waiting to send: {count}"), "last_sync": _("Last sync: {when}"),
        "never": _("never"), "offline": _("Offline: records are kept on this tablet."),
        "online": _("Online"), "syncing": _("Sending…"),
        "sync_failed": _("Could not reach the server; trying again in {seconds} s."),
        "signed_out": _("Your sign-in has ended. Sign in again to send; nothing is lost."),
        "conflicts": _("Refused by the server (kept here for your supervisor): {count}"),
        "no_bundle": _("Connect to the internet once to download your turf and surveys."),
        "no_turf": _("No turf is assigned to you yet."),
        "doors": _("{count} doors"),
        "record_outcome": _("Record the visit"), "start_interview": _("Start an interview"),
        "resume_interview": _("Resume the interview"),
        "come_back_at": _("Come back at"), "come_back_when": _("Come back: {when}"), "note": _("Note (optional)"),
        "choose_language": _("In which language will the resident answer?"),
        "consent_title": _("Read this aloud to the resident"),
        "consent_default": _("We are listening to residents about growing up here. Your answers are anonymous "
                             "and you may stop at any time. Do you agree to answer?"),
        "done": _("Interview finished. It will be sent when there is signal."),
        "declined": _("The resident did not agree. Nothing was recorded but a refused visit."),
        "back_to_doors": _("Back to the doors"), "sync_now": _("Send now"),
        "export": _("Export the queue"),
        "sign_out_held": _("Records not sent: {count}. Unfinished interviews: {drafts}. Signing out clears this "
                           "tablet, so first send or export the records and finish or cancel the interviews."),
        "cancel": _("Cancel the interview"), "cancel_confirm": _("Discard this interview's answers?"),
        "come_back_needed": _("Choose when to come back."),
        "outcome_completed": _("Completed"), "outcome_not_home": _("Not home"), "outcome_refused": _("Refused"),
        "outcome_come_back": _("Come back later"), "outcome_moved": _("Moved"), "outcome_unsafe": _("Unsafe"),
        "saving": _("Saving…"), "saved": _("Saved on this tablet"),
        "save_failed": _("This answer could not be saved on the tablet. Give it again."),
        "kind_visit": _("Visit"), "kind_response": _("Interview"), "in_progress": _("Interviews in progress"),
    }


@bp.route("/manifest.webmanifest")
@public
def manifest():
    # Public: browsers fetch manifests without cookies. It holds nothing but names and icons.
    data = {"name": _("Community Voice: canvass"), "short_name": _("Canvass"), "lang": str(get_locale()),
            "start_url": url_for("canvass.app"), "scope": url_for("canvass.app"), "display": "standalone",
            "background_color": "#ffffff", "theme_color": "#1d5c8c",
            "icons": [{"src": url_for("static", filename="img/canvass-icon.svg"), "sizes": "any",
                       "type": "image/svg+xml", "purpose": "any"},
                      *({"src": url_for("static", filename=f"img/canvass-icon-{size}.png"), "sizes": f"{size}x{size}",
                         "type": "image/png", "purpose": "any"} for size in (192, 512))]}
    response = jsonify(data)
    response.mimetype = "application/manifest+json"
    return response


@bp.route("/sw.js")
@public
def service_worker():
    """The service worker, served from /canvass/ so that its scope is the app.

    The asset list and a version (a digest of those assets) are written into it, so a
    changed asset makes a new worker that refreshes the cache.
    """
    assets = [url_for("static", filename=name) for name in SHELL_ASSETS]
    digest = hashlib.sha256()
    for name in SHELL_ASSETS + ("js/canvass/sw.js",):
        digest.update((STATIC / name).read_bytes())
    digest.update((Path(current_app.template_folder) / "canvass" / "app.html").read_bytes())
    source = (STATIC / "js" / "canvass" / "sw.js").read_text(encoding="utf-8")
    source = (source.replace("__VERSION__", digest.hexdigest()[:16])
              .replace('"__ASSETS__"', ", ".join(f'"{url}"' for url in assets))
              .replace("__APP__", url_for("canvass.app")).replace("__BUNDLE__", url_for("canvass.bundle")))
    response = FlaskResponse(source, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = url_for("canvass.app")
    return response


@bp.route("/api/bundle")
@roles_required("canvasser")
def bundle():
    response = jsonify(canvasser_bundle(current_user, str(get_locale())))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/api/session")
@roles_required("canvasser")
def session_token():
    response = jsonify({"csrf_token": generate_csrf(), "canvasser": current_user.id})
    response.headers["Cache-Control"] = "no-store"
    return response


def _problems(refused: Invalid) -> dict:
    problems = [{"field": p.field, "message": p.translated()} for p in refused.problems]
    return {"error": problems[0]["message"] if len(problems) == 1 else _("The record was refused: nothing is stored."),
            "problems": problems}


def _sync(check, store):
    if not request.is_json:
        return jsonify({"error": _("Send the record as JSON."), "problems": []}), 422
    try:
        outcome = store(check(request_json(malformed_status=422), current_user), current_user)
    except Invalid as refused:
        return jsonify(_problems(refused)), refused.status
    except records.Conflict as conflict:
        known = {"id": conflict.record_id} if conflict.record_id is not None else {}
        return jsonify({"error": _("Another record with this identifier is already stored. Nothing was changed."),
                        "status": "conflict", **known}), 409
    return jsonify({"id": outcome.record_id, "uuid": str(outcome.uuid),
                    "status": "created" if outcome.created else "replayed"}), 201 if outcome.created else 200


@bp.route("/api/visits", methods=["POST"])
@roles_required("canvasser")
def api_visits():
    return _sync(records.check_visit, records.store_visit)


@bp.route("/api/responses", methods=["POST"])
@roles_required("canvasser")
def api_responses():
    return _sync(records.check_response, records.store_canvass_response)


# --- Analysts: turf, queue files, coverage --------------------------------------------------


def _canvasser_choices() -> list[tuple[int, str]]:
    canvassers = db.session.scalars(select(User).where(User.role == "canvasser", User.active)
                                    .order_by(User.display_name))
    return [(0, _("Nobody yet"))] + [(user.id, f"{user.display_name} ({user.email})") for user in canvassers]


@bp.route("/turfs", methods=["GET", "POST"])
@roles_required(*STAFF)
def turfs():
    form = TurfImportForm()
    form.campaign.choices = [(campaign.id, campaign.name) for campaign in Campaign.ordered()]
    form.canvasser.choices = _canvasser_choices()
    report = None
    if form.validate_on_submit():
        campaign = db.session.get(Campaign, form.campaign.data) or abort(404)
        canvasser = db.session.get(User, form.canvasser.data) if form.canvasser.data else None
        result = turf_operations.import_turfs(campaign, form.upload.data.read(), name=form.name.data.strip(),
                                         canvasser=canvasser, actor=current_user)
        if not result.problems:
            flash(_("%(doors)d doors imported into %(turfs)d turfs.", doors=result.doors, turfs=len(result.turfs)),
                  "success")
            return redirect(url_for("canvass.turfs"))
        report = [problem.located() for problem in result.problems]
    rows = list(db.session.scalars(select(Turf).order_by(Turf.campaign_id, Turf.name)))
    assign_forms = {}
    for turf in rows:
        assign = AssignTurfForm(prefix=f"turf-{turf.id}", canvasser=turf.canvasser_id or 0)
        assign.canvasser.choices = form.canvasser.choices
        assign_forms[turf.id] = assign
    return render_template("canvass/turfs.html", form=form, report=report, turfs=rows, assign_forms=assign_forms), \
        (422 if report else 200)


@bp.route("/turfs/<int:turf_id>/assign", methods=["POST"])
@roles_required(*STAFF)
def assign(turf_id: int):
    turf = db.session.get(Turf, turf_id) or abort(404)
    form = AssignTurfForm(prefix=f"turf-{turf.id}")
    form.canvasser.choices = _canvasser_choices()
    if not form.validate_on_submit():
        flash(_("Nothing was changed: the form was incomplete."), "error")
        return redirect(url_for("canvass.turfs"))
    canvasser = db.session.get(User, form.canvasser.data) if form.canvasser.data else None
    turf_operations.assign_turf(turf, canvasser, actor=current_user)
    flash(_("Turf “%(name)s” assigned.", name=turf.name), "success")
    return redirect(url_for("canvass.turfs"))


@bp.route("/import-queue", methods=["GET", "POST"])
@roles_required(*STAFF)
def import_queue():
    form = QueueImportForm()
    result = None
    if form.validate_on_submit():
        result = queue.import_queue(form.upload.data.read(), actor=current_user)
        if not result.problems:
            flash(_("%(created)d records stored, %(replayed)d already stored, %(conflicts)d refused as conflicts.",
                    created=result.created, replayed=result.replayed, conflicts=len(result.conflicts)),
                  "success" if not result.conflicts else "error")
    problems = [_record_line(problem) for problem in result.problems] if result else []
    conflicts = [problem.translated() for problem in result.conflicts] if result else []
    return render_template("canvass/import_queue.html", form=form, problems=problems, conflicts=conflicts), \
        (422 if problems else 200)


def _record_line(problem: Problem) -> str:
    """Queue-file problems are numbered by record, not by line."""
    message = problem.translated()
    return _("Record %(number)d: %(message)s", number=problem.line, message=message) if problem.line else message


@bp.route("/coverage")
@roles_required(*STAFF)
def coverage():
    campaigns = Campaign.ordered()
    chosen = request.args.get("campaign")
    campaign = next((c for c in campaigns if c.slug == chosen), campaigns[0] if campaigns else None)
    report = campaign_coverage(campaign) if campaign else None
    conflicts = list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.in_(("response.replay_conflict", "visit.replay_conflict")))
        .order_by(AuditEvent.at.desc()).limit(20)))
    return render_template("canvass/coverage.html", campaigns=campaigns, campaign=campaign, report=report,
                           conflicts=conflicts, threshold=UNDER_HEARD, locale=str(get_locale()),
                           outcomes=DOOR_OUTCOMES, outcome_names=outcome_names(),
                           place_name=lambda place: place.name_in(str(get_locale())))


def outcome_names() -> dict[str, str]:
    return {"completed": _("Completed"), "not_home": _("Not home"), "refused": _("Refused"),
            "come_back": _("Come back later"), "moved": _("Moved"), "unsafe": _("Unsafe")}
