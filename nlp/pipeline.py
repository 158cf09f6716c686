"""Pipeline.tag: language, redaction, keyword rules and an optional model, streamed."""
import gc
import hashlib
import multiprocessing
import os
import sys
import threading
from collections import deque
from functools import partial
from itertools import chain, islice
from typing import NamedTuple

from .langid import detect_language
from .matching import MATCH_LANGUAGES, KeywordMatcher, TagResult
from .redact import redact

__all__ = ["Item", "ItemResult", "Pipeline", "RULES_VERSION", "PARALLEL_MIN_ITEMS"]

# With n_process > 1, inputs shorter than this are tagged in-process: forking
# and starting the workers costs about as much as one process spends on a
# thousand items, so a pool cannot pay for itself below a couple of thousand.
PARALLEL_MIN_ITEMS = 2000
# Batches handed to the pool and not yet yielded, per worker: enough to keep
# every worker busy while the parent unpickles, without reading far ahead.
_IN_FLIGHT_PER_WORKER = 2

# Bump when matching or redaction logic changes so stored machine tags are redone.
RULES_VERSION = "2"  # 2: names after titles and caseless kinship cues, IDs after a cue


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

    def __init__(self, codebook, model=None, *, phone_regions=("IL", "US"), batch_size=512,
                 n_process=1):
        self.codebook = codebook
        self.model = model
        self.phone_regions = phone_regions
        self.batch_size = batch_size
        self.n_process = n_process

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
        """Yield one :class:`ItemResult` per item, in input order, batch by batch.

        With ``n_process`` > 1 (-1: one per CPU) batches are tagged by a pool of
        forked worker processes with identical results. The pool is used only
        where the "fork" start method exists, the input has at least
        :data:`PARALLEL_MIN_ITEMS` items (that many are read ahead to find out)
        and, on Python 3.12+, no other thread is running; otherwise, tagging
        stays in this process. The pool is shut down when the generator ends or
        is closed.
        """
        items = iter(items)
        workers = self._workers()
        if workers > 1:
            head = list(islice(items, PARALLEL_MIN_ITEMS))
            if len(head) == PARALLEL_MIN_ITEMS:
                yield from self._tag_parallel(chain(head, items), workers)
                return
            items = iter(head)
        for batch in self._batches(items):
            yield from self._tag_batch(batch)

    def _batches(self, items):
        while batch := [_as_item(raw) for raw in islice(items, self.batch_size)]:
            yield batch

    def _workers(self):
        n = self.n_process
        if n is None or n == 1:
            return 1
        if not isinstance(n, int) or n == 0 or n < -1:
            raise ValueError(f"n_process must be a positive integer or -1, not {n!r}")
        if n == -1:
            n = os.cpu_count() or 1
        if n <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            return 1
        # Python 3.12+ warns (DeprecationWarning) when a threaded process forks:
        # a lock held by another thread would stay locked in the child forever.
        if sys.version_info >= (3, 12) and threading.active_count() > 1:
            return 1
        return n

    def _tag_parallel(self, items, workers):
        # Build every language's matcher here so the forked workers inherit them
        # (copy-on-write) instead of each building its own.
        matcher = self.matcher_
        for lang in MATCH_LANGUAGES:
            matcher._language(lang)
        pool = multiprocessing.get_context("fork").Pool(
            workers, initializer=_init_worker, initargs=(self,))
        finished = False
        try:
            pending = deque()
            for batch in self._batches(items):
                # Only text and language go to the workers: ids stay here, so
                # they need not be picklable.
                pending.append((batch, pool.apply_async(
                    _tag_in_worker, ([(item.text, item.language) for item in batch],))))
                if len(pending) >= workers * _IN_FLIGHT_PER_WORKER:
                    yield from _rebuild(*_pop(pending))
            while pending:
                yield from _rebuild(*_pop(pending))
            finished = True
        finally:
            # Normally workers exit on their own; after an error or when the
            # caller stops early they are killed. Either way none outlives tag().
            if finished:
                pool.close()
            else:
                pool.terminate()
            pool.join()

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
        if self.model is None:
            # Rule tags come sorted by code, one per code: already in order.
            for i, item in enumerate(batch):
                yield ItemResult(item.id, languages[i], redacted[i], rules[i])
            return
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


# --- worker processes ---------------------------------------------------------
# Workers are forked, so they inherit the parent's pipeline (with its matchers)
# through the initializer's arguments without pickling it; batches travel as
# (text, language) pairs and results come back as plain tuples.

_worker_pipeline = None


def _init_worker(pipeline):
    global _worker_pipeline
    _worker_pipeline = pipeline
    # The inherited heap (vocabularies, lemma tables) never becomes garbage:
    # keep the collector off it, which also keeps those pages shared.
    gc.freeze()


def _tag_in_worker(pairs):
    batch = [Item(None, text, language) for text, language in pairs]
    # Unredacted text (the common case) is not sent back: None stands for it.
    return [(r.language, None if r.redacted_text is item.text else r.redacted_text,
             [tuple(t) for t in r.tags])
            for item, r in zip(batch, _worker_pipeline._tag_batch(batch))]


def _pop(pending):
    batch, result = pending.popleft()
    return batch, result.get()


_new_tag = partial(tuple.__new__, TagResult)  # TagResult(*t) without the Python-level __new__


def _rebuild(batch, results):
    for item, (language, redacted, tags) in zip(batch, results):
        yield ItemResult(item.id, language, item.text if redacted is None else redacted,
                         [_new_tag(t) for t in tags])
