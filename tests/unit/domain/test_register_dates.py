"""Register dates have a plausible range: outside it a date is a row error, whatever form it came in."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from casereview.domain.register_rows import DEFAULT_EARLIEST_DATE, DateRange, validate_batch
from casereview.domain.registers import LINE, RowError, map_headers, parse_profile, source_key

PROFILE = parse_profile("", name="test")
HEADERS = ["case_ref", "category", "reported_on", "unit", "closed_on"]
IMPORTED = dt.date(2026, 12, 2)
RANGE = DateRange.for_import(IMPORTED)


def errors_for(
    rows: list[tuple[str | None, str | None]], dates: DateRange | None = RANGE
) -> list[RowError]:
    """Validate rows of (reported_on, closed_on); lines start at 2."""
    data: dict[str, list[str | None] | list[int]] = {
        source_key(0): [f"R{i}" for i in range(len(rows))],
        source_key(1): ["neglect"] * len(rows),
        source_key(2): [r for r, _ in rows],
        source_key(3): ["North"] * len(rows),
        source_key(4): [c for _, c in rows],
    }
    data[LINE] = list(range(2, 2 + len(rows)))
    schema = {**{source_key(i): pl.String for i in range(len(HEADERS))}, LINE: pl.Int64}
    mapping = map_headers(HEADERS, PROFILE)
    return validate_batch(pl.DataFrame(data, schema=schema), mapping, PROFILE, dates=dates).errors


def test_the_default_range_is_1_january_1990_to_a_year_after_the_import() -> None:
    assert DateRange(dt.date(1990, 1, 1), dt.date(2027, 12, 2)) == RANGE
    assert dt.date(1990, 1, 1) == DEFAULT_EARLIEST_DATE
    assert DateRange.for_import(dt.date(2024, 2, 29)).latest == dt.date(2025, 2, 28)
    assert DateRange.for_import(IMPORTED, earliest=dt.date(2000, 1, 1), years_after=2) == DateRange(
        dt.date(2000, 1, 1), dt.date(2028, 12, 2)
    )


def test_a_range_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="before the earliest"):
        DateRange(dt.date(2020, 1, 1), dt.date(2019, 12, 31))


@pytest.mark.parametrize(
    "value",
    [
        "01/01/0001",
        "31/12/9999",
        "0001-01-01",
        "9999-12-31",
        "31/12/1989",
        "1899-12-29",
        "03/12/2027",
        "1899-12-30 00:00:00",
        "1/1/99",
    ],  # two-digit years are 2000-2099: 99 is 2099
)
def test_a_reported_date_outside_the_range_is_a_row_error_naming_the_column_value_and_range(
    value: str,
) -> None:
    assert errors_for([(value, None)]) == [
        RowError(
            2,
            "reported_on",
            value,
            "outside the plausible range of dates: must be from 01/01/1990 to 02/12/2027",
        )
    ]


@pytest.mark.parametrize(
    "value", ["01/01/1990", "1990-01-01", "02/12/2027", "2027-12-02", "15/06/2024", "1/1/24"]
)
def test_dates_inside_the_range_and_on_its_edges_are_accepted(value: str) -> None:
    assert errors_for([(value, None)]) == []


def test_closed_on_has_the_same_range() -> None:
    errors = errors_for([("01/01/2024", "31/12/9999"), ("01/01/2024", "02/01/2024")])
    assert [(e.line, e.column, e.value) for e in errors] == [(2, "closed_on", "31/12/9999")]
    assert "01/01/1990 to 02/12/2027" in errors[0].reason


def test_every_bad_row_of_a_batch_is_reported_once_per_column() -> None:
    rows: list[tuple[str | None, str | None]] = [("01/01/2024", None)] * 1000
    rows[10] = ("01/01/0001", None)
    rows[500] = ("2024-01-01", "9999-12-31")
    errors = errors_for(rows)
    assert [(e.line, e.column) for e in errors] == [(12, "reported_on"), (502, "closed_on")]


def test_an_excel_serial_that_is_not_a_date_cell_stays_an_unreadable_date_not_a_case() -> None:
    errors = errors_for([("-1", None), ("0", None), ("45292", None)])
    assert [(e.line, e.column) for e in errors] == [
        (2, "reported_on"),
        (3, "reported_on"),
        (4, "reported_on"),
    ]
    assert all(e.reason.startswith("not a real date") for e in errors)


def test_without_a_range_only_the_form_of_a_date_is_checked() -> None:
    assert errors_for([("01/01/0001", "31/12/9999")], dates=None) == []
