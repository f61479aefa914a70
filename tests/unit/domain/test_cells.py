"""The one safe-cell rule: text a spreadsheet would run is written as text, everything else is left alone."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from casereview.domain.cells import FORMULA_STARTS, original_cell, safe_cell, safe_column, safe_row

HOSTILE = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x","y")',
    "+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
    "+44",
    "-2",
    "@SUM(A1)",
    "\tx",
    "\rx",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_a_spreadsheet_would_run_is_made_text(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value", ["Good", "W02", "", " =x", "'x", "'=x", "a=b", "'", -0.5, 3, None, True]
)
def test_everything_else_is_left_alone(value: object) -> None:
    assert safe_cell(value) == value


def test_a_cell_made_safe_twice_is_made_safe_once_and_reads_back_as_stored() -> None:
    for text in HOSTILE:
        assert safe_cell(safe_cell(text)) == safe_cell(text)
        assert original_cell(safe_cell(text)) == text
    assert original_cell("'x") == "'x" and original_cell("Good") == "Good"


def test_a_row_is_made_safe_cell_by_cell() -> None:
    assert safe_row(["=1", 2, None, "ok", "@x"]) == ["'=1", 2, None, "ok", "'@x"]


def test_the_column_rule_gives_the_same_cells_as_the_cell_rule_and_keeps_nulls() -> None:
    values = [*HOSTILE, "Good", "", " =x", None]
    frame = pl.DataFrame({"text": values}, schema={"text": pl.String})
    assert frame.select(safe_column("text"))["text"].to_list() == [safe_cell(v) for v in values]


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(
                alphabet=st.sampled_from([*FORMULA_STARTS, "a", " ", "'", "1", "é"]), max_size=4
            ),
        )
    )
)
def test_for_any_text_the_column_rule_and_the_cell_rule_agree(values: list[str | None]) -> None:
    frame = pl.DataFrame({"text": values}, schema={"text": pl.String})
    made = frame.select(safe_column("text"))["text"].to_list()
    assert made == [safe_cell(v) for v in values]
    assert not any(isinstance(v, str) and v.startswith(FORMULA_STARTS) for v in made)
    stored = [
        v for v in values if v is not None and not v.startswith("'")
    ]  # all but the one ambiguous case
    assert [original_cell(safe_cell(v)) for v in stored] == stored
