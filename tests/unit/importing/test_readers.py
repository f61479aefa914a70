from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from casereview.domain.registers import RegisterError
from casereview.importing.limits import Limits
from casereview.importing.sources import inspect_file
from casereview.importing.xlsx_reader import excel_cell_text

from .helpers import HEADER, LIMITS, import_file, write

TEXT = "Child said “they took £20” – then left"


def stored(frames: list[pl.DataFrame]) -> pl.DataFrame:
    return pl.concat(frames)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_pound_dash_and_curly_quotes_survive_every_encoding(tmp_path: Path, encoding: str) -> None:
    path = write(
        tmp_path / "r.csv",
        HEADER.rstrip() + ",summary\n" + f'R1,DA,01/02/2024,North,"{TEXT}"\n',
        encoding,
    )
    outcome, frames = import_file(path)
    assert outcome.ok, outcome.errors
    assert stored(frames)["summary"].to_list() == [TEXT]
    assert inspect_file(path, limits=LIMITS).encoding == encoding


def test_semicolon_separated_files_with_crlf_are_read(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.csv", "case_ref;category;reported_on;unit\r\nR1;CSE;01/02/2024;North\r\n"
    )
    outcome, frames = import_file(path)
    assert outcome.ok
    assert stored(frames)["category"].to_list() == ["child_sexual_exploitation"]


def test_errors_point_at_physical_lines_after_quoted_newlines(tmp_path: Path) -> None:
    body = (
        HEADER.rstrip() + ",summary\n"
        'R1,DA,01/02/2024,North,"line one\nline two\nline three"\n'  # lines 2-4
        "R2,DA,01/02/2024,North,ok\n"  # line 5
        'R3,DA,31/02/2024,North,"a\r\nb"\n'  # line 6 (bad date)
        "R4,XX,01/02/2024,North,ok\n"  # line 8 (bad category)
    )
    outcome, frames = import_file(write(tmp_path / "r.csv", body), batch_rows=2)
    assert [(e.line, e.column) for e in outcome.errors] == [(6, "reported_on"), (8, "category")]
    assert sum(f.height for f in frames) == 2  # the first good batch; the caller rolls it back


def test_duplicates_across_batches_are_found(tmp_path: Path) -> None:
    rows = "".join(f"R{i},DA,01/02/2024,North\n" for i in range(1, 8)) + "R2,DA,01/02/2024,North\n"
    outcome, _ = import_file(write(tmp_path / "r.csv", HEADER + rows), batch_rows=3)
    assert [(e.line, e.reason) for e in outcome.errors] == [
        (9, "duplicate case_ref; first on line 3")
    ]
    assert not outcome.ok  # so the caller rolls back what was loaded


def test_rows_with_too_many_fields_are_reported_by_line(tmp_path: Path) -> None:
    body = HEADER + "R1,DA,01/02/2024,North\nR2,DA,01/02/2024,North,extra\n"
    outcome, _ = import_file(write(tmp_path / "r.csv", body))
    assert [(e.line, e.reason) for e in outcome.errors] == [(3, "5 fields, but the header has 4")]


def test_identifiers_are_pseudonymised_before_the_sink_sees_them(tmp_path: Path) -> None:
    body = "case_ref,category,reported_on,unit,child_id,suspect_id\nR1,DA,01/02/2024,N,CHILD-9,SUSP-1\n"
    outcome, frames = import_file(write(tmp_path / "r.csv", body))
    row = stored(frames).row(0, named=True)
    assert outcome.ok
    assert "child_id" not in row and "CHILD-9" not in str(row) and "SUSP-1" not in str(row)
    assert len(row["child_pseudonym"]) == 32


def test_unmapped_columns_are_dropped_and_listed(tmp_path: Path) -> None:
    body = "case_ref,category,reported_on,unit,Ethnicity,Officer name\nR1,DA,01/02/2024,N,x,y\n"
    outcome, frames = import_file(write(tmp_path / "r.csv", body))
    assert outcome.unmapped == ("Ethnicity", "Officer name")
    assert "x" not in stored(frames).row(0)


def test_an_empty_register_is_refused(tmp_path: Path) -> None:
    outcome, _ = import_file(write(tmp_path / "r.csv", HEADER))
    assert [e.reason for e in outcome.errors] == ["the register has no cases"]


