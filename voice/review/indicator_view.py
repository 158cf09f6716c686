"""The joined view: an indicator's values beside the residents raising its linked codes, by
place and group, each side protected (``privacy``).

Indicator values are joined on the latest indicator period that starts no later than the
selected period. ``joined_view`` returns a plain dictionary whose figures are already
protected, so templates, charts, the PDF and the exports all show the same, safe numbers.
"""
from __future__ import annotations

from statistics import mean
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import ALL_GROUPS, Campaign, Geography, Indicator, IndicatorValue
from ..models.base import labels_in
from . import aggregates as agg
from .facts import code_key, linked_code_ids
from .presentation import geography_label, indicator_label, threshold
from .privacy import TOTAL, Cell, Grid, protect_grid


def _scope_geographies(indicator: Indicator, f: agg.Filters) -> list[Geography]:
    """Geographies with values for the indicator, inside the geography filter when one is set."""
    ids = indicator_geography_ids(indicator, f.geography_ids)
    if not ids:
        return []
    return list(db.session.scalars(select(Geography).where(Geography.id.in_(ids)).order_by(Geography.name)))


def joined_view(campaign: Campaign, f: agg.Filters, indicator: Indicator, locale: str,
                group_key: str = "language") -> dict[str, Any]:
    n = threshold()
    periods = indicator_periods(indicator)
    period = matching_period(periods, f.period)
    geographies = _scope_geographies(indicator, f)
    geo_ids = [g.id for g in geographies]
    values = indicator_values(indicator, tuple(geo_ids) or None, group_key)
    by_key = {(v.geography_id, v.period, v.group_value if v.group_key else ALL_GROUPS): v for v in values}
    groups = sorted({v.group_value for v in values if v.group_key == group_key})

    # Indicator values: hidden where the group measured is smaller than n (by its denominator),
    # with complementary hiding along each geography's groups.
    value_grid = Grid(rows=geo_ids, cols=groups)
    for gid in geo_ids:
        for group in groups + [TOTAL]:
            value = by_key.get((gid, period, ALL_GROUPS if group == TOTAL else group))
            value_grid.cells[gid, group] = Cell(_denominator(value))
    for group in groups + [TOTAL]:
        value_grid.cells[TOTAL, group] = Cell(sum(value_grid.cells[gid, group].count for gid in geo_ids) or 10 ** 9)
    protect_grid(value_grid, n)

    # Residents: who in the same geography and group raised the indicator's linked codes.
    # Protected over every geography (not only those in view), so that two views with different
    # geography filters hide the same cells and cannot be subtracted from each other.
    # One question to the cube, by place and group, for all the code keys below.
    scoped = agg.Filters(f.campaign_id, f.period)
    linked = linked_code_ids(indicator)
    barriers = linked_code_ids(indicator, "barrier")
    linked_key, barriers_key = code_key(linked), code_key(barriers)
    table = agg.tally(scoped, ("geography", group_key),
                      [linked_key, barriers_key, *(code_key([code_id]) for code_id in barriers)])
    # By place and group for the linked codes; by place alone (groups summed) for the barriers.
    residents = protect_grid(agg.grid_from(table, cols=True, hits_key=linked_key), n)
    barrier_grid = protect_grid(agg.grid_from(table, cols=False, hits_key=barriers_key), n)
    codes = agg.codes_by_id()
    per_barrier = []
    for code_id in barriers:
        code_grid = protect_grid(agg.grid_from(table, cols=False, hits_key=code_key([code_id])), n)
        per_barrier.append({"code": codes[code_id], "label": labels_in(codes[code_id].labels, locale),
                            "grid": code_grid})

    rows = []
    overall_values = {}
    for geography in geographies:
        cell = value_grid.cells[geography.id, TOTAL]
        value = by_key.get((geography.id, period, ALL_GROUPS))
        shown = None if cell.hidden or value is None else value.value
        overall_values[geography.id] = shown
        group_values = {}
        for group in groups:
            v = by_key.get((geography.id, period, group))
            group_values[group] = None if value_grid.cells[geography.id, group].hidden or v is None else v.value
        visible = [x for x in group_values.values() if x is not None]
        trend = []
        for p in periods:
            v = by_key.get((geography.id, p, ALL_GROUPS))
            trend.append(None if v is None or _denominator(v) < n else v.value)
        rows.append({"geography": geography, "label": geography_label(geography, locale), "value": shown,
                     "groups": group_values, "gap": (max(visible) - min(visible)) if len(visible) >= 2 else None,
                     "trend": trend, "residents": residents.cells.get((geography.id, TOTAL)),
                     "residents_by_group": {g: residents.cells.get((geography.id, g)) for g in groups},
                     "barriers": barrier_grid.cells.get((geography.id, TOTAL))})
    better_high = indicator.direction == "higher_is_better"
    shown_values = [x for x in overall_values.values() if x is not None]
    reference = mean(shown_values) if shown_values else None
    points = []
    for row in rows:
        barrier_cell = row["barriers"]
        if row["value"] is None or reference is None or barrier_cell is None or barrier_cell.share is None:
            continue
        shortfall = (reference - row["value"]) if better_high else (row["value"] - reference)
        row["shortfall"] = shortfall
        points.append({"label": row["label"], "x": shortfall, "y": 100 * barrier_cell.share})
    overall_barrier = barrier_grid.cells.get((TOTAL, TOTAL))
    return {"indicator": indicator, "label": indicator_label(indicator, locale), "period": period,
            "periods": periods, "groups": groups, "group_key": group_key, "rows": rows,
            "residents": residents, "barriers": per_barrier, "barrier_total": overall_barrier,
            "points": points, "reference": reference, "threshold": n,
            "linked_codes": [codes[i] for i in linked]}


