"""The due day of a send back in Welsh, as a Welsh e-mail says it (issue 25); pages keep English."""

from __future__ import annotations

import datetime as dt

import pytest

from casereview.domain.referrals import WEEKDAYS, due_words, long_date

WEDNESDAY = dt.date(2026, 12, 2)


@pytest.mark.parametrize(
    ("due", "words"),
    [
        (WEDNESDAY, "heddiw 17:00"),
        (dt.date(2026, 12, 3), "yfory 17:00"),
        (dt.date(2026, 12, 9), "dydd Mercher 9 Rhagfyr 2026 17:00"),
        (
            dt.date(2026, 12, 1),
            "dydd Mawrth 1 Rhagfyr 2026 17:00",
        ),  # already past: a date, never "ddoe"
        (dt.date(2026, 10, 23), "dydd Gwener 23 Hydref 2026 17:00"),
    ],
)
def test_due_days_are_said_in_welsh(due: dt.date, words: str) -> None:
    assert due_words(due, WEDNESDAY, language="cy") == words


def test_welsh_words_read_later_give_the_welsh_date_with_today_and_tomorrow() -> None:
    assert (
        due_words(WEDNESDAY, WEDNESDAY, dated=True, language="cy")
        == "heddiw 17:00 (dydd Mercher 2 Rhagfyr 2026)"
    )
    assert (
        due_words(dt.date(2026, 12, 3), WEDNESDAY, dated=True, language="cy")
        == "yfory 17:00 (dydd Iau 3 Rhagfyr 2026)"
    )


def test_every_welsh_weekday_has_its_name_from_monday_to_sunday() -> None:
    monday = dt.date(2026, 11, 30)
    assert [long_date(monday + dt.timedelta(days=n), "cy") for n in range(7)] == [
        "dydd Llun 30 Tachwedd 2026",
        "dydd Mawrth 1 Rhagfyr 2026",
        "dydd Mercher 2 Rhagfyr 2026",
        "dydd Iau 3 Rhagfyr 2026",
        "dydd Gwener 4 Rhagfyr 2026",
        "dydd Sadwrn 5 Rhagfyr 2026",
        "dydd Sul 6 Rhagfyr 2026",
    ]
    assert len(WEEKDAYS["cy"]) == len(WEEKDAYS["en-gb"]) == 7


def test_english_is_the_default_and_any_other_language_reads_as_english() -> None:
    for language in ("en-gb", "fr", ""):
        assert due_words(dt.date(2026, 12, 4), WEDNESDAY, language=language) == (
            "Friday 4 December 2026 17:00"
        )
    assert due_words(dt.date(2026, 12, 4), WEDNESDAY) == "Friday 4 December 2026 17:00"
    assert long_date(dt.date(2026, 12, 4)) == "Friday 4 December 2026"


def test_english_weekdays_are_the_ones_pages_and_e_mails_wrote_before() -> None:
    # The table replaces strftime's %A (the C locale's English names): the same words.
    monday = dt.date(2026, 11, 30)
    assert [long_date(monday + dt.timedelta(days=n)).split()[0] for n in range(7)] == [
        f"{monday + dt.timedelta(days=n):%A}" for n in range(7)
    ]
