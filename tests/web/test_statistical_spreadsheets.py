"""The statistical spreadsheets (ODS and XLSX) and the zipped CSV tables, read back by real readers.

Reports are built from synthetic data: in the database from the factories (an inspection graded end to
end, downloaded as the lead does), and from synthetic cases through ``build_report`` (a larger report with
small categories, history, weaknesses, send backs, agreement, links and volume), in full, published and
preview.  openpyxl and odfpy check the Analysis Function checklist's essential items (one table per sheet,
one header row, no merged cells, no formulas anywhere, numbers stored as numbers, notes referred to, a title
in A1, document properties); LibreOffice opens both files, exports a table's CSV with the same numbers, and
draws every sheet (PDF, then PNG under ``test-results/screenshots/spreadsheets``) for a person to look at.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from casereview.domain.file_names import report_stem
from casereview.domain.publication import as_preview, published
from casereview.domain.statistical_tables import (
    SHORTHAND,
    ColumnKind,
    Table,
    Workbook,
    contents_table,
    notes_table,
)
from casereview.domain.statistical_workbook import workbook
from casereview.web.journal.models import JournalEntry
from casereview.web.reports import rendering
from tests.readers import SCREENSHOTS, pages_png, soffice, soffice_sheet_csv

from .conftest import verified_client
from .sheets import shown
from .test_published_formats import cases, mixed_report
from .test_reports import world  # noqa: F401 -- the graded inspection in the database, as a fixture

SHOTS = SCREENSHOTS / "spreadsheets"
HOSTILE_UNIT = '=HYPERLINK("http://x","y")'
NUMERIC = {ColumnKind.COUNT, ColumnKind.PERCENT, ColumnKind.NUMBER, ColumnKind.DATE}


def hostile_report() -> dict[str, Any]:
    """The mixed report with one more unit, named like a formula."""
    from .test_published_formats import full_report

    graded = (
        cases(20, "good")
        + cases(30, "requires_improvement", unit="South")
        + cases(25, "inadequate", unit=HOSTILE_UNIT)
    )
    return full_report(graded)


def documents() -> dict[str, dict[str, Any]]:
    full = mixed_report()
    return {
        "full": full,
        "published": published(full),
        "preview": as_preview(published(full), graded=78, sampled=80),
    }


def sheets_of(book: Workbook) -> list[Table]:
    return [t for t in (contents_table(book), notes_table(book), *book.tables) if t.rows]


# ---------------------------------------------------------------------------------------------------
# XLSX read by openpyxl


def check_xlsx(content: bytes, book: Workbook) -> None:
    from openpyxl import load_workbook

    xlsx = load_workbook(io.BytesIO(content))
    expected = sheets_of(book)
    assert xlsx.sheetnames == ["Cover", *(t.sheet for t in expected)]
    cover = xlsx["Cover"]
    assert cover["A1"].value == book.title and not cover.tables
    lines = [r[0] for r in cover.iter_rows(min_row=2, values_only=True)]
    assert dict(zip(lines[::2], lines[1::2], strict=True)) == dict(book.cover)
    for ws in xlsx.worksheets:
        assert not ws.merged_cells.ranges, ws.title
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)
                assert not (isinstance(cell.value, str) and cell.value.startswith("=")), ws.title
    for table in expected:
        ws = xlsx[table.sheet]
        assert ws["A1"].value == table.title
        assert [ws.cell(i + 2, 1).value for i in range(len(table.description))] == list(
            table.description
        )
        assert len(ws.tables) == 1, table.sheet  # one table per sheet, marked up as an Excel table
        (marked,) = ws.tables.values()
        top = len(table.description) + 2
        right = ws.cell(top, len(table.columns)).column_letter
        assert marked.ref == f"A{top}:{right}{top + len(table.rows)}", table.sheet
        assert marked.headerRowCount in (None, 1)
        header, *rows = ws[marked.ref]
        assert [c.value for c in header] == [c.heading for c in table.columns]
        assert len(rows) == len(table.rows)
        for got, want in zip(rows, table.rows, strict=True):
            for cell, column, value in zip(got, table.columns, want, strict=True):
                assert cell.value not in (None, ""), (table.sheet, cell.coordinate)  # never blank
                if isinstance(value, str):
                    assert cell.data_type == "s" and cell.value == value
                    if column.kind in NUMERIC:
                        assert value in SHORTHAND, (table.sheet, value)
                    continue
                if isinstance(value, dt.date):
                    assert cell.is_date and cell.value.date() == value
                    continue
                assert cell.data_type == "n" and cell.value == value, (table.sheet, cell.coordinate)
                if column.kind is ColumnKind.PERCENT:
                    assert cell.number_format == "0.0%"
                elif column.kind is ColumnKind.COUNT:
                    assert cell.number_format == "#,##0"
        assert ws.max_row == top + len(table.rows)  # nothing below the table
        assert ws.max_column == len(table.columns)  # nothing beside it
    referred = {int(n) for t in book.tables for n in re.findall(r"\[note (\d+)\]", t.title)}
    notes = [r[0] for r in xlsx["Notes"].iter_rows(min_row=4, values_only=True)]
    assert {int(n.split()[1]) for n in notes} == referred and referred
    properties = xlsx.properties
    assert properties.title == book.title and properties.creator == "casereview"
    assert properties.subject and "inspection" in (properties.keywords or "")
    assert {p.name: p.value for p in xlsx.custom_doc_props.props}["Language"] == "en-GB"


# ---------------------------------------------------------------------------------------------------
# ODS read by odfpy


def ods_rows(table: Any) -> list[list[Any]]:
    from odf.table import TableCell, TableRow

    return [row.getElementsByType(TableCell) for row in table.getElementsByType(TableRow)]


def check_ods(content: bytes, book: Workbook) -> None:
    from odf import dc
    from odf.namespaces import OFFICENS, TABLENS
    from odf.opendocument import load
    from odf.table import DatabaseRange, NamedRange, TableCell
    from odf.table import Table as OdsTable

    doc = load(io.BytesIO(content))
    for cell in doc.spreadsheet.getElementsByType(TableCell):
        assert not cell.getAttrNS(TABLENS, "formula")
        assert not cell.getAttrNS(TABLENS, "number-columns-spanned")  # nothing merged
    tables = {t.getAttrNS(TABLENS, "name"): t for t in doc.spreadsheet.getElementsByType(OdsTable)}
    expected = sheets_of(book)
    assert list(tables) == ["Cover", *(t.sheet for t in expected)]
    assert str(ods_rows(tables["Cover"])[0][0]) == book.title
    ranges = {
        r.getAttrNS(TABLENS, "name"): r.getAttrNS(TABLENS, "cell-range-address")
        for r in doc.spreadsheet.getElementsByType(NamedRange)
    }
    databases = {
        r.getAttrNS(TABLENS, "name"): r for r in doc.spreadsheet.getElementsByType(DatabaseRange)
    }
    for table in expected:
        rows = ods_rows(tables[table.sheet])
        assert str(rows[0][0]) == table.title
        top = len(table.description) + 1
        assert [str(c) for c in rows[top]] == [c.heading for c in table.columns]
        assert len(rows) == top + 1 + len(table.rows)
        name = "Table_" + table.sheet
        end = chr(64 + len(table.columns)) if len(table.columns) <= 26 else None
        if end:
            assert (
                ranges[name] == f"$'{table.sheet}'.$A${top + 1}:.${end}${top + 1 + len(table.rows)}"
            )
        assert databases[name].getAttrNS(TABLENS, "contains-header") == "true"
        for got, want in zip(rows[top + 1 :], table.rows, strict=True):
            assert len(got) == len(table.columns)
            for cell, column, value in zip(got, table.columns, want, strict=True):
                kind = cell.getAttrNS(OFFICENS, "value-type")
                if isinstance(value, str):
                    assert kind == "string" and str(cell) == value
                elif isinstance(value, dt.date):
                    assert kind == "date" and cell.getAttrNS(OFFICENS, "date-value") == str(value)
                else:
                    # A percentage is stored as one (ODF's value type), every other number as a float.
                    wanted = "percentage" if column.kind is ColumnKind.PERCENT else "float"
                    assert kind == wanted, (table.sheet, column.heading)
                    assert float(cell.getAttrNS(OFFICENS, "value")) == value
                    if column.kind is ColumnKind.PERCENT:
                        assert str(cell) == f"{100 * value:.1f}%"
    meta = doc.meta
    assert str(meta.getElementsByType(dc.Title)[0]) == book.title
    assert str(meta.getElementsByType(dc.Language)[0]) == "en-GB"
    assert str(meta.getElementsByType(dc.Creator)[0]) == "casereview"
    assert str(meta.getElementsByType(dc.Subject)[0])


@pytest.mark.parametrize("which", ["full", "published", "preview"])
def test_both_spreadsheets_hold_the_one_description_as_the_checklist_asks(which: str) -> None:
    document = documents()[which]
    book = workbook(document)
    xlsx = rendering.render(document, "xlsx")
    ods = rendering.render(document, "ods")
    assert xlsx.filename == f"{report_stem(document)}.xlsx"
    assert ods.filename == f"{report_stem(document)}.ods"
    assert ods.content_type == "application/vnd.oasis.opendocument.spreadsheet"
    check_xlsx(xlsx.content, book)
    check_ods(ods.content, book)


def test_the_csv_tables_are_one_csv_per_table_each_with_one_header_row() -> None:
    document = documents()["published"]
    book = workbook(document)
    made = rendering.render(document, "tables")
    assert made.content_type == "application/zip"
    assert made.filename == f"{report_stem(document)}-tables.zip"
    with zipfile.ZipFile(io.BytesIO(made.content)) as archive:
        names = archive.namelist()
        expected = sheets_of(book)
        assert names == [
            "00-Cover.csv",
            *(f"{n:02d}-{t.sheet}.csv" for n, t in enumerate(expected, start=1)),
        ]
        for name, table in zip(names[1:], expected, strict=True):
            header, *rows = csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig")))
            assert header == [c.heading for c in table.columns]
            assert len(rows) == len(table.rows) and all(rows)
            for got, want in zip(rows, table.rows, strict=True):
                assert got == [v.isoformat() if isinstance(v, dt.date) else str(v) for v in want], (
                    name
                )
    # The long machine-readable CSV is as it was.
    long = rendering.render(document, "csv").content.decode("utf-8-sig")
    assert long.splitlines()[0] == "section,row,measure,value"


@pytest.mark.parametrize("publish", [False, True], ids=["full", "published"])
def test_a_unit_named_like_a_formula_stays_text_in_every_spreadsheet(publish: bool) -> None:
    from odf.namespaces import TABLENS
    from odf.opendocument import load
    from odf.table import TableCell
    from openpyxl import load_workbook

    document = hostile_report()
    if publish:
        document = published(document)
    safe = "'" + HOSTILE_UNIT
    xlsx = load_workbook(io.BytesIO(rendering.render(document, "xlsx").content))
    cells = [c for ws in xlsx.worksheets for row in ws.iter_rows() for c in row]
    assert safe in {c.value for c in cells}
    assert not [c for c in cells if c.data_type == "f"]
    ods = load(io.BytesIO(rendering.render(document, "ods").content))
    texts = [str(c) for c in ods.spreadsheet.getElementsByType(TableCell)]
    assert safe in texts and HOSTILE_UNIT not in texts
    assert not [
        c for c in ods.spreadsheet.getElementsByType(TableCell) if c.getAttrNS(TABLENS, "formula")
    ]
    with zipfile.ZipFile(io.BytesIO(rendering.render(document, "tables").content)) as archive:
        fields = [
            f
            for name in archive.namelist()
            for row in csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig")))
            for f in row
        ]
    assert safe in fields and HOSTILE_UNIT not in fields


# ---------------------------------------------------------------------------------------------------
# LibreOffice


def _csv_of_sheet(path: Path, sheet: int, name: str, outdir: Path) -> list[list[str]]:
    """LibreOffice's CSV of one sheet (1 is the first), cells as shown, UTF-8."""
    made = soffice_sheet_csv(path, sheet, name, outdir)
    with made.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    made.unlink()
    return rows


