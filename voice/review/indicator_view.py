"""The joined view: an indicator's values beside the residents raising its linked codes, by
place and group, each side protected (``privacy``).

Indicator values are those of the selected period's year (the latest when the whole campaign is
selected): never an earlier year's under a later filter; the trend runs up to that year. ``joined_view`` returns a plain dictionary whose figures are already
protected, so templates, charts, the PDF and the exports all show the same, safe numbers.
"""
from __future__ import annotations

from dataclasses import dataclass
from statistics import mean
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import ALL_GROUPS, Campaign, Code, Geography, Indicator, IndicatorValue
from ..models.base import labels_in
from . import aggregates as agg
from .facts import code_key, linked_code_ids
from .presentation import geography_label, indicator_label, threshold
from .privacy import TOTAL, Cell, Grid, protect_grid


def _scope_geographies(indicator: Indicator, f: agg.Filters) -> list[Geography]:
    """Geographies with values for the indicator, inside the geography filter when one is set."""
    ids = IndicatorValue.geography_ids_of(indicator, f.geography_ids)
    if not ids:
        return []
    return list(db.session.scalars(select(Geography).where(Geography.id.in_(ids)).order_by(Geography.name)))


def joined_view(campaign: Campaign, f: agg.Filters, indicator: Indicator, locale: str,
                group_key: str = "language") -> dict[str, Any]:
    n = threshold()
    geographies = _scope_geographies(indicator, f)
    values = _indicator_values(indicator, f, [g.id for g in geographies], group_key, n)
    voices = _voices(indicator, f, group_key, locale, n)
    rows = [_place_row(geography, values, voices, locale, n) for geography in geographies]
    reference, points = _shortfalls(rows, indicator)
    return {"indicator": indicator, "label": indicator_label(indicator, locale), "period": values.period,
            "periods": values.periods, "groups": values.groups, "group_key": group_key, "rows": rows,
            "residents": voices.residents, "barriers": voices.per_barrier,
            "barrier_total": voices.barriers.cells.get((TOTAL, TOTAL)), "points": points, "reference": reference,
            "threshold": n, "linked_codes": voices.linked_codes,
            "earlier_period": None if values.period or f.period is None else latest_before(values.periods, f.period),
            "shown_groups": [] if mostly_hidden(rows, values.groups) else values.groups}


def mostly_hidden(rows: list[dict[str, Any]], groups: list[str]) -> bool:
    """True when more than half the cells split by group (the indicator's value and the share of
    residents) would read "fewer than n": the table then shows places without the split."""
    cells = [(row["groups"][group], row["residents_by_group"].get(group)) for row in rows for group in groups]
    hidden = sum((value is None) + (voices is None or voices.share is None) for value, voices in cells)
    return bool(cells) and hidden > len(cells)


@dataclass
class IndicatorValues:
    """The indicator's values in view: ``grid`` says which of the matching period's are hidden."""
    periods: list[str]
    period: str | None  # the one matching the selected period
    groups: list[str]
    by_key: dict[tuple, Any]  # (geography id, period, group value or ALL_GROUPS) -> value row
    grid: Grid

    def shown(self, geography_id: int, group: str = TOTAL) -> float | None:
        """A place's value in the matching period (for one group), None where hidden or missing."""
        value = self.by_key.get((geography_id, self.period, ALL_GROUPS if group == TOTAL else group))
        return None if value is None or self.grid.cells[geography_id, group].hidden else value.value

    def trend(self, geography_id: int, n: int) -> list[float | None]:
        """A place's value in every period, None where missing or measured on fewer than ``n``."""
        values = (self.by_key.get((geography_id, period, ALL_GROUPS)) for period in self.periods)
        return [None if value is None or _denominator(value) < n else value.value for value in values]


def _indicator_values(indicator: Indicator, f: agg.Filters, geo_ids: list[int], group_key: str,
                      n: int) -> IndicatorValues:
    """Values are hidden where the group measured is smaller than n (by its denominator), with
    complementary hiding along each geography's groups."""
    periods = [p for p in IndicatorValue.periods_of(indicator) if f.period is None or int(p[:4]) <= f.period.year]
    period = matching_period(periods, f.period)
    values = IndicatorValue.rows_of(indicator, tuple(geo_ids) or None, group_key)
    by_key = {(v.geography_id, v.period, v.group_value if v.group_key else ALL_GROUPS): v for v in values}
    groups = sorted({v.group_value for v in values if v.group_key == group_key})
    grid = Grid(rows=geo_ids, cols=groups)
    for gid in geo_ids:
        for group in groups + [TOTAL]:
            value = by_key.get((gid, period, ALL_GROUPS if group == TOTAL else group))
            grid.cells[gid, group] = Cell(_denominator(value))
    for group in groups + [TOTAL]:
        grid.cells[TOTAL, group] = Cell(sum(grid.cells[gid, group].count for gid in geo_ids) or 10 ** 9)
    return IndicatorValues(periods, period, groups, by_key, protect_grid(grid, n))


