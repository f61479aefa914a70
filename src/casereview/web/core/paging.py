"""Numbered pages of a list (Previous and Next), each link keeping the list's filters and sort.

Offset pages, for lists a person filters down to a few hundred rows at most (send backs, published reports):
one COUNT and one page of rows, whatever the list's length.  (The journal, a million rows long, pages by key.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet

from casereview.domain.paging import window
from casereview.domain.words import count

PAGE_SIZE = 25


@dataclass(frozen=True)
class Paged:
    """One page of a list: its rows, where it stands, and the links to the pages either side."""

    rows: list[Any]
    number: int
    pages: int
    total: int
    #: The links' query strings ("?…"; "" when there is no such page).
    previous_query: str
    next_query: str

    @property
    def first_shown(self) -> int:
        return 0 if not self.rows else (self.number - 1) * PAGE_SIZE + 1

    @property
    def last_shown(self) -> int:
        return self.first_shown + len(self.rows) - 1 if self.rows else 0


def matched_words(total: int, noun: str) -> str:
    """ "No send backs match", "1 send back matches", "1,234 send backs match"."""
    if total == 0:
        return f"No {noun}s match"
    return f"{count(total, noun)} {'matches' if total == 1 else 'match'}"


def page_number(raw: object) -> int:
    """The page asked for (1 when the query gives none, or nonsense)."""
    try:
        return max(1, int(str(raw)[:6]))
    except ValueError:
        return 1


def paged(
    found: QuerySet[Any], number: int, kept: Mapping[str, str], *, size: int = PAGE_SIZE
) -> Paged:
    """The ``number``-th page of ``found`` (ordered; past the end: the last page); ``kept``: the filters and
    sort every link carries (empty values left out)."""
    total = found.count()
    shown = window(total, number, size)
    number, pages = shown.number, shown.pages
    rows = list(found[shown.start : shown.stop])
    carried = {k: v for k, v in kept.items() if v}

    def query(n: int) -> str:
        return "?" + urlencode({**carried, "page": str(n)} if n > 1 else carried)

    return Paged(
        rows=rows,
        number=number,
        pages=pages,
        total=total,
        previous_query=query(number - 1) if number > 1 else "",
        next_query=query(number + 1) if number < pages else "",
    )