def _as_shown(table: Table) -> Iterator[list[str]]:
    for row in table.rows:
        out = []
        for column, value in zip(table.columns, row, strict=True):
            if isinstance(value, str):
                out.append(value)
            elif column.kind is ColumnKind.COUNT:
                out.append(f"{value:,}")
            elif column.kind is ColumnKind.NUMBER:
                out.append(f"{value:,.{column.places}f}")
            else:
                out.append(shown(value, "0.0%" if column.kind is ColumnKind.PERCENT else ""))
        yield out


@pytest.mark.parametrize("which", ["full", "published", "preview"])
def test_libreoffice_opens_both_shows_the_same_numbers_and_draws_every_sheet(
    which: str, tmp_path: Path
) -> None:
    document = documents()[which]
    book = workbook(document)
    order = ["Cover", *(t.sheet for t in sheets_of(book))]
    chosen = [t for t in book.tables if t.sheet in ("Overall_grades", "By_category", "Trend")]
    for fmt in ("ods", "xlsx"):
        path = tmp_path / f"{which}-{fmt}.{fmt}"
        path.write_bytes(rendering.render(document, fmt).content)
        for table in chosen:
            rows = _csv_of_sheet(path, order.index(table.sheet) + 1, table.sheet, tmp_path / "csv")
            assert rows[0][0] == table.title
            top = len(table.description) + 1
            assert rows[top][: len(table.columns)] == [c.heading for c in table.columns]
            body = [r[: len(table.columns)] for r in rows[top + 1 :]]
            assert body == list(_as_shown(table)), (fmt, table.sheet)
        pdf = soffice(path, "pdf", tmp_path / "pdf")
        shutil.rmtree(
            SHOTS / f"{which}-{fmt}", ignore_errors=True
        )  # no page left from a longer run
        pictures = pages_png(pdf, SHOTS / f"{which}-{fmt}", resolution=70)
        assert len(pictures) >= len(order)  # every sheet drawn, at least a page each
        # Every printed page carries the classification, at its head and its foot, and its number.
        from pypdf import PdfReader

        classification = dict(book.cover)["Classification"]
        for n, page in enumerate(PdfReader(pdf).pages, start=1):
            said = " ".join(page.extract_text().split())
            assert said.count(classification) >= 2, (fmt, n)  # the header and the footer
            assert f"Page {n} of " in said, (fmt, n)


