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


def test_zeros_are_shown_and_a_line_without_help_hides_its_total() -> None:
    result = suppress([[0, 2, 0]])
    assert result.cells == frozenset({(0, 1)}) and result.row_totals == frozenset({0})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 30), min_size=1, max_size=5), min_size=1, max_size=5).filter(lambda t: len({len(r) for r in t}) == 1))
def test_no_suppressed_cell_is_alone_in_a_line_with_a_published_total(table: list[list[int]]) -> None:
    result = suppress(table)
    for i, j in itertools.product(range(len(table)), range(len(table[0]))):
        if table[i][j] in range(1, 5):
            assert (i, j) in result.cells
    for i in range(len(table)):
        in_row = [c for c in result.cells if c[0] == i]
        assert len(in_row) != 1 or i in result.row_totals
    for j in range(len(table[0])):
        in_col = [c for c in result.cells if c[1] == j]
        assert len(in_col) != 1 or j in result.column_totals
