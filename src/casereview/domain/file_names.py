"""What a report's downloaded file is called: the body, the period and what the file is.

``DEMO-2026-Q3-inspection-report.pdf`` is the published report of DEMO's inspection of the third quarter
of 2026; ``…-preview.pdf`` the published version before it is published (it cannot pass for one), and
``…-full-official-sensitive.pdf`` the inspection team's full report, which names cases and inspectors.
A period that is not one calendar quarter is named by its first and last days
(``DEMO-2026-07-01-to-2026-12-31-inspection-report.pdf``).  The Welsh version of each ends ``-cy``.  Pure: no Django, no files.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from .language import ENGLISH

_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


def _part(text: str) -> str:
    """Letters and digits only, runs of anything else as one hyphen: safe in any file system and header."""
    return _UNSAFE.sub("-", text).strip("-")


def period_name(start: str | None, end: str | None) -> str:
    """``2026-Q3`` for a calendar quarter, else ``2026-07-01-to-2026-12-31``; ``undated`` without dates."""
    try:
        first, last = dt.date.fromisoformat(str(start)), dt.date.fromisoformat(str(end))
    except ValueError:
        return "undated"
    quarter = (first.month - 1) // 3
    ends = dt.date(first.year + (quarter == 3), (quarter + 1) % 4 * 3 + 1, 1) - dt.timedelta(days=1)
    if first == dt.date(first.year, quarter * 3 + 1, 1) and last == ends:
        return f"{first.year}-Q{quarter + 1}"
    return f"{first.isoformat()}-to-{last.isoformat()}"


def report_stem(document: Mapping[str, Any], language: str = ENGLISH) -> str:
    """The file name, without its extension, of a report made from its JSON ``document``; a version in another
    language than English ends with its code (``DEMO-2026-Q3-inspection-report-cy.pdf``)."""
    return in_language(_stem(document), language)


def in_language(stem: str, language: str = ENGLISH) -> str:
    """A file name's ``stem`` for a version in ``language``: as it is in English, else ending with the
    language's code (``national-trend-published-cy``)."""
    return stem if language == ENGLISH else f"{stem}-{_part(language)}"


def _stem(document: Mapping[str, Any]) -> str:
    inspection = document.get("inspection") or {}
    period = inspection.get("period") or [None, None]
    body = (
        _part(str(inspection.get("body") or "")).upper() or f"inspection-{inspection.get('id', '')}"
    )
    stem = f"{body}-{period_name(period[0], period[1])}-inspection-report"
    if document.get("preview"):
        return f"{stem}-preview"  # a preview's file cannot pass for a publication's
    if not document.get("published"):
        return f"{stem}-full-official-sensitive"  # names cases and inspectors: the team's, never public
    return stem
