"""A report in each of its formats: JSON, HTML, PDF, CSV and XLSX, from the same data.

One home for every format, used by the CLI and the pages alike.  Each takes the
typed report (``domain.report_model.Report``) or a report's JSON document (a
published report is one, stored as it was published) and renders the document:
the templates and the spreadsheet rows read a full and a published report alike.  The PDF is
made by WeasyPrint from the HTML download with fonts from this machine and no
fetch of any kind: its URL fetcher refuses every scheme, so a link smuggled
into user text (already escaped) could not be followed either.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string

from casereview.domain.file_names import report_stem
from casereview.domain.report_model import Report
from casereview.domain.tables import COLUMNS, flat_rows
from casereview.web.core.exports import csv_writer, xlsx_append, xlsx_bytes, xlsx_sheet

FORMATS = ("json", "html", "pdf", "csv", "xlsx")
CONTENT_TYPES = {
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
BREAKDOWNS = (("by_category", "category", "Category"), ("by_unit", "unit", "Unit"))
#: The links section's pattern rows: label, the key counting children/places/suspects, the key counting cases.
LINK_PATTERNS = (
    ("Children missing repeatedly", "repeat_missing_children", "repeat_missing_cases"),
    ("Places with a cluster of cases", "place_clusters", "place_cluster_cases"),
    (
        "Suspects on cases of several children",
        "suspects_linked_to_several_children",
        "suspect_linked_cases",
    ),
)


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


def html_document(report: AnyReport) -> str:
    return render_to_string("reports/document.html", context(report))


def pdf(report: AnyReport) -> bytes:
    # Deferred: WeasyPrint loads Pango and its fonts, which only a PDF needs (pages and most commands never do).
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    class Refuse(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise NoFetching(f"the report PDF fetches nothing ({url[:40]!r} refused)")

    return HTML(string=html_document(report), base_url=None, url_fetcher=Refuse()).write_pdf()  # type: ignore[no-any-return]


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    """(section, row, measure, value) rows as CSV with its header; text cells made safe for spreadsheets."""
    buffer = io.StringIO()
    writer = csv_writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue()


def xlsx(report: AnyReport) -> bytes:
    book, sheet = xlsx_sheet("Report")
    xlsx_append(sheet, COLUMNS)
    for row in flat_rows(document(report), in_words=True):  # the CSV keeps the codes
        xlsx_append(sheet, row)
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCD", (18, 40, 24, 30), strict=True):
        sheet.column_dimensions[column].width = width
    return xlsx_bytes(book)


def render(given: AnyReport, fmt: str) -> Rendered:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    report = document(given)
    stem = report_stem(report)  # DEMO-2026-Q3-inspection-report, …-preview: says what it is
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
    else:
        content = xlsx(report)
    return Rendered(content, CONTENT_TYPES[fmt], f"{stem}.{fmt}")
