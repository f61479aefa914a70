"""Small-number suppression for published tables.

Counts from 1 to 4 are suppressed (primary suppression).  Then, so that no
suppressed cell can be worked back from the row and column totals, every row
and column holding exactly one suppressed cell has its smallest other
non-zero cell suppressed too (secondary suppression), repeated until nothing
changes; where a row or column has no such cell, its total is suppressed.
Zeros are shown: a zero reveals nothing about a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SMALL = range(1, 5)


@dataclass(frozen=True)
class Suppressed:
    cells: frozenset[tuple[int, int]]  # (row, column)
    row_totals: frozenset[int]
    column_totals: frozenset[int]

    def show(self, table: Sequence[Sequence[int]], mark: str = "[c]") -> list[list[str]]:
        return [
            [mark if (i, j) in self.cells else str(v) for j, v in enumerate(row)] for i, row in enumerate(table)
        ]


def suppress(table: Sequence[Sequence[int]]) -> Suppressed:
    rows = len(table)
    cols = len(table[0]) if rows else 0
    hidden = {(i, j) for i in range(rows) for j in range(cols) if table[i][j] in SMALL}
    hidden_row_totals: set[int] = set()
    hidden_col_totals: set[int] = set()

    def line(cells: list[tuple[int, int]], total_hidden: bool) -> tuple[int, int] | None | bool:
        """The cell to suppress next in a line, None when the line is safe, False when no cell can help."""
        count = sum(1 for c in cells if c in hidden)
        if count != 1 or total_hidden:
            return None
        candidates = [c for c in cells if c not in hidden and table[c[0]][c[1]] > 0]
        if not candidates:
            return False
        return min(candidates, key=lambda c: (table[c[0]][c[1]], c))

    changed = True
    while changed:
        changed = False
        for i in range(rows):
            pick = line([(i, j) for j in range(cols)], i in hidden_row_totals)
            if pick is False:
                hidden_row_totals.add(i)
                changed = True
            elif pick is not None:
                hidden.add(pick)  # type: ignore[arg-type]
                changed = True
        for j in range(cols):
            pick = line([(i, j) for i in range(rows)], j in hidden_col_totals)
            if pick is False:
                hidden_col_totals.add(j)
                changed = True
            elif pick is not None:
                hidden.add(pick)  # type: ignore[arg-type]
                changed = True
    return Suppressed(frozenset(hidden), frozenset(hidden_row_totals), frozenset(hidden_col_totals))
