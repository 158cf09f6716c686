"""Suppression: no visible figure below the threshold, and no hidden figure that the visible
ones (totals, the other cells, another filter's view) pin down."""
from __future__ import annotations

import numpy as np
from scipy.optimize import linprog
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


def _equations(grid: Grid, figure: str = "count"):
    """Each row/column equation (cells add up to the total) with the visible figures moved to
    the right-hand side: ``a @ hidden = b``, the unknowns being the hidden figures (``index``)."""
    hidden = [k for k, cell in grid.cells.items() if cell.hidden]
    index = {k: i for i, k in enumerate(hidden)}
    rows, constants = [], []
    for line in grid.lines():
        row, constant = np.zeros(len(hidden)), 0.0
        for sign, k in [(1, line[0])] + [(-1, part) for part in line[1:]]:
            if k in index:
                row[index[k]] += sign
            else:
                constant -= sign * (getattr(grid.cells[k], figure) or 0)
        if row.any():
            rows.append(row)
            constants.append(constant)
    return np.array(rows).reshape(len(rows), len(hidden)), np.array(constants), index


def _solvable(grid: Grid, key, known_zeros=()) -> bool:
    """Independent check: can the hidden ``key`` be solved from the visible figures (and from
    ``known_zeros``, hidden figures known to be 0)? ``key`` is determined exactly when its unit
    vector lies in the constraints' row space (least squares reproduces it exactly)."""
    a, _b, index = _equations(grid)
    a = np.vstack([a] + [np.eye(len(index))[index[k]] for k in known_zeros])
    if not len(a):
        return False
    target = np.zeros(len(index))
    target[index[key]] = 1
    coefficients, *_ = np.linalg.lstsq(a.T, target, rcond=None)
    return bool(np.allclose(a.T @ coefficients, target, atol=1e-8))


def _zeros_given_away(grid: Grid, figure: str) -> list:
    """Hidden zeros that no table of non-negative figures agreeing with the visible ones can
    raise: in a line whose hidden figures add up to 0, each is 0, which the equations alone do
    not say. Linear programming raises as many of the zeros as it can; those it cannot raise
    in a round where it raises none are given away."""
    a, b, index = _equations(grid, figure)
    zeros = [key for key in index if getattr(grid.cells[key], figure) == 0]
    while zeros and len(a):
        objective = -sum(np.eye(len(index))[index[key]] for key in zeros)
        best = linprog(objective, A_eq=a, b_eq=b, bounds=(0, 10 ** 6), method="highs")  # bounded: a hidden grand total is no licence for infinity
        raised = [key for key in zeros if best.success and best.x[index[key]] > 1e-9]
        if not raised:
            break
        zeros = [key for key in zeros if key not in raised]
    return zeros if len(a) else []


def _recoverable(grid: Grid) -> list:
    """Hidden figures the visible ones give away exactly: by the equations, or by the equations
    once the zeros that the signs give away are known. (Without a hidden zero, the signs add
    nothing: the true table lies strictly inside the non-negative region.)"""
    found = []
    for figure in ("count", "hits"):
        zeros = _zeros_given_away(grid, figure)
        found += zeros + [key for key, cell in grid.cells.items() if cell.hidden and _solvable(grid, key, zeros)]
    return sorted(set(found), key=str)


def test_hidden_zeros_adding_up_to_zero_are_not_given_away():
    """Row 0 shows its total (50) and the 20 and 30: the two hidden cells add up to 0, so each
    is 0 although both read "fewer than 5"."""
    grid = protect_grid(_grid([[0, 0, 20, 30], [10, 10, 20, 30]]), N)
    assert grid.cells[0, 0].hidden and grid.cells[0, 1].hidden
    assert _recoverable(grid) == []


counts_ = st.just(0) | st.integers(1, 30)  # empty places and groups often: their zeros must stay hidden too
tables = st.integers(1, 5).flatmap(lambda rows: st.integers(1, 5).flatmap(lambda cols: st.lists(
    st.lists(counts_, min_size=cols, max_size=cols), min_size=rows, max_size=rows)))


@settings(max_examples=300, deadline=None)
@given(tables, st.data())
def test_no_small_visible_cell_and_no_derivable_hidden_cell(counts, data):
    rows, cols = len(counts), len(counts[0])
    hits = [[data.draw(st.just(0) | st.integers(0, counts[r][c])) for c in range(cols)] for r in range(rows)]
    with_hits = data.draw(st.booleans())
    grid = protect_grid(_grid(counts, hits if with_hits else None), N)
    assert _visible_cells_are_large(grid)
    assert _recoverable(grid) == [], counts


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
    assert _recoverable(filtered) == [], kept


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
