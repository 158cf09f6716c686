"""What the committee sees, assembled from aggregate queries with suppression applied.

Views call ``dashboard`` and ``joined_view``; both return plain dictionaries whose figures are
already protected (``privacy``), so templates, charts, the PDF and the exports all show the
same, safe numbers. Actions ("we heard -> we will do") are recorded here too.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from statistics import mean
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import (ACTION_STATUSES, ALL_GROUPS, Action, AuditEvent, Campaign, Code, Geography, Indicator,
                      ListeningSession)
from ..models.base import as_utc, labels_in
from ..nlp_adapter import redaction_preview
from . import aggregates as agg
from .facts import code_key, linked_code_ids
from .privacy import TOTAL, Cell, Grid, protect_grid, protect_list
from .quotes import quotes_for_code

TOP = 8


def threshold() -> int:
    return int(current_app.config["SUPPRESSION_MIN"])


def geography_label(geography: Geography | None, locale: str) -> str:
    if geography is None:
        return ""
    return (geography.names or {}).get(locale) or geography.name


def indicator_label(indicator: Indicator, locale: str) -> str:
    return labels_in(indicator.name, locale) or indicator.code


# ---------------------------------------------------------------- themes and barriers

def dashboard(campaign: Campaign, f: agg.Filters, locale: str, *, geography: Geography | None = None,
              quotes: bool = True) -> dict[str, Any]:
    n = threshold()
    previous_period = f.period.previous() if f.period else None
    # One question to the cube: both periods by quarter, the narrowing filters lifted, so that
    # the selected figures and every neighbour the cross-filter check needs come from it.
    wider, found = agg.lifts(f, geography)
    table = agg.lifted_tally(wider, found, [f.period, previous_period] if f.period else [])
    cells, total, hidden_total = _protected_codes(table, found, 0, n)
    previous: dict[int, Cell] = {}
    if previous_period is not None:
        previous, _total, _hidden = _protected_codes(table, found, 1, n)
    codes = agg.codes_by_id()
    sections: dict[str, list[dict[str, Any]]] = {"theme": [], "barrier": []}
    ranked = sorted(cells.items(), key=lambda item: (item[1].hidden, -item[1].hits, codes[item[0]].key))
    for code_id, cell in ranked:
        code = codes[code_id]
        rows = sections[code.kind]
        if len(rows) >= TOP:
            continue
        before = previous.get(code_id)
        change = None
        if cell.share is not None and before is not None and before.share is not None:
            change = 100 * (cell.share - before.share)
        rows.append({"code": code, "key": code.key, "label": labels_in(code.labels, locale) or code.key,
                     "cell": cell, "previous": before, "change": change,
                     "quotes": quotes_for_code(f, code_id) if quotes and not cell.hidden else []})
    return {"residents": Cell(total, None, hidden_total), "themes": sections["theme"],
            "barriers": sections["barrier"], "threshold": n, "previous_period": previous_period}


def _protected_codes(table, found: list[agg.Lift], period: int, n: int) -> tuple[dict[int, Cell], int, bool]:
    """Residents raising each code in ``period`` (its index in the table) with every filter
    applied, protected; the population; and whether the population itself must be hidden."""
    selected = agg.select_lifted(table, found, period)
    total = selected[agg.RESIDENTS, None]
    cells = protect_list(agg.single_codes(selected), total, n)
    hidden = total < n or _hide_by_filters(cells, table, found, period, n)
    return cells, total, hidden


def _hide_by_filters(cells: dict[int, Cell], table, found: list[agg.Lift], period: int, n: int) -> bool:
    """Cross-filter protection: for each narrowing filter, break the population down by every
    value of that filter's dimension (the other filters kept), protect that breakdown with
    complementary suppression, and hide whatever is hidden there. So the figures for one
    neighbourhood cannot be worked out from the city's and the other neighbourhoods', nor one
    channel's from the others'. Returns True when the population itself must be hidden."""
    hide_population = False
    for index, lift in enumerate(found):
        by_value = agg.select_lifted(table, found, period, free=index)
        residents = {value: count for (key, value), count in by_value.items() if key == agg.RESIDENTS}
        wider_total = sum(residents.values())
        wider_counts = agg.single_codes(by_value)
        values = sorted(set(residents) | {lift.selected}, key=lambda v: (v is None, str(v)))
        population_grid = protect_grid(_column(values, residents, wider_total, None), n)
        if population_grid.cells[(lift.selected, TOTAL)].hidden:
            hide_population = True
        for code_id, cell in cells.items():
            code_hits = {v: by_value.get((str(code_id), v), 0) for v in values}
            grid = protect_grid(_column(values, residents, wider_total, code_hits,
                                        wider_counts.get(code_id, 0)), n)
            if grid.cell(lift.selected, TOTAL).hidden:
                cell.hidden = True
    if hide_population:
        for cell in cells.values():
            cell.hidden = True
    return hide_population


def _column(values, residents, total, hits, total_hits=None) -> Grid:
    grid = Grid(rows=list(values), cols=[])
    for value in values:
        grid.cells[value, TOTAL] = Cell(residents.get(value, 0), None if hits is None else hits.get(value, 0))
    grid.cells[TOTAL, TOTAL] = Cell(total, total_hits)
    return grid


# ---------------------------------------------------------------- joined view

@dataclass
class GeoRow:
    geography: Geography | None
    label: str


def _scope_geographies(indicator: Indicator, f: agg.Filters) -> list[Geography]:
    """Geographies with values for the indicator, inside the geography filter when one is set."""
    ids = agg.indicator_geography_ids(indicator, f.geography_ids)
    if not ids:
        return []
    return list(db.session.scalars(select(Geography).where(Geography.id.in_(ids)).order_by(Geography.name)))


def joined_view(campaign: Campaign, f: agg.Filters, indicator: Indicator, locale: str,
                group_key: str = "language") -> dict[str, Any]:
    n = threshold()
    periods = agg.indicator_periods(indicator)
    period = agg.matching_period(periods, f.period)
    geographies = _scope_geographies(indicator, f)
    geo_ids = [g.id for g in geographies]
    values = agg.indicator_values(indicator, tuple(geo_ids) or None, group_key)
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


# ---------------------------------------------------------------- actions

def actions_for(campaign: Campaign) -> list[Action]:
    return list(db.session.scalars(select(Action).where(Action.campaign_id == campaign.id)
                                   .order_by(Action.created_at.desc(), Action.id.desc())))


def record_action(campaign: Campaign, *, we_heard: str, we_will: str, status: str, due_on: date | None,
                  code_keys: list[str], indicator_codes: list[str], geography_codes: list[str], actor) -> Action:
    action = Action(campaign_id=campaign.id, we_heard=we_heard.strip(), we_will=we_will.strip(), status=status,
                    due_on=due_on, code_keys=code_keys, indicator_codes=indicator_codes,
                    geography_codes=geography_codes, created_by_id=getattr(actor, "id", None))
    db.session.add(action)
    db.session.flush()
    AuditEvent.record("action.create", action, actor=actor, status=status)
    db.session.commit()
    return action


def set_action_status(action: Action, status: str, *, actor) -> None:
    if status not in ACTION_STATUSES:
        raise ValueError(status)
    if action.status != status:
        AuditEvent.record("action.status", action, actor=actor, before=action.status, after=status)
        action.status = status
    db.session.commit()


def code_choices(locale: str) -> list[tuple[str, str]]:
    return [(code.key, labels_in(code.labels, locale) or code.key) for code in Code.active()]


@dataclass(frozen=True)
class RoomPriority:
    """What a listening session's room agreed on, as the committee may read it."""

    text: str  # redacted: facilitators type these, and a name can slip in
    language: str
    votes: int | None  # None: fewer than the threshold voted, so the count is not shown
    attendance: int | None
    codes: list[str]  # labels in the reader's language
    session_kind: str
    place: str
    held_on: date


