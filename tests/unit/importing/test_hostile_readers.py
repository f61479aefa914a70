"""Hostile files (issue 18) are refused by the readers at once, naming the limit, without being loaded whole."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from casereview.domain.registers import QUOTE_CHARS, ErrorReport, RegisterError, RowError
from casereview.importing import hostile
from casereview.importing.readers import Limits

from .helpers import LIMITS, import_file

SMALL = replace(LIMITS, max_cell_chars=1000, max_xlsx_part_bytes=4 * 1024**2, max_rows=5000, max_columns=20)


def refusal(path: Path, limits: Limits = SMALL) -> str:
    with pytest.raises(RegisterError) as caught:
        import_file(path, limits=limits)
    return str(caught.value)


def test_a_shared_string_over_the_cell_limit_is_refused_before_any_parser_holds_it(tmp_path: Path) -> None:
    path = hostile.xlsx_huge_shared_string(tmp_path / "shared.xlsx", 200_000)
    started = time.monotonic()
    message = refusal(path)
    assert "a shared string is longer than the 1,000 characters" in message
    assert "CASEREVIEW_MAX_CELL_CHARS" in message
    assert time.monotonic() - started < 2


def test_a_sheet_expanding_past_the_part_limit_is_refused_whatever_size_it_declares(tmp_path: Path) -> None:
    path = hostile.xlsx_expanding_sheet(tmp_path / "expand.xlsx", 6 * 1024**2)
    message = refusal(path)
    assert "xl/worksheets/sheet1.xml expands to more than 4.0 MB" in message
    assert "CASEREVIEW_MAX_XLSX_PART_BYTES" in message


def test_rows_over_the_row_limit_are_refused_naming_it(tmp_path: Path) -> None:
    path = hostile.xlsx_expanding_sheet(tmp_path / "rows.xlsx", 100_000)
    message = refusal(path, replace(SMALL, max_rows=200))
    assert "more than 200 rows" in message and "CASEREVIEW_MAX_IMPORT_ROWS" in message


def test_an_import_over_its_time_limit_is_refused_naming_it(tmp_path: Path) -> None:
    path = hostile.xlsx_expanding_sheet(tmp_path / "slow.xlsx", 100_000)
    message = refusal(path, replace(SMALL, max_seconds=0))
    assert "CASEREVIEW_MAX_IMPORT_SECONDS" in message


def test_formula_cells_without_saved_values_are_row_errors_naming_the_formula(tmp_path: Path) -> None:
    outcome, stored = import_file(hostile.xlsx_formulas_without_values(tmp_path / "f.xlsx", rows=2))
    assert [(e.line, e.column, e.value) for e in outcome.errors] == [
        (2, "reported_on", "=DATE(2024,2,1)"),
        (3, "reported_on", "=DATE(2024,2,1)"),
    ]
    assert "formula without a saved value" in outcome.errors[0].reason


def test_a_header_over_pythons_csv_field_limit_is_a_refusal_not_a_crash(tmp_path: Path) -> None:
    message = refusal(hostile.csv_long_header(tmp_path / "h.csv", 131_073), LIMITS)
    assert "a header is longer than the 100,000 characters" in message and "CASEREVIEW_MAX_CELL_CHARS" in message


def test_a_value_over_the_cell_limit_is_refused_quoting_only_a_prefix(tmp_path: Path) -> None:
    message = refusal(hostile.csv_long_value(tmp_path / "v.csv", 50_000))
    assert "line 2 holds a value that is longer than the 1,000 characters" in message
    outcome, _ = import_file(hostile.csv_long_value(tmp_path / "w.csv", 1500), limits=SMALL)
    [error] = outcome.errors
    assert error.line == 2 and error.column == "unit" and "CASEREVIEW_MAX_CELL_CHARS" in error.reason
    assert error.value == "U" * QUOTE_CHARS + "…"


def test_a_nul_byte_after_the_first_8_kb_refuses_the_file_naming_its_line(tmp_path: Path) -> None:
    message = refusal(hostile.csv_late_nul(tmp_path / "nul.csv", rows=1000))
    assert "line 1,002 holds a NUL byte" in message


def test_a_file_mixing_utf8_and_windows_1252_is_refused_naming_the_first_line_that_is_not_utf8(tmp_path: Path) -> None:
    message = refusal(hostile.csv_mixed_encoding(tmp_path / "mixed.csv"))
    assert "mixes encodings" in message and "line 3 is not" in message


def test_a_windows_1252_file_without_utf8_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "cp.csv"
    path.write_bytes("case_ref,category,reported_on,unit\nR1,neglect,01/02/2024,Café\n".encode("cp1252"))
    outcome, stored = import_file(path)
    assert outcome.ok and stored[0]["unit"][0] == "Café"


def test_many_bad_rows_keep_only_the_first_of_each_kind_and_count_the_rest(tmp_path: Path) -> None:
    from casereview.importing.pipeline import run_import
    from casereview.importing.profiles import load_profile
    from casereview.importing.readers import inspect_file, open_reader

    path = hostile.csv_bad_rows(tmp_path / "bad.csv", 3000)
    with open_reader(inspect_file(path, limits=LIMITS)) as reader:
        outcome = run_import(reader, profile=load_profile(None), key=None, sink=lambda f: None, batch_rows=1000,
                             max_errors_per_kind=50)
    assert outcome.error_total == 6000
    kept = [e for e in outcome.errors if e.line]
    assert len(kept) == 100
    assert [(e.column, e.reason.split(":")[0]) for e in outcome.errors if not e.line] == [
        ("category", "and 2,950 more like this"), ("reported_on", "and 2,950 more like this"),
    ]


def test_checking_stops_once_a_hundred_times_the_kept_errors_are_found(tmp_path: Path) -> None:
    from casereview.importing.pipeline import run_import
    from casereview.importing.profiles import load_profile
    from casereview.importing.readers import inspect_file, open_reader

    path = hostile.csv_bad_rows(tmp_path / "bad.csv", 5000)
    with open_reader(inspect_file(path, limits=LIMITS)) as reader:
        outcome = run_import(reader, profile=load_profile(None), key=None, sink=lambda f: None, batch_rows=1000,
                             max_errors_per_kind=10)
    assert outcome.error_total == 2001  # the first batch's 2,000 problems reach 100 x 10, and one line says so
    assert outcome.errors[-3].reason == (
        "checking stopped at line 1,001 after 2,000 problems; the rest of the file was not checked"
    )


def test_an_error_report_quotes_a_short_prefix_and_bounds_each_kind() -> None:
    report = ErrorReport(per_kind=2)
    report.add(RowError(n, "case_ref", "x" * 500, f"duplicate case_ref; first on line {n - 1}") for n in range(2, 7))
    rows = report.rows()
    assert report.total == 5 and [e.line for e in rows] == [2, 3, 0]
    assert rows[0].value == "x" * QUOTE_CHARS + "…"
    assert rows[-1].reason == "and 3 more like this: duplicate case_ref; first on line 3"
