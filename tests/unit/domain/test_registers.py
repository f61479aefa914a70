from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casereview.domain.register_rows import (
    date_expr,
    duplicate_ref_errors,
    parse_dates,
    validate_batch,
)
from casereview.domain.registers import (
    COLUMN_NAMES,
    LINE,
    RegisterError,
    map_headers,
    normalise_label,
    parse_profile,
    source_key,
)

PROFILE = parse_profile(
    """
[categories]
child_sexual_exploitation = ["CSE"]
missing_child = ["Missing"]
domestic_abuse = ["DA"]
""",
    name="test",
)


def frame(headers: list[str], rows: list[list[str | None]], first_line: int = 2) -> pl.DataFrame:
    data: dict[str, list[str | None] | list[int]] = {
        source_key(i): [r[i] for r in rows] for i in range(len(headers))
    }
    data[LINE] = list(range(first_line, first_line + len(rows)))
    return pl.DataFrame(
        data, schema={**{source_key(i): pl.String for i in range(len(headers))}, LINE: pl.Int64}
    )


def check(headers: list[str], rows: list[list[str | None]]):  # type: ignore[no-untyped-def]
    mapping = map_headers(headers, PROFILE)
    assert not mapping.errors
    return validate_batch(frame(headers, rows), mapping, PROFILE)


BASE = ["case_ref", "category", "reported_on", "unit"]


def test_headers_match_in_any_case_with_spaces_or_underscores() -> None:
    mapping = map_headers(["Case Ref", "CATEGORY", "reported-on", " Unit ", "Ethnicity"], PROFILE)
    assert set(mapping.mapped.values()) == {"case_ref", "category", "reported_on", "unit"}
    assert mapping.unmapped == ("Ethnicity",)
    assert not mapping.errors


def test_missing_required_columns_are_each_reported() -> None:
    mapping = map_headers(["case_ref", "summary"], PROFILE)
    missing = {e.column for e in mapping.errors}
    assert missing == {"category", "reported_on", "unit"}


def test_two_headers_for_one_column_is_an_error() -> None:
    mapping = map_headers([*BASE, "Case Ref"], PROFILE)
    assert [e.reason for e in mapping.errors] == ["both 'case_ref' and 'Case Ref' map to case_ref"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/01/2024", dt.date(2024, 1, 5)),
        ("5/1/2024", dt.date(2024, 1, 5)),
        ("05/01/24", dt.date(2024, 1, 5)),
        ("2024-01-05", dt.date(2024, 1, 5)),
        ("2024-01-05 13:45:00", dt.date(2024, 1, 5)),
        ("05/01/2024 09:30", dt.date(2024, 1, 5)),
        ("29/02/2024", dt.date(2024, 2, 29)),
        ("31/02/2024", None),
        ("29/02/2023", None),
        ("13/25/2024", None),
        ("01-05-2024", None),
        ("January 5 2024", None),
        ("", None),
    ],
)
def test_uk_and_iso_dates_parse_and_impossible_dates_do_not(
    text: str, expected: dt.date | None
) -> None:
    parsed = parse_dates(pl.Series("d", [text]))
    assert parsed[0] == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.text(alphabet="0123456789/-: T", max_size=22), st.none()), max_size=30)
)
def test_the_fast_date_path_agrees_with_the_full_rule(values: list[str | None]) -> None:
    series = pl.Series("d", values, dtype=pl.String)
    full = series.to_frame().select(date_expr("d")).to_series()
    assert parse_dates(series).to_list() == full.to_list()


def test_a_good_row_is_typed_and_coded() -> None:
    headers = [*BASE, "child_age", "risk_level", "status", "closed_on"]
    result = check(
        headers, [["R1", "CSE", "05/01/2024", "North", "7", "HIGH", "Closed", "06/01/2024"]]
    )
    assert result.errors == []
    row = result.frame.row(0, named=True)
    assert row["category"] == "child_sexual_exploitation"
    assert row["reported_on"] == dt.date(2024, 1, 5)
    assert row["child_age"] == 7
    assert row["risk_level"] == "high"
    assert row["status"] == "closed"


