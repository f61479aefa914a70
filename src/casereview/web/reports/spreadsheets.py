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
    ods_row,
    ods_sheet_link,
    ods_text_cell,
    ods_value_cell,
    xlsx_book,
    xlsx_sheet_link,
    xlsx_table,
    xlsx_text,
)

__all__ = ["csv_tables_zip", "ods", "xlsx"]

NUMERIC = (ColumnKind.COUNT, ColumnKind.PERCENT, ColumnKind.NUMBER, ColumnKind.DATE)
FIGURES = (ColumnKind.COUNT, ColumnKind.PERCENT, ColumnKind.NUMBER)  # right-aligned, headings too
MAX_WIDTH = 60  # characters: longer text wraps
COVER_WIDTH = 100
LINE_HEIGHT = 15  # points: one line of 11-point text
TITLE_HEIGHT = 21  # points: the 15-point title


#: The date a document without one is dated (a file's dates never come from the clock: the same report
#: gives the same bytes).
UNDATED = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _sheets(book: Workbook) -> list[Table]:
    """The contents, the notes (when there are any: never an empty table) and the tables."""
    return [t for t in (contents_table(book), notes_table(book), *book.tables) if t.rows]


def _created(book: Workbook) -> dt.datetime:
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
    page = safe(_page_words()).replace("\x00", "&P").replace("\x01", "&N")
    return (
        f"&L{classification}&R{status}",
        f"&L{classification}&R{page}",
    )


def _page_words() -> str:
    """ "Page x of y" in the document's language, the page number as NUL and the pages as U+0001 (each
    format writes them its own way)."""
    return gettext("Page %(page)s of %(pages)s") % {"page": "\x00", "pages": "\x01"}


def _shown(column: Column, value: Value) -> str:
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


def _widths(table: Table) -> list[int]:
    """Each column's width in characters: its longest value, and its heading (which may wrap) up to 24."""
    widths = []
    for i, column in enumerate(table.columns):
        longest = max((len(_shown(column, row[i])) for row in table.rows), default=0)
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


def _table_name(table: Table) -> str:
    """A table's (or range's) name, from its key (the same in every language): a letter first, letters,
    digits and underscores; never a cell address."""
    return "Table_" + "".join(c if c.isalnum() else "_" for c in table.code)


def _cover_sheet() -> str:
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
            "created": _created(book),
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
    cover = out.add_worksheet(_cover_sheet())
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
    for table in _sheets(book):
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
    widths = _widths(table)
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
            "name": _table_name(table),
            "autofilter": False,
            "style": "Table Style Light 1",
            "columns": [
                {"header_format": styles["header_number" if column.kind in FIGURES else "header"]}
                for column in table.columns
            ],
        },
    )


# ---------------------------------------------------------------------------------------------------
# ODS


def _ods_styles(doc: Any) -> dict[str, Any]:
    from odf.number import DateStyle, Day, Month, NumberStyle, PercentageStyle, Year
    from odf.number import Number as NumberPart
    from odf.number import Text as NumberText
    from odf.style import ParagraphProperties, Style, TableCellProperties, TextProperties

    def data_style(name: str, places: int, *, percentage: bool = False) -> Any:
        style = (PercentageStyle if percentage else NumberStyle)(name=name)
        style.addElement(NumberPart(decimalplaces=places, minintegerdigits=1, grouping="true"))
        if percentage:
            style.addElement(NumberText(text="%"))
        doc.automaticstyles.addElement(style)
        return style

    # A Welsh workbook's dates in Welsh (LibreOffice names the months in the style's language).
    uk = DateStyle(
        name="N_date", **({"language": "cy", "country": "GB"} if saying() == WELSH else {})
    )
    uk.addElement(Day(style="short"))
    uk.addElement(NumberText(text=" "))
    uk.addElement(Month(style="long", textual="true"))
    uk.addElement(NumberText(text=" "))
    uk.addElement(Year(style="long"))
    doc.automaticstyles.addElement(uk)

    def cell_style(name: str, *, data: str | None = None, **text: Any) -> Any:
        attributes = {"name": name, "family": "table-cell"}
        if data:
            attributes["datastylename"] = data
        style = Style(**attributes)
        style.addElement(
            TableCellProperties(
                verticalalign="top", wrapoption=text.pop("wrap", "no-wrap"), padding="0.1cm"
            )
        )
        align = text.pop("align", None)
        if align:
            style.addElement(ParagraphProperties(textalign=align))
        style.addElement(
            TextProperties(
                fontname="Arial", fontfamily="Arial", fontsize=text.pop("size", "11pt"), **text
            )
        )
        doc.automaticstyles.addElement(style)
        return style

    data_style("N_count", 0)
    data_style("N_percent", 1, percentage=True)
    for places in range(4):
        data_style(f"N_number{places}", places)
    return {
        "title": cell_style("c_title", size="15pt", fontweight="bold"),
        "heading": cell_style("c_heading", size="12pt", fontweight="bold"),
        "text": cell_style("c_text"),
        "wrap": cell_style("c_wrap", wrap="wrap"),
        "header": cell_style("c_header", wrap="wrap", fontweight="bold"),
        "header_number": cell_style("c_header_number", wrap="wrap", fontweight="bold", align="end"),
        "shorthand": cell_style("c_shorthand", align="end"),
        ColumnKind.COUNT: cell_style("c_count", data="N_count"),
        ColumnKind.PERCENT: cell_style("c_percent", data="N_percent"),
        ColumnKind.DATE: cell_style("c_date", data="N_date", align="start"),
        **{f"number{p}": cell_style(f"c_number{p}", data=f"N_number{p}") for p in range(4)},
    }


