"""Every CSV and spreadsheet the system writes for people to open, through the one safe-cell rule.

The rule is ``casereview.domain.cells``; these are the only writers that apply
it (a test fails if a module writes CSV or XLSX any other way): a CSV writer
that makes each row safe, a polars frame made safe column by column, and,
for the statistical spreadsheets, an XlsxWriter book that reads no text as a formula with its one
text writer, and an ODS text cell (a string, never a formula).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

import polars as pl

from casereview.domain.cells import safe_cell, safe_column, safe_row


class SafeCsvWriter:
    """``csv.writer`` whose every row goes through ``safe_row``."""

    def __init__(self, fh: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(fh, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(fh: Any, **kwargs: Any) -> SafeCsvWriter:
    return SafeCsvWriter(fh, **kwargs)


def safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every text column made safe (other types are never formulas in CSV)."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(safe_column(name) for name in text) if text else frame


def write_frame_csv(frame: pl.DataFrame, fh: Any, **kwargs: Any) -> None:
    safe_frame(frame).write_csv(fh, **kwargs)


def xlsx_book(buffer: Any) -> Any:
    """An XlsxWriter workbook writing to ``buffer`` that never reads text as a formula, a number or a link.

    Write its text only with ``xlsx_text`` (the rule, then a string cell); numbers and dates with the
    sheet's ``write_number`` and ``write_datetime``, which cannot hold a formula."""
    import xlsxwriter  # deferred: only a spreadsheet download needs it

    return xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )


def xlsx_text(sheet: Any, row: int, column: int, text: Any, style: Any = None) -> None:
    """Text into an XlsxWriter sheet's cell: made safe by the rule, and stored as a string, never a formula."""
    sheet.write_string(row, column, safe_cell(str(text)), style)


def ods_text_cell(text: Any, style: Any = None) -> Any:
    """An ODS text cell (``office:value-type="string"``, no ``table:formula``), its text made safe by the rule.

    Built with odfpy's ``Element`` and qualified attributes (a table of thousands of cells is built five
    times faster than through ``TableCell``'s checks of attribute names, which these fixed names pass)."""
    from odf import teletype  # deferred: only a spreadsheet download needs odfpy
    from odf.element import Element
    from odf.namespaces import OFFICENS, TABLENS, TEXTNS

    attributes = {(OFFICENS, "value-type"): "string"}
    if style is not None:
        attributes[(TABLENS, "style-name")] = style
    cell = Element(qname=(TABLENS, "table-cell"), qattributes=attributes, check_grammar=False)
    paragraph = Element(qname=(TEXTNS, "p"), check_grammar=False)
    teletype.addTextToElement(paragraph, safe_cell(str(text)))
    cell.addElement(paragraph, check_grammar=False)
    return cell


def xlsx_table(
    sheet: Any, first_row: int, last_row: int, headings: list[str], options: Any
) -> None:
    """An Excel table over ``first_row``..``last_row`` (its header row first) and ``len(headings)`` columns
    from A, its headings made safe by the rule and unique (Excel compares them without case); refused
    (``ValueError``) when XlsxWriter does not make it, which it would otherwise only warn of."""
    seen: set[str] = set()
    columns = []
    for heading, column in zip(headings, options.pop("columns"), strict=True):
        text, n = safe_cell(str(heading)), 2
        while text.casefold() in seen:
            text, n = f"{safe_cell(str(heading))} ({n})", n + 1
        seen.add(text.casefold())
        columns.append({**column, "header": text})
    made = sheet.add_table(
        first_row, 0, last_row, len(columns) - 1, {**options, "columns": columns}
    )
    if made != 0:
        raise ValueError(f"the table {options.get('name')!r} could not be made ({made})")


def xlsx_sheet_link(
    sheet: Any, row: int, column: int, target: str, text: Any, style: Any = None
) -> None:
    """A link to cell A1 of the workbook's sheet ``target`` (an internal link, never a URL), its text made safe."""
    quoted = target.replace("'", "''")
    sheet.write_url(row, column, f"internal:'{quoted}'!A1", style, string=safe_cell(str(text)))


def ods_row(cells: Iterable[Any]) -> Any:
    """An ODS table row of the given cells (built as ``ods_text_cell`` builds a cell)."""
    from odf.element import Element
    from odf.namespaces import TABLENS

    row = Element(qname=(TABLENS, "table-row"), check_grammar=False)
    for cell in cells:
        row.addElement(cell, check_grammar=False)
    return row


def ods_value_cell(value: Any, shown: str, style: Any, *, kind: str = "float") -> Any:
    """An ODS number, percentage or date cell (``kind`` "float", "percentage" or "date"): a value, never a
    formula and never text; ``shown`` is the text a reader without a spreadsheet program sees."""
    from odf.element import Element
    from odf.namespaces import OFFICENS, TABLENS, TEXTNS

    if kind == "date":
        attributes = {(OFFICENS, "value-type"): "date", (OFFICENS, "date-value"): value.isoformat()}
    elif kind in ("float", "percentage"):
        number = float(value)
        attributes = {
            (OFFICENS, "value-type"): kind,
            (OFFICENS, "value"): repr(number) if isinstance(value, float) else str(int(value)),
        }
    else:
        raise ValueError(f"an ODS value cell is a float, a percentage or a date, not {kind!r}")
    attributes[(TABLENS, "style-name")] = style
    cell = Element(qname=(TABLENS, "table-cell"), qattributes=attributes, check_grammar=False)
    paragraph = Element(qname=(TEXTNS, "p"), check_grammar=False)
    paragraph.addText(shown)
    cell.addElement(paragraph, check_grammar=False)
    return cell


def ods_sheet_link(target: str, text: Any, style: Any = None) -> Any:
    """An ODS text cell whose text links to the sheet ``target`` (``#'Sheet'.A1``), its text made safe."""
    from odf import teletype
    from odf.element import Element
    from odf.namespaces import OFFICENS, TABLENS, TEXTNS, XLINKNS

    attributes = {(OFFICENS, "value-type"): "string"}
    if style is not None:
        attributes[(TABLENS, "style-name")] = style
    cell = Element(qname=(TABLENS, "table-cell"), qattributes=attributes, check_grammar=False)
    paragraph = Element(qname=(TEXTNS, "p"), check_grammar=False)
    quoted = target.replace("'", "''")
    link = Element(
        qname=(TEXTNS, "a"),
        qattributes={(XLINKNS, "href"): f"#'{quoted}'.A1", (XLINKNS, "type"): "simple"},
        check_grammar=False,
    )
    teletype.addTextToElement(link, safe_cell(str(text)))
    paragraph.addElement(link, check_grammar=False)
    cell.addElement(paragraph, check_grammar=False)
    return cell