@pytest.mark.django_db(transaction=True)
def test_the_lead_downloads_each_spreadsheet_of_a_real_inspection_and_each_is_journaled(
    world: dict[str, Any],  # noqa: F811
    tmp_path: Path,
) -> None:
    lead = verified_client(world["lead"])
    pk = world["now"].pk
    for extra in ("", "&published=1"):
        for fmt in ("xlsx", "ods", "tables"):
            got = lead.get(f"/reports/inspection/{pk}/download/?format={fmt}{extra}")
            assert got.status_code == 200 and got.content[:2] == b"PK", fmt
            assert got["Content-Type"] == rendering.CONTENT_TYPES[fmt]
        document = lead.get(f"/reports/inspection/{pk}/download/?format=json{extra}").json()
        book = workbook(document)
        check_xlsx(lead.get(f"/reports/inspection/{pk}/download/?format=xlsx{extra}").content, book)
        check_ods(lead.get(f"/reports/inspection/{pk}/download/?format=ods{extra}").content, book)
    page = lead.get(f"/reports/inspection/{pk}/").content.decode()
    for words in (
        "Spreadsheet (ODS, OpenDocument)",
        "Spreadsheet (XLSX, Excel)",
        "CSV tables (ZIP)",
    ):
        assert words in page
    journaled = JournalEntry.objects.filter(action="report_generate", actor_name="lead")
    for fmt in ("xlsx", "ods", "tables"):
        entries = journaled.filter(detail__format=fmt)
        assert {e.detail["published"] for e in entries} == {False, True}, fmt


