"""Emerging themes: clusters among items no code explains, and one click to make one a code."""
from __future__ import annotations

import re

from sqlalchemy import exists, select

from ..extensions import db
from ..models import Code, Tag, VoiceItem
from ..nlp_adapter import SUPPORTED_LANGUAGES, suggest_emerging_themes
from ..problems import N_, Invalid, Problem
from .codes import save_code


def emerging_themes(*, limit_items: int = 2000) -> list[tuple[object, list[VoiceItem]]]:
    """Clusters among items no code explains (no tag that applies), with example items."""
    explained = exists().where(Tag.item_id == VoiceItem.id, Tag.applies)
    rows = list(db.session.execute(select(VoiceItem.id, VoiceItem.redacted_text, VoiceItem.language)
                                   .where(VoiceItem.redacted_text.is_not(None), ~explained)
                                   .order_by(VoiceItem.id).limit(limit_items)))
    if not rows:
        return []
    keywords = [word for code in Code.active() for words in (code.keywords or {}).values() for word in words]
    suggestions = suggest_emerging_themes([text for _, text, _ in rows], [item_id for item_id, _, _ in rows],
                                          languages=[language for _, _, language in rows], exclude_terms=keywords)
    out = []
    for suggestion in suggestions:
        items = {item.id: item for item in db.session.scalars(
            select(VoiceItem).where(VoiceItem.id.in_(list(suggestion.example_ids))))}
        out.append((suggestion, [items[i] for i in suggestion.example_ids if i in items]))
    return out


def adopt_theme(language: str, keywords: list[str], *, actor) -> Code:
    """One click: a suggestion becomes a new theme with its keywords."""
    words = [word for word in keywords if word][:10]
    if not words or language not in SUPPORTED_LANGUAGES:
        raise Invalid([Problem("suggestion_empty", N_("This suggestion has no keywords to start a code from."))])
    stem = re.sub(r"[^a-z0-9]+", "_", words[0].lower()).strip("_") or "topic"
    key, n = f"theme.emerging_{stem}", 1
    while db.session.scalar(select(Code.id).where(Code.key == key)):
        n += 1
        key = f"theme.emerging_{stem}_{n}"
    return save_code(None, key=key, kind="theme", parent_id=None, labels={language: ", ".join(words[:3])},
                     descriptions={}, keywords={language: words}, actor=actor)
