"""The codebook: themes and barriers with labels, descriptions and keywords per language.

Loaded from YAML (``nlp/data/codebook.yaml`` by default) or built from a dict,
which is how the app turns its database rows into a codebook.
"""
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .langid import SUPPORTED_LANGUAGES

__all__ = ["KINDS", "Code", "Codebook", "CodebookError", "DEFAULT_CODEBOOK_PATH",
           "load_codebook"]

KINDS = ("theme", "barrier")
DEFAULT_CODEBOOK_PATH = Path(__file__).parent / "data" / "codebook.yaml"
_KEY = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+$")
_SPACES = re.compile(r"\s+")


class CodebookError(ValueError):
    """A codebook that cannot be used; the message names the code and field."""


@dataclass(frozen=True)
class Code:
    key: str
    kind: str
    label: dict
    description: dict = field(default_factory=dict)
    keywords: dict = field(default_factory=dict)  # language -> tuple of keywords
    parent: str | None = None

    def to_dict(self):
        out = {"key": self.key, "kind": self.kind, "label": dict(self.label)}
        if self.description:
            out["description"] = dict(self.description)
        if self.keywords:
            out["keywords"] = {lang: list(words) for lang, words in self.keywords.items()}
        if self.parent:
            out["parent"] = self.parent
        return out


def _clean(text):
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _text_map(raw, key, name, required):
    if raw is None and not required:
        return {}
    if not isinstance(raw, dict) or (required and not raw):
        raise CodebookError(f"code {key!r}: field {name!r} must be a non-empty mapping "
                            "of language to text")
    out = {}
    for lang, text in raw.items():
        if lang not in SUPPORTED_LANGUAGES:
            raise CodebookError(f"code {key!r}: field {name!r}: unknown language {lang!r}")
        if not isinstance(text, str) or not text.strip():
            raise CodebookError(f"code {key!r}: field {name!r}: empty text for {lang!r}")
        out[lang] = _clean(text)
    return out


def _keywords(raw, key):
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise CodebookError(f"code {key!r}: field 'keywords' must map language to a list")
    out = {}
    for lang, words in raw.items():
        if lang not in SUPPORTED_LANGUAGES:
            raise CodebookError(f"code {key!r}: field 'keywords': unknown language {lang!r}")
        if not isinstance(words, list) or not all(
                isinstance(w, str) and w.strip() for w in words):
            raise CodebookError(f"code {key!r}: field 'keywords': {lang!r} must be a list "
                                "of non-empty strings")
        out[lang] = tuple(dict.fromkeys(_clean(w) for w in words))
    return out


def _code(raw, index):
    if not isinstance(raw, dict):
        raise CodebookError(f"code #{index}: must be a mapping")
    key = raw.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        raise CodebookError(f"code #{index}: field 'key' must look like 'theme.housing', "
                            f"got {key!r}")
    unknown = set(raw) - {"key", "kind", "label", "description", "keywords", "parent"}
    if unknown:
        raise CodebookError(f"code {key!r}: unknown field(s) {sorted(unknown)}")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise CodebookError(f"code {key!r}: field 'kind': unknown kind {kind!r} "
                            f"(expected one of {', '.join(KINDS)})")
    if "label" not in raw:
        raise CodebookError(f"code {key!r}: field 'label' is missing")
    parent = raw.get("parent") or None
    if parent is not None and not isinstance(parent, str):
        raise CodebookError(f"code {key!r}: field 'parent' must be a code key")
    return Code(key=key, kind=kind, label=_text_map(raw["label"], key, "label", True),
                description=_text_map(raw.get("description"), key, "description", False),
                keywords=_keywords(raw.get("keywords"), key), parent=parent)


class Codebook:
    """An ordered, validated collection of :class:`Code`."""

    def __init__(self, codes):
        self.codes = tuple(codes)
        self._by_key = {}
        for code in self.codes:
            if code.key in self._by_key:
                raise CodebookError(f"code {code.key!r}: field 'key': duplicate key")
            self._by_key[code.key] = code
        for code in self.codes:
            self._check_parent(code)

    def _check_parent(self, code):
        seen, current = {code.key}, code
        while current.parent:
            parent = self._by_key.get(current.parent)
            if parent is None:
                raise CodebookError(f"code {current.key!r}: field 'parent': unknown code "
                                    f"{current.parent!r}")
            if parent.kind != current.kind:
                raise CodebookError(f"code {current.key!r}: field 'parent': {parent.key!r} "
                                    f"is a {parent.kind}, not a {current.kind}")
            if parent.key in seen:
                raise CodebookError(f"code {code.key!r}: field 'parent': cycle through "
                                    f"{parent.key!r}")
            seen.add(parent.key)
            current = parent

    @classmethod
    def from_dict(cls, data):
        """Build from ``{"codes": [...]}`` (or a bare list of code mappings)."""
        raw = data.get("codes") if isinstance(data, dict) else data
        if not isinstance(raw, list):
            raise CodebookError("codebook: field 'codes' must be a list of codes")
        return cls(_code(item, i) for i, item in enumerate(raw))

    def __iter__(self):
        return iter(self.codes)

    def __len__(self):
        return len(self.codes)

    def __contains__(self, key):
        return key in self._by_key

    def get(self, key, default=None):
        return self._by_key.get(key, default)

    @property
    def languages(self):
        """Languages that have keywords in at least one code, in canonical order."""
        used = {lang for code in self.codes for lang in code.keywords}
        return tuple(lang for lang in SUPPORTED_LANGUAGES if lang in used)

    def to_dict(self):
        return {"codes": [code.to_dict() for code in self.codes]}

    def to_yaml(self):
        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=100)

    def dump(self, path):
        Path(path).write_text(self.to_yaml(), encoding="utf-8")

    def content_hash(self):
        """sha256 over the meaning of the codebook, blind to ordering and layout.

        Keywords are compared case-insensitively and as sets, so re-ordering a
        YAML file does not force re-tagging but any real edit does.
        """
        canon = []
        for code in sorted(self.codes, key=lambda c: c.key):
            item = code.to_dict()
            item["keywords"] = {lang: sorted({w.casefold() for w in words})
                                for lang, words in sorted(code.keywords.items())}
            canon.append(item)
        blob = json.dumps(canon, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def __repr__(self):
        return f"Codebook({len(self.codes)} codes, hash={self.content_hash()[:12]})"


def load_codebook(source=None):
    """Load and validate a codebook from a YAML path, a dict, or the default file."""
    if isinstance(source, Codebook):
        return source
    if isinstance(source, (dict, list)):
        return Codebook.from_dict(source)
    path = Path(source) if source is not None else DEFAULT_CODEBOOK_PATH
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise CodebookError(f"codebook {path}: expected a mapping with 'codes'")
    return Codebook.from_dict(data)
