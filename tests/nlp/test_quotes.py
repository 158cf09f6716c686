import math

import pytest

from nlp.quotes import (group_quotes, overrepresentation, quotes_by_code,
                        representative_quotes)

FOOD = {
    "f1": "we need food for the children",
    "f2": "we need food for the children please",
    "f3": "we need food for our children",
    "f4": "the food bank closes too early",
    "f5": "אין לנו אוכל לילדים",
    "f6": "zzz qqq xxx",  # an outlier: never the most central
}


def test_representative_quotes_central_and_diverse():
    ids, texts = list(FOOD), list(FOOD.values())
    central = representative_quotes(texts, ids, k=1, diversity=0.0)
    assert central[0] in {"f1", "f2", "f3"}
    diverse = representative_quotes(texts, ids, k=2, diversity=0.6)
    assert len({"f1", "f2", "f3"} & set(diverse)) == 1
    assert "f6" not in representative_quotes(texts, ids, k=3, diversity=0.0)
    assert representative_quotes([], [], k=3) == []


def test_quotes_by_code_respects_min_items():
    tags = {i: {"theme.food"} for i in FOOD} | {"f4": {"theme.food", "barrier.schedule"}}
    quotes = quotes_by_code(FOOD, tags, k=2, min_items=2)
    assert set(quotes) == {"theme.food"}
    assert len(quotes["theme.food"]) == 2
    assert quotes_by_code(FOOD, tags, k=2)["barrier.schedule"] == ["f4"]


def test_overrepresentation_statistic():
    # Group: 8 of 10; rest: 5 of 50. Smoothed shares 9/12 and 6/52, pooled 14/62.
    z = overrepresentation(8, 10, 5, 50)
    pooled = 14 / 62
    expected = (9 / 12 - 6 / 52) / math.sqrt(pooled * (1 - pooled) * (1 / 12 + 1 / 52))
    assert z == pytest.approx(expected)
    assert overrepresentation(1, 10, 25, 50) < 0
    # Smoothing keeps a 1-of-1 group from looking like overwhelming evidence.
    assert overrepresentation(1, 1, 0, 1) < 1.645


def _neighbourhoods():
    texts, groups, tags = {}, {}, {}
    for n in range(12):
        texts[f"n{n}"] = f"the bus to the north clinic is late again {n}"
        groups[f"n{n}"] = "north"
        tags[f"n{n}"] = {"barrier.transport"} if n < 9 else {"theme.food"}
    for n in range(20):
        texts[f"s{n}"] = f"food prices in the south are high {n}"
        groups[f"s{n}"] = "south"
        tags[f"s{n}"] = {"theme.food"} if n < 18 else {"barrier.transport"}
    for n in range(3):
        texts[f"t{n}"] = f"tiny group words {n}"
        groups[f"t{n}"] = "tiny"
        tags[f"t{n}"] = {"theme.parks"}
    return texts, groups, tags


def test_group_quotes_show_overrepresented_codes_and_suppress_small_groups():
    texts, groups, tags = _neighbourhoods()
    quotes = group_quotes(texts, groups, tags, k=2, min_group_size=5)
    assert "tiny" not in quotes  # 3 items < 5: suppressed entirely
    north = quotes["north"]
    assert north[0].unit == "barrier.transport"
    assert north[0].id.startswith("n") and "barrier.transport" in tags[north[0].id]
    assert north[0].group_share == pytest.approx(9 / 12)
    assert north[0].rest_share == pytest.approx(2 / 23)
    assert quotes["south"][0].unit == "theme.food"
    assert all(q.z >= 1.645 for qs in quotes.values() for q in qs)
    assert set(group_quotes(texts, groups, tags, min_group_size=2)) == {"north", "south", "tiny"}


def test_group_quotes_with_words_for_uncoded_items():
    texts, groups, _ = _neighbourhoods()
    quotes = group_quotes(texts, groups, words=True, k=3)
    assert {q.unit for q in quotes["north"]} <= {"word:bus", "word:north", "word:clinic",
                                                 "word:late", "word:again"}
    assert len({q.id for q in quotes["north"]}) == len(quotes["north"])
