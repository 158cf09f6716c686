"""Pipeline(n_process=2) gives exactly the results of one process, and leaves no process behind."""
import multiprocessing
import random

import pytest

import nlp.pipeline
from nlp import Item, Pipeline, TagResult, load_codebook

FILLER = {
    "en": "the we our and is are it very in for with this that they have not there".split(),
    "es": "el la los las y es muy en para con nuestro hay que una de no se".split(),
    "fr": "le la les et est très dans pour avec notre il y a une de que pas".split(),
    "he": "אנחנו שלנו זה מאוד יש עם על את של גם כל הרבה בשכונה היום אבל".split(),
    "ar": "نحن في على مع هذا جدا كل عندنا الحي اليوم كثير من إلى أن هو".split(),
    "ru": "мы наш это очень в на с для и у нас есть все район сегодня много".split(),
    "am": "እኛ የእኛ ይህ በጣም ውስጥ ለ ጋር እና አለ ሁሉ ሰፈር ዛሬ ብዙ ነው".split(),
}
EXTRAS = ["054-7654321", "(212) 555-0187", "dana@example.org", "www.example.org/x",
          "no problem", "не проблема", "אין בעיה", "\n", "  ", "12 Main Street"]
# Hand-checked in test_pipeline.py: they must come out the same from the workers.
KNOWN = [
    (Item("a", "The daycare is too expensive.", "en"), "en",
     {"barrier.cost", "theme.early_learning"}),
    (Item("b", "הגן יקר מדי", "he"), "he", {"barrier.cost", "theme.early_learning"}),
    (Item("c", "אין מקום בגנים והמחירים יקרים מאוד בשכונה שלנו", "en"), "he",
     {"barrier.capacity"}),
    (Item("d", "Нет мест в детском саду, а очередь огромная", None), "ru", {"barrier.capacity"}),
    (Item("e", "Der Kindergarten ist viel zu teuer für unsere Familie hier", "de"), "de", set()),
]
PHONE_TEXT = "My name is John Smith, call (212) 555-0187. The rent is too expensive."


def sample(codebook, n, seed=5):
    """Deterministic multilingual items: codebook keywords, filler, contact details,
    negations and messy whitespace, as tuples, dicts and Items, with unpicklable ids."""
    rng = random.Random(seed)
    langs = list(FILLER)
    keywords = {lang: [kw for code in codebook for kw in code.keywords.get(lang, ())]
                for lang in langs}
    items = []
    for i in range(n):
        lang = langs[i % len(langs)]
        words = []
        for _ in range(rng.randint(3, 40)):
            roll = rng.random()
            if roll < 0.15:
                words.append(rng.choice(keywords[lang]))
            elif roll < 0.18:
                words.append(rng.choice(EXTRAS))
            else:
                words.append(rng.choice(FILLER[lang]))
        text = " ".join(words) + rng.choice([".", "", "!", " ?"])
        declared = rng.choice([lang, lang, lang, None, "en"])
        item_id = object() if i % 97 == 0 else i
        form = i % 3
        items.append(Item(item_id, text, declared) if form == 0 else
                     {"id": item_id, "text": text, "language": declared} if form == 1 else
                     (item_id, text, declared))
    return items


class FakeModel:
    model_id_ = "fake-1"
    thresholds_ = {"barrier.cost": 0.5, "theme.food": 0.8}

    def predict_proba(self, texts):
        return [{"barrier.cost": 0.5 + len(t) % 7 / 10, "theme.food": len(t) % 3 / 2}
                for t in texts]


class BrokenModel(FakeModel):
    def predict_proba(self, texts):
        raise RuntimeError("model exploded")


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


@pytest.fixture(scope="module")
def items(codebook):
    known = [item for item, _, _ in KNOWN] + [Item("phone", PHONE_TEXT, "en")]
    return known + sample(codebook, 900)


@pytest.fixture(scope="module")
def single(codebook, items):
    return list(Pipeline(codebook, batch_size=64).tag(items))


