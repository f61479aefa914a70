"""The statistical spreadsheets, ODS and XLSX, and the CSV of each table, from one description.

``casereview.domain.statistical_workbook.workbook`` describes a report's spreadsheet once (cover, notes,
one table per sheet, typed values); this module only lays it out, the same way in both formats:

* a **Cover** sheet (the title in A1, then each item's heading and text), a **Contents** table and a
  **Notes** table, then one sheet per table: its title in A1, its description lines below it, then the
  table itself with one header row, no merged cells and no blank rows or columns inside;
* each table is marked up (an Excel table in the XLSX; a named range and a database range with a header
  in the ODS), numbers are numbers (percentages as fractions formatted ``0.0%``, counts ``#,##0``, dates
  as dates), and the only text in a number column is a shorthand (``[c]``, ``[x]``, ``[z]``, ``[low]``);
* the document properties are filled in (title, subject, creator, keywords, language en-GB or cy; the
  XLSX's language is a custom property, as its core properties have none).

Every word is in the document's language: the workbook is described inside ``written_in(language)``
(``rendering.render``), so the domain's ``say`` and this module's ``gettext`` write it.  The sheets are named
in that language too, but each table's key (its English sheet name) names what a script finds it by, the
same in both languages: the XLSX table and the ODS range (``Table_Overall_grades``) and the zipped CSVs'
file names (``05-Overall_grades.csv``).

Every text cell goes through the one safe-cell rule (``casereview.web.core.exports``: ``xlsx_text`` and
``ods_text_cell``), and neither writer can write a formula: the XLSX book reads no text as a formula, and
the ODS cells are strings, floats or dates with no ``table:formula``.

The XLSX is written with XlsxWriter itself rather than gptables (which draws on the same library): the
ODS needs the same layout, which one layout code gives both formats, and gptables brings pandas, whose
import alone takes about 0.4 s of the 1 s a download may take.

This module writes the XLSX and the CSVs and holds what both spreadsheets share (the sheets, the column
widths, a value as a reader sees it, a table's name, the cover sheet's name, the date); the ODS writer is
``spreadsheets_ods``, which uses them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext

from casereview.domain.language import WELSH, saying
from casereview.domain.report_words import percent
from casereview.domain.statistical_tables import (
    COVER_SHEET,
    Column,
    ColumnKind,
    Table,
    Value,
    Workbook,
    contents_table,
    notes_table,
)
from casereview.domain.statistical_workbook import workbook
from casereview.domain.words import number, uk_date
from casereview.web.core.exports import (
    csv_writer,
    xlsx_book,
    xlsx_sheet_link,
    xlsx_table,
    xlsx_text,
)

__all__ = [
    "COVER_WIDTH",
    "FIGURES",
    "MAX_WIDTH",
    "NUMERIC",
    "column_widths",
    "cover_sheet",
    "created_at",
    "csv_tables_zip",
    "page_words",
    "sheets",
    "shown",
    "table_name",
    "xlsx",
]

NUMERIC = (ColumnKind.COUNT, ColumnKind.PERCENT, ColumnKind.NUMBER, ColumnKind.DATE)
FIGURES = (ColumnKind.COUNT, ColumnKind.PERCENT, ColumnKind.NUMBER)  # right-aligned, headings too
MAX_WIDTH = 60  # characters: longer text wraps
COVER_WIDTH = 100
LINE_HEIGHT = 15  # points: one line of 11-point text
TITLE_HEIGHT = 21  # points: the 15-point title


#: The date a document without one is dated (a file's dates never come from the clock: the same report
#: gives the same bytes).
UNDATED = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def sheets(book: Workbook) -> list[Table]:
    """The contents, the notes (when there are any: never an empty table) and the tables."""
    return [t for t in (contents_table(book), notes_table(book), *book.tables) if t.rows]


def created_at(book: Workbook) -> dt.datetime:
    """The document's date (``domain.marking``: the publication date, else the figures' as-of date)."""
    try:
        day = dt.date.fromisoformat(str(book.properties.get("created") or "")[:10])
        return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    except ValueError:
        return UNDATED


def _header_footer(book: Workbook) -> tuple[str, str]:
    """The XLSX's printed header and footer: the classification on every page, with what version it is
    (XlsxWriter's codes: &L left, &C centre, &R right, &P the page, &N the pages; a text "&" is "&&")."""
    properties = book.properties

    def safe(text: str) -> str:
        return text.replace("&", "&&")

    classification = safe(properties.get("classification", ""))
    status = safe(properties.get("status", ""))
    page = safe(page_words()).replace("\x00", "&P").replace("\x01", "&N")
    return (
        f"&L{classification}&R{status}",
        f"&L{classification}&R{page}",
    )


def page_words() -> str:
    """ "Page x of y" in the document's language, the page number as NUL and the pages as U+0001 (each
    format writes them its own way)."""
    return gettext("Page %(page)s of %(pages)s") % {"page": "\x00", "pages": "\x01"}


def shown(column: Column, value: Value) -> str:
    """A value as a reader sees it (the ODS's cell text, and how wide a column must be)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.date):
        return uk_date(value, language=saying())
    if column.kind is ColumnKind.PERCENT:
        return percent(value)
    if column.kind is ColumnKind.NUMBER:
        return f"{value:,.{column.places}f}"
    return number(value)


def column_widths(table: Table) -> list[int]:
    """Each column's width in characters: its longest value, and its heading (which may wrap) up to 24."""
    widths = []
    for i, column in enumerate(table.columns):
        longest = max((len(shown(column, row[i])) for row in table.rows), default=0)
        heading = min(
            len(column.heading) + 2, 16 if column.kind in FIGURES else 24
        )  # headings wrap
        widths.append(max(8, min(MAX_WIDTH, max(longest + 2, heading))))
    return widths


def _lines(text: str, width: int) -> int:
    """How many lines ``text`` takes wrapped in a column ``width`` characters wide (for XLSX row heights,
    which Excel and LibreOffice do not work out for a file that does not give them)."""
    per_line = max(1, int(1.15 * (width - 2)))  # a width counts zeros; text is narrower on average
    return sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))


