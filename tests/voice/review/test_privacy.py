"""Suppression: no visible figure below the threshold, and no hidden figure that the visible
ones (totals, the other cells, another filter's view) pin down."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st

from voice.review.privacy import TOTAL, Cell, Grid, determined, protect_grid, protect_list

N = 5


def _grid(counts: list[list[int]], hits: list[list[int]] | None = None) -> Grid:
    rows, cols = list(range(len(counts))), list(range(len(counts[0])))
    grid = Grid(rows=rows, cols=cols)
    for r in rows:
        for c in cols:
            grid.cells[r, c] = Cell(counts[r][c], None if hits is None else hits[r][c])
        grid.cells[r, TOTAL] = Cell(sum(counts[r]), None if hits is None else sum(hits[r]))
    for c in cols:
        grid.cells[TOTAL, c] = Cell(sum(counts[r][c] for r in rows),
                                    None if hits is None else sum(hits[r][c] for r in rows))
    grid.cells[TOTAL, TOTAL] = Cell(sum(map(sum, counts)), None if hits is None else sum(map(sum, hits)))
    return grid


def test_single_small_cell_gets_a_partner_in_its_row_and_column():
    grid = protect_grid(_grid([[20, 3, 30], [25, 40, 50]]), N)
    hidden = {key for key, cell in grid.cells.items() if cell.hidden}
    assert (0, 1) in hidden
    assert len([k for k in hidden if k[0] == 0 and k[1] != TOTAL]) >= 2  # row 0 has a partner
    assert len([k for k in hidden if k[1] == 1 and k[0] != TOTAL]) >= 2  # column 1 has a partner
    assert determined(grid) == []


def test_small_population_hides_the_whole_breakdown():
    grid = protect_grid(_grid([[1, 1], [1, 1]]), N)
    assert all(cell.hidden for cell in grid.cells.values())


def test_list_hides_small_counts_and_small_complements():
    cells = protect_list({"a": 3, "b": 10, "c": 18}, 20, N)
    assert cells["a"].hidden and not cells["b"].hidden and cells["c"].hidden  # 20 - 18 = 2 did not raise c
    assert cells["b"].share == 0.5


def _visible_cells_are_large(grid: Grid) -> bool:
    for cell in grid.cells.values():
        if cell.hidden:
            continue
        if cell.count < N:
            return False
        if cell.hits is not None and (cell.hits < N or cell.count - cell.hits < N):
            return False
    return True


def _solvable(grid: Grid, key) -> bool:
    """Independent check: can the hidden ``key`` be solved from the visible figures?

    Unknowns are the hidden figures; each row/column equation (cells add up to the total)
    restricted to them is a linear constraint. ``key`` is determined exactly when its unit
    vector lies in the constraints' row space (least squares reproduces it exactly).
    """
    hidden = [k for k, cell in grid.cells.items() if cell.hidden]
    index = {k: i for i, k in enumerate(hidden)}
    equations = []
    for line in grid.lines():
        row = np.zeros(len(hidden))
        if line[0] in index:
            row[index[line[0]]] += 1
        for part in line[1:]:
            if part in index:
                row[index[part]] -= 1
        if row.any():
            equations.append(row)
    if not equations:
        return False
    a = np.array(equations)
    target = np.zeros(len(hidden))
    target[index[key]] = 1
    coefficients, *_ = np.linalg.lstsq(a.T, target, rcond=None)
    return bool(np.allclose(a.T @ coefficients, target, atol=1e-8))


tables = st.integers(1, 5).flatmap(lambda rows: st.integers(1, 5).flatmap(lambda cols: st.lists(
    st.lists(st.integers(0, 30), min_size=cols, max_size=cols), min_size=rows, max_size=rows)))


@settings(max_examples=300, deadline=None)
@given(tables, st.data())
def test_no_small_visible_cell_and_no_derivable_hidden_cell(counts, data):
    rows, cols = len(counts), len(counts[0])
    hits = [[data.draw(st.integers(0, counts[r][c])) for c in range(cols)] for r in range(rows)]
    with_hits = data.draw(st.booleans())
    grid = protect_grid(_grid(counts, hits if with_hits else None), N)
    assert _visible_cells_are_large(grid)
    for key, cell in grid.cells.items():
        if cell.hidden:
            assert not _solvable(grid, key), (counts, key)


@settings(max_examples=200, deadline=None)
@given(tables, st.data())
def test_a_filtered_view_cannot_be_subtracted_from_the_unfiltered_one(counts, data):
    """A filter (say, one channel) keeps part of each cell's residents. Both views are
    protected; wherever both show a cell, the residents the filter left out (the difference)
    are none or at least N, and the filtered population is shown only if large enough."""
    rows, cols = len(counts), len(counts[0])
    kept = [[data.draw(st.integers(0, counts[r][c])) for c in range(cols)] for r in range(rows)]
    full = protect_grid(_grid(counts), N)
    filtered = protect_grid(_grid(kept), N, baseline=full)
    assert _visible_cells_are_large(filtered)
    for key, cell in filtered.cells.items():
        base = full.cells[key]
        if not cell.hidden and not base.hidden:
            assert base.count - cell.count == 0 or base.count - cell.count >= N
        if cell.hidden:
            assert not _solvable(filtered, key)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=2, max_size=8), st.integers(0, 7))
def test_one_value_of_a_filter_cannot_be_worked_out_from_the_others(counts, selected):
    """The dashboard's cross-filter rule: a breakdown of the whole population by every value
    of the filtered dimension, protected as a column with its total. Whatever the filter,
    a value it hides is not the total minus the values it shows."""
    selected %= len(counts)
    grid = Grid(rows=list(range(len(counts))), cols=[])
    for r, count in enumerate(counts):
        grid.cells[r, TOTAL] = Cell(count)
    grid.cells[TOTAL, TOTAL] = Cell(sum(counts))
    protect_grid(grid, N)
    hidden = [r for r in range(len(counts)) if grid.cells[r, TOTAL].hidden]
    assert len(hidden) != 1 or grid.cells[TOTAL, TOTAL].hidden
    for r in range(len(counts)):
        if not grid.cells[r, TOTAL].hidden:
            assert counts[r] >= N