@pytest.fixture
def small_threshold(monkeypatch):
    # The pool only starts from PARALLEL_MIN_ITEMS items; keep the tests quick.
    monkeypatch.setattr(nlp.pipeline, "PARALLEL_MIN_ITEMS", 200)


def no_children():
    return multiprocessing.active_children() == []


def test_two_processes_give_identical_results_in_order(codebook, items, single, small_threshold):
    p = Pipeline(codebook, batch_size=64, n_process=2)
    seen_workers = []
    results = []
    for result in p.tag(items):
        if not seen_workers:
            seen_workers.append(len(multiprocessing.active_children()))
        results.append(result)
    assert seen_workers == [2]  # the pool really ran
    assert results == single
    assert [r.id for r in results] == [i["id"] if isinstance(i, dict) else i[0] for i in items]
    assert no_children()


def test_hand_checked_expectations_hold_in_workers(codebook, items, small_threshold):
    results = {r.id: r for r in Pipeline(codebook, n_process=2).tag(items)
               if isinstance(r.id, str)}
    for item, language, codes in KNOWN:
        assert results[item.id].language == language
        assert codes <= {t.code for t in results[item.id].tags}, item
    phone = results["phone"]
    assert phone.redacted_text == "My name is [NAME], call [PHONE]. The rent is too expensive."
    cost = next(t for t in phone.tags if t.code == "barrier.cost")
    assert isinstance(cost, TagResult)
    assert [PHONE_TEXT[s:e] for s, e in cost.spans] == ["expensive"]


def test_sample_is_varied(single):
    assert len({r.language for r in single}) >= 7
    assert sum("[PHONE]" in r.redacted_text or "[EMAIL]" in r.redacted_text for r in single) > 20
    assert sum(bool(r.tags) for r in single) > len(single) * 0.8


def test_model_tags_identical_across_processes(codebook, items, small_threshold):
    one = list(Pipeline(codebook, FakeModel(), batch_size=50).tag(items))
    two = list(Pipeline(codebook, FakeModel(), batch_size=50, n_process=2).tag(items))
    assert one == two
    assert any(t.source == "model" for r in two for t in r.tags)


def test_deterministic_across_runs_and_worker_counts(codebook, items, single, small_threshold):
    p = Pipeline(codebook, batch_size=100, n_process=3)
    assert list(p.tag(items)) == single
    assert list(p.tag(items)) == single


def test_small_input_stays_in_process(codebook, items, single):
    assert len(items) < nlp.pipeline.PARALLEL_MIN_ITEMS
    stream = Pipeline(codebook, n_process=2).tag(items)
    first = next(stream)
    assert no_children()
    assert [first, *stream] == single


def test_streams_with_bounded_read_ahead_and_stops_cleanly(codebook, small_threshold):
    read = []

    def endless():
        for i in range(10**9):
            read.append(i)
            yield (i, f"the rent is expensive {i}", "en")

    p = Pipeline(codebook, batch_size=20, n_process=2)
    stream = p.tag(endless())
    assert [next(stream).id for _ in range(50)] == list(range(50))
    # Read ahead: the small-input probe plus the batches in flight, never the whole input.
    assert len(read) <= 200 + 2 * 2 * 20 + 20
    stream.close()
    assert no_children()


def test_worker_error_propagates_and_pool_is_shut_down(codebook, items, small_threshold):
    with pytest.raises(RuntimeError, match="model exploded"):
        list(Pipeline(codebook, BrokenModel(), n_process=2).tag(items))
    assert no_children()


def test_invalid_n_process(codebook):
    for bad in (0, -2, 1.5, "2"):
        with pytest.raises(ValueError):
            list(Pipeline(codebook, n_process=bad).tag([(1, "text", "en")]))
    (r,) = Pipeline(codebook, n_process=None).tag([(1, "The rent is too expensive", "en")])
    assert "barrier.cost" in {t.code for t in r.tags}  # None means one process, like 1
