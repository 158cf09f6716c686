"""The dashboard's themes and barriers: residents raising each code, protected across filters.

``dashboard`` returns a plain dictionary whose figures are already protected (``privacy``), so
templates, charts, the PDF and the exports all show the same, safe numbers.
"""
from __future__ import annotations

from typing import Any

from ..models import Campaign, Geography
from ..models.base import labels_in
from . import aggregates as agg
from .presentation import threshold
from .privacy import TOTAL, Cell, Grid, protect_grid, protect_list
from .quotes import quotes_for_code

TOP = 8


def dashboard(campaign: Campaign, f: agg.Filters, locale: str, *, geography: Geography | None = None,
              quotes: bool = True) -> dict[str, Any]:
    n = threshold()
    previous_period = f.period.previous() if f.period else None
    # One question to the cube: both periods by quarter, the narrowing filters lifted, so that
    # the selected figures and every neighbour the cross-filter check needs come from it.
    wider, found = agg.lifts(f, geography, campaign.languages or [])
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
        values = sorted(set(residents) | set(lift.values) | {lift.selected}, key=lambda v: (v is None, str(v)))
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