# ---------------------------------------------------------------------------------------------------
# Links, marking, the same bytes, the tables' headings


@pytest.mark.parametrize("which", ["full", "published"])
def test_the_contents_links_to_each_sheet_in_both_spreadsheets(which: str) -> None:
    from odf.namespaces import XLINKNS
    from odf.opendocument import load
    from odf.table import Table as OdsTable
    from odf.text import A
    from openpyxl import load_workbook

    document = documents()[which]
    book = workbook(document)
    listed = [row[0] for row in contents_table(book).rows]
    assert listed == ["Notes", *(t.sheet for t in book.tables)]
    xlsx = load_workbook(io.BytesIO(rendering.render(document, "xlsx").content))
    contents = xlsx["Contents"]
    top = len(contents_table(book).description) + 2
    links = [contents.cell(top + 1 + i, 1) for i in range(len(listed))]
    assert [c.value for c in links] == listed
    assert [c.hyperlink.location for c in links] == [f"'{name}'!A1" for name in listed]
    assert all(c.hyperlink.target is None for c in links)  # inside the workbook, never a URL
    ods = load(io.BytesIO(rendering.render(document, "ods").content))
    (sheet,) = [
        t
        for t in ods.spreadsheet.getElementsByType(OdsTable)
        if t.getAttribute("name") == "Contents"
    ]
    anchors = sheet.getElementsByType(A)
    assert [str(a) for a in anchors] == listed
    assert [a.getAttrNS(XLINKNS, "href") for a in anchors] == [f"#'{n}'.A1" for n in listed]