@dataclass
class Voices:
    """Residents raising the indicator's linked codes, protected."""
    linked_codes: list[Code]
    residents: Grid  # by place and group, raising any linked code
    barriers: Grid  # by place, raising any linked barrier
    per_barrier: list[dict[str, Any]]  # each linked barrier: its code, label and grid by place


def _voices(indicator: Indicator, f: agg.Filters, group_key: str, locale: str, n: int) -> Voices:
    """Who in the same geography and group raised the indicator's linked codes. Protected over
    every geography (not only those in view), so that two views with different geography
    filters hide the same cells and cannot be subtracted from each other. One question to the
    cube, by place and group, for all the code keys below. Every place and group the view of
    this indicator can show is a row or column, residents or not, so that a place with nobody
    is a protected 0 rather than missing (its total minus the shown places would reveal it)."""
    linked = linked_code_ids(indicator)
    barriers = linked_code_ids(indicator, "barrier")
    linked_key, barriers_key = code_key(linked), code_key(barriers)
    table = agg.tally(agg.Filters(f.campaign_id, f.period), ("geography", group_key),
                      [linked_key, barriers_key, *(code_key([code_id]) for code_id in barriers)])
    codes = agg.codes_by_id()
    places, groups = IndicatorValue.geography_ids_of(indicator), IndicatorValue.group_values_of(indicator, group_key)

    def by_place(hits_key: str | None) -> Grid:
        """Groups summed, for the barriers."""
        return protect_grid(agg.grid_from(table, cols=False, hits_key=hits_key, all_rows=places), n)

    residents = protect_grid(agg.grid_from(table, cols=True, hits_key=linked_key, all_rows=places,
                                           all_cols=groups), n)
    per_barrier = [{"code": codes[code_id], "label": labels_in(codes[code_id].labels, locale),
                    "grid": by_place(code_key([code_id]))} for code_id in barriers]
    return Voices([codes[i] for i in linked], residents, by_place(barriers_key), per_barrier)


def _place_row(geography: Geography, values: IndicatorValues, voices: Voices, locale: str, n: int) -> dict[str, Any]:
    by_group = {group: values.shown(geography.id, group) for group in values.groups}
    visible = [value for value in by_group.values() if value is not None]
    return {"geography": geography, "label": geography_label(geography, locale), "value": values.shown(geography.id),
            "groups": by_group, "gap": (max(visible) - min(visible)) if len(visible) >= 2 else None,
            "trend": values.trend(geography.id, n), "residents": voices.residents.cells.get((geography.id, TOTAL)),
            "residents_by_group": {g: voices.residents.cells.get((geography.id, g)) for g in values.groups},
            "barriers": voices.barriers.cells.get((geography.id, TOTAL))}


def _shortfalls(rows: list[dict[str, Any]], indicator: Indicator) -> tuple[float | None, list[dict[str, Any]]]:
    """The mean of the places' shown values; each place's shortfall from it (set on its row) and
    the quadrant chart's points: shortfall against the share raising the linked barriers."""
    shown = [row["value"] for row in rows if row["value"] is not None]
    reference = mean(shown) if shown else None
    better_high = indicator.direction == "higher_is_better"
    points = []
    for row in rows:
        barrier_cell = row["barriers"]
        if row["value"] is None or reference is None or barrier_cell is None or barrier_cell.share is None:
            continue
        shortfall = (reference - row["value"]) if better_high else (row["value"] - reference)
        row["shortfall"] = shortfall
        points.append({"label": row["label"], "x": shortfall, "y": 100 * barrier_cell.share})
    return reference, points


def _denominator(value) -> int:
    if value is None:
        return 0
    if value.denominator is None:
        return 10 ** 9  # published without a denominator: treated as large (the source answers for it)
    return int(value.denominator)


# ---------------------------------------------------------------- indicator values

def matching_period(available: list[str], period: agg.Period | None) -> str | None:
    """The indicator period of the selected one's year (the latest when none is selected), else None."""
    if not available:
        return None
    if period is None:
        return available[-1]
    same_year = [p for p in available if int(p[:4]) == period.year]
    return same_year[-1] if same_year else None


def latest_before(available: list[str], period: agg.Period) -> str | None:
    """The latest indicator period of an earlier year than the selected one (offered, never shown in its place)."""
    earlier = [p for p in available if int(p[:4]) < period.year]
    return earlier[-1] if earlier else None
