"""The sample-plan, assignment, token and release refusals are Phrases (issue 25): ``str()`` is the English the
command line, the journal and the API have always had, and every value put into them is a Phrase, a number,
a code or a name, never English words glued in, so a page can write the whole refusal in Welsh."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from casereview.domain.assignment import CaseToAssign, balance
from casereview.domain.errors import Refused
from casereview.domain.language import Phrase, day_words, joined
from casereview.domain.plans import plan_from_mapping
from casereview.domain.release import (
    ReleaseAction,
    ReleaseState,
    pre_release_list,
    release_moment,
    release_phrase,
    release_words,
    transition,
)
from casereview.domain.sampling import in_period
from casereview.domain.tokens import scopes_problems
from tests.english import reads_as_english


def _refusal(make: Callable[[], object]) -> BaseException:
    with pytest.raises(Refused) as caught:
        make()
    return caught.value


def _words_glued_in(phrase: Phrase) -> list[str]:
    """Every value of ``phrase`` (and of the Phrases inside it) that is text reading as English."""
    found = []
    for value in phrase.values.values():
        if isinstance(value, Phrase):
            found += _words_glued_in(value)
        elif isinstance(value, str) and reads_as_english(value):
            found.append(value)
    return found


SPRING_2027 = dt.date(2027, 3, 28)  # the clocks go forward at 01:00

REFUSALS: dict[str, tuple[Callable[[], object], str]] = {
    "a plan's problems": (
        lambda: plan_from_mapping(
            {
                "size": 0,
                "strata": ["category", "case_ref"],
                "headline": ["area:x", "category:"],
                "frame": {"reported_from": "2024-03-01", "reported_to": "2024-01-01"},
            }
        ),
        "The sample plan has problems: size must be a whole number of at least 1; strata names "
        "'case_ref', which is not a column a plan can stratify by (category, unit, risk_level, status, "
        "outcome, child_age); frame.reported_to is before frame.reported_from; headline names 'area:x'; "
        "each must be kind:name, the kind one of category, unit, weakness; headline names 'category:' "
        "without a name after category:",
    ),
    "a frame that ends before it starts": (
        lambda: in_period(
            plan_from_mapping({"size": 1, "frame": {"reported_from": "2024-05-01"}}),
            dt.date(2024, 1, 1),
            dt.date(2024, 3, 31),
        ),
        "the frame would run from 1 May 2024 to 31 March 2024: give both dates, or neither to use the "
        "inspection's period",
    ),
    "cases nobody may take": (
        lambda: balance(
            [CaseToAssign(1, "Ashgrove"), CaseToAssign(2, "Birchwood")],
            ["ina"],
            conflicts={"ina": {"Ashgrove", "Birchwood"}},
        ),
        "No chosen inspector may take case 1 (unit Ashgrove), case 2 (unit Birchwood) (declared "
        "conflicts, or they reviewed it first); add another inspector",
    ),
    "no inspector": (lambda: balance([], []), "Choose at least one inspector"),
    "a time the clocks skip": (
        lambda: release_moment(SPRING_2027, dt.time(1, 30)),
        "01:30 on 28 March 2027 does not happen in the UK: the clocks go forward",
    ),
    "a move no longer allowed": (
        lambda: transition(ReleaseState.CANCELLED, ReleaseAction.PUBLISH),
        "This scheduled publication is cancelled already, so it cannot be published",
    ),
}


@pytest.mark.parametrize("make,english", REFUSALS.values(), ids=list(REFUSALS))
def test_a_refusal_is_a_phrase_whose_english_is_unchanged_and_whose_values_are_not_english_words(
    make: Callable[[], object], english: str
) -> None:
    refused = _refusal(make)
    message = refused.args[0]
    assert isinstance(message, Phrase)
    assert str(refused) == english
    assert _words_glued_in(message) == []


def test_the_release_lists_and_the_token_scopes_give_phrases_with_the_same_english() -> None:
    _, problems = pre_release_list("Sam Patel\nJo, Press\njo, Again")
    assert all(isinstance(p, Phrase) for p in problems)
    assert [str(p) for p in problems] == [
        "Line 1: give the name, a comma, then the role and organisation, like "
        "“Sam Patel, Head of Statistics, Ministry of Justice”",
        "Line 3: jo is named twice",
    ]
    said = scopes_problems(["everything"])
    assert [str(p) for p in said] == [
        "'everything' is not a scope; use read, register_upload, send_back_response"
    ]


def test_joined_keeps_each_part_to_be_translated_and_reads_as_the_parts_joined() -> None:
    parts = [Phrase("one thing"), Phrase("%(n)s more", {"n": 2}), "a code"]
    together = joined(parts)
    assert str(together) == "one thing; 2 more; a code"
    assert (
        list(together.values.values()) == parts
    )  # each part, not its English, so each is translated
    assert str(joined(parts[:2], ", ")) == "one thing, 2 more"
    assert str(joined([])) == ""


def test_a_day_and_a_release_moment_are_words_whose_month_is_a_phrase() -> None:
    day = day_words(dt.date(2027, 1, 14))
    assert str(day) == "14 January 2027"
    assert day.values["month"] == Phrase("January")  # Django's catalogue has every month's Welsh
    moment = dt.datetime(2027, 7, 1, 8, 30, tzinfo=dt.UTC)  # 09:30 in the UK (summer time)
    assert str(release_phrase(moment)) == release_words(moment) == "09:30 on 1 July 2027"
