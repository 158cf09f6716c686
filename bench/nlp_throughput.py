"""Throughput of the nlp pipeline and its stages on synthetic multilingual items.

    python bench/nlp_throughput.py [--n 50000] [--seed 7] [--processes 2]

Items are 10-80 words built from codebook keywords, filler words and, now and
then (0.2% of words, about one item in eleven), a phone number or e-mail,
mixed across the seven languages.

The whole pipeline runs with n_process=1 and n_process=N (--processes, default
2); each line also gives CPU seconds (this process plus its workers) because
wall-clock rates mean little on a busy machine, and the load average is
printed for the same reason.
"""
import argparse
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import spacy  # noqa: E402

from nlp import Pipeline, detect_language, load_codebook, redact  # noqa: E402

FILLER = {
    "en": "the we our and is are it very in for with this that they have not there a of to".split(),
    "es": "el la los las y es muy en para con nuestro hay que una de no se por".split(),
    "fr": "le la les et est très dans pour avec notre il y a une de que pas nous".split(),
    "he": "אנחנו שלנו זה מאוד יש עם על את של גם כל הרבה בשכונה היום אבל".split(),
    "ar": "نحن في على مع هذا جدا كل عندنا الحي اليوم كثير من إلى أن هو".split(),
    "ru": "мы наш это очень в на с для и у нас есть все район сегодня много".split(),
    "am": "እኛ የእኛ ይህ በጣም ውስጥ ለ ጋር እና አለ ሁሉ ሰፈር ዛሬ ብዙ ነው".split(),
}
PII = ["054-7654321", "(212) 555-0187", "dana@example.org", "+972 52 876 5432"]


def make_items(n, seed, codebook):
    rng = random.Random(seed)
    langs = list(FILLER)
    keywords = {lang: [kw for code in codebook for kw in code.keywords.get(lang, ())]
                for lang in langs}
    items = []
    for i in range(n):
        lang = langs[i % len(langs)]
        words, target = [], rng.randint(10, 80)
        while len(words) < target:
            roll = rng.random()
            if roll < 0.12:
                words.extend(rng.choice(keywords[lang]).split())
            elif roll < 0.122:  # about one item in eleven carries contact details
                words.append(rng.choice(PII))
            else:
                words.append(rng.choice(FILLER[lang]))
        items.append((i, " ".join(words) + ".", lang))
    return items


def _cpu():
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # reaped pool workers
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(label, items, words, fn):
    cpu = _cpu()
    start = time.perf_counter()
    fn()
    secs = time.perf_counter() - start
    cpu = _cpu() - cpu
    print(f"{label:<24} {len(items) / secs:>10,.0f} items/s {words / secs:>12,.0f} words/s"
          f" {secs:>7.2f} s  cpu {cpu:>6.2f} s")
    return secs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args(argv)

    codebook = load_codebook()
    items = make_items(args.n, args.seed, codebook)
    words = sum(len(text.split()) for _, text, _ in items)
    print(f"{len(items):,} items, {words:,} words, {words / len(items):.1f} words/item;"
          f" {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")

    pipeline = Pipeline(codebook)
    start = time.perf_counter()
    for lang in FILLER:  # load lemma tables and matchers outside the timed runs
        pipeline.match("warm up", lang)
    print(f"{'setup (7 languages)':<24} {time.perf_counter() - start:>39.2f} s")

    blanks = {lang: spacy.blank(lang) for lang in FILLER}
    by_lang = {}
    for _, text, lang in items:
        by_lang.setdefault(lang, []).append(text)

    def tokenizer_only():
        for lang, texts in by_lang.items():
            for _ in blanks[lang].tokenizer.pipe(texts):
                pass

    def matching_only():
        for lang, texts in by_lang.items():
            for _ in pipeline.matcher_.match_many(texts, lang):
                pass

    bare = timed("bare spaCy tokenizer", items, words, tokenizer_only)
    timed("language id", items, words,
          lambda: [detect_language(text, lang) for _, text, lang in items])
    timed("redaction", items, words, lambda: [redact(text, lang) for _, text, lang in items])
    timed("keyword matching", items, words, matching_only)
    total = timed("whole pipeline, 1 proc", items, words,
                  lambda: sum(1 for _ in pipeline.tag(items)))
    pipeline.n_process = args.processes  # same matchers: the workers inherit them
    parallel = timed(f"whole pipeline, {args.processes} proc", items, words,
                     lambda: sum(1 for _ in pipeline.tag(items)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"pipeline / bare tokenizer time ratio: {total / bare:.2f}x at 1 process,"
          f" {parallel / bare:.2f}x at {args.processes}")
    print(f"peak resident memory: {peak:,.0f} MiB (largest worker {worker_peak:,.0f} MiB,"
          " mostly pages shared with this process)")


if __name__ == "__main__":
    main()
