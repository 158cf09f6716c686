"""What a canvasser's tablet keeps for a day offline: their turf and their surveys.

The bundle is plain JSON: the turfs assigned to the canvasser with their doors and the last
visit at each (outcome, and when to come back), and every published survey of those turfs'
campaigns with its frozen definition, its pages (split by the same ``definition.pages`` the
online survey uses), the resident-facing messages in each of the survey's languages, and the
addresses of the media files its labels and choices show (the tablet caches them).
Each question comes drawn, per language, by the macro the online survey draws it with
(``macros/question.html``, geography choices included): one renderer for both, and the
tablet only fills in answers, hides what is not relevant and shows what needs checking.
"""
from __future__ import annotations

from typing import Any

from flask import current_app, get_template_attribute, url_for
from flask_babel import force_locale, gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..i18n import LocaleInfo
from ..models import Survey, Turf, User, Visit
from ..models.base import as_utc, utcnow
from ..intake import flow


def resident_messages() -> dict[str, str]:
    """What the interview screens say, in the current locale (called per survey language)."""
    return {
        "next": _("Next"), "back": _("Back"), "finish": _("Finish the interview"),
        **{code: str(text) for code, text in flow.MESSAGES.items()},  # flow.js names a problem by its code
        "page_of": _("Page %(page)s of %(pages)s", page="{page}", pages="{pages}"),
        "check": _("Please check the answers marked below."),
        "consent_agree": _("The resident agrees"),
        "consent_decline": _("The resident does not agree"),
        # A repeat's instance heading and buttons, worded as the online survey's.
        "instance": _("%(name)s: number %(number)s", name="{name}", number="{number}"),
        "add_instance": _("Add one more: %(name)s", name="{name}"),
        "remove_instance": _("Remove the last: %(name)s", name="{name}"),
    }


def _direction(language: str) -> str:
    try:
        return LocaleInfo.of(language).dir
    except (ValueError, TypeError):
        return "ltr"


def _ui_locale(language: str) -> str:
    return language if language in current_app.config["LANGUAGES"] else "en"


def _messages(language: str) -> dict[str, str]:
    with force_locale(_ui_locale(language)):
        return resident_messages()


def _questions(form: flow.Form, language: str) -> dict[str, str]:
    """Every question's markup in one language, drawn as the online survey draws it."""
    draw = get_template_attribute("macros/question.html", "question_block")
    drawn = {}
    with force_locale(_ui_locale(language)):
        for page in form.pages:
            for entry in flow.page_entries(form, page, language, shown={}, earlier={}, every_choice=True):
                drawn[entry["question"].name] = str(draw(entry, placeholders=True)).strip()
    return drawn


def survey_bundle(survey: Survey) -> dict[str, Any]:
    form = flow.Form.of(survey)
    definition = form.definition
    return {
        "slug": survey.slug, "campaign_id": survey.campaign_id, "version": form.version.id,
        "title": definition.title, "default_language": definition.default_language,
        "languages": definition.languages, "definition": form.version.definition,
        "pages": flow.page_outline(form),
        "directions": {language: _direction(language) for language in definition.languages},
        "messages": {language: _messages(language) for language in definition.languages},
        "questions": {language: _questions(form, language) for language in definition.languages},
        "consent_question": form.consent_question.name if form.consent_question else None,
        # The images, sounds and videos its labels show: the tablet keeps them for offline use.
        "media": [url_for("resident.media", survey=survey.slug, sha256=sha256, name=name)
                  for name, sha256 in sorted(definition.attachments.items())],
    }


def canvasser_bundle(user: User, locale: str) -> dict[str, Any]:
    turfs = list(db.session.scalars(select(Turf).where(Turf.canvasser_id == user.id).order_by(Turf.name)))
    campaign_ids = sorted({turf.campaign_id for turf in turfs})
    surveys = list(db.session.scalars(select(Survey).where(Survey.campaign_id.in_(campaign_ids))
                                      .order_by(Survey.slug))) if campaign_ids else []
    latest = _latest_visits([turf.id for turf in turfs])
    return {
        "generated_at": utcnow().isoformat(),
        "canvasser": {"id": user.id, "email": user.email, "name": user.display_name},
        "turfs": [{"id": turf.id, "name": turf.name, "campaign_id": turf.campaign_id,
                   "campaign": turf.campaign.name, "time_zone": turf.campaign.time_zone,
                   "geography": turf.geography.name_in(locale) if turf.geography else "",
                   "doors": [{**door, **_last_visit(latest.get((turf.id, door["id"])))} for door in turf.doors]}
                  for turf in turfs],
        "surveys": [survey_bundle(survey) for survey in surveys if survey.current_version is not None],
    }


def _last_visit(visit: Visit | None) -> dict[str, Any]:
    return {"last_outcome": visit.outcome if visit else None,
            "come_back_at": as_utc(visit.come_back_at).isoformat() if visit and visit.come_back_at else None}


def _latest_visits(turf_ids: list[int]) -> dict[tuple[int, str], Visit]:
    """The last visit (by server receipt) at each door."""
    if not turf_ids:
        return {}
    last = (select(Visit.turf_id, Visit.door_id, func.max(Visit.id).label("last_id"))
            .where(Visit.turf_id.in_(turf_ids)).group_by(Visit.turf_id, Visit.door_id).subquery())
    visits = db.session.scalars(select(Visit).join(last, Visit.id == last.c.last_id))
    return {(visit.turf_id, visit.door_id): visit for visit in visits}
