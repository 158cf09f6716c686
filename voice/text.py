"""Cleaning free text before it is stored."""
from __future__ import annotations

import re

# Control characters other than tab and line breaks: no keyboard types them, and PostgreSQL
# refuses NUL in text, so they are dropped rather than stored (or refused with a server error).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    return _CONTROL.sub("", value)
