"""Community Voice NLP: framework-free tagging of residents' open text.

Plain Python in, plain Python out. This package never imports Flask or ``voice``.
"""
from .codebook import (DEFAULT_CODEBOOK_PATH, KINDS, Code, Codebook, CodebookError,
                       load_codebook)
from .langid import SUPPORTED_LANGUAGES, UNKNOWN_LANGUAGE, detect_language
from .matching import KeywordMatcher, TagResult, rule_confidence
from .normalize import Normalized, fold, normalize
from .pipeline import RULES_VERSION, Item, ItemResult, Pipeline
from .redact import PII_TYPES, Redaction, find_pii, redact

__all__ = [
    "Code", "Codebook", "CodebookError", "DEFAULT_CODEBOOK_PATH", "KINDS", "load_codebook",
    "SUPPORTED_LANGUAGES", "UNKNOWN_LANGUAGE", "detect_language",
    "KeywordMatcher", "TagResult", "rule_confidence",
    "Normalized", "fold", "normalize",
    "Item", "ItemResult", "Pipeline", "RULES_VERSION",
    "PII_TYPES", "Redaction", "find_pii", "redact",
]
