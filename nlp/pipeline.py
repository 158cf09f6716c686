"""Pipeline.tag: language, redaction, keyword rules and an optional model, streamed."""
import hashlib
from itertools import islice
from typing import NamedTuple

from .langid import detect_language
from .matching import KeywordMatcher, TagResult
from .redact import redact

__all__ = ["Item", "ItemResult", "Pipeline", "RULES_VERSION"]

# Bump when matching or redaction logic changes so stored machine tags are redone.
RULES_VERSION = "1"


class Item(NamedTuple):
    id: object
    text: str
    language: str | None = None


class ItemResult(NamedTuple):
    id: object
    language: str
    redacted_text: str
    tags: list  # of TagResult, sorted by (code, source)


def _as_item(raw):
    if isinstance(raw, Item):
        return raw
    if isinstance(raw, dict):
        return Item(raw["id"], raw["text"], raw.get("language"))
    return Item(*raw)


class Pipeline:
    """Tag VoiceItems with codebook themes and barriers.

    ``model``, when given, follows the classifier protocol: it has
    ``predict_proba(texts) -> list[dict[code, probability]]`` and
    ``thresholds_: dict[code, threshold]``, and optionally ``model_id_``.
    The model sees redacted text, so it must be trained on redacted text too.
    """

    def __init__(self, codebook, model=None, *, phone_regions=("IL", "US"), batch_size=512):
        self.codebook = codebook
        self.model = model
        self.phone_regions = phone_regions
        self.batch_size = batch_size

    @property
    def matcher_(self):
        # Built on first use: spaCy vocabularies and lemma tables are costly.
        if "_matcher" not in self.__dict__:
            self._matcher = KeywordMatcher(self.codebook)
        return self._matcher

    def version_key(self):
        """Changes whenever codebook, model or rules change: stored tags are stale."""
        model_id = getattr(self.model, "model_id_", None) if self.model is not None else None
        parts = [f"codebook={self.codebook.content_hash()}", f"rules={RULES_VERSION}",
                 f"model={model_id if model_id is not None else 'none'}"]
        return hashlib.sha256(";".join(parts).encode("utf-8")).hexdigest()[:32]

    def match(self, text, language=None):
        """Rule tags for one text: the live keyword preview in the codebook editor."""
        return self.matcher_.match(text, detect_language(text, language))

    def tag(self, items):
        """Yield one :class:`ItemResult` per item, in input order, batch by batch."""
        items = iter(items)
        while batch := [_as_item(raw) for raw in islice(items, self.batch_size)]:
            yield from self._tag_batch(batch)

    def _tag_batch(self, batch):
        languages = [detect_language(item.text, item.language) for item in batch]
        redacted = [redact(item.text, lang, self.phone_regions)[0]
                    for item, lang in zip(batch, languages)]
        rules = [None] * len(batch)
        by_language = {}
        for i, lang in enumerate(languages):
            by_language.setdefault(lang, []).append(i)
        for lang, indices in by_language.items():
            texts = [batch[i].text for i in indices]
            for i, tags in zip(indices, self.matcher_.match_many(texts, lang)):
                rules[i] = tags
        models = self._model_tags(redacted)
        for i, item in enumerate(batch):
            tags = sorted(rules[i] + models[i], key=lambda t: (t.code, t.source))
            yield ItemResult(item.id, languages[i], redacted[i], tags)

    def _model_tags(self, texts):
        if self.model is None:
            return [[] for _ in texts]
        thresholds = self.model.thresholds_
        out = []
        for probs in self.model.predict_proba(texts):
            out.append([TagResult(code, "model", float(p), ())
                        for code, p in sorted(probs.items())
                        if code in self.codebook and p >= thresholds.get(code, 1.0)])
        return out
