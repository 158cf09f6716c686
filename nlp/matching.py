"""Codebook keywords matched against residents' text, in seven languages.

Each language gets a blank spaCy tokenizer whose lexeme NORM is the word's
normalised lemma (lookup tables for en/es/fr, pymorphy3 for ru, clitic
stripping for he/ar/am). NORM is computed once per distinct word, so a
``PhraseMatcher(attr="NORM")`` matches "buses", "autobuses" and "ובאוטובוס"
against the keyword forms without running a lemmatizer per token.
"""
import re
import unicodedata
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple

import pymorphy3
import spacy
from spacy.attrs import NORM, ORTH
from spacy.lookups import load_lookups
from spacy.matcher import PhraseMatcher

from .normalize import fold, normalize

__all__ = ["TagResult", "KeywordMatcher", "rule_confidence"]

MATCH_LANGUAGES = ("en", "es", "he", "ar", "ru", "am", "fr")


class TagResult(NamedTuple):
    code: str
    source: str  # "rule" or "model"
    confidence: float
    spans: tuple  # ((start, end), ...) into the original text


def rule_confidence(distinct_keywords):
    """Confidence of a rule tag from how many different keywords fired.

    One keyword is weak evidence (0.6); each further distinct keyword adds
    0.15, capped at 0.95 because keywords never prove a code.
    """
    return round(min(0.95, 0.6 + 0.15 * (distinct_keywords - 1)), 2)


# Precomputed for the hot path; rule_confidence(k) for k >= 5 is the 0.95 cap.
_CONFIDENCE = tuple(rule_confidence(k) for k in range(6))


# --- lemmas -----------------------------------------------------------------

@lru_cache(maxsize=None)
def _lookup_table(lang):
    return load_lookups(lang, ["lemma_lookup"]).get_table("lemma_lookup")


@lru_cache(maxsize=1)
def _morph():
    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=200_000)
def _ru_lemma(word):
    return _morph().parse(word)[0].normal_form.replace("ё", "е")


def _strip_accents(word):
    return "".join(c for c in unicodedata.normalize("NFD", word)
                   if not unicodedata.combining(c))


def _table_lemmatizer(lang, accents):
    table = _lookup_table(lang)

    def lemma(word):
        found = table.get(word, word)
        if isinstance(found, list):  # the French table stores some lemmas as lists
            found = found[0]
        return found if accents else _strip_accents(found)
    return lemma


# --- clitics for he / ar / am ----------------------------------------------
# Only strip when what remains is a known keyword word, so "משפחה" is never
# mangled into "שפחה" and unrelated words keep their own form. The shortest
# such remainder wins, so keyword words that carry a prefix themselves
# ("የትራንስፖርት ወጪ") share the bare word's norm.

_HE_PREFIX_LETTERS = set("והבלמשכ")
_AR_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_AR_PROCLITICS = ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل", "فك",
                  "لل", "ولل", "فلل")
_AM_PREFIXES = ("", "የ", "በ", "ለ", "ከ", "ስለ", "ወደ", "እንደ", "እና")
_AM_SUFFIXES = ("", "ም", "ን", "ው", "ዋ", "ቹ", "ች", "ዎች", "ና")


def _ar_article(word):
    return word[2:] if word.startswith("ال") and len(word) >= 5 else word


def _he_norm(stems):
    def norm(word):
        word = best = fold(word)
        for i in range(1, 4):
            if word[i - 1] not in _HE_PREFIX_LETTERS or len(word) - i < 2:
                break
            if word[i:] in stems:
                best = word[i:]
        return best
    return norm


def _ar_norm(stems):
    def norm(word):
        word = fold(word).translate(_AR_ALEF)
        best = _ar_article(word)
        for prefix in _AR_PROCLITICS[1:]:
            if word.startswith(prefix) and len(word) - len(prefix) >= 2:
                rest = _ar_article(word[len(prefix):])
                if rest in stems and (best not in stems or len(rest) < len(best)):
                    best = rest
        return best
    return norm


def _am_norm(stems):
    def norm(word):
        word = best = fold(word)
        for prefix in _AM_PREFIXES:
            if not word.startswith(prefix):
                continue
            for suffix in _AM_SUFFIXES:
                if suffix and not word.endswith(suffix):
                    continue
                rest = word[len(prefix):len(word) - len(suffix)]
                if len(rest) >= 2 and rest in stems and (best not in stems
                                                          or len(rest) < len(best)):
                    best = rest
        return best
    return norm


def _stem_seed(lang, word):
    word = fold(word)
    return _ar_article(word.translate(_AR_ALEF)) if lang == "ar" else word


