"""Every CSV and spreadsheet the system writes for people to open, through the one safe-cell rule.

The rule is ``casereview.domain.cells``; these are the only writers that apply
it (a test fails if a module writes CSV or XLSX any other way): a CSV writer
that makes each row safe, a polars frame made safe column by column, and an
XLSX row whose text can never become a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

import polars as pl

from casereview.domain.cells import safe_column, safe_row


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


def xlsx_sheet(title: str) -> tuple[Any, Any]:
    """A new openpyxl workbook and its one sheet; fill it with ``xlsx_append``, write it with ``xlsx_bytes``."""
    import openpyxl  # deferred: only an XLSX download needs it, and every page imports this module

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    return book, sheet


def xlsx_bytes(book: Any) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_append(sheet: Any, row: Iterable[Any]) -> None:
    """Append a row to an openpyxl sheet: text made safe, and told to openpyxl as text, never a formula."""
    sheet.append(safe_row(row))
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"
