"""Small-number suppression for every figure the committee sees.

The committee must not be able to single anyone out, so every count is shown only when it is
at least ``n`` (``SUPPRESSION_MIN``); otherwise it reads "fewer than n". A hidden cell must not
come back through arithmetic either. The algorithm, for a table of counts with row and
column totals (``protect_grid``):

1. **Whole breakdown.** If the table's grand total is below ``n`` every cell is hidden: the
   filter has narrowed the population so far that any figure would describe a handful of
   people.
2. **Primary suppression.** A cell (or a total) is hidden when its count is below ``n``; when
   it has a numerator (residents raising a code) it is also hidden when the numerator or its
   complement (the rest of the cell) is below ``n``. With a ``baseline`` table (the same
   table without the filter), a cell is also hidden when the filter leaves out fewer than
   ``n`` of the baseline cell's people, since subtracting the two views would reveal them.
3. **Complementary suppression.** Every row, every column, and the line of totals is an
   equation: the cells add up to the total. While some line has exactly one hidden figure,
   hide the smallest visible figure in that line, preferring a cell to a total. Then, while
   some hidden figure can still be solved exactly from a combination of lines (checked by
   linear algebra: its unit vector lies in the row space of the equations restricted to the
   hidden figures), hide the smallest visible figure in a line through it, and repeat. At
   the end no hidden figure is determined by any combination of the visible ones.
   Counts are never negative, so hidden figures adding up to 0 are each 0: a hidden zero that
   the equations force to zero (found by linear programming) counts as determined too.

Limits, said plainly: this protects against exact recovery. Bounds on a hidden cell (it is
between 5 and 9, say) can still follow from the visible figures; zero is hidden like any
small count so that "nobody here said it" is not disclosed either. Tables whose categories
overlap (one resident may raise several codes) have no additive totals, so only steps 1–2
apply to them (``protect_list``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable

import numpy as np
from scipy.optimize import linprog

TOTAL = "__total__"


@dataclass
class Cell:
    count: int  # residents (the denominator)
    hits: int | None = None  # residents among them raising the codes (the numerator), if any
    hidden: bool = False

    @property
    def share(self) -> float | None:
        if self.hidden or self.hits is None or not self.count:
            return None
        return self.hits / self.count


@dataclass
class Grid:
    """Counts by (row, column) with their totals; ``TOTAL`` marks the margins."""
    rows: list[Hashable]
    cols: list[Hashable]
    cells: dict[tuple[Hashable, Hashable], Cell] = field(default_factory=dict)

    def cell(self, row, col) -> Cell:
        return self.cells.setdefault((row, col), Cell(0, 0 if self._numerator() else None))

    def _numerator(self) -> bool:
        return any(cell.hits is not None for cell in self.cells.values())

    def keys(self) -> list[tuple]:
        rows, cols = self.rows + [TOTAL], self.cols + [TOTAL]
        return [(r, c) for r in rows for c in cols]

    def lines(self) -> list[list[tuple]]:
        """Each equation as [total key, part keys...]."""
        equations = []
        if self.cols:
            for r in self.rows + [TOTAL]:
                equations.append([(r, TOTAL)] + [(r, c) for c in self.cols])
        if self.rows:
            for c in self.cols + [TOTAL]:
                equations.append([(TOTAL, c)] + [(r, c) for r in self.rows])
        return equations


def too_small(count: int | None, n: int) -> bool:
    return count is None or count < n


def _primary(cell: Cell, n: int, baseline: Cell | None) -> bool:
    if too_small(cell.count, n):
        return True
    if cell.hits is not None and (too_small(cell.hits, n) or too_small(cell.count - cell.hits, n)):
        return True
    if baseline is not None:
        left_out = baseline.count - cell.count
        if 0 < left_out < n:
            return True
        if cell.hits is not None and baseline.hits is not None and 0 < baseline.hits - cell.hits < n:
            return True
    return False


def determined(grid: Grid) -> list[tuple]:
    """Hidden figures that the visible ones pin down exactly: by the equations alone, or once
    the hidden figures that cannot be negative are forced to zero (``_forced_zeros``)."""
    keys = grid.keys()
    hidden = [key for key in keys if grid.cell(*key).hidden]
    if not hidden:
        return []
    index = {key: i for i, key in enumerate(hidden)}
    rows = []
    for line in grid.lines():
        coefficients = np.zeros(len(hidden))
        total, parts = line[0], line[1:]
        if total in index:
            coefficients[index[total]] = 1
        for part in parts:
            if part in index:
                coefficients[index[part]] -= 1
        if coefficients.any():
            rows.append(coefficients)
    if not rows:
        return []
    matrix = np.array(rows)
    zeros = _forced_zeros(matrix, [grid.cell(*key) for key in hidden])
    if zeros:
        matrix = np.vstack([matrix, np.eye(len(hidden))[sorted(zeros)]])
    rank = np.linalg.matrix_rank(matrix)
    found = []
    for key, i in index.items():
        unit = np.zeros(len(hidden))
        unit[i] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.append(key)
    return found


def _forced_zeros(matrix: np.ndarray, cells: list[Cell]) -> set[int]:
    """Hidden figures (by index) that are zero and that the equations force to zero, because no
    count is negative: in a line whose hidden figures add up to 0, every one of them is 0.

    A hidden zero can be positive in some table agreeing with the visible figures exactly when
    some change ``d`` of the hidden figures keeps every equation (``matrix @ d = 0``), raises
    it, and lowers none of the other zeros. Such changes add up, so one linear programme
    finds them all: maximise the number of zeros raised by at least 1 (``t`` <= ``d``)."""
    forced: set[int] = set()
    for values in ([cell.count for cell in cells], [cell.hits for cell in cells]):
        zeros = [i for i, value in enumerate(values) if value == 0]
        if not zeros:
            continue
        size, width = matrix.shape[1], len(zeros)
        # variables: d (one per hidden figure), then t (one per zero)
        objective = np.concatenate([np.zeros(size), -np.ones(width)])
        equations = np.hstack([matrix, np.zeros((matrix.shape[0], width))])
        bounded = np.zeros((width, size + width))  # t_j - d_zero_j <= 0
        for j, i in enumerate(zeros):
            bounded[j, size + j], bounded[j, i] = 1, -1
        bounds = [(0, None) if i in zeros else (None, None) for i in range(size)] + [(0, 1)] * width
        result = linprog(objective, A_ub=bounded, b_ub=np.zeros(width), A_eq=equations,
                         b_eq=np.zeros(matrix.shape[0]), bounds=bounds, method="highs")
        raised = result.x[size:] if result.success else np.zeros(width)
        forced.update(i for j, i in enumerate(zeros) if raised[j] < 0.5)
    return forced


def protect_grid(grid: Grid, n: int, baseline: Grid | None = None) -> Grid:
    """Hide figures in place following the module's algorithm; returns the grid."""
    keys = grid.keys()
    for key in keys:
        grid.cell(*key)
    if too_small(grid.cell(TOTAL, TOTAL).count, n) or (
            baseline is not None and 0 < baseline.cell(TOTAL, TOTAL).count - grid.cell(TOTAL, TOTAL).count < n):
        for key in keys:
            grid.cell(*key).hidden = True
        return grid
    for key in keys:
        base = baseline.cells.get(key) if baseline is not None else None
        if _primary(grid.cell(*key), n, base):
            grid.cell(*key).hidden = True
    while True:
        line = next((line for line in grid.lines() if sum(grid.cell(*key).hidden for key in line) == 1), None)
        if line is not None:  # the common case: a line with a single hidden figure
            targets = [line]
        else:
            exposed = set(determined(grid))
            if not exposed:
                return grid
            targets = [line for line in grid.lines() if exposed & set(line)]
        candidates = [(TOTAL in key, grid.cell(*key).count, str(key), key)
                      for line in targets for key in line if not grid.cell(*key).hidden]
        if not candidates:  # nothing left to hide around it: hide everything (cannot happen, but stay safe)
            for key in keys:
                grid.cell(*key).hidden = True
            return grid
        grid.cell(*min(candidates)[3]).hidden = True


def protect_list(counts: dict[Hashable, int], total: int, n: int,
                 baseline: dict[Hashable, int] | None = None, baseline_total: int | None = None) -> dict[Hashable, Cell]:
    """Codes (overlapping categories) among ``total`` residents: steps 1–2 of the algorithm."""
    hide_all = too_small(total, n) or (baseline_total is not None and 0 < baseline_total - total < n)
    cells = {}
    for key, hits in counts.items():
        cell = Cell(total, hits)
        base = Cell(baseline_total, (baseline or {}).get(key, 0)) if baseline_total is not None else None
        cell.hidden = hide_all or _primary(cell, n, base)
        cells[key] = cell
    return cells
