"""One rule for numbered pages: every row is on exactly one page, and any page asked for is a real one."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from casereview.domain.paging import window


@given(st.integers(0, 2_000), st.integers(1, 60))
def test_the_pages_cover_every_row_once_in_order(total: int, size: int) -> None:
    shown = [window(total, n, size) for n in range(1, window(total, 1, size).pages + 1)]
    rows = [i for w in shown for i in range(w.start, w.stop)]
    assert rows == list(range(total))
    assert all(0 < w.stop - w.start <= size for w in shown) or total == 0


@given(st.integers(0, 2_000), st.integers(-5, 10_000), st.integers(1, 60))
def test_a_page_asked_for_out_of_range_is_the_nearest_real_page(
    total: int, asked: int, size: int
) -> None:
    w = window(total, asked, size)
    assert 1 <= w.number <= w.pages
    assert w.number == min(max(asked, 1), w.pages)


def test_an_empty_list_has_one_empty_page() -> None:
    w = window(0, 3, 25)
    assert (w.number, w.pages, w.start, w.stop) == (1, 1, 0, 0)
