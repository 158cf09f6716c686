import pytest

from nlp import Item, ItemResult, Pipeline, TagResult, load_codebook


class FakeModel:
    model_id_ = "fake-1"
    thresholds_ = {"barrier.cost": 0.5, "theme.food": 0.8}

    def __init__(self):
        self.calls = []

    def predict_proba(self, texts):
        self.calls.append(list(texts))
        return [{"barrier.cost": 0.7, "theme.food": 0.6, "theme.unknown": 0.99} for _ in texts]


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


@pytest.fixture(scope="module")
def pipeline(codebook):
    return Pipeline(codebook)


def test_init_only_stores_parameters(codebook):
    p = Pipeline(codebook, None, phone_regions=("US",), batch_size=3, n_process=2)
    assert vars(p) == {"codebook": codebook, "model": None, "phone_regions": ("US",),
                       "batch_size": 3, "n_process": 2}


def test_tag_accepts_items_tuples_and_dicts_in_order(pipeline):
    items = [Item(1, "The daycare is too expensive.", "en"),
             (2, "הגן יקר מדי", "he"),
             {"id": 3, "text": "Los autobuses no llegan", "language": "es"}]
    results = list(pipeline.tag(items))
    assert [r.id for r in results] == [1, 2, 3]
    assert all(isinstance(r, ItemResult) for r in results)
    assert {t.code for t in results[0].tags} == {"barrier.cost", "theme.early_learning"}
    assert {t.code for t in results[1].tags} == {"barrier.cost", "theme.early_learning"}
    assert "theme.transport" in {t.code for t in results[2].tags}


def test_tag_is_a_lazy_generator_over_batches(codebook):
    p = Pipeline(codebook, batch_size=2)

    def items():
        for i in range(5):
            yield Item(i, f"rent is expensive {i}", "en")
        raise AssertionError("read too far")

    stream = p.tag(items())
    assert [next(stream).id for _ in range(4)] == [0, 1, 2, 3]


def test_redacted_text_returned_and_spans_point_into_original(pipeline):
    text = "My name is John Smith, call (212) 555-0187. The rent is too expensive."
    (result,) = pipeline.tag([(7, text, "en")])
    assert result.redacted_text == "My name is [NAME], call [PHONE]. The rent is too expensive."
    cost = next(t for t in result.tags if t.code == "barrier.cost")
    assert [text[s:e] for s, e in cost.spans] == ["expensive"]
    assert "John" not in repr(result.tags)


def test_language_detected_when_declaration_is_wrong_or_missing(pipeline):
    (a, b) = pipeline.tag([(1, "אין מקום בגנים והמחירים יקרים מאוד בשכונה שלנו", "en"),
                           (2, "Нет мест в детском саду, а очередь огромная", None)])
    assert (a.language, b.language) == ("he", "ru")
    assert "barrier.capacity" in {t.code for t in a.tags}
    assert "barrier.capacity" in {t.code for t in b.tags}


def test_model_called_once_per_batch_with_redacted_text(codebook):
    model = FakeModel()
    p = Pipeline(codebook, model, batch_size=2)
    items = [(i, f"Call 212-555-0187, the fee is too high {i}", "en") for i in range(3)]
    results = list(p.tag(items))
    assert [len(c) for c in model.calls] == [2, 1]
    assert all("[PHONE]" in t and "555" not in t for c in model.calls for t in c)
    tags = results[0].tags
    assert TagResult("barrier.cost", "model", 0.7, ()) in tags
    assert any(t.code == "barrier.cost" and t.source == "rule" for t in tags)
    assert not any(t.code in ("theme.food", "theme.unknown") for t in tags)
    assert tags == sorted(tags, key=lambda t: (t.code, t.source))


def test_deterministic(pipeline):
    items = [(i, t, "en") for i, t in enumerate(
        ["rent and fees are expensive", "no bus, no car, far away", "the park is dirty"])]
    assert list(pipeline.tag(items)) == list(pipeline.tag(items))


def test_match_preview(pipeline):
    tags = pipeline.match("אין מקום במעון", "he")
    assert {t.code for t in tags} == {"barrier.capacity", "theme.early_learning"}
    assert all(t.source == "rule" for t in tags)


def test_version_key_tracks_codebook_and_model(codebook):
    base = Pipeline(codebook).version_key()
    assert base == Pipeline(load_codebook()).version_key()
    assert Pipeline(codebook, FakeModel()).version_key() != base
    data = codebook.to_dict()
    data["codes"][0]["keywords"]["en"].append("nursery school")
    assert Pipeline(load_codebook(data)).version_key() != base


def test_unsupported_language_gets_no_rule_tags(pipeline):
    (r,) = pipeline.tag([(1, "Der Kindergarten ist viel zu teuer für unsere Familie hier", "de")])
    assert r.language == "de" and r.tags == []