def _norm_function(lang, keyword_words):
    """The word -> NORM function for ``lang``; keyword words seed clitic stripping."""
    if lang in ("en", "es", "fr"):
        lemma = _table_lemmatizer(lang, accents=lang == "en")
        return lambda word: lemma(fold(word))
    if lang == "ru":
        return lambda word: _ru_lemma(fold(word))
    stems = frozenset(_stem_seed(lang, w) for w in keyword_words)
    return {"he": _he_norm, "ar": _ar_norm, "am": _am_norm}[lang](stems)


# --- negation ---------------------------------------------------------------
# "Transport is no problem for us": a negated difficulty word in the same
# clause cancels a barrier. Plain negation does not ("we have no car" IS a
# barrier), so only negation attached to a problem word counts.

_NEGATION = {
    "en": ("no not never without none n't nothing", "problem issue trouble difficult hard "
           "obstacle barrier concern struggle"),
    "es": ("no sin ningún ninguno ninguna nunca tampoco nada", "problema dificultad difícil "
           "obstáculo inconveniente complicado"),
    "fr": ("ne n' pas aucun aucune sans jamais rien", "problème souci difficile difficulté "
           "obstacle compliqué gêne"),
    "he": ("לא אין בלי ללא אף", "בעיה בעיות קשה קושי קשיים מכשול מסובך"),
    "ar": ("لا ليس ليست ما مش مو بدون لم لن مافي", "مشكلة مشكله مشاكل صعب صعبة صعوبة عائق"),
    "ru": ("не нет без ни никакой никаких", "проблема трудно сложно трудность сложность "
           "препятствие"),
    "am": ("የለም የለብንም የለብኝም የለውም አይደለም አይደለም።", "ችግር ችግሩ ችግሮች አስቸጋሪ ከባድ"),
}
_CLAUSE_WORDS = {
    "en": "but however although though", "es": "pero sino aunque", "fr": "mais pourtant",
    "he": "אבל אך אולם", "ar": "لكن ولكن بس لكنه", "ru": "но однако хотя зато",
    "am": "ግን ነገር",
}
_CLAUSE_PUNCT = frozenset(".!?;።፧؟؛…")
_CUE_BEFORE, _CUE_AFTER, _CLAUSE_WINDOW = 3, 2, 8


