from hypothesis import given, strategies as st

from nlp.normalize import fold, normalize


def test_ascii_fast_path_lowercases_with_identity_offsets():
    n = normalize("Bus Stop")
    assert n.text == "bus stop"
    assert n.to_original(4, 8) == (4, 8)


def test_whitespace_collapsed_and_mapped_back():
    text = "  Public \n\t Transport  "
    n = normalize(text)
    assert n.text == "public transport"
    start, end = n.to_original(0, len(n.text))
    assert text[start:end] == "Public \n\t Transport"


def test_hebrew_niqqud_and_arabic_harakat_and_tatweel_removed():
    assert normalize("שָׁלוֹם").text == "שלום"
    assert normalize("مَدْرَسَةٌ").text == "مدرسة"
    assert normalize("مــدرسة").text == "مدرسة"


def test_nfkc_casefold_and_combining_marks_compose():
    assert normalize("ﬁne STRASSE ß").text == "fine strasse ss"
    n = normalize("Cafe\u0301!")
    assert n.text == "café!"
    assert n.to_original(3, 4) == (3, 5)


def test_span_of_hebrew_word_points_into_original():
    text = "אֵין לָנוּ בְּעָיָה"
    n = normalize(text)
    i = n.text.index("בעיה")
    start, end = n.to_original(i, i + 4)
    assert normalize(text[start:end]).text == "בעיה"


def test_bidi_marks_are_invisible_to_matching():
    assert normalize("\u200fשלום\u200e").text == "שלום"


def test_fold_matches_normalize_on_single_words():
    for word in ["ĦELLO", "אָב", "ﻻ", "Ёлка"]:
        assert fold(word) == normalize(word).text


@given(st.text(max_size=60))
def test_offsets_are_monotonic_and_inside_original(text):
    n = normalize(text)
    assert len(n.starts) == len(n.ends) == len(n.text)
    assert list(n.starts) == sorted(n.starts)
    for s, e in zip(n.starts, n.ends):
        assert 0 <= s < e <= len(text)
