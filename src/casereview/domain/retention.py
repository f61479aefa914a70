"""Retention: case data is kept until its retention date and erased the day after.

What is erased is the case content (the register's rows); what stays is the
register's metadata and aggregate counts, and the journal's record of the
erasure, which names no case.
"""

from __future__ import annotations

import datetime as dt

#: Default retention: six years from import, a common period for
#: safeguarding case records; each register's date can be changed.
DEFAULT_RETENTION_YEARS = 6


def default_retain_until(imported_on: dt.date, years: int = DEFAULT_RETENTION_YEARS) -> dt.date:
    """The same day ``years`` later (28 February for 29 February)."""
    try:
        return imported_on.replace(year=imported_on.year + years)
    except ValueError:
        return imported_on.replace(year=imported_on.year + years, day=28)


def purge_due(retain_until: dt.date, today: dt.date) -> bool:
    """Due on the first day after the retention date."""
    return today > retain_until
