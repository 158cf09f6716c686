"""Recall of personal-data redaction per type and per language on a held-out labelled set.

    python bench/pii_recall.py [--cases bench/data/pii_heldout.yaml] [--misses]

A labelled span counts as found when one redaction of its type covers it whole (card numbers,
labelled CARD, are masked as ID). The false-positive rate is the share of clean cases (no
personal data) that come back changed. The cases were written apart from the detector's
patterns and are not used by the unit tests, so the figures say how redaction does on text
it was not tuned on; keep it that way: a miss found here is fixed by a general rule and a
unit test of its own, not by adding this case to the tests.
"""
import argparse
import sys
from collections import Counter
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp.redact import find_pii  # noqa: E402

DEFAULT_CASES = Path(__file__).parent / "data" / "pii_heldout.yaml"
MASKED_AS = {"CARD": "ID"}


def score(cases):
    """(found, labelled) per (language, type), and the clean cases that were changed."""
    found, labelled, false_alarms = Counter(), Counter(), []
    for case in cases:
        text, lang = case["text"], case["lang"]
        spans = find_pii(text, lang)
        if not case["pii"]:
            if spans:
                false_alarms.append((case, spans))
            continue
        for kind, sub in case["pii"]:
            start = text.index(sub)
            end = start + len(sub)
            labelled[lang, kind] += 1
            found[lang, kind] += any(span.type == MASKED_AS.get(kind, kind)
                                     and span.start <= start and span.end >= end
                                     for span in spans)
            if not any(span.type == MASKED_AS.get(kind, kind) and span.start <= start
                       and span.end >= end for span in spans):
                case.setdefault("missed", []).append((kind, sub, spans))
    return found, labelled, false_alarms


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--misses", action="store_true", help="print every miss and false alarm")
    args = parser.parse_args(argv)
    cases = yaml.safe_load(args.cases.read_text(encoding="utf-8"))["cases"]
    found, labelled, false_alarms = score(cases)
    clean = sum(1 for case in cases if not case["pii"])
    print(f"{len(cases)} cases, {len(cases) - clean} with personal data, {clean} clean")
    print(f"{'type':<9}{'found':>7}{'of':>5}{'recall':>8}")
    for kind in sorted({kind for _, kind in labelled}):
        hit = sum(n for (_, k), n in found.items() if k == kind)
        total = sum(n for (_, k), n in labelled.items() if k == kind)
        print(f"{kind:<9}{hit:>7}{total:>5}{hit / total:>8.3f}")
    print(f"{'language':<9}{'found':>7}{'of':>5}{'recall':>8}")
    for lang in sorted({lang for lang, _ in labelled}):
        hit = sum(n for (lg, _), n in found.items() if lg == lang)
        total = sum(n for (lg, _), n in labelled.items() if lg == lang)
        print(f"{lang:<9}{hit:>7}{total:>5}{hit / total:>8.3f}")
    print(f"false positives: {len(false_alarms)} of {clean} clean cases changed "
          f"({len(false_alarms) / clean:.1%})")
    if args.misses:
        for case in cases:
            for kind, sub, spans in case.get("missed", ()):
                print(f"MISS {kind} {sub!r} in {case['text']!r}: got {spans}")
        for case, spans in false_alarms:
            print(f"FALSE {case['text']!r}: {spans}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
