"""Keywords as staff type them, and which recent items they would tag."""
from __future__ import annotations

import re

from sqlalchemy import select

from ..extensions import db
from ..models import VoiceItem
from ..nlp_adapter import SUPPORTED_LANGUAGES, Codebook, CodebookError, Pipeline
from .marks import split_marks

PREVIEW_SAMPLE = 400


def split_keywords(text: str | None) -> list[str]:
    """Comma-, semicolon- or line-separated words (the Arabic comma too), once each, in order."""
    words = [part.strip() for part in re.split(r"[,\n،;]", text or "")]
    return list(dict.fromkeys(word for word in words if word))


def preview_keywords(language: str, keywords: list[str], *, limit: int = 8) -> dict:
    """Which recent items in ``language`` these keywords would tag, with the words marked."""
    nothing = {"matched": 0, "sample": 0, "items": []}
    if not keywords or language not in SUPPORTED_LANGUAGES:
        return nothing
    try:
        codebook = Codebook.from_dict({"codes": [{"key": "preview.code", "kind": "theme",
                                                  "label": {"en": "preview"}, "keywords": {language: keywords}}]})
    except CodebookError:
        return nothing
    items = list(db.session.execute(select(VoiceItem.id, VoiceItem.original_text)
                                    .where(VoiceItem.language == language)
                                    .order_by(VoiceItem.id.desc()).limit(PREVIEW_SAMPLE)))
    matcher = Pipeline(codebook).matcher_
    found = []
    for (item_id, text), tags in zip(items, matcher.match_many([text for _, text in items], language)):
        if tags:
            found.append({"id": item_id, "parts": split_marks(text, [span for tag in tags for span in tag.spans])})
    return {"matched": len(found), "sample": len(items), "items": found[:limit]}
