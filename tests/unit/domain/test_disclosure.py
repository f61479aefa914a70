from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from casereview.domain.disclosure import suppress


def test_small_counts_and_a_complement_are_suppressed() -> None:
    table = [[10, 3, 20], [12, 15, 18]]
    result = suppress(table)
    assert (0, 1) in result.cells  # 3 is small
    assert len([c for c in result.cells if c[0] == 0]) >= 2  # row 0 needs a second suppressed cell
    assert len([c for c in result.cells if c[1] == 1]) >= 2  # and so does column 1
    assert result.show(table)[0][1] == "[c]"
    assert "[c]" in result.show(table)[0]  # the complement in its row


def test_zeros_are_shown_and_a_line_without_help_hides_its_total() -> None:
    result = suppress([[0, 2, 0]])
    assert result.cells == frozenset({(0, 1)}) and result.row_totals == frozenset({0})


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 30), min_size=1, max_size=5), min_size=1, max_size=5).filter(
        lambda t: len({len(r) for r in t}) == 1
    )
)
def test_no_suppressed_entry_is_alone_in_a_line_of_the_table_with_its_totals(
    table: list[list[int]],
) -> None:
    result = suppress(table)
    rows, cols = len(table), len(table[0])
    hidden = (
        set(result.cells)
        | {(i, cols) for i in result.row_totals}
        | {(rows, j) for j in result.column_totals}
    )
    if result.grand_total:
        hidden.add((rows, cols))
    grid = [[*row, sum(row)] for row in table] + [
        [sum(r[j] for r in table) for j in range(cols)] + [sum(map(sum, table))]
    ]
    for i, j in itertools.product(range(rows + 1), range(cols + 1)):
        if grid[i][j] in range(1, 5):
            assert (i, j) in hidden  # every small count, totals included
    for i in range(rows + 1):
        assert sum((i, j) in hidden for j in range(cols + 1)) != 1
    for j in range(cols + 1):
        assert sum((i, j) in hidden for i in range(rows + 1)) != 1
