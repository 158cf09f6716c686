"""The demo's fictional places: two cities, their neighbourhoods, who lives there, and the
emphasis residents there put on each code (so the committee view shows real differences).

The data is in ``places.yaml``."""
from __future__ import annotations

from pathlib import Path

import yaml

_PLACES = yaml.safe_load((Path(__file__).parent / "places.yaml").read_text(encoding="utf-8"))

CITIES: list[dict] = _PLACES["cities"]
NEIGHBOURHOODS: list[dict] = _PLACES["neighbourhoods"]
ROLE_SHARES: dict[str, float] = _PLACES["role_shares"]
AGE_BANDS: dict[str, float] = _PLACES["age_bands"]
INDICATORS: list[dict] = _PLACES["indicators"]
PERIODS: tuple[str, ...] = tuple(_PLACES["periods"])