def xlsx(path: Path, rows: list[list[object]], sheet: str = "Cases") -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(row)
    book.create_sheet("Notes").append(["not the register"])
    book.save(path)
    return path


def test_xlsx_numeric_refs_stay_whole_and_excel_dates_become_dates(tmp_path: Path) -> None:
    path = xlsx(
        tmp_path / "r.xlsx",
        [
            ["Case Ref", "Category", "Reported On", "Unit", "Child Age"],
            [20240001, "Missing", dt.datetime(2024, 3, 1), "North", 12],
            [20240002, "DA", "02/03/2024", "South", None],
        ],
    )
    outcome, frames = import_file(path)
    assert outcome.ok, outcome.errors
    got = stored(frames)
    assert got["case_ref"].to_list() == ["20240001", "20240002"]
    assert got["reported_on"].to_list() == [dt.date(2024, 3, 1), dt.date(2024, 3, 2)]
    assert got["child_age"].to_list() == [12, None]


def test_xlsx_errors_name_the_excel_row_and_sheets_can_be_chosen(tmp_path: Path) -> None:
    path = xlsx(
        tmp_path / "r.xlsx",
        [["case_ref", "category", "reported_on", "unit"], ["A", "DA", "31/02/2024", "N"]],
    )
    outcome, _ = import_file(path)
    assert [(e.line, e.column) for e in outcome.errors] == [(2, "reported_on")]
    with pytest.raises(RegisterError, match="no sheet 'Missing'; its sheets are: Cases, Notes"):
        import_file(path, sheet="Missing")


def test_excel_cell_text() -> None:
    assert excel_cell_text(20240001.0) == "20240001"
    assert excel_cell_text(2.5) == "2.5"
    assert excel_cell_text(dt.datetime(2024, 1, 2, 0, 0)) == "2024-01-02"
    assert excel_cell_text(None) is None


def test_files_over_the_size_limit_are_refused_before_parsing(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", HEADER + "R1,DA,01/02/2024,N\n" * 10)
    with pytest.raises(RegisterError, match="over the limit"):
        inspect_file(
            path, limits=Limits(max_bytes=50, max_xlsx_uncompressed_bytes=1, max_xlsx_entries=1)
        )


def test_content_that_does_not_match_the_extension_is_refused(tmp_path: Path) -> None:
    fake_xlsx = write(tmp_path / "r.xlsx", HEADER)
    with pytest.raises(RegisterError, match="not one"):
        inspect_file(fake_xlsx, limits=LIMITS)
    real_xlsx = xlsx(tmp_path / "x.xlsx", [["a"]])
    renamed = tmp_path / "x.csv"
    renamed.write_bytes(real_xlsx.read_bytes())
    with pytest.raises(RegisterError, match="content is a spreadsheet"):
        inspect_file(renamed, limits=LIMITS)
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(RegisterError, match="not text"):
        inspect_file(binary, limits=LIMITS)
    with pytest.raises(RegisterError, match="only .csv, .txt and .xlsx"):
        inspect_file(write(tmp_path / "r.json", "{}"), limits=LIMITS)


def test_xlsx_bombs_are_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/big.xml", b"\x00" * (5 * 1024 * 1024))
    small = Limits(
        max_bytes=LIMITS.max_bytes, max_xlsx_uncompressed_bytes=1024 * 1024, max_xlsx_entries=100
    )
    with pytest.raises(RegisterError, match="would expand to"):
        inspect_file(path, limits=small)
    few = Limits(max_bytes=LIMITS.max_bytes, max_xlsx_uncompressed_bytes=10**9, max_xlsx_entries=1)
    with pytest.raises(RegisterError, match="parts, more than"):
        inspect_file(path, limits=few)


def test_line_numbers_without_any_quotes_count_blank_lines(tmp_path: Path) -> None:
    body = HEADER + "R1,DA,01/02/2024,N\n\nR2,XX,01/02/2024,N\n"
    path = write(tmp_path / "r.csv", body)
    assert not inspect_file(path, limits=LIMITS).has_quotes
    outcome, _ = import_file(path)
    assert [(e.line, e.column) for e in outcome.errors] == [(4, "category")]
