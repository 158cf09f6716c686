"""All demo text, gathered from the per-language modules in ``text/`` and ``sessions.yaml``."""
from __future__ import annotations

from pathlib import Path

import yaml

from .text import am, ar, en, es, fr, he, ru
from .text.survey import SURVEY, SURVEY_CONSTRAINT_MESSAGES

SESSIONS: list[dict] = yaml.safe_load(
    (Path(__file__).parent / "sessions.yaml").read_text(encoding="utf-8"))

_BY_LANGUAGE = {"en": en, "es": es, "fr": fr, "he": he, "ru": ru, "ar": ar, "am": am}

# code key -> language -> sentences
SENTENCES: dict[str, dict[str, list[str]]] = {}
for _language, _module in _BY_LANGUAGE.items():
    for _code, _sentences in _module.SENTENCES.items():
        SENTENCES.setdefault(_code, {})[_language] = list(_sentences)

CHANGE_WISHES: dict[str, list[str]] = {language: list(module.CHANGE_WISHES)
                                       for language, module in _BY_LANGUAGE.items()}

__all__ = ["CHANGE_WISHES", "SENTENCES", "SESSIONS", "SURVEY", "SURVEY_CONSTRAINT_MESSAGES"]
