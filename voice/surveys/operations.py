"""Survey authoring: create, edit the draft, publish versions, import and export XLSForms.

Plain functions; each owns its commit and records an AuditEvent in the same transaction.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass


from ..extensions import db
from ..intake.definition import (Problem, SurveyDefinition, definition_hash, missing_translations,
                                 validate_definition)
from ..models import AuditEvent, Campaign, Survey, SurveyAttachment, SurveyVersion, User
from . import drafts
from .media import MediaFile
from .xlsform import export_attachments, export_xlsform, read_xlsform


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


@dataclass(frozen=True)
class SurveyImport:
    survey: Survey
    left_out: list[Problem]  # rows the survey leaves out, each saying why (contact details)
    new_version: bool  # True when the form updated a survey of the same form_id


def import_survey(campaign: Campaign, content: bytes, *, slug: str | None, actor: User | None,
                  filename: str = "", publish_now: bool = False,
                  attachments: Mapping[str, bytes] | None = None) -> SurveyImport:
    """Import an XLSForm (Invalid or SlugTaken: nothing is stored), with the files that come
    with it (``attachments``, by file name: choice lists, pulldata tables, the media its labels
    and choices show; only those it names are read, and its media are kept with it).

    As ODK Central does, a form whose ``form_id`` a survey of the campaign already has becomes
    that survey's next draft (and version, with ``publish_now``) unless ``slug`` names another
    address; else it is a new survey, at ``slug`` or at an address made from the form id."""
    fallback = (campaign.languages or ["en"])[0]
    read = read_xlsform(content, fallback_language=fallback, filename=filename, attachments=attachments)
    definition = read.definition
    existing = Survey.with_form_id(campaign.id, definition.form_id)
    if existing is not None and slug in (None, "", existing.slug):
        _keep_media(existing, read.media)
        survey = save_draft(existing, definition.to_dict(), actor=actor, action="import", filename=filename,
                            slug=existing.slug, form_id=definition.form_id, new_version=True)
    else:
        survey = _new_survey_from(campaign, definition, slug=slug, actor=actor, filename=filename,
                                  media=read.media)
    if publish_now:
        publish(survey, actor=actor)
    return SurveyImport(survey, read.left_out, new_version=survey is existing)


def _new_survey_from(campaign: Campaign, definition: SurveyDefinition, *, slug: str | None, actor: User | None,
                     filename: str, media: list[MediaFile]) -> Survey:
    if slug and slug_taken(slug):
        raise SlugTaken(slug)
    slug = slug or _free_slug(slugify(definition.form_id))
    survey = Survey(campaign=campaign, slug=slug, title=dict(definition.title), draft=definition.to_dict())
    db.session.add(survey)
    db.session.flush()
    _keep_media(survey, media)
    AuditEvent.record("survey.import", survey, actor=actor, filename=filename, slug=slug,
                      form_id=definition.form_id)
    db.session.commit()
    return survey


def _keep_media(survey: Survey, files: list[MediaFile]) -> None:
    """Store the files a survey's definition names, once per content (the caller commits)."""
    for file in files:
        if SurveyAttachment.of(survey.id, file.sha256) is None:
            db.session.add(SurveyAttachment(survey_id=survey.id, name=file.name, content_type=file.content_type,
                                            sha256=file.sha256, content=file.content))
    db.session.flush()


def _free_slug(wanted: str) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``… when another survey has the address."""
    slug, number = wanted, 1
    while slug_taken(slug):
        number += 1
        slug = f"{wanted[:80 - len(str(number)) - 1]}-{number}"
    return slug


def export_survey(survey: Survey, *, published: bool = False) -> bytes:
    """The draft (or the newest published version) as an XLSForm workbook."""
    return export_xlsform(_exported_definition(survey, published))


def export_survey_files(survey: Survey, *, published: bool = False) -> dict[str, bytes]:
    """The files that workbook names, by file name: choice lists read from a file and the
    tables of pulldata(), to import again with it."""
    return export_attachments(_exported_definition(survey, published))


def _exported_definition(survey: Survey, published: bool) -> SurveyDefinition:
    data = survey.current_version.definition if published and survey.current_version else survey.draft
    return SurveyDefinition.from_dict(data)
