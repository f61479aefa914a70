"""Exports cannot attack their readers: every CSV and spreadsheet the system writes goes through the one safe-cell rule."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.utils import timezone
from typer.testing import CliRunner

from casereview.cli import app
from casereview.domain.cells import FORMULA_STARTS, original_cell
from casereview.domain.journal import Operation, entry_digest
from casereview.web.journal.services import journal_record
from casereview.web.registers.models import Body, Register
from casereview.web.reports.rendering import csv_text, xlsx

runner = CliRunner()
SRC = Path(__file__).resolve().parents[2] / "src" / "casereview"

#: Text a spreadsheet would run (formulas, DDE, a link, and the starts hidden behind a tab or a carriage return).
HOSTILE = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x","y")',
    "+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1+1",
    "\r=2+2",
]

#: Ways of writing CSV or XLSX.  Outside ``web/core/exports.py`` (the writers that apply the rule) each is
#: allowed only where no person opens what it writes, or where the text is made up by casereview itself.
WRITERS = re.compile(
    r"csv\.writer\(|csv\.DictWriter\(|\.write_csv\(|\.sink_csv\(|Workbook\(|\.write_excel\(|xlsxwriter"
    # XLSX text, rows and formulas written cell by cell (XlsxWriter), and ODS text or formula cells (odfpy)
    r"|\.write_string\(|\.write_formula\(|\.write_row\(|\.write_column\(|\.write\(\s*\w+\s*,\s*\w+\s*,"
    r"|valuetype=[\"']string|formula="
    # Excel tables (their headings are text) and links; raw odfpy cells with their value types
    r"|\.add_table\(|\.write_url\(|qattributes="
)
NOT_EXPORTS = {
    "importing/loaders.py": "rows streamed into PostgreSQL's COPY, never a file",
    "synthetic.py": "made-up demo and benchmark registers; no one's text",
    "domain/statistical_workbook.py": "describes the statistical spreadsheet (a Workbook of typed cells); "
    "writes nothing: web/reports/spreadsheets.py writes it through the safe writers",
}


def live(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_no_module_writes_csv_or_xlsx_except_through_the_safe_writers() -> None:
    bypassing = []
    for path in sorted(SRC.rglob("*.py")):
        name = path.relative_to(SRC).as_posix()
        if name == "web/core/exports.py" or name in NOT_EXPORTS:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if WRITERS.search(line):
                bypassing.append(f"{name}:{number}: {line.strip()}")
    assert bypassing == [], "write CSV/XLSX through casereview.web.core.exports:\n" + "\n".join(
        bypassing
    )


@pytest.mark.django_db(transaction=True)
def test_a_hostile_register_imported_for_real_is_exported_without_a_live_cell(
    body: Body, tmp_path: Path
) -> None:
    source = tmp_path / "hostile.csv"
    with source.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            [
                "case_ref",
                "category",
                "reported_on",
                "unit",
                "location_ref",
                "outcome",
                "status",
                "closed_on",
            ]
        )
        for i, text in enumerate(HOSTILE):
            writer.writerow(
                [f"{text}#{i}", "neglect", "01/02/2024", text, text, text, "closed", "03/02/2024"]
            )
    imported = runner.invoke(app, ["import-register", str(source), "--body", "SYN"])
    assert imported.exit_code == 0, imported.output
    register = Register.objects.get()
    out = tmp_path / "export.csv"
    exported = runner.invoke(
        app, ["export-register", str(register.pk), "--csv", str(out), "--recipient", HOSTILE[1]]
    )
    assert exported.exit_code == 0, exported.output
    header, *rows = read_csv(out)
    assert len(rows) == len(HOSTILE)
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if live(cell)]
    by_column = {
        name: [row[header.index(name)] for row in rows]
        for name in ("case_ref", "unit", "location_ref")
    }
    assert "'=cmd|' /C calc'!A0#0" in by_column["case_ref"]
    assert (
        '\'=HYPERLINK("http://x","y")' in by_column["unit"]
        and "'@SUM(A1)" in by_column["location_ref"]
    )
    assert {"'+1", "'-1+1"} <= set(by_column["unit"])


@pytest.mark.django_db
def test_the_journal_export_writes_anonymous_text_as_text(
    make_user: Callable[..., Any], tmp_path: Path
) -> None:
    make_user("administrator", "admin")
    for text in HOSTILE:
        journal_record(
            actor=None,
            operation=Operation.AUTHENTICATION,
            action="login_failed",
            object_type="user",
            object_id=text,
            actor_name=text,
            reason=text[:64],
            recipient=text,
            detail={"typed": text},
        )
    today = timezone.localdate().strftime("%d/%m/%Y")
    out = tmp_path / "journal.csv"
    done = runner.invoke(
        app,
        ["journal", "export", "--from", today, "--to", today, "--user", "admin", "--out", str(out)],
    )
    assert done.exit_code == 0, done.output
    header, *rows = read_csv(out)
    assert not [cell for row in rows for cell in row if live(cell)]
    hostile_rows = [
        dict(zip(header, row, strict=True))
        for row in rows
        if row[header.index("action")] == "login_failed"
    ]
    assert [r["object_id"] for r in hostile_rows] == ["'" + text for text in HOSTILE]
    assert [r["actor_name"] for r in hostile_rows] == ["'" + text for text in HOSTILE]
    for row in rows:  # a recipient still re-checks every digest, undoing the rule
        cell = dict(zip(header, (original_cell(c) for c in row), strict=True))
        payload = {
            "seq": int(cell["seq"]),
            "at": cell["at"],
            "actor": cell["actor_name"],
            "actor_id": int(cell["actor_id"]) if cell["actor_id"] else None,
            "operation": cell["operation"],
            "action": cell["action"],
            "object_type": cell["object_type"],
            "object_id": cell["object_id"],
            "reason": cell["reason"],
            "recipient": cell["recipient"],
            "detail": json.loads(cell["detail"]),
        }
        assert entry_digest(cell["previous"], payload) == cell["digest"]


@pytest.mark.django_db(transaction=True)
def test_the_error_report_of_a_refused_register_writes_the_bodys_values_as_text(
    body: Body, tmp_path: Path
) -> None:
    source = tmp_path / "bad.csv"
    with source.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["case_ref", "category", "reported_on", "unit"])
        for i, text in enumerate(HOSTILE):
            writer.writerow([f"C{i}", text, "01/02/2024", "N"])
    errors = tmp_path / "errors.csv"
    refused = runner.invoke(
        app, ["import-register", str(source), "--body", "SYN", "--errors-csv", str(errors)]
    )
    assert refused.exit_code == 2
    header, *rows = read_csv(errors)
    assert rows and not [cell for row in rows for cell in row if live(cell)]
    values = [row[header.index("value")] for row in rows]
    assert "'=cmd|' /C calc'!A0" in values and "'@SUM(A1)" in values


REPORT = {
    "inspection": {
        "name": HOSTILE[0],
        "body": "SYN",
        "id": 1,
        "framework": HOSTILE[1],
        "commitment": "-1+1",
        "period": ["2024-01-01", "2024-03-31"],
    },
    "by_category": [{"category": "@SUM(A1)", "reviews": 3, "grades": {}, "comparisons": []}],
    "by_unit": [{"unit": "-1+1", "reviews": 3, "grades": {}, "comparisons": []}],
}
REPORT_HOSTILE = {"'" + HOSTILE[0], "'" + HOSTILE[1], "'-1+1", "'@SUM(A1)"}


def test_the_report_csv_and_xlsx_write_hostile_text_as_text() -> None:
    rows = list(
        csv.reader(io.StringIO(csv_text([("inspection", "", "name", text) for text in HOSTILE])))
    )
    assert [row[3] for row in rows[1:]] == ["'" + text for text in HOSTILE]
    book = openpyxl.load_workbook(io.BytesIO(xlsx(REPORT)))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.value for cell in cells if cell.data_type == "f" or live(cell.value)]
    values = {cell.value for cell in cells}
    assert values >= REPORT_HOSTILE


def test_the_report_ods_and_csv_tables_write_hostile_text_as_text() -> None:
    import zipfile

    from odf.namespaces import TABLENS
    from odf.opendocument import load
    from odf.table import TableCell

    from casereview.web.reports.spreadsheets import csv_tables_zip
    from casereview.web.reports.spreadsheets_ods import ods

    document = load(io.BytesIO(ods(REPORT)))
    cells = document.spreadsheet.getElementsByType(TableCell)
    assert not [c for c in cells if c.getAttrNS(TABLENS, "formula")]
    texts = {str(c) for c in cells}
    assert not [t for t in texts if live(t)]
    assert texts >= REPORT_HOSTILE
    with zipfile.ZipFile(io.BytesIO(csv_tables_zip(REPORT))) as archive:
        values = {
            cell
            for name in archive.namelist()
            for row in csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig")))
            for cell in row
        }
    assert not [v for v in values if live(v)]
    assert values >= REPORT_HOSTILE


def test_an_unchanged_date_is_not_mistaken_for_text() -> None:
    assert not live(dt.date(2024, 1, 1)) and not live(-1)
