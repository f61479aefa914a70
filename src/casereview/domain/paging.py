"""Numbered pages of a list: which page a person is shown and which rows it holds.

One rule for every offset-paged list (send backs, published reports, inspections, the sample table): a page
asked for before the first is the first, one past the last is the last, and an empty list still has one
(empty) page.  (The journal, a million rows long, pages by key instead.)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    number: int  # the page shown, from 1
    pages: int  # how many pages there are (at least 1)
    start: int  # the first row's index (0-based)
    stop: int  # one past the last row's index


def window(total: int, asked: int, size: int) -> Window:
    """The page of ``size`` rows a person asking for page ``asked`` of ``total`` rows is shown."""
    pages = max(1, -(-total // size))
    number = min(max(1, asked), pages)
    return Window(number, pages, (number - 1) * size, min(number * size, total))