def _ods_header_footer(book: Workbook) -> tuple[str, str]:
    properties = book.properties
    classification = properties.get("classification", "")
    return (
        " – ".join(t for t in (classification, properties.get("status", "")) if t),
        classification,
    )


def _ods_page(doc: Any, header_text: str = "", footer_text: str = "") -> Any:
    """A table style whose master page is A4 landscape, scaled to one page wide (as the XLSX prints), with
    the classification and the version in the header and the classification and "Page x of y" in the
    footer of every printed page."""
    from odf.namespaces import STYLENS
    from odf.style import (
        Footer,
        FooterStyle,
        Header,
        HeaderFooterProperties,
        HeaderStyle,
        MasterPage,
        PageLayout,
        PageLayoutProperties,
        Style,
        TableProperties,
    )
    from odf.text import P, PageCount, PageNumber

    layout = PageLayout(name="pm_landscape")
    properties = PageLayoutProperties(
        pagewidth="29.7cm", pageheight="21cm", printorientation="landscape", margin="1.5cm"
    )
    # One page wide, as many pages long as it takes: ODF 1.3's attributes, which odfpy's grammar predates.
    properties.setAttrNS(STYLENS, "scale-to-X", "1")
    properties.setAttrNS(STYLENS, "scale-to-Y", "0")
    layout.addElement(properties)
    # LibreOffice prints a master page's header and footer only when the layout gives them room.
    for region, margin in ((HeaderStyle, "marginbottom"), (FooterStyle, "margintop")):
        room = region()
        room.addElement(HeaderFooterProperties(minheight="0.6cm", **{margin: "0.25cm"}))
        layout.addElement(room)
    doc.automaticstyles.addElement(layout)
    master = MasterPage(name="Landscape", pagelayoutname=layout)
    header = Header()
    header.addElement(P(text=header_text))  # casereview's words: the classification and the version
    footer = Footer()
    before, rest = _page_words().split("\x00", 1)
    between, after = rest.split("\x01", 1)
    said = P(text=f"{footer_text} – {before}" if footer_text else before)
    said.addElement(PageNumber(selectpage="current"))
    said.addText(between)
    said.addElement(PageCount())
    if after:
        said.addText(after)
    footer.addElement(said)
    master.addElement(header)
    master.addElement(footer)
    doc.masterstyles.addElement(master)
    style = Style(name="ta_landscape", family="table", masterpagename="Landscape")
    style.addElement(TableProperties(display="true"))
    doc.automaticstyles.addElement(style)
    return style


def _ods_columns(doc: Any, table: Any, widths: Sequence[int], cache: dict[int, Any]) -> None:
    from odf.style import Style, TableColumnProperties
    from odf.table import TableColumn

    for width in widths:
        if width not in cache:
            style = Style(name=f"co{width}", family="table-column")
            style.addElement(TableColumnProperties(columnwidth=f"{0.21 * width:.2f}cm"))
            doc.automaticstyles.addElement(style)
            cache[width] = style
        table.addElement(TableColumn(stylename=cache[width]))


def _ods_value(column: Column, value: Value, styles: Mapping[Any, Any]) -> Any:
    """A cell: text through ``ods_text_cell``, a number, a percentage or a date through ``ods_value_cell``."""
    if isinstance(value, str):
        wide = column.kind is ColumnKind.TEXT and len(value) >= MAX_WIDTH
        style = "shorthand" if column.kind in NUMERIC else "wrap" if wide else "text"
        return ods_text_cell(value, styles[style])
    if isinstance(value, dt.date):
        return ods_value_cell(value, _shown(column, value), styles[ColumnKind.DATE], kind="date")
    key = f"number{min(column.places, 3)}" if column.kind is ColumnKind.NUMBER else column.kind
    kind = "percentage" if column.kind is ColumnKind.PERCENT else "float"
    return ods_value_cell(value, _shown(column, value), styles[key], kind=kind)


def _address(sheet: str, first_row: int, last_row: int, last_column: int) -> tuple[str, str]:
    """The table's range as a named range wants it ($'Sheet'.$A$5:.$F$10) and as a database range does."""

    def letters(n: int) -> str:
        out = ""
        n += 1
        while n:
            n, rest = divmod(n - 1, 26)
            out = chr(65 + rest) + out
        return out

    quoted = "'" + sheet.replace("'", "''") + "'"
    end = letters(last_column)
    named = f"${quoted}.$A${first_row + 1}:.${end}${last_row + 1}"
    database = f"{quoted}.A{first_row + 1}:{quoted}.{end}{last_row + 1}"
    return named, database


