"""Small-number suppression for published tables.

Counts from 1 to 4 are suppressed (primary suppression), totals included.
Then, so that no suppressed count can be worked back from the others, every
row and column of the table with its margins that holds exactly one
suppressed entry has its smallest other non-zero entry suppressed too
(secondary suppression), repeated until nothing changes.
Zeros are shown: a zero reveals nothing about a person.  Every hidden count,
small or complementary, is shown as ``[c]`` (the Government Analysis Function's
shorthand): a marker that told the two apart would say the small one is 1 to 4.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SMALL = range(1, 5)
PRIMARY = "[c]"  # a count from 1 to 4 (shown like any other hidden count)
COMPLEMENT = "[c]"  # hidden so that a small count cannot be worked out


def mark(value: int) -> str:
    """How a suppressed count is shown: ``[c]``, whether small or a complement."""
    return PRIMARY if value in SMALL else COMPLEMENT


@dataclass(frozen=True)
class Suppressed:
    cells: frozenset[tuple[int, int]]  # (row, column)
    row_totals: frozenset[int]
    column_totals: frozenset[int]
    grand_total: bool = False

    def show(self, table: Sequence[Sequence[int]]) -> list[list[str]]:
        return [
            [mark(v) if (i, j) in self.cells else str(v) for j, v in enumerate(row)]
            for i, row in enumerate(table)
        ]


def suppress(table: Sequence[Sequence[int]]) -> Suppressed:
    """Which cells and totals of ``table`` to hide.

    The table is taken with its margins (row totals, column totals, grand
    total) as one grid; every row and column of that grid is a line whose
    entries add up.  Entries from 1 to 4 are hidden; then, while some line
    holds exactly one hidden entry (which the others would give away), its
    smallest other non-zero entry is hidden too.
    """
    rows = len(table)
    cols = len(table[0]) if rows else 0
    grid = [[*row, sum(row)] for row in table]
    grid.append(
        [sum(table[i][j] for i in range(rows)) for j in range(cols)] + [sum(map(sum, table))]
    )
    hidden = {(i, j) for i in range(rows + 1) for j in range(cols + 1) if grid[i][j] in SMALL}
    lines = [[(i, j) for j in range(cols + 1)] for i in range(rows + 1)]
    lines += [[(i, j) for i in range(rows + 1)] for j in range(cols + 1)]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(1 for c in line if c in hidden) != 1:
                continue
            candidates = [c for c in line if c not in hidden and grid[c[0]][c[1]] > 0]
            if (
                candidates
            ):  # always, when the hidden entry is not zero: its line's total or a cell is positive
                hidden.add(min(candidates, key=lambda c: (grid[c[0]][c[1]], c)))
                changed = True
    return Suppressed(
        cells=frozenset((i, j) for i, j in hidden if i < rows and j < cols),
        row_totals=frozenset(i for i, j in hidden if i < rows and j == cols),
        column_totals=frozenset(j for i, j in hidden if i == rows and j < cols),
        grand_total=(rows, cols) in hidden,
    )
