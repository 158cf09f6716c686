"""Evidence in a text as plain data: the text cut into parts, each marked or not. Templates and
scripts build the ``<mark>`` elements, so every part is escaped where it is shown."""
from __future__ import annotations


def _merged(spans) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for start, end in sorted((int(s), int(e)) for s, e in spans if e > s):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(start, end) for start, end in out]


def split_marks(text: str, spans) -> list[list]:
    """The text as [[part, marked], ...]; overlapping spans are marked once."""
    parts, cursor = [], 0
    for start, end in _merged(spans):
        start, end = max(start, cursor), min(end, len(text))
        if start >= end:
            continue
        if start > cursor:
            parts.append([text[cursor:start], False])
        parts.append([text[start:end], True])
        cursor = end
    if cursor < len(text):
        parts.append([text[cursor:], False])
    return parts