@pytest.mark.parametrize(
    ("which", "classification"), [("full", "OFFICIAL-SENSITIVE"), ("published", "OFFICIAL")]
)
def test_every_printed_sheet_carries_the_classification(which: str, classification: str) -> None:
    from odf.opendocument import load
    from odf.style import Footer, Header, MasterPage
    from openpyxl import load_workbook

    document = documents()[which]
    book = workbook(document)
    assert dict(book.cover)["Classification"] == classification
    xlsx = load_workbook(io.BytesIO(rendering.render(document, "xlsx").content))
    assert xlsx["Cover"]["A3"].value == classification  # the cover's first item
    for ws in xlsx.worksheets:
        assert ws.oddHeader.left.text == classification, ws.title
        assert ws.oddFooter.left.text == classification, ws.title
        assert ws.oddFooter.right.text == "Page &P of &N", ws.title
    ods = load(io.BytesIO(rendering.render(document, "ods").content))
    (master,) = ods.masterstyles.getElementsByType(MasterPage)
    assert str(master.getElementsByType(Header)[0]).startswith(classification)
    assert str(master.getElementsByType(Footer)[0]).startswith(f"{classification} – Page")
    # every sheet prints on that master page
    from odf.namespaces import STYLENS, TABLENS
    from odf.style import Style
    from odf.table import Table as OdsTable

    pages = {
        s.getAttrNS(STYLENS, "name"): s.getAttrNS(STYLENS, "master-page-name")
        for s in ods.automaticstyles.getElementsByType(Style)
    }
    for t in ods.spreadsheet.getElementsByType(OdsTable):
        assert pages[t.getAttrNS(TABLENS, "style-name")] == master.getAttrNS(STYLENS, "name")


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "tables"])
def test_the_same_report_gives_the_same_bytes_dated_by_the_document(fmt: str) -> None:
    import time_machine

    from casereview.domain.marking import marking

    document = documents()["published"]
    with time_machine.travel(dt.datetime(2030, 1, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        first = rendering.render(document, fmt).content
    # A day later by the clock (a zip dates its entries to two seconds): a clock's date would differ.
    with time_machine.travel(dt.datetime(2030, 1, 2, 17, 31, tzinfo=dt.UTC), tick=False):
        assert rendering.render(document, fmt).content == first
    created = dt.date.fromisoformat(marking(document).created)
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {i.date_time[:3] for i in archive.infolist()} in (
            {(created.year, created.month, created.day)},
            {(1980, 1, 1)},  # XlsxWriter's own fixed date for its entries
        )
    if fmt == "xlsx":
        from openpyxl import load_workbook

        assert load_workbook(io.BytesIO(first)).properties.created.date() == created
    if fmt == "ods":
        from odf import dc, meta
        from odf.opendocument import load

        ods = load(io.BytesIO(first))
        assert str(ods.meta.getElementsByType(meta.CreationDate)[0]).startswith(str(created))
        assert str(ods.meta.getElementsByType(dc.Date)[0]).startswith(str(created))


@pytest.mark.filterwarnings("ignore:Name looks like a cell name")
def test_an_excel_table_s_headings_are_safe_unique_and_a_failure_is_refused() -> None:
    from openpyxl import load_workbook

    from casereview.web.core.exports import xlsx_book, xlsx_table

    buffer = io.BytesIO()
    out = xlsx_book(buffer)
    sheet = out.add_worksheet("T")
    for c in range(3):
        sheet.write_number(1, c, c)
    xlsx_table(
        sheet, 0, 1, ["Cases", "cases", HOSTILE_UNIT], {"name": "Counts", "columns": [{}, {}, {}]}
    )
    with pytest.raises(
        ValueError, match="could not be made"
    ):  # a name Excel reads as a cell: refused
        xlsx_table(sheet, 3, 4, ["x", "y", "z"], {"name": "AB12", "columns": [{}, {}, {}]})
    out.close()
    ws = load_workbook(buffer)["T"]
    (table,) = ws.tables.values()
    assert [c.name for c in table.tableColumns] == ["Cases", "cases (2)", "'" + HOSTILE_UNIT]
    assert [c.value for c in ws[1]] == ["Cases", "cases (2)", "'" + HOSTILE_UNIT]


def test_a_workbook_with_no_notes_has_no_empty_notes_table() -> None:
    from casereview.web.reports.spreadsheets import sheets

    book = workbook(documents()["full"])
    bare = Workbook(book.title, book.cover, (), book.tables, book.properties)
    names = [t.sheet for t in sheets(bare)]
    assert "Notes" not in names and names[0] == "Contents"
    assert "Notes" not in [row[0] for row in contents_table(bare).rows]


@pytest.mark.parametrize("publish", [False, True], ids=["full", "published"])
def test_a_disproportionate_sample_s_effective_numbers_are_numbers_in_both_files(
    publish: bool,
) -> None:
    from openpyxl import load_workbook

    from tests.unit.domain.test_report_domains import STRATA, report

    document = report({"strata": STRATA, "proportional": False}).to_json()
    if publish:
        document = published(document)
    book = workbook(document)
    xlsx = rendering.render(document, "xlsx").content
    check_xlsx(xlsx, book)
    check_ods(rendering.render(document, "ods").content, book)
    chart = next(t for t in book.tables if t.sheet == "Control_chart")
    ws = load_workbook(io.BytesIO(xlsx))["Control_chart"]
    top = len(chart.description) + 2
    headings = [c.value for c in ws[top]]
    now = top + 1 + next(i for i, r in enumerate(chart.rows) if r[0] == "Q3 2026")
    effective = ws.cell(now, headings.index("Effective cases") + 1)
    assert effective.value == 26.4 and effective.number_format == "#,##0.0"
    assert ws.cell(now, headings.index("Effective graded cases") + 1).value == 76.4
    assert ws.cell(now, headings.index("Outside its limits") + 1).value == "No"
