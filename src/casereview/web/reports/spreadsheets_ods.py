"""The OpenDocument spreadsheet writer: the statistical spreadsheet of a report as ODS.

The same layout as the XLSX (``spreadsheets``, whose shared helpers lay both out: the sheets, the column
widths, a value as a reader sees it, a table's name): a cover sheet, then one sheet per table, each table
a named range and a database range with a header; every text cell through ``ods_text_cell`` and no cell a
formula.  Apart from ``spreadsheets`` because odfpy's styles, page and ranges are a writer of their own
(and to keep each module within the 600-line limit).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

from casereview.domain.language import WELSH, saying
from casereview.domain.statistical_tables import Column, ColumnKind, Value, Workbook
from casereview.domain.statistical_workbook import workbook
from casereview.web.core.exports import ods_row, ods_sheet_link, ods_text_cell, ods_value_cell
from casereview.web.reports.spreadsheets import (
    COVER_WIDTH,
    FIGURES,
    MAX_WIDTH,
    NUMERIC,
    column_widths,
    cover_sheet,
    created_at,
    page_words,
    sheets,
    shown,
    table_name,
)

__all__ = ["ods"]


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
    before, rest = page_words().split("\x00", 1)
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
        return ods_value_cell(value, shown(column, value), styles[ColumnKind.DATE], kind="date")
    key = f"number{min(column.places, 3)}" if column.kind is ColumnKind.NUMBER else column.kind
    kind = "percentage" if column.kind is ColumnKind.PERCENT else "float"
    return ods_value_cell(value, shown(column, value), styles[key], kind=kind)


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
    created = created_at(book).strftime("%Y-%m-%dT%H:%M:%S")
    doc.meta.addElement(meta.CreationDate(text=created))
    doc.meta.addElement(dc.Date(text=created))
    for keyword in properties.get("keywords", "").split(", "):
        if keyword:
            doc.meta.addElement(meta.Keyword(text=keyword))
    styles = _ods_styles(doc)
    widths_cache: dict[int, Any] = {}
    page = _ods_page(doc, *_ods_header_footer(book))

    cover = OdsTable(name=cover_sheet(), stylename=page)
    _ods_columns(doc, cover, [COVER_WIDTH], widths_cache)
    cover.addElement(ods_row([ods_text_cell(book.title, styles["title"])]))
    for heading, text in book.cover:
        cover.addElement(ods_row([ods_text_cell(heading, styles["heading"])]))
        cover.addElement(ods_row([ods_text_cell(text, styles["wrap"])]))
    doc.spreadsheet.addElement(cover)

    named = NamedExpressions()
    databases = DatabaseRanges()
    for table in sheets(book):
        sheet = OdsTable(name=table.sheet, stylename=page)
        _ods_columns(doc, sheet, column_widths(table), widths_cache)
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
        name = table_name(table)
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
    return _fixed_times(buffer.getvalue(), created_at(book))


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