def _ods_namespaces_in_one_order() -> None:
    """odfpy keeps the namespaces every document declares in one dict shared by all its elements, filled
    in the order a process first meets them: the first ODS a process writes would declare them otherwise
    than the next.  Every known namespace, in one fixed order, once: the same report gives the same bytes."""
    from odf.element import Element
    from odf.namespaces import nsdict

    ordered = dict(sorted(nsdict.items()))
    if list(Element.namespaces.items()) != list(ordered.items()):
        Element.namespaces.clear()
        Element.namespaces.update(ordered)


def ods(document: Mapping[str, Any]) -> bytes:
    """The statistical spreadsheet of a report's JSON document, as ODS (OpenDocument)."""
    _ods_namespaces_in_one_order()
    from odf import dc, meta
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import (
        DatabaseRange,
        DatabaseRanges,
        NamedExpressions,
        NamedRange,
        TableHeaderRows,
    )
    from odf.table import (
        Table as OdsTable,
    )

    book = workbook(document)
    doc = OpenDocumentSpreadsheet()
    properties = dict(book.properties)
    doc.meta.addElement(dc.Title(text=properties.get("title", book.title)))
    doc.meta.addElement(dc.Subject(text=properties.get("subject", "")))
    doc.meta.addElement(dc.Description(text=properties.get("comments", "")))
    doc.meta.addElement(dc.Creator(text=properties.get("creator", "")))
    doc.meta.addElement(meta.InitialCreator(text=properties.get("creator", "")))
    doc.meta.addElement(dc.Language(text=properties.get("language", "en-GB")))
    created = _created(book).strftime("%Y-%m-%dT%H:%M:%S")
    doc.meta.addElement(meta.CreationDate(text=created))
    doc.meta.addElement(dc.Date(text=created))
    for keyword in properties.get("keywords", "").split(", "):
        if keyword:
            doc.meta.addElement(meta.Keyword(text=keyword))
    styles = _ods_styles(doc)
    widths_cache: dict[int, Any] = {}
    page = _ods_page(doc, *_ods_header_footer(book))

    cover = OdsTable(name=_cover_sheet(), stylename=page)
    _ods_columns(doc, cover, [COVER_WIDTH], widths_cache)
    cover.addElement(ods_row([ods_text_cell(book.title, styles["title"])]))
    for heading, text in book.cover:
        cover.addElement(ods_row([ods_text_cell(heading, styles["heading"])]))
        cover.addElement(ods_row([ods_text_cell(text, styles["wrap"])]))
    doc.spreadsheet.addElement(cover)

    named = NamedExpressions()
    databases = DatabaseRanges()
    for table in _sheets(book):
        sheet = OdsTable(name=table.sheet, stylename=page)
        _ods_columns(doc, sheet, _widths(table), widths_cache)
        sheet.addElement(ods_row([ods_text_cell(table.title, styles["title"])]))
        for line in table.description:
            sheet.addElement(ods_row([ods_text_cell(line, styles["text"])]))
        header = TableHeaderRows()
        header.addElement(
            ods_row(
                [
                    ods_text_cell(
                        c.heading,
                        styles["header_number" if c.kind in FIGURES else "header"],
                    )
                    for c in table.columns
                ]
            )
        )
        sheet.addElement(header)
        for values in table.rows:
            sheet.addElement(
                ods_row(
                    [
                        ods_sheet_link(str(value), value, styles["text"])
                        if table.links and i == 0 and isinstance(value, str)
                        else _ods_value(column, value, styles)
                        for i, (column, value) in enumerate(zip(table.columns, values, strict=True))
                    ]
                )
            )
        doc.spreadsheet.addElement(sheet)
        top = len(table.description) + 1
        range_name, database = _address(
            table.sheet, top, top + len(table.rows), len(table.columns) - 1
        )
        name = _table_name(table)
        named.addElement(
            NamedRange(
                name=name,
                cellrangeaddress=range_name,
                basecelladdress=range_name.split(":")[0],
            )
        )
        databases.addElement(
            DatabaseRange(
                name=name,
                targetrangeaddress=database,
                containsheader="true",
                displayfilterbuttons="false",
            )
        )
    doc.spreadsheet.addElement(named)
    doc.spreadsheet.addElement(databases)
    buffer = io.BytesIO()
    doc.write(buffer)
    return _fixed_times(buffer.getvalue(), _created(book))


def _fixed_times(content: bytes, when: dt.datetime) -> bytes:
    """The zip again with every entry dated ``when`` (odfpy dates them by the clock): the same report
    gives the same bytes.  The mimetype stays first and stored, as ODF asks."""
    out = io.BytesIO()
    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = info.compress_type
            entry.external_attr = info.external_attr
            archive.writestr(entry, source.read(info.filename))
    return out.getvalue()


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
    when = _created(book)
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
        for n, table in enumerate(_sheets(book), start=1):
            add(f"{n:02d}-{table.code}.csv", [c.heading for c in table.columns], table.rows)
    return buffer.getvalue()