def table_name(table: Table) -> str:
    """A table's (or range's) name, from its key (the same in every language): a letter first, letters,
    digits and underscores; never a cell address."""
    return "Table_" + "".join(c if c.isalnum() else "_" for c in table.code)


def cover_sheet() -> str:
    return gettext(COVER_SHEET)


# ---------------------------------------------------------------------------------------------------
# XLSX


def xlsx(document: Mapping[str, Any]) -> bytes:
    """The statistical spreadsheet of a report's JSON document, as XLSX."""
    book = workbook(document)
    buffer = io.BytesIO()
    out = xlsx_book(buffer)
    properties = dict(book.properties)
    out.set_properties(
        {
            "title": properties.get("title", book.title),
            "subject": properties.get("subject", ""),
            "author": properties.get("creator", ""),
            "company": properties.get("creator", ""),
            "keywords": properties.get("keywords", ""),
            "comments": properties.get("comments", ""),
            "created": created_at(book),
        }
    )
    out.set_custom_property("Language", properties.get("language", "en-GB"))
    base = {"font_name": "Arial", "font_size": 11, "valign": "top"}
    styles = {
        "title": out.add_format({**base, "bold": True, "font_size": 15}),
        "heading": out.add_format({**base, "bold": True, "font_size": 12}),
        # Text indented by one character, so that it never runs into a right-aligned number beside it.
        "text": out.add_format({**base, "align": "left", "indent": 1}),
        "wrap": out.add_format({**base, "align": "left", "text_wrap": True, "indent": 1}),
        "header": out.add_format(
            {**base, "bold": True, "text_wrap": True, "bottom": 1, "align": "left", "indent": 1}
        ),
        "header_number": out.add_format(
            {**base, "bold": True, "text_wrap": True, "bottom": 1, "align": "right"}
        ),
        "shorthand": out.add_format({**base, "align": "right"}),
        "link": out.add_format(
            {**base, "align": "left", "indent": 1, "font_color": "#1d70b8", "underline": 1}
        ),
        ColumnKind.COUNT: out.add_format({**base, "num_format": "#,##0"}),
        ColumnKind.PERCENT: out.add_format({**base, "num_format": "0.0%"}),
        # Welsh months' names in a Welsh workbook (0x452: Welsh, United Kingdom).
        ColumnKind.DATE: out.add_format({**base, "num_format": _date_format(), "align": "left"}),
    }
    for places in range(4):
        styles[f"number{places}"] = out.add_format(
            {**base, "num_format": "#,##0" + ("." + "0" * places if places else "")}
        )

    header, footer = _header_footer(book)
    cover = out.add_worksheet(cover_sheet())
    _xlsx_page(cover, header, footer)
    cover.set_column(0, 0, COVER_WIDTH)
    xlsx_text(cover, 0, 0, book.title, styles["title"])
    cover.set_row(0, TITLE_HEIGHT)
    row = 1
    for heading, text in book.cover:
        xlsx_text(cover, row, 0, heading, styles["heading"])
        xlsx_text(cover, row + 1, 0, text, styles["wrap"])
        cover.set_row(row + 1, LINE_HEIGHT * _lines(text, COVER_WIDTH))
        row += 2
    for table in sheets(book):
        _xlsx_table(out, table, styles, header, footer)
    out.close()
    return buffer.getvalue()