def room_priorities(campaign: Campaign, f: agg.Filters, locale: str) -> list[RoomPriority]:
    """Priorities voted in the campaign's sessions within the period and places, most votes first."""
    query = select(ListeningSession).where(ListeningSession.campaign_id == campaign.id)
    if f.period is not None:
        query = query.where(ListeningSession.held_at >= f.period.start, ListeningSession.held_at < f.period.end)
    if f.geography_ids:
        query = query.where(ListeningSession.geography_id.in_(f.geography_ids))
    n = threshold()
    labels = {code.key: labels_in(code.labels, locale) for code in Code.active()}
    rows = []
    for session in db.session.scalars(query):
        language = (session.languages or [""])[0]
        for priority in session.priorities or []:
            votes = priority.get("votes")
            text, _kinds = redaction_preview(priority.get("text", ""), language or None)
            rows.append(RoomPriority(
                text=text, language=language, votes=votes if isinstance(votes, int) and votes >= n else None,
                attendance=session.attendance if (session.attendance or 0) >= n else None,
                codes=[labels.get(key, key) for key in priority.get("codes", [])], session_kind=session.kind,
                place=geography_label(session.geography, locale), held_on=as_utc(session.held_at).date()))
    return sorted(rows, key=lambda row: (-(row.votes or 0), row.held_on))
