"""A report's file name says what it is: body, period, and published, preview or the team's full report."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casereview.domain.file_names import period_name, report_stem


def _doc(**extra: object) -> dict[str, object]:
    return {
        "inspection": {"id": 7, "body": "DEMO", "period": ["2026-07-01", "2026-09-30"]},
        **extra,
    }


def test_the_published_report_is_named_by_body_and_quarter():
    assert report_stem(_doc(published=True)) == "DEMO-2026-Q3-inspection-report"


def test_a_preview_and_the_full_report_say_so():
    assert report_stem(_doc(published=True, preview={"label": "x"})).endswith("-preview")
    assert report_stem(_doc()) == "DEMO-2026-Q3-inspection-report-full-official-sensitive"


@pytest.mark.parametrize(
    ("start", "end", "name"),
    [
        ("2026-01-01", "2026-03-31", "2026-Q1"),
        ("2024-04-01", "2024-06-30", "2024-Q2"),
        ("2026-10-01", "2026-12-31", "2026-Q4"),
        ("2026-07-01", "2026-12-31", "2026-07-01-to-2026-12-31"),
        ("2026-07-02", "2026-09-30", "2026-07-02-to-2026-09-30"),
        (None, None, "undated"),
    ],
)
def test_period_names(start, end, name):
    assert period_name(start, end) == name


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_calendar_quarter_and_nothing_else_is_named_as_one(day: dt.date):
    first = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    nxt = dt.date(first.year + (first.month == 10), (first.month + 2) % 12 + 1, 1)
    last = nxt - dt.timedelta(days=1)
    assert (
        period_name(first.isoformat(), last.isoformat())
        == f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    )
    assert "Q" not in period_name(first.isoformat(), (last - dt.timedelta(days=1)).isoformat())


@given(st.text(max_size=30))
def test_a_body_code_of_any_text_gives_a_safe_name(code: str):
    stem = report_stem(
        {
            "inspection": {"id": 3, "body": code, "period": ["2026-07-01", "2026-09-30"]},
            "published": True,
        }
    )
    assert stem and all(c.isascii() and (c.isalnum() or c == "-") for c in stem)
    assert stem.endswith("-2026-Q3-inspection-report")
