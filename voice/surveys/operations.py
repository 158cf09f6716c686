"""Survey authoring: create, edit the draft, publish versions, import and export XLSForms.

Plain functions; each owns its commit and records an AuditEvent in the same transaction.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


from ..extensions import db
from ..intake.definition import (Problem, SurveyDefinition, definition_hash, missing_translations,
                                 validate_definition)
from ..models import AuditEvent, Campaign, Survey, SurveyVersion, User
from . import drafts
from .xlsform import export_xlsform, import_xlsform


class SlugTaken(Exception):
    pass


@dataclass
class PublishBlocked(Exception):
    problems: list[Problem]
    missing: list[tuple[str, str, str]]  # (path, field, language)


def slug_taken(slug: str, survey: Survey | None = None) -> bool:
    other = Survey.by_slug(slug)
    return other is not None and other is not survey


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:80] or "survey"


def create_survey(campaign: Campaign, *, slug: str, title: dict[str, str], languages: list[str],
                  actor: User | None, definition: dict | None = None, source: str = "editor") -> Survey:
    if slug_taken(slug):
        raise SlugTaken(slug)
    draft = definition or drafts.new_definition(slug, title, languages)
    survey = Survey(campaign=campaign, slug=slug, title=dict(draft.get("title") or title), draft=draft)
    db.session.add(survey)
    db.session.flush()
    AuditEvent.record("survey.create", survey, actor=actor, source=source, slug=slug)
    db.session.commit()
    return survey


def save_draft(survey: Survey, draft: dict, *, actor: User | None, action: str, **details) -> Survey:
    """Replace the working copy (a new dict, so the JSON column sees the change)."""
    survey.draft = draft
    survey.title = dict(draft.get("title") or {})
    AuditEvent.record(f"survey.{action}", survey, actor=actor, **details)
    db.session.commit()
    return survey


def draft_definition(survey: Survey) -> SurveyDefinition:
    return SurveyDefinition.from_dict(survey.draft)


def publication_problems(survey: Survey) -> PublishBlocked:
    definition = draft_definition(survey)
    return PublishBlocked(validate_definition(definition), missing_translations(definition))


def publish(survey: Survey, *, actor: User | None) -> SurveyVersion | None:
    """Freeze the draft as a new version and open the survey; None when nothing changed."""
    blocked = publication_problems(survey)
    if blocked.problems or blocked.missing:
        raise blocked
    definition = draft_definition(survey)
    current = survey.current_version
    if current is not None and definition_hash(SurveyDefinition.from_dict(current.definition)) == \
            definition_hash(definition):
        if not survey.is_open:
            survey.is_open = True
            AuditEvent.record("survey.open", survey, actor=actor)
            db.session.commit()
        return None
    number = (current.number if current else 0) + 1
    version = SurveyVersion(survey=survey, number=number, definition=definition.to_dict(),
                            published_by_id=getattr(actor, "id", None))
    survey.is_open = True
    db.session.add(version)
    db.session.flush()
    AuditEvent.record("survey.publish", version, actor=actor, survey_id=survey.id, number=number)
    db.session.commit()
    return version


def set_open(survey: Survey, is_open: bool, *, actor: User | None) -> None:
    survey.is_open = is_open and survey.current_version is not None
    AuditEvent.record("survey.open" if survey.is_open else "survey.close", survey, actor=actor)
    db.session.commit()


def import_survey(campaign: Campaign, content: bytes, *, slug: str | None, actor: User | None,
                  filename: str = "", publish_now: bool = False) -> Survey:
    """Import an XLSForm as a new survey (Invalid or SlugTaken: nothing is stored)."""
    fallback = (campaign.languages or ["en"])[0]
    definition = import_xlsform(content, fallback_language=fallback)
    slug = slug or slugify(definition.form_id)
    if slug_taken(slug):
        raise SlugTaken(slug)
    survey = Survey(campaign=campaign, slug=slug, title=dict(definition.title), draft=definition.to_dict())
    db.session.add(survey)
    db.session.flush()
    AuditEvent.record("survey.import", survey, actor=actor, filename=filename, slug=slug,
                      form_id=definition.form_id)
    db.session.commit()
    if publish_now:
        publish(survey, actor=actor)
    return survey


def export_survey(survey: Survey, *, published: bool = False) -> bytes:
    """The draft (or the newest published version) as an XLSForm workbook."""
    data = survey.current_version.definition if published and survey.current_version else survey.draft
    return export_xlsform(SurveyDefinition.from_dict(data))