def test_every_bad_value_in_a_row_is_reported_with_its_line() -> None:
    headers = [*BASE, "child_age", "risk_level", "status", "closed_on"]
    rows = [
        ["R1", "burglary", "31/02/2024", "North", "18", "extreme", "pending", "01/01/2020"],
        [None, "DA", "01/01/2024", None, "-1", None, None, None],
    ]
    errors = check(headers, rows).errors
    got = {(e.line, e.column) for e in errors}
    assert got == {
        (2, "category"),
        (2, "reported_on"),
        (2, "child_age"),
        (2, "risk_level"),
        (2, "status"),
        (3, "case_ref"),
        (3, "unit"),
        (3, "child_age"),
    }


def test_closed_before_reported_is_refused() -> None:
    errors = check([*BASE, "closed_on"], [["R1", "DA", "05/01/2024", "N", "04/01/2024"]]).errors
    assert [(e.column, e.reason) for e in errors] == [("closed_on", "is before reported_on")]


def test_child_age_boundaries() -> None:
    rows = [[f"R{a}", "DA", "05/01/2024", "N", a] for a in ("0", "17", "18", "7.5", "x")]
    errors = check([*BASE, "child_age"], rows).errors
    assert sorted(e.value for e in errors) == ["18", "7.5", "x"]


def test_blank_lines_are_skipped_not_reported() -> None:
    result = check(
        BASE,
        [
            ["R1", "DA", "05/01/2024", "N"],
            [None, None, None, None],
            ["R2", "DA", "05/01/2024", "N"],
        ],
    )
    assert result.errors == []
    assert result.frame.height == 2


def test_identifiers_and_summaries_are_never_echoed_in_errors() -> None:
    long = "x" * 100_001
    errors = check(
        [*BASE, "summary", "child_id"], [["R1", "DA", "05/01/2024", "N", long, "y" * 201]]
    ).errors
    assert {e.column for e in errors} == {"summary", "child_id"}
    assert all(e.value == "(withheld)" for e in errors)


def test_duplicate_case_refs_name_the_first_line() -> None:
    refs = pl.DataFrame({"case_ref": ["A", "B", "A", "A"], LINE: [2, 3, 4, 9]})
    errors = duplicate_ref_errors(refs)
    assert [(e.line, e.reason) for e in errors] == [
        (4, "duplicate case_ref; first on line 2"),
        (9, "duplicate case_ref; first on line 2"),
    ]


def test_profiles_add_labels_and_reject_unknown_codes() -> None:
    profile = parse_profile(
        '[columns]\ncase_ref = ["Crime No"]\n[categories]\nneglect = ["NEG"]\n', name="p"
    )
    assert profile.headers[normalise_label("Crime No")] == "case_ref"
    assert profile.values["category"]["neg"] == "neglect"
    with pytest.raises(RegisterError, match="'burglary' is not a category code"):
        parse_profile('[categories]\nburglary = ["B"]\n', name="bad")
    with pytest.raises(RegisterError, match="not a register column"):
        parse_profile('[columns]\nethnicity = ["Ethnicity"]\n', name="bad")


def test_the_schema_has_no_protected_characteristics() -> None:
    forbidden = {"ethnicity", "religion", "race", "name", "nationality", "sexuality", "disability"}
    assert not forbidden & set(COLUMN_NAMES)


def test_a_label_mapped_twice_in_a_profile_is_a_problem() -> None:
    with pytest.raises(RegisterError, match="'Ref' is mapped to both case_ref and unit"):
        parse_profile('[columns]\ncase_ref = ["Ref"]\nunit = ["Ref"]\n', name="twice")
    with pytest.raises(RegisterError, match="must be a list of strings"):
        parse_profile('[categories]\nneglect = "NEG"\n', name="bad")
