"""The limits every register file is read within, and the errors readers share.

A hostile file is ordinary input: every limit (``Limits``, from settings) is checked while streaming, so
a file over one is refused at once, in bounded memory, with a message naming the limit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from casereview.domain.errors import Refused
from casereview.domain.language import Phrase, gettext_lazy, gettext_noop
from casereview.domain.registers import RegisterError, RowError

#: Bytes read at a time when a file is streamed.
CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_xlsx_uncompressed_bytes: int
    max_xlsx_entries: int
    max_xlsx_part_bytes: int = 512 * 1024**2
    max_cell_chars: int = 100_000
    max_rows: int = 10_000_000
    max_columns: int = 200
    max_seconds: float = 600.0
    max_xlsx_shared_strings_chars: int = 50_000_000
    max_xlsx_other_part_bytes: int = 16 * 1024**2

    def deadline(self) -> float:
        return time.monotonic() + self.max_seconds


class StructureError(Refused):
    """The CSV's structure is broken (ragged rows, bad quoting)."""

    def __init__(self, errors: list[RowError], detail: str) -> None:
        super().__init__(detail)
        self.errors = errors
        self.detail = detail


def check_time(deadline: float | None, name: str, limits: Limits) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise RegisterError(
            gettext_lazy(
                "%(file)s took longer than the %(most)s seconds an import may take "
                "(CASEREVIEW_MAX_IMPORT_SECONDS); split the file or save it as CSV",
                file=name,
                most=f"{limits.max_seconds:,.0f}",
            )
        )


#: Where a value over the cell limit was found, each a whole sentence (``cell_limit_message``): the words
#: change with the place, so each place is its own sentence for the translator.
_CELL_LIMIT: dict[str, str] = {
    "header": gettext_noop(
        "%(file)s: a header is longer than the %(most)s characters a value may have "
        "(CASEREVIEW_MAX_CELL_CHARS)"
    ),
    "named header": gettext_noop(
        "%(file)s: a header (%(header)s) is longer than the %(most)s characters a value may have "
        "(CASEREVIEW_MAX_CELL_CHARS)"
    ),
    "line": gettext_noop(
        "%(file)s: line %(line)s holds a value that is longer than the %(most)s characters a value "
        "may have (CASEREVIEW_MAX_CELL_CHARS)"
    ),
    "quoted line": gettext_noop(
        "%(file)s: line %(line)s is inside a quoted value that is longer than the %(most)s "
        "characters a value may have (CASEREVIEW_MAX_CELL_CHARS)"
    ),
    "shared string": gettext_noop(
        "%(file)s: a shared string is longer than the %(most)s characters a value may have "
        "(CASEREVIEW_MAX_CELL_CHARS)"
    ),
    "inline string": gettext_noop(
        "%(file)s: an inline string is longer than the %(most)s characters a value may have "
        "(CASEREVIEW_MAX_CELL_CHARS)"
    ),
    "cell": gettext_noop(
        "%(file)s: a cell is longer than the %(most)s characters a value may have "
        "(CASEREVIEW_MAX_CELL_CHARS)"
    ),
}


def cell_limit_message(name: str, where: str, limits: Limits, **values: object) -> Phrase:
    """The refusal of a value over the cell limit found at ``where`` (a kind of ``_CELL_LIMIT``; "line"
    and "quoted line" take ``line``, "named header" takes ``header``)."""
    return Phrase(
        _CELL_LIMIT[where], {"file": name, "most": f"{limits.max_cell_chars:,}", **values}
    )


#: A run of bytes holding no separator, newline or XML tag this long is one value over the cell limit
#: (UTF-8 takes at most 4 bytes a character).  Runs are found by looking at aligned blocks of this many
#: bytes, so a block with none of those bytes is refused and any value twice as long is always found.
def block_bytes(limits: Limits) -> int:
    return 4 * limits.max_cell_chars + 4


def human(n: int) -> Phrase:
    """A size as a person reads it: 512 bytes, 1.5 MB (``str()``; the page translates "bytes")."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            if unit == "bytes":
                return gettext_lazy("%(size)s bytes", size=f"{n:,.0f}")
            return Phrase("%(size)s %(unit)s", {"size": f"{n:,.1f}", "unit": unit})
        n //= 1024
    return Phrase(str(n))
