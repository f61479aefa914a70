from __future__ import annotations

import datetime as dt

from casereview.domain.retention import default_retain_until, purge_due


def test_cases_are_kept_through_the_retention_date_and_due_the_day_after() -> None:
    until = dt.date(2030, 6, 30)
    assert not purge_due(until, dt.date(2030, 6, 30))
    assert purge_due(until, dt.date(2030, 7, 1))


def test_the_default_is_six_calendar_years() -> None:
    assert default_retain_until(dt.date(2024, 1, 1)) == dt.date(2030, 1, 1)
    assert default_retain_until(dt.date(2024, 2, 29)) == dt.date(2030, 2, 28)
