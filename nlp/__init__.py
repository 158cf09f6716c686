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
from .classify import FORMAT_VERSION, ModelFormatError, TagModel
from .active import rank_for_coding, uncertainty
from .topics import STOPWORD_LANGUAGES, ThemeSuggestion, load_stopwords, suggest_emerging_themes
from .quotes import GroupQuote, group_quotes, overrepresentation, quotes_by_code, representative_quotes
# Last: evaluate imports the pipeline and the classifier.
from .evaluate import (alpha_by_code, cohen_kappa, evaluate_dataset, kappa_by_code, krippendorff_alpha,
                       learning_curve, score_tags)

__all__ = [
    "Code", "Codebook", "CodebookError", "DEFAULT_CODEBOOK_PATH", "KINDS", "load_codebook",
    "SUPPORTED_LANGUAGES", "UNKNOWN_LANGUAGE", "detect_language",
    "KeywordMatcher", "TagResult", "rule_confidence",
    "Normalized", "fold", "normalize",
    "Item", "ItemResult", "Pipeline", "RULES_VERSION",
    "PII_TYPES", "Redaction", "find_pii", "redact",
    "FORMAT_VERSION", "ModelFormatError", "TagModel",
    "rank_for_coding", "uncertainty",
    "STOPWORD_LANGUAGES", "ThemeSuggestion", "load_stopwords", "suggest_emerging_themes",
    "GroupQuote", "group_quotes", "overrepresentation", "quotes_by_code", "representative_quotes",
    "alpha_by_code", "cohen_kappa", "evaluate_dataset", "kappa_by_code", "krippendorff_alpha",
    "learning_curve", "score_tags",
]
