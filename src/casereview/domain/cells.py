"""The one safe-cell rule: no cell the system writes can run in a spreadsheet.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is read by Excel, LibreOffice and Google Sheets as a formula (CSV
injection: ``=cmd|' /C calc'!A0``, ``=HYPERLINK(...)``).  ``safe_cell`` puts an
apostrophe in front of such text, which every one of them shows as text;
numbers, dates, booleans and empty cells stay what they are.  The rule is
idempotent: a cell made safe twice is made safe once.  Every CSV and
XLSX writer goes through this rule (``casereview.web.core.exports``), row by row
with ``safe_row`` or column by column with ``safe_column`` (the same rule as a
polars expression, for exports written a block at a time).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from typing import Any

import polars as pl

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: What goes in front of a cell a spreadsheet would run.
NEUTRALISER = "'"


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return NEUTRALISER + value
    return value


def original_cell(text: str) -> str:
    """The text as stored, from a cell ``safe_cell`` wrote (e.g. to re-check a journal digest from an export).

    The rule is idempotent (a cell made safe twice is unchanged), so it cannot
    be undone exactly in one case: stored text that itself began with an
    apostrophe before ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    reads back without it.
    """
    if text.startswith(NEUTRALISER) and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]


def safe_column(name: str) -> pl.Expr:
    """``safe_cell`` over a text column, as one vectorised expression (nulls stay null)."""
    column = pl.col(name)
    runnable = reduce(
        lambda a, b: a | b, (column.str.starts_with(start) for start in FORMULA_STARTS)
    )
    return pl.when(runnable).then(pl.lit(NEUTRALISER) + column).otherwise(column).alias(name)
