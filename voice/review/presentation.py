"""What every committee page shares: the smallest count it may show, and places and indicators
named in the reader's language."""
from __future__ import annotations

from flask import current_app

from ..models import Geography, Indicator
from ..models.base import labels_in


def threshold() -> int:
    return int(current_app.config["SUPPRESSION_MIN"])


def geography_label(geography: Geography | None, locale: str) -> str:
    if geography is None:
        return ""
    return (geography.names or {}).get(locale) or geography.name


def indicator_label(indicator: Indicator, locale: str) -> str:
    return labels_in(indicator.name, locale) or indicator.code