def _denominator(value) -> int:
    if value is None:
        return 0
    if value.denominator is None:
        return 10 ** 9  # published without a denominator: treated as large (the source answers for it)
    return int(value.denominator)


# ---------------------------------------------------------------- indicator values

def indicator_values(indicator: Indicator, geography_ids: tuple[int, ...] | None = None,
                     group_key: str | None = None) -> list:
    """The indicator's values (overall and by ``group_key``) as plain rows: geography_id,
    period, group_key, group_value, value, denominator. Thousands at a time: no ORM objects."""
    query = select(IndicatorValue.geography_id, IndicatorValue.period, IndicatorValue.group_key,
                   IndicatorValue.group_value, IndicatorValue.value, IndicatorValue.denominator).where(
        IndicatorValue.indicator_id == indicator.id)
    if geography_ids:
        query = query.where(IndicatorValue.geography_id.in_(geography_ids))
    if group_key:
        query = query.where(IndicatorValue.group_key.in_((ALL_GROUPS, group_key)))
    return list(db.session.execute(query))


def indicator_geography_ids(indicator: Indicator, geography_ids: tuple[int, ...] | None = None) -> set[int]:
    """The places the indicator has values for (within ``geography_ids`` when given)."""
    query = select(IndicatorValue.geography_id).where(IndicatorValue.indicator_id == indicator.id)
    if geography_ids:
        query = query.where(IndicatorValue.geography_id.in_(geography_ids))
    return set(db.session.scalars(query.group_by(IndicatorValue.geography_id)))


def indicator_periods(indicator: Indicator) -> list[str]:
    return sorted(db.session.scalars(select(IndicatorValue.period).where(IndicatorValue.indicator_id == indicator.id)
                                     .group_by(IndicatorValue.period)))


def matching_period(available: list[str], period: agg.Period | None) -> str | None:
    """The latest indicator period that starts no later than the selected one."""
    if not available:
        return None
    if period is None:
        return available[-1]
    eligible = [p for p in available if int(p[:4]) <= period.year]
    return eligible[-1] if eligible else available[0]
