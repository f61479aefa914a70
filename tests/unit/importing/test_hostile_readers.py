"""Hostile files (issue 18) are refused by the readers at once, naming the limit, without being loaded whole."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from casereview.domain.registers import QUOTE_CHARS, ErrorReport, RegisterError, RowError
from casereview.importing import hostile
from casereview.importing.limits import Limits

from .helpers import LIMITS, import_file

SMALL = replace(
    LIMITS, max_cell_chars=1000, max_xlsx_part_bytes=4 * 1024**2, max_rows=5000, max_columns=20
)


def refusal(path: Path, limits: Limits = SMALL) -> str:
    with pytest.raises(RegisterError) as caught:
        import_file(path, limits=limits)
    return str(caught.value)


def test_a_shared_string_over_the_cell_limit_is_refused_before_any_parser_holds_it(
    tmp_path: Path,
) -> None:
    path = hostile.xlsx_huge_shared_string(tmp_path / "shared.xlsx", 200_000)
    started = time.monotonic()
    message = refusal(path)
    assert "a shared string is longer than the 1,000 characters" in message
    assert "CASEREVIEW_MAX_CELL_CHARS" in message
    assert time.monotonic() - started < 2


def test_a_sheet_expanding_past_the_part_limit_is_refused_whatever_size_it_declares(
    tmp_path: Path,
) -> None:
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


def test_formula_cells_without_saved_values_are_row_errors_naming_the_formula(
    tmp_path: Path,
) -> None:
    outcome, stored = import_file(hostile.xlsx_formulas_without_values(tmp_path / "f.xlsx", rows=2))
    assert [(e.line, e.column, e.value) for e in outcome.errors] == [
        (2, "reported_on", "=DATE(2024,2,1)"),
        (3, "reported_on", "=DATE(2024,2,1)"),
    ]
    assert "formula without a saved value" in outcome.errors[0].reason


def test_a_header_over_pythons_csv_field_limit_is_a_refusal_not_a_crash(tmp_path: Path) -> None:
    message = refusal(hostile.csv_long_header(tmp_path / "h.csv", 131_073), LIMITS)
    assert (
        "a header is longer than the 100,000 characters" in message
        and "CASEREVIEW_MAX_CELL_CHARS" in message
    )


def test_a_value_over_the_cell_limit_is_refused_quoting_only_a_prefix(tmp_path: Path) -> None:
    message = refusal(hostile.csv_long_value(tmp_path / "v.csv", 50_000))
    assert "line 2 holds a value that is longer than the 1,000 characters" in message
    outcome, _ = import_file(hostile.csv_long_value(tmp_path / "w.csv", 1500), limits=SMALL)
    [error] = outcome.errors
    assert (
        error.line == 2 and error.column == "unit" and "CASEREVIEW_MAX_CELL_CHARS" in error.reason
    )
    assert error.value == "U" * QUOTE_CHARS + "…"


def test_a_nul_byte_after_the_first_8_kb_refuses_the_file_naming_its_line(tmp_path: Path) -> None:
    message = refusal(hostile.csv_late_nul(tmp_path / "nul.csv", rows=1000))
    assert "line 1,002 holds a NUL byte" in message


def test_a_file_mixing_utf8_and_windows_1252_is_refused_naming_the_first_line_that_is_not_utf8(
    tmp_path: Path,
) -> None:
    message = refusal(hostile.csv_mixed_encoding(tmp_path / "mixed.csv"))
    assert "mixes encodings" in message and "line 3 is not" in message


def test_a_windows_1252_file_without_utf8_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "cp.csv"
    path.write_bytes(
        "case_ref,category,reported_on,unit\nR1,neglect,01/02/2024,Café\n".encode("cp1252")
    )
    outcome, stored = import_file(path)
    assert outcome.ok and stored[0]["unit"][0] == "Café"


def test_many_bad_rows_keep_only_the_first_of_each_kind_and_count_the_rest(tmp_path: Path) -> None:
    from casereview.importing.pipeline import run_import
    from casereview.importing.profiles import load_profile
    from casereview.importing.readers import open_reader
    from casereview.importing.sources import inspect_file

    path = hostile.csv_bad_rows(tmp_path / "bad.csv", 3000)
    with open_reader(inspect_file(path, limits=LIMITS)) as reader:
        outcome = run_import(
            reader,
            profile=load_profile(None),
            key=None,
            sink=lambda f: None,
            batch_rows=1000,
            max_errors_per_kind=50,
        )
    assert outcome.error_total == 6000
    kept = [e for e in outcome.errors if e.line]
    assert len(kept) == 100
    assert [(e.column, e.reason.split(":")[0]) for e in outcome.errors if not e.line] == [
        ("category", "and 2,950 more like this"),
        ("reported_on", "and 2,950 more like this"),
    ]


def test_checking_stops_once_a_hundred_times_the_kept_errors_are_found(tmp_path: Path) -> None:
    from casereview.importing.pipeline import run_import
    from casereview.importing.profiles import load_profile
    from casereview.importing.readers import open_reader
    from casereview.importing.sources import inspect_file

    path = hostile.csv_bad_rows(tmp_path / "bad.csv", 5000)
    with open_reader(inspect_file(path, limits=LIMITS)) as reader:
        outcome = run_import(
            reader,
            profile=load_profile(None),
            key=None,
            sink=lambda f: None,
            batch_rows=1000,
            max_errors_per_kind=10,
        )
    assert (
        outcome.error_total == 2001
    )  # the first batch's 2,000 problems reach 100 x 10, and one line says so
    assert outcome.errors[-3].reason == (
        "checking stopped at line 1,001 after 2,000 problems; the rest of the file was not checked"
    )


def test_an_error_report_quotes_a_short_prefix_and_bounds_each_kind() -> None:
    report = ErrorReport(per_kind=2)
    report.add(
        RowError(n, "case_ref", "x" * 500, f"duplicate case_ref; first on line {n - 1}")
        for n in range(2, 7)
    )
    rows = report.rows()
    assert report.total == 5 and [e.line for e in rows] == [2, 3, 0]
    assert rows[0].value == "x" * QUOTE_CHARS + "…"
    assert rows[-1].reason == "and 3 more like this: duplicate case_ref; first on line 3"


def test_a_shared_string_over_the_cell_limit_in_short_rich_text_runs_is_refused_naming_the_limit(
    tmp_path: Path,
) -> None:
    path = hostile.xlsx_rich_shared_string(tmp_path / "rich.xlsx", 200_000, run=400)
    message = refusal(path)
    assert "a shared string is longer than the 1,000 characters" in message
    assert "CASEREVIEW_MAX_CELL_CHARS" in message


def test_shared_strings_over_the_total_limit_are_refused_though_each_is_short(
    tmp_path: Path,
) -> None:
    path = hostile.xlsx_many_shared_strings(tmp_path / "many.xlsx", 200_000, each=900)
    message = refusal(path, replace(SMALL, max_xlsx_shared_strings_chars=50_000))
    assert "more than the 50,000 characters a workbook may have in all" in message
    assert "CASEREVIEW_MAX_XLSX_SHARED_STRINGS_CHARS" in message


def test_shared_strings_within_the_limits_are_read_with_their_rich_text_runs_joined(
    tmp_path: Path,
) -> None:
    path = hostile.xlsx_rich_shared_string(
        tmp_path / "rich.xlsx", 900, run=60
    )  # 15 runs of 60: 900 in all
    outcome, _ = import_file(path, limits=SMALL)
    [(column, value, reason)] = [
        (e.column, e.value, e.reason) for e in outcome.errors if e.column == "case_ref"
    ]
    assert reason == "longer than 100 characters" and value == "A" * QUOTE_CHARS + "…"
    many = hostile.xlsx_many_shared_strings(tmp_path / "many.xlsx", 2700, each=900)
    outcome, _ = import_file(many, limits=replace(SMALL, max_xlsx_shared_strings_chars=2700))
    assert [e.column for e in outcome.errors if e.column == "case_ref"] == ["case_ref"]


def test_a_workbook_part_declaring_a_doctype_is_refused(tmp_path: Path) -> None:
    def shared() -> Iterator[str]:
        yield '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaa">]><sst><si><t>&a;</t></si></sst>'

    path = hostile.write_xlsx(tmp_path / "doctype.xlsx", hostile._one_shared_cell(), shared())
    assert "declares a DOCTYPE" in refusal(path)


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_a_quoted_value_over_the_cell_limit_holding_separators_is_refused_before_it_is_read(
    tmp_path: Path, separator: str
) -> None:
    path = hostile.csv_long_quoted_value(tmp_path / "q.csv", 50_000, separator)
    message = refusal(path)
    assert "line 3 is inside a quoted value that is longer than the 1,000 characters" in message
    assert "CASEREVIEW_MAX_CELL_CHARS" in message


def test_an_unquoted_value_full_of_commas_in_a_semicolon_file_is_refused_before_it_is_read(
    tmp_path: Path,
) -> None:
    path = hostile.csv_long_quoted_value(tmp_path / "s.csv", 50_000, ";", quoted=False)
    assert "line 3 holds a value that is longer than the 1,000 characters" in refusal(path)


def test_a_quoted_value_over_the_cell_limit_made_of_doubled_quotes_is_refused(
    tmp_path: Path,
) -> None:
    path = tmp_path / "dq.csv"
    path.write_text(hostile.HEADER[0] + ',unit\nR1,"' + 'a"",' * 20_000 + '"\n')
    assert "is inside a quoted value that is longer" in refusal(path)


def test_a_register_quoting_every_field_with_separators_and_newlines_inside_is_read_whole(
    tmp_path: Path,
) -> None:
    path = tmp_path / "quoted.csv"
    rows = "".join(
        f'"R{n}","neglect","01/02/2024","North, ""{n}"";\n\tEast"\n' for n in range(3000)
    )
    path.write_text('"case_ref","category","reported_on","unit"\n' + rows)
    outcome, stored = import_file(path, batch_rows=1000, limits=SMALL)
    assert outcome.ok and sum(f.height for f in stored) == 3000
    assert stored[0]["unit"][1] == 'North, "1";\n\tEast'


def test_a_nul_character_in_a_utf16_register_refuses_the_file_naming_its_line(
    tmp_path: Path,
) -> None:
    message = refusal(hostile.csv_utf16_nul(tmp_path / "u16.csv", rows=500))
    assert "line 502 holds a NUL character" in message
    good = tmp_path / "good16.csv"
    good.write_bytes(
        hostile.csv_utf16_nul(tmp_path / "x.csv", rows=3)
        .read_bytes()
        .decode("utf-16")
        .replace("\x00", "")
        .encode("utf-16")
    )
    outcome, stored = import_file(good)
    assert outcome.ok and stored[-1]["unit"][-1] == "North"


def test_an_inline_string_over_the_cell_limit_in_short_rich_text_runs_is_refused_as_the_sheet_inflates(
    tmp_path: Path,
) -> None:
    path = hostile.xlsx_rich_inline_string(tmp_path / "inline.xlsx", 200_000, run=400)
    message = refusal(path)
    assert "an inline string is longer than the 1,000 characters" in message
    assert "CASEREVIEW_MAX_CELL_CHARS" in message


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 1000])
def test_an_inline_string_at_the_cell_limit_is_never_refused_however_the_stream_is_cut(
    size: int,
) -> None:
    from casereview.importing.xlsx_container import _InlineStringScan

    runs = "".join(
        f'<r><rPr><b/></rPr><t xml:space="preserve">{"é" * 45}&amp;&#x1F600;é€\U0001f600</t></r>'
        for _ in range(20)
    )  # 20 runs of 50 characters: exactly 1,000
    xml = f'<row><c t="inlineStr"><is>{runs}</is></c><c t="inlineStr"><is><t>{"x" * 999}</t></is></c></row>'
    data = xml.encode()
    scan = _InlineStringScan("w.xlsx", SMALL)
    for start in range(0, len(data), size):
        scan.feed(data[start : start + size])
    over = _InlineStringScan(
        "w.xlsx", SMALL
    )  # a string cut by no block is left to the readers' cell check
    with pytest.raises(RegisterError, match="an inline string is longer"):
        longer = xml.replace("<is>", "<is><t>z</t>", 1).encode()  # 1,001 characters
        for start in range(0, len(longer), size):
            over.feed(longer[start : start + size])


def test_an_inline_string_at_the_cell_limit_is_read_whole(tmp_path: Path) -> None:
    path = hostile.xlsx_rich_inline_string(tmp_path / "inline.xlsx", 1000, run=50)
    outcome, _ = import_file(path, limits=SMALL)
    [(value, reason)] = [(e.value, e.reason) for e in outcome.errors if e.column == "case_ref"]
    assert reason == "longer than 100 characters" and value == "A" * QUOTE_CHARS + "…"


def test_a_workbook_part_other_than_sheets_and_shared_strings_is_refused_past_its_own_smaller_limit(
    tmp_path: Path,
) -> None:
    path = hostile.xlsx_huge_styles(tmp_path / "styles.xlsx", 2 * 1024**2)
    message = refusal(path, replace(SMALL, max_xlsx_other_part_bytes=1024**2))
    assert "xl/styles.xml expands to more than 1.0 MB" in message
    assert "CASEREVIEW_MAX_XLSX_OTHER_PART_BYTES" in message
    sheet = hostile.xlsx_expanding_sheet(
        tmp_path / "sheet.xlsx", 200_000
    )  # the sheet keeps the part limit
    outcome, stored = import_file(
        sheet, batch_rows=1000, limits=replace(SMALL, max_xlsx_other_part_bytes=64_000)
    )
    assert outcome.ok and sum(f.height for f in stored) > 1000
