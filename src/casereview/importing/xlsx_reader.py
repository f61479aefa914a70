"""XLSX registers read through openpyxl's streaming reader, after the container has been checked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import polars as pl

from casereview.domain.language import gettext_lazy
from casereview.domain.registers import (
    LINE,
    RegisterError,
    RowError,
    quote,
    row_problem,
    source_key,
)

from .limits import StructureError
from .reader_base import Reader
from .sources import SourceFile


def excel_cell_text(value: Any) -> str | None:
    """An Excel cell as the text a person sees: 20240001 not 20240001.0, dates as ISO dates."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)


class XlsxReader(Reader):
    """openpyxl's streaming (read-only) reader, after ``_check_xlsx_container`` has bounded every part.

    Formula cells without a cached value (a workbook saved by a program that does not calculate) would
    read as empty; when the sheet has formulas a second stream reads the formulas alongside, so those
    cells become row errors instead of silent blanks.
    """

    def __init__(self, source: SourceFile, *, sheet: str | None) -> None:
        import openpyxl  # imported here: CSV imports never pay for it

        self.source = source
        self._formula_book: Any = None
        try:
            self._book = openpyxl.load_workbook(source.path, read_only=True, data_only=True)
            if source.has_formulas:
                self._formula_book = openpyxl.load_workbook(
                    source.path, read_only=True, data_only=False
                )
        except Exception as exc:  # openpyxl raises many types for damaged files
            raise RegisterError(
                gettext_lazy(
                    "%(file)s cannot be opened as a workbook: %(detail)s",
                    file=source.filename,
                    detail=exc,
                )
            ) from exc
        if sheet is None:
            self._sheet = self._book.worksheets[0]
        elif sheet in self._book.sheetnames:
            self._sheet = self._book[sheet]
        else:
            names = ", ".join(self._book.sheetnames)
            self._book.close()
            raise RegisterError(
                gettext_lazy(
                    "%(file)s has no sheet %(sheet)s; its sheets are: %(names)s",
                    file=source.filename,
                    sheet=repr(sheet),
                    names=names,
                )
            )
        self._rows = self._sheet.iter_rows(values_only=True)
        self._formulas: Iterator[tuple[Any, ...]] | None = None
        if self._formula_book is not None:
            self._formulas = self._formula_book[self._sheet.title].iter_rows(values_only=True)
            next(self._formulas, None)
        header = next(self._rows, None)
        if not header or all(v is None for v in header):
            self.close()
            raise RegisterError(
                gettext_lazy(
                    "%(file)s: the first row of the sheet must be the header row",
                    file=source.filename,
                )
            )
        if len(header) > self.limits.max_columns and any(
            v is not None for v in header[self.limits.max_columns :]
        ):
            self.close()
            raise RegisterError(
                gettext_lazy(
                    "%(file)s has more than %(most)s columns, the most allowed "
                    "(CASEREVIEW_MAX_IMPORT_COLUMNS)",
                    file=source.filename,
                    most=f"{self.limits.max_columns:,}",
                )
            )
        headers = [excel_cell_text(v) or "" for v in header[: self.limits.max_columns]]
        while headers and headers[-1] == "":
            headers.pop()
        self.headers = [h.strip() for h in headers]
        try:
            self._check_headers()
        except RegisterError:
            self.close()
            raise

    def batches(self, rows: int) -> Iterator[pl.DataFrame]:
        try:
            yield from self._batches(rows)
        except (RegisterError, StructureError):
            raise
        except Exception as exc:  # a damaged sheet: openpyxl and its XML parser raise many types
            raise RegisterError(
                gettext_lazy(
                    "%(file)s: the sheet cannot be read: %(detail)s",
                    file=self.source.filename,
                    detail=quote(str(exc)),
                )
            ) from exc

    def _batches(self, rows: int) -> Iterator[pl.DataFrame]:
        width = len(self.headers)
        max_line = self.limits.max_rows + 1
        names = [source_key(i) for i in range(width)]
        columns: list[list[str | None]] = [[] for _ in names]
        lines: list[int] = []
        no_value: list[RowError] = []
        for line, row in enumerate(self._rows, start=2):
            if line % 1000 == 0 or line > max_line:
                self._check_progress(line - 1)
            formulas = next(self._formulas, ()) if self._formulas is not None else ()
            values = list(row[:width]) + [None] * (width - len(row))
            overflow = [v for v in row[width:] if v is not None]
            if overflow:
                raise StructureError(
                    [
                        row_problem(
                            line, "", "", gettext_lazy("has values beyond the last headed column")
                        )
                    ],
                    "ragged row",
                )
            for i, formula in enumerate(formulas[:width]):
                if values[i] is None and isinstance(formula, str) and formula.startswith("="):
                    no_value.append(
                        row_problem(
                            line,
                            quote(self.headers[i]),
                            formula,
                            gettext_lazy(
                                "a formula without a saved value; open the workbook in Excel, let "
                                "it calculate, and save it"
                            ),
                        )
                    )
            for column, value in zip(columns, values, strict=True):
                column.append(excel_cell_text(value))
            lines.append(line)
            if len(no_value) >= 1000:
                no_value.append(
                    row_problem(
                        0,
                        "",
                        "",
                        gettext_lazy(
                            "reading stopped after 1,000 formula cells without saved values"
                        ),
                    )
                )
                break
            if len(lines) >= rows:
                yield self._checked(names, columns, lines)
                columns = [[] for _ in names]
                lines = []
        if no_value:
            raise StructureError(no_value, "formula cells without saved values")
        if lines:
            yield self._checked(names, columns, lines)

    def _checked(
        self, names: list[str], columns: list[list[str | None]], lines: list[int]
    ) -> pl.DataFrame:
        frame = self._frame(names, columns, lines)
        self._long_cells(frame, names)
        return frame

    @staticmethod
    def _frame(names: list[str], columns: list[list[str | None]], lines: list[int]) -> pl.DataFrame:
        data: dict[str, Any] = dict(zip(names, columns, strict=True))
        data[LINE] = lines
        schema: dict[str, Any] = {n: pl.String for n in names}
        schema[LINE] = pl.Int64
        return pl.DataFrame(data, schema=schema)

    def close(self) -> None:
        self._book.close()
        if self._formula_book is not None:
            self._formula_book.close()
