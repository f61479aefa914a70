"""Reading the statistical spreadsheets back, for the tests: every sheet, each cell as a person sees it.

openpyxl reads the XLSX (values, number formats, tables, merged cells); odfpy reads the ODS (cell types,
values, named ranges).  ``shown`` prints a cell as the spreadsheet shows it: a percentage as "28.7%",
a date "31 March 2024", a count "1,234" without separators (as the JSON has it).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from casereview.domain.words import uk_date


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[
        list[Any]
    ]  # every row, cells as openpyxl gives them (values), None for an empty cell
    formats: list[list[str]]  # the number format of each cell
    types: list[list[str]]  # openpyxl's data type of each cell ("n", "s", "d", "f", …)


def xlsx_sheets(content: bytes) -> list[Sheet]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    out = []
    for ws in book.worksheets:
        cells = list(ws.iter_rows())
        out.append(
            Sheet(
                ws.title,
                [[c.value for c in row] for row in cells],
                [[c.number_format for c in row] for row in cells],
                [[c.data_type for c in row] for row in cells],
            )
        )
    return out


def shown(value: Any, number_format: str = "General") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return uk_date(value if not isinstance(value, dt.datetime) else value.date())
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "%" in number_format:
            return f"{100 * value:.1f}%"
        if "0.0" in number_format:
            places = len(number_format.split(".")[1])
            return f"{value:.{places}f}"
        return str(int(value)) if float(value).is_integer() else str(value)
    return str(value)


def xlsx_text(content: bytes) -> str:
    """Every cell of every sheet as a person sees it, joined by spaces."""
    return " ".join(
        shown(v, f)
        for sheet in xlsx_sheets(content)
        for row, formats in zip(sheet.rows, sheet.formats, strict=True)
        for v, f in zip(row, formats, strict=True)
        if v is not None
    )


def xlsx_values(content: bytes) -> list[Any]:
    """Every non-empty cell's value in every sheet but the cover."""
    return [
        v
        for sheet in xlsx_sheets(content)
        if sheet.name != "Cover"
        for row in sheet.rows
        for v in row
        if v is not None
    ]


def ods_sheets(content: bytes) -> list[tuple[str, list[list[str]]]]:
    """Every sheet of an ODS (odfpy): its name and each row's cells as their text (as a reader sees it)."""
    from odf.namespaces import TABLENS
    from odf.opendocument import load
    from odf.table import Table, TableCell, TableRow

    doc = load(io.BytesIO(content))
    return [
        (
            table.getAttrNS(TABLENS, "name"),
            [
                [str(cell) for cell in row.getElementsByType(TableCell)]
                for row in table.getElementsByType(TableRow)
            ],
        )
        for table in doc.spreadsheet.getElementsByType(Table)
    ]


def ods_text(content: bytes) -> str:
    """Every cell of every sheet of an ODS as its text shows it, joined by spaces."""
    return " ".join(c for _, rows in ods_sheets(content) for row in rows for c in row if c)


def ods_values(content: bytes) -> list[str]:
    """Every non-empty cell's text in every sheet but the cover."""
    return [
        c for name, rows in ods_sheets(content) if name != "Cover" for row in rows for c in row if c
    ]


def tables_csvs(content: bytes) -> dict[str, list[list[str]]]:
    """The zipped CSV tables: each file's rows (the BOM dropped)."""
    import csv
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
            for name in archive.namelist()
        }


def tables_text(content: bytes) -> str:
    """Every field of every CSV in the zip, joined by spaces."""
    return " ".join(f for rows in tables_csvs(content).values() for row in rows for f in row if f)


def tables_values(content: bytes) -> list[str]:
    """Every field of every table's CSV but the cover's."""
    return [
        f
        for name, rows in tables_csvs(content).items()
        if not name.endswith("-Cover.csv")
        for row in rows
        for f in row
        if f
    ]