class _Language:
    """Tokenizer, matcher and negation cues for one language of one codebook."""

    def __init__(self, lang, codebook):
        self.nlp = spacy.blank(lang)
        keywords = {code.key: code.keywords.get(lang, ()) for code in codebook}
        barrier = {code.key for code in codebook if code.kind == "barrier"}
        words = [t.text for kws in keywords.values() for kw in kws
                 for t in self.nlp.tokenizer(kw)]
        norm = _norm_function(lang, words)
        self.nlp.vocab.lex_attr_getters[NORM] = norm
        for lex in self.nlp.vocab:  # lexemes created before the getter was installed
            lex.norm_ = norm(lex.orth_)
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="NORM")
        for key, kws in keywords.items():
            if kws:
                self.matcher.add(key, list(self.nlp.tokenizer.pipe(kws)))
        self.barrier_ids = {self.nlp.vocab.strings[key] for key in barrier}
        cues, problems = _NEGATION[lang]
        self.cues = self._norms(cues.split())
        self.problems = self._norms(problems.split())
        self.clause_words = self._norms(_CLAUSE_WORDS[lang].split())
        self.clause_punct = frozenset(self.nlp.vocab.strings.add(p) for p in _CLAUSE_PUNCT)
        # Problem words are found by the same matcher pass as the keywords (one
        # single-token NORM pattern each), so texts without any skip negation
        # without reading per-token norms into Python.
        self.problem_id = self.nlp.vocab.strings.add(_PROBLEM_KEY)
        self.matcher.add(_PROBLEM_KEY, [(norm,) for norm in sorted(self.problems)])

    def _norms(self, words):
        """Norm hashes of cue words, computed exactly as for text tokens."""
        out = set()
        for word in words:
            out.update(t.norm for t in self.nlp.tokenizer(word))
        return frozenset(out)

    def _negated_problems(self, doc, clauses, in_keyword, norms):
        found = []
        for i, norm in enumerate(norms):
            if norm not in self.problems:
                continue
            for j in range(max(0, i - _CUE_BEFORE), min(len(norms), i + _CUE_AFTER + 1)):
                if (j != i and clauses[j] == clauses[i] and not in_keyword[j]
                        and norms[j] in self.cues):
                    found.append(i)
                    break
        return found

    def tags(self, doc, mapping=None):
        matches = self.matcher(doc)
        if not matches:
            return []
        problem_id = self.problem_id
        hits = len(matches)
        matches = [m for m in matches if m[0] != problem_id]
        if not matches:
            return []
        problems = len(matches) < hits
        if len(matches) > 1:
            matches = self._drop_nested(matches)
        if problems and not self.barrier_ids.isdisjoint([m[0] for m in matches]):
            matches = self._drop_negated(doc, matches)
        # Only the matched tokens are read: a whole-document to_array().tolist()
        # of 64-bit norms costs more than the matching itself.
        by_code = {}
        for match_id, start, end in matches:
            first = doc[start]
            if end - start == 1:
                last, form = first, (first.norm,)
            else:
                last, form = doc[end - 1], tuple([doc[i].norm for i in range(start, end)])
            begin, finish = first.idx, last.idx + len(last)
            if mapping is not None:
                begin, finish = mapping.to_original(begin, finish)
            evidence = by_code.get(match_id)
            if evidence is None:
                evidence = by_code[match_id] = (set(), set())
            evidence[0].add((begin, finish))
            evidence[1].add(form)  # the keyword's norms: distinct keywords
        strings = self.nlp.vocab.strings
        return [TagResult(strings[mid], "rule",
                          _CONFIDENCE[len(forms)] if len(forms) < len(_CONFIDENCE)
                          else rule_confidence(len(forms)),
                          tuple(sorted(spans)))
                for mid, (spans, forms) in by_code.items()]

    def _drop_nested(self, matches):
        """Drop a match inside a longer match of the same kind: "детский сад" is
        early learning, not a park, and "public transport" is one piece of evidence."""
        # A sweep instead of comparing every pair: spans sorted by kind, start
        # and longest first; a span is inside a longer one of its kind exactly
        # when an earlier span of that kind reaches at least as far.
        barrier_ids = self.barrier_ids
        dropped, kind, max_end = set(), None, -1
        for barrier, start, neg_end in sorted({(mid in barrier_ids, s, -e)
                                               for mid, s, e in matches}):
            if barrier is not kind:
                kind, max_end = barrier, -1
            if -neg_end <= max_end:
                dropped.add((barrier, start, -neg_end))
            else:
                max_end = -neg_end
        if not dropped:
            return matches
        return [m for m in matches if (m[0] in barrier_ids, m[1], m[2]) not in dropped]

    def _drop_negated(self, doc, matches):
        """Drop barrier matches near a negated problem word; ``tags`` only calls
        this when the matcher found a problem word."""
        # Hash arrays instead of Token objects.
        norms = doc.to_array(NORM).tolist()
        clauses, clause = [], 0
        for orth, norm in zip(doc.to_array(ORTH).tolist(), norms):
            if orth in self.clause_punct or norm in self.clause_words:
                clause += 1
            clauses.append(clause)
        in_keyword = [False] * len(doc)
        for _, start, end in matches:
            for i in range(start, end):
                in_keyword[i] = True
        negated = self._negated_problems(doc, clauses, in_keyword, norms)
        if not negated:
            return matches
        kept = []
        for match_id, start, end in matches:
            if match_id in self.barrier_ids and any(
                    clauses[n] == clauses[start]
                    and (start - _CLAUSE_WINDOW <= n < end + _CLAUSE_WINDOW)
                    for n in negated):
                continue
            kept.append((match_id, start, end))
        return kept


_PROBLEM_KEY = "nlp.matching:problem-word"
_BY_CODE = itemgetter(0)  # TagResult.code
_MESSY_SPACE = re.compile(r"[^\S ]|  ")


def _messy_space(text):
    """``_MESSY_SPACE.search(text)``, cheaply: every whitespace character other
    than the space is non-printable, so clean printable text skips the regex."""
    if "  " in text:
        return True
    return not text.isprintable() and _MESSY_SPACE.search(text) is not None


class KeywordMatcher:
    """Rule tagging with a codebook's keywords; languages are built on first use."""

    def __init__(self, codebook):
        self.codebook = codebook

    def _language(self, lang):
        cache = self.__dict__.setdefault("_languages_", {})
        if lang not in cache:
            cache[lang] = _Language(lang, self.codebook) if lang in MATCH_LANGUAGES else None
        return cache[lang]

    def match(self, text, language):
        """Rule :class:`TagResult` list for one text, sorted by code."""
        return next(iter(self.match_many([text], language)))

    def match_many(self, texts, language):
        """Yield one sorted list of rule tags per text, all in ``language``."""
        analyser = self._language(language)
        if analyser is None:
            for _ in texts:
                yield []
            return
        # Multi-word keywords must survive newlines and double spaces, so such
        # texts are matched in normalised form and spans mapped back.
        mappings, inputs = [], []
        for text in texts:
            mapping = normalize(text) if _messy_space(text) else None
            mappings.append(mapping)
            inputs.append(mapping.text if mapping else text)
        for doc, mapping in zip(analyser.nlp.tokenizer.pipe(inputs), mappings):
            tags = analyser.tags(doc, mapping)
            if len(tags) > 1:
                tags.sort(key=_BY_CODE)
            yield tags
