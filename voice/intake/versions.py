"""Published survey versions, parsed once per process.

A ``SurveyVersion`` never changes once published, so its definition is parsed (and its pages
laid out) the first time a submission or a page needs it, and kept in the app's extensions
keyed by version id: every later submission of that version skips the parsing. Callers read
the cached objects and never change them. An unsaved version (no id yet) is parsed each time.
"""
from __future__ import annotations

from flask import current_app

from ..models import SurveyVersion
from .definition import Page, SurveyDefinition, pages

PARSED_VERSIONS = "intake.parsed_versions"


def parsed(version: SurveyVersion) -> tuple[SurveyDefinition, list[Page]]:
    """The version's definition and its pages."""
    if version.id is None:
        definition = SurveyDefinition.from_dict(version.definition)
        return definition, pages(definition)
    cache = current_app.extensions.setdefault(PARSED_VERSIONS, {})
    found = cache.get(version.id)
    if found is None:
        definition = SurveyDefinition.from_dict(version.definition)
        found = cache[version.id] = (definition, pages(definition))
    return found
