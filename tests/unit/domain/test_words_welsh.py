"""Words for codes in Welsh (issue 25): dates with Welsh month names, percentage points with the Welsh noun and
its mutation, the tables' words handed to the caller's translation, and the plural samples a script counts by.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casereview.domain import words as w
from casereview.domain.language import (
    ENGLISH,
    PLURAL_SAMPLES,
    WELSH,
    gettext_noop,
    welsh_plural_form,
)
from casereview.domain.plans import STRATUM_SEPARATOR

WELSH_MONTHS = [
    "Ionawr",
    "Chwefror",
    "Mawrth",
    "Ebrill",
    "Mai",
    "Mehefin",
    "Gorffennaf",
    "Awst",
    "Medi",
    "Hydref",
    "Tachwedd",
    "Rhagfyr",
]


def test_a_welsh_date_names_its_month_in_welsh() -> None:
    assert w.uk_date(dt.date(2026, 10, 22), language=WELSH) == "22 Hydref 2026"
    assert w.uk_date(dt.date(2026, 5, 2), language=WELSH) == "2 Mai 2026"
    assert w.uk_date(dt.datetime(2026, 2, 1, 9, 30), language=WELSH) == "1 Chwefror 2026"
    assert w.uk_date("2026-12-31T23:59:00+00:00", language=WELSH) == "31 Rhagfyr 2026"
    assert w.uk_date("not a date", language=WELSH) == "not a date"
    assert w.uk_date(None, language=WELSH) == "" and w.uk_date("", language=WELSH) == ""


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)))
def test_every_welsh_date_reads_day_month_year(day: dt.date) -> None:
    text = w.uk_date(day, language=WELSH)
    number, month, year = text.split(" ")
    assert (int(number), WELSH_MONTHS.index(month) + 1, int(year)) == (
        day.day,
        day.month,
        day.year,
    )
    assert w.uk_date(day.isoformat(), language=WELSH) == text


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)))
def test_english_dates_read_as_before_the_months_were_written_out(day: dt.date) -> None:
    # Before, strftime's %B (the process's C locale: English) named the months; it still reads them back.
    text = w.uk_date(day, language=ENGLISH)
    assert w.uk_date(day) == text
    assert dt.datetime.strptime(text + " +0000", "%d %B %Y %z").date() == day


def test_a_language_casereview_does_not_speak_reads_as_english() -> None:
    assert w.uk_date(dt.date(2026, 10, 22), language="fr") == "22 October 2026"
    assert w.percentage_points(0.125, language="fr") == "12.5 percentage points"


@pytest.mark.parametrize(
    ("share", "said"),
    [
        (0.125, "12.5 pwynt canran"),
        (0.0, "0 pwynt canran"),
        (0.01, "1 pwynt canran"),
        (0.02, "2 bwynt canran"),  # soft mutation after two
        (0.03, "3 phwynt canran"),  # aspirate mutation after three and six
        (0.06, "6 phwynt canran"),
        (0.07, "7 pwynt canran"),
        (0.025, "2.5 pwynt canran"),  # a fraction is not "two"
        (-0.02, "-2 bwynt canran"),
        (0.2, "20 pwynt canran"),
        (12.34, "1,234 pwynt canran"),
    ],
)
def test_welsh_percentage_points_take_the_singular_noun_mutated_as_the_numeral_says(
    share: float, said: str
) -> None:
    assert w.percentage_points(share, language=WELSH) == said


@given(st.floats(min_value=-10, max_value=10, allow_nan=False), st.integers(0, 3))
def test_welsh_and_english_points_write_the_same_number(share: float, places: int) -> None:
    english = w.percentage_points(share, places)
    welsh = w.percentage_points(share, places, language=WELSH)
    assert english.split(" ")[0] == welsh.split(" ")[0]
    assert welsh.endswith(" canran") and english.endswith(("percentage point", "percentage points"))


def test_gettext_noop_marks_without_changing_anything() -> None:
    text = "Neglect"
    assert gettext_noop(text) is text


def shout(text: str) -> str:
    """A stand-in translation that shows which words went through it."""
    return f"<{text.upper()}>"


def test_the_tables_words_go_through_the_callers_translation() -> None:
    assert w.words("category", "neglect", shout) == "<NEGLECT>"
    assert w.words("journal_action", "login_failed", shout) == "<SIGN-IN FAILED>"
    assert w.words("send_back_state", "response_submitted", shout) == "<RESPONSE SUBMITTED>"
    assert w.words("rag", "amber", shout) == "<AMBER>"
    for kind, table in w.TABLES.items():
        for code, english in table.items():
            assert w.words(kind, code, shout) == shout(english)
            assert w.words(kind, code) == english  # without a translation: the English, as before


def test_an_unknown_codes_fallback_is_never_translated() -> None:
    assert w.words("category", "very_old_category", shout) == "Very old category"
    assert w.words("urgency", None, shout) == ""


def test_a_stratum_translates_each_category_and_its_own_words_but_not_other_parts() -> None:
    label = STRATUM_SEPARATOR.join(["neglect", "North", ""])
    assert w.words("stratum", label, shout) == STRATUM_SEPARATOR.join(
        ["<NEGLECT>", "North", "<(BLANK)>"]
    )
    assert w.words("stratum", "", shout) == "<ALL CASES>"


def test_a_frameworks_words_are_translated_around_its_name() -> None:
    said = {
        "%(name)s framework, version %(version)s": "Fframwaith %(name)s, fersiwn %(version)s",
        "%(name)s framework": "Fframwaith %(name)s",
    }
    assert w.words("framework", "child-protection/1", lambda t: said.get(t, t)) == (
        "Fframwaith Child protection, fersiwn 1"
    )
    assert w.words("framework", "custody", lambda t: said.get(t, t)) == "Fframwaith Custody"
    assert (
        w.words("framework", '=HYPERLINK("x")', shout) == '=HYPERLINK("x")'
    )  # not an id: as it is


def test_the_plural_samples_are_one_number_of_each_welsh_form_and_serve_english_too() -> None:
    assert [welsh_plural_form(n) for n in PLURAL_SAMPLES] == list(range(6))
    # English's forms (1, and every other number) are unions of Welsh's: the sample of a number's Welsh form
    # has the same English form as the number itself.
    for n in range(1000):
        sample = PLURAL_SAMPLES[welsh_plural_form(n)]
        assert (sample == 1) == (n == 1), n
