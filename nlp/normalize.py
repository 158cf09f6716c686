"""Text normalisation for matching, with a map back to the original text.

Matching needs a canonical form (NFKC, case-folded, no Hebrew points or Arabic
harakat, collapsed whitespace), but evidence must point into what the resident
actually wrote, so :func:`normalize` keeps, for every output character, the
span of original characters it came from.
"""
import re
import unicodedata
from typing import NamedTuple

__all__ = ["Normalized", "normalize", "fold"]

# Hebrew niqqud and cantillation, Arabic harakat, Quranic marks and tatweel,
# plus invisible bidi/zero-width controls that RTL keyboards insert.
_MARKS = re.compile(
    "[\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0640"
    "\u00ad\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
_MESSY_SPACE = re.compile(r"\s{2,}|[^\S ]|^\s|\s$")


class Normalized(NamedTuple):
    """Normalised ``text``; ``starts[i]``/``ends[i]`` bound the original
    characters that produced ``text[i]``."""

    text: str
    starts: tuple
    ends: tuple

    def to_original(self, start, end):
        """Map a half-open span of ``text`` to a span of the original."""
        if start >= end:
            pos = self.starts[start] if start < len(self.starts) else (
                self.ends[-1] if self.ends else 0)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


def fold(text):
    """Normalise a single token (no offsets kept): the cheap path for lexemes."""
    return _MARKS.sub("", unicodedata.normalize("NFKC", text)).casefold()


def normalize(text):
    """Return the :class:`Normalized` form of ``text``; ``text`` is untouched."""
    if text.isascii() and not _MESSY_SPACE.search(text):
        # ASCII is already NFKC and casefold() == lower(): identity offsets.
        n = len(text)
        return Normalized(text.lower(), tuple(range(n)), tuple(range(1, n + 1)))
    clusters = []  # [orig_start, orig_end, output]
    for i, ch in enumerate(text):
        if ch.isspace():
            if clusters and clusters[-1][2] != " ":
                clusters.append([i, i + 1, " "])
            continue
        if _MARKS.match(ch):
            continue
        if unicodedata.combining(ch) and clusters and clusters[-1][2] != " ":
            # Re-normalise with the base so "e" + U+0301 composes to "é".
            last = clusters[-1]
            last[1] = i + 1
            last[2] = fold(text[last[0]:last[1]])
            continue
        out = fold(ch)
        if out:
            clusters.append([i, i + 1, out])
    if clusters and clusters[-1][2] == " ":
        clusters.pop()
    chars, starts, ends = [], [], []
    for start, end, out in clusters:
        for c in out:
            chars.append(c)
            starts.append(start)
            ends.append(end)
    return Normalized("".join(chars), tuple(starts), tuple(ends))
