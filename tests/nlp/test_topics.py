import random
import warnings

import pytest

from nlp.topics import STOPWORD_LANGUAGES, load_stopwords, suggest_emerging_themes

PARKING = ["there is no parking near the clinic", "parking tickets every day on our street",
           "we cannot find parking for the market", "parking costs and parking tickets"]
NOISE = ["the noise from the factory at night", "loud noise keeps the baby awake",
         "noise from trucks all night long", "factory noise is terrible"]
HE_LIGHTS = ["אין תאורה ברחוב בלילה", "התאורה ברחוב שבורה", "חושך ברחוב אין תאורה",
             "צריך תאורה בגן השעשועים"]


def items(seed=0):
    rng = random.Random(seed)
    rows = []
    for pool, language in ((PARKING, "en"), (NOISE, "en"), (HE_LIGHTS, "he")):
        for text in pool * 2:
            rows.append((f"{language}-{len(rows)}", text, language))
    rng.shuffle(rows)
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def test_finds_themes_per_language():
    ids, texts, languages = items()
    suggestions = suggest_emerging_themes(texts, ids, languages=languages, n_topics=3,
                                          min_size=3)
    assert len(suggestions) == 3
    by_theme = {next(t for t in ("parking", "noise", "תאורה") if t in s.terms[:3]): s
                for s in suggestions}
    assert set(by_theme) == {"parking", "noise", "תאורה"}
    hebrew = by_theme["תאורה"]
    assert hebrew.language == "he" and hebrew.size == 8
    assert len(hebrew.example_ids) == 3 and all(i.startswith("he-") for i in hebrew.example_ids)
    assert by_theme["parking"].size == by_theme["noise"].size == 8
    assert "the" not in by_theme["parking"].terms  # stop words are dropped
    assert sum(s.size for s in suggestions) == len(texts)


def test_excluded_terms_are_not_proposed_as_keywords():
    ids, texts, languages = items()
    suggestions = suggest_emerging_themes(texts, ids, languages=languages, n_topics=3,
                                          exclude_terms=["Parking", "noise"])
    for suggestion in suggestions:
        assert "parking" not in suggestion.keywords and "noise" not in suggestion.keywords
        assert set(suggestion.keywords) <= set(suggestion.terms)


def test_deterministic_and_small_topics_dropped():
    ids, texts, languages = items()
    first = suggest_emerging_themes(texts, ids, languages=languages, seed=3)
    assert first == suggest_emerging_themes(texts, ids, languages=languages, seed=3)
    assert suggest_emerging_themes(texts[:2], ids[:2], min_size=3) == []
    assert suggest_emerging_themes(["the and", "of the"], ["a", "b"], min_size=1) == []


def test_unknown_language_uses_every_stop_list():
    assert load_stopwords("xx") >= load_stopwords("he") | load_stopwords("en")
    for language in STOPWORD_LANGUAGES:
        assert len(load_stopwords(language)) > 40


def test_misaligned_input_refused():
    with pytest.raises(ValueError, match="2 texts, 1 ids"):
        suggest_emerging_themes(["a", "b"], ["x"])


def test_as_many_topics_as_distinct_texts_fit_without_a_runtime_warning():
    """Residents often write the very same words. Three distinct texts and three topics: NMF
    rebuilds the matrix exactly, which used to end in the square root of a rounding error
    below zero ("invalid value encountered in sqrt")."""
    texts = ["parking tickets"] * 6 + ["noise at night"] * 6 + ["dark street lights"] * 6
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        suggestions = suggest_emerging_themes(texts, list(range(len(texts))), n_topics=3)
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], [str(w.message) for w in caught]
    assert sorted(s.size for s in suggestions) == [6, 6, 6]
