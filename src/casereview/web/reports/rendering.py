"""A report in each of its formats: JSON, HTML, PDF, CSV, XLSX, ODS and zipped CSV tables, from the same data.

One home for every format, used by the CLI and the pages alike.  Each takes the
typed report (``domain.report_model.Report``) or a report's JSON document (a
published report is one, stored as it was published) and renders the document:
the templates and the spreadsheet rows read a full and a published report alike.  The PDF is
made by WeasyPrint from the HTML download with fonts from this machine and no
fetch of any kind: its URL fetcher refuses every scheme (it reads only an SVG
picture given in place, a ``data:image/svg+xml`` URL), so a link smuggled
into user text (already escaped) could not be followed either.  The PDF is
tagged (PDF/UA-1): see ``pdf()`` and ``pdf_markup``.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from casereview.domain.file_names import report_stem
from casereview.domain.language import ENGLISH
from casereview.domain.marking import keywords, marking, subject
from casereview.domain.report_model import Report
from casereview.domain.statistical_workbook import LINK_PATTERNS  # the links section's pattern rows
from casereview.domain.tables import COLUMNS, flat_rows
from casereview.web.core.exports import csv_writer
from casereview.web.core.phrases import written_in
from casereview.web.reports import pdf_markup, spreadsheets, spreadsheets_ods

FORMATS = ("json", "html", "pdf", "csv", "xlsx", "ods", "tables")
#: Formats that are files, not text (the CLI writes them only with --out).
BINARY_FORMATS = ("pdf", "xlsx", "ods", "tables")
CONTENT_TYPES = {
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "tables": "application/zip",  # one CSV per table of the statistical spreadsheet
}
BREAKDOWNS = (("by_category", "category", "Category"), ("by_unit", "unit", "Unit"))


class NoFetching(Exception):
    pass


@dataclass(frozen=True)
class Rendered:
    content: bytes
    content_type: str
    filename: str


#: A report as the renderers take it: typed, or its JSON document.
AnyReport = Report | Mapping[str, Any]


def document(report: AnyReport) -> Mapping[str, Any]:
    """The report's JSON document (a document is returned as it is)."""
    return report.to_json() if isinstance(report, Report) else report


def context(report: AnyReport) -> dict[str, Any]:
    return {"report": document(report), "breakdowns": BREAKDOWNS, "link_patterns": LINK_PATTERNS}


def html_document(report: AnyReport, *, for_pdf: bool = False) -> str:
    """The report as one HTML document (the HTML download, and what the PDF is made from): a summary, a
    contents list of the body's sections, then the body the page shows.  ``for_pdf``: each chart drawn
    once, at its usual width (a page's and the HTML download's narrow drawing for a phone is left out)."""
    given = {**context(report), "for_pdf": for_pdf}
    body = render_to_string("reports/_report.html", given)
    return render_to_string(
        "reports/document.html",
        {
            **given,
            "body": mark_safe(body),  # noqa: S308 -- rendered by the template above, every text escaped
            "contents": pdf_markup.headings(body),
            "marking": marking(given["report"]),
            "subject": subject(given["report"]),
            "keywords": ", ".join(keywords(given["report"])),
        },
    )


def pdf(report: AnyReport) -> bytes:
    """The report as a tagged PDF (PDF/UA-1): a structure tree, the language, the title shown as the window's,
    metadata (title, author, subject, keywords, creation date), and each chart a figure with its alternative
    text (``pdf_markup.for_pdf``)."""
    # Deferred: WeasyPrint loads Pango and its fonts, which only a PDF needs (pages and most commands never do).
    from weasyprint import HTML

    return HTML(  # type: ignore[no-any-return]
        string=pdf_markup.for_pdf(html_document(report, for_pdf=True)),
        base_url=None,
        url_fetcher=pdf_fetcher(),
    ).write_pdf(pdf_variant="pdf/ua-1")


def pdf_fetcher() -> Any:
    """WeasyPrint's URL fetcher for the report: it refuses every URL but an SVG picture given in place
    (``data:image/svg+xml;base64,…``, how ``pdf_markup`` draws a decoration), so nothing is ever fetched."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class Refuse(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith(pdf_markup.SVG_DATA):
                try:
                    body = base64.b64decode(url[len(pdf_markup.SVG_DATA) :], validate=True)
                except ValueError:
                    pass
                else:
                    return URLFetcherResponse(url, body, {"Content-Type": "image/svg+xml"})
            raise NoFetching(f"the report PDF fetches nothing ({url[:40]!r} refused)")

    return Refuse()


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    """(section, row, measure, value) rows as CSV with its header; text cells made safe for spreadsheets."""
    buffer = io.StringIO()
    writer = csv_writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue()


def xlsx(report: AnyReport) -> bytes:
    """The statistical spreadsheet (``spreadsheets.xlsx``: cover, contents, notes, one table per sheet)."""
    return spreadsheets.xlsx(document(report))


def render(given: AnyReport, fmt: str, language: str = ENGLISH) -> Rendered:
    """The report in ``fmt``, written in ``language`` whatever the reader's page language: ``given`` is the
    report in that language (a publication's English ``data`` or its Welsh translation), and the labels,
    headings and notes around its figures are written in the same one, so a file is byte for byte the same
    for every reader who asks for it in that language."""
    with written_in(language):
        return _render(given, fmt, language)


def _render(given: AnyReport, fmt: str, language: str) -> Rendered:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    report = document(given)
    stem = report_stem(
        report, language
    )  # DEMO-2026-Q3-inspection-report, …-preview: says what it is
    if fmt == "json":
        content = (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    elif fmt == "html":
        content = html_document(report).encode("utf-8")
    elif fmt == "pdf":
        content = pdf(report)
    elif fmt == "csv":
        content = ("\ufeff" + csv_text(flat_rows(report))).encode(
            "utf-8"
        )  # the BOM makes Excel read UTF-8
    elif fmt == "ods":
        content = spreadsheets_ods.ods(report)
    elif fmt == "tables":
        content = spreadsheets.csv_tables_zip(report)
        return Rendered(content, CONTENT_TYPES[fmt], f"{stem}-tables.zip")
    else:
        content = xlsx(report)
    return Rendered(content, CONTENT_TYPES[fmt], f"{stem}.{fmt}")
