"""What every committee page shares: the smallest count it may show, and places, indicators,
codes and groups named in the reader's language (never by their internal keys)."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from ..intake.definition import DefinitionError, SurveyDefinition, iter_questions
from ..models import Campaign, Code, Geography, Indicator, SurveyVersion
from ..models.base import labels_in


def threshold() -> int:
    return int(current_app.config["SUPPRESSION_MIN"])


def geography_label(geography: Geography | None, locale: str) -> str:
    if geography is None:
        return ""
    return geography.name_in(locale)


def indicator_label(indicator: Indicator, locale: str) -> str:
    return labels_in(indicator.name, locale) or indicator.code


def code_labels(locale: str) -> dict[str, str]:
    """Every code's key -> its label in ``locale``."""
    return {code.key: labels_in(code.labels, locale) or code.key for code in Code.active()}


@dataclass
class GroupLabels:
    """A group key's name and its values' names, from the survey question that asks it."""
    name: str
    values: dict[str, str] = field(default_factory=dict)


def group_labels(campaign: Campaign, locale: str) -> dict[str, GroupLabels]:
    """Each of the campaign's group keys named by the newest published question asking it
    (role ``group:<key>``): its label and its choices' labels, in ``locale``."""
    found: dict[str, GroupLabels] = {}
    for raw in SurveyVersion.definitions_of(campaign.id):
        try:
            definition = SurveyDefinition.from_dict(raw)
        except DefinitionError:
            continue
        for question in iter_questions(definition):
            key = (question.role or "").removeprefix("group:")
            if not (question.role or "").startswith("group:") or key in found:
                continue
            choices = definition.choice_lists.get(question.choice_list or "", [])
            found[key] = GroupLabels(labels_in(question.label, locale) or _spelled(key),
                                     {choice.name: labels_in(choice.label, locale) or choice.name
                                      for choice in choices})
    for key in campaign.group_keys or []:
        found.setdefault(key, GroupLabels(_spelled(key)))
    return found


def _spelled(key: str) -> str:
    """A key no question names, in words rather than as an identifier ("age_band" -> "Age band")."""
    return key.replace("_", " ").capitalize()


def group_value_label(labels: dict[str, GroupLabels], key: str, value: str) -> str:
    group = labels.get(key)
    return group.values.get(value, value) if group else value