def _date_format() -> str:
    return "[$-452]d mmmm yyyy" if saying() == WELSH else "d mmmm yyyy"


def _xlsx_page(sheet: Any, header: str, footer: str) -> None:
    """Printed (and drawn as PDF) on A4 landscape, each sheet one page wide, the classification in the
    header and footer of every page."""
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.set_header(header)
    sheet.set_footer(footer)


def _xlsx_table(
    out: Any, table: Table, styles: Mapping[Any, Any], header: str, footer: str
) -> None:
    sheet = out.add_worksheet(table.sheet)
    _xlsx_page(sheet, header, footer)
    xlsx_text(sheet, 0, 0, table.title, styles["title"])
    sheet.set_row(0, TITLE_HEIGHT)
    for i, line in enumerate(table.description, start=1):
        xlsx_text(sheet, i, 0, line, styles["text"])
    top = len(table.description) + 1
    widths = column_widths(table)
    for i, (column, width) in enumerate(zip(table.columns, widths, strict=True)):
        wraps = column.kind is ColumnKind.TEXT and width >= MAX_WIDTH
        sheet.set_column(i, i, width, styles["wrap"] if wraps else None)
    sheet.set_row(
        top,
        LINE_HEIGHT * max(_lines(c.heading, w) for c, w in zip(table.columns, widths, strict=True)),
    )
    for r, values in enumerate(table.rows, start=top + 1):
        tallest = max(
            (_lines(v, w) for v, w in zip(values, widths, strict=True) if isinstance(v, str)),
            default=1,
        )
        if tallest > 1:
            sheet.set_row(r, LINE_HEIGHT * tallest)
        for c, (column, value) in enumerate(zip(table.columns, values, strict=True)):
            if isinstance(value, str):
                wide = column.kind is ColumnKind.TEXT and widths[c] >= MAX_WIDTH
                style = "shorthand" if column.kind in NUMERIC else "wrap" if wide else "text"
                if table.links and c == 0:  # the contents: each sheet's name links to it
                    xlsx_sheet_link(sheet, r, c, value, value, styles["link"])
                else:
                    xlsx_text(sheet, r, c, value, styles[style])
            elif isinstance(value, dt.date):
                sheet.write_datetime(
                    r, c, dt.datetime.combine(value, dt.time()), styles[ColumnKind.DATE]
                )
            elif column.kind is ColumnKind.NUMBER:
                sheet.write_number(r, c, value, styles[f"number{min(column.places, 3)}"])
            else:
                sheet.write_number(r, c, value, styles[column.kind])
    xlsx_table(
        sheet,
        top,
        top + len(table.rows),
        [column.heading for column in table.columns],
        {
            "name": table_name(table),
            "autofilter": False,
            "style": "Table Style Light 1",
            "columns": [
                {"header_format": styles["header_number" if column.kind in FIGURES else "header"]}
                for column in table.columns
            ],
        },
    )


# ---------------------------------------------------------------------------------------------------
# One CSV per table, zipped


def _csv_value(value: Value) -> Value:
    """A CSV cell: a date as ISO 8601 (for analysts' software), anything else as it is."""
    return value.isoformat() if isinstance(value, dt.date) else value


def csv_tables_zip(document: Mapping[str, Any]) -> bytes:
    """One CSV per sheet (cover, contents, notes, then each table): one header row, then the rows.

    Percentages are the fractions the spreadsheets hold (0.287 for 28.7%); hidden values are ``[c]``.
    Text made safe by the rule (``csv_writer``)."""
    book = workbook(document)
    when = created_at(book)
    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, header: Sequence[str], rows: Sequence[Sequence[Value]]) -> None:
            text = io.StringIO()
            writer = csv_writer(text, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
            writer.writerow(header)
            writer.writerows([_csv_value(v) for v in row] for row in rows)
            entry = zipfile.ZipInfo(name, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, ("\ufeff" + text.getvalue()).encode("utf-8"))

        # The files' names are the tables' keys, the same in every language (scripts find them by name).
        add(
            "00-Cover.csv",
            (gettext("Item"), gettext("Text")),
            [(gettext("Title"), book.title), *book.cover],
        )
        for n, table in enumerate(sheets(book), start=1):
            add(f"{n:02d}-{table.code}.csv", [c.heading for c in table.columns], table.rows)
    return buffer.getvalue()
