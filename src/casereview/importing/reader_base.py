"""What every register reader gives: the header row, then batches of text rows, within the limits.

Every batch is a polars frame of text columns named by position (``c0``, ``c1``...) plus the ``__line__``
where each record starts in the file, so that error reports point at the line a person sees in a text
editor or the row they see in Excel.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from casereview.domain.language import gettext_lazy
from casereview.domain.registers import (
    LINE,
    QUOTE_CHARS,
    RegisterError,
    RowError,
    quote,
    row_problem,
)

from .limits import Limits, StructureError, cell_limit_message, check_time
from .sources import SourceFile


class Reader:
    """Headers plus batches of text rows; use as a context manager."""

    headers: list[str]
    source: SourceFile

    @property
    def limits(self) -> Limits:
        return self.source.limits or Limits(
            max_bytes=0, max_xlsx_uncompressed_bytes=0, max_xlsx_entries=0
        )

    def _check_headers(self) -> None:
        limits = self.limits
        if len(self.headers) > limits.max_columns:
            raise RegisterError(
                gettext_lazy(
                    "%(file)s has %(columns)s columns, more than the %(most)s allowed "
                    "(CASEREVIEW_MAX_IMPORT_COLUMNS)",
                    file=self.source.filename,
                    columns=f"{len(self.headers):,}",
                    most=f"{limits.max_columns:,}",
                )
            )
        for header in self.headers:
            if len(header) > limits.max_cell_chars:
                raise RegisterError(
                    cell_limit_message(
                        self.source.filename, "named header", limits, header=repr(quote(header))
                    )
                )

    def _check_progress(self, rows: int) -> None:
        limits = self.limits
        check_time(self.source.deadline, self.source.filename, limits)
        if rows > limits.max_rows:
            raise RegisterError(
                gettext_lazy(
                    "%(file)s has more than %(most)s rows, the most an import may have "
                    "(CASEREVIEW_MAX_IMPORT_ROWS)",
                    file=self.source.filename,
                    most=f"{limits.max_rows:,}",
                )
            )

    def _long_cells(self, batch: pl.DataFrame, names: list[str]) -> None:
        """Refuse a batch holding a value over the cell limit, with a row error quoting a prefix of each."""
        limit = self.limits.max_cell_chars
        flags = batch.select(
            [(pl.col(n).str.len_chars() > limit).fill_null(False).any().alias(n) for n in names]
        )
        over = [n for n in names if flags[n][0]]
        if not over:
            return
        errors: list[RowError] = []
        for n in over:
            bad = batch.filter(pl.col(n).str.len_chars() > limit).select(
                pl.col(LINE), pl.col(n).str.slice(0, QUOTE_CHARS + 1)
            )
            header = self.headers[int(n[1:])]
            errors += [
                row_problem(
                    int(line),
                    quote(header),
                    value,
                    gettext_lazy(
                        "longer than the %(most)s characters a value may have "
                        "(CASEREVIEW_MAX_CELL_CHARS)",
                        most=f"{limit:,}",
                    ),
                )
                for line, value in bad.head(1000).iter_rows()
            ]
        raise StructureError(errors, "a value is longer than CASEREVIEW_MAX_CELL_CHARS")

    def batches(self, rows: int) -> Iterator[pl.DataFrame]:
        raise NotImplementedError

    def close(self) -> None:
        return None

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
