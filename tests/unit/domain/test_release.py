"""Release practice rules: the announced moment in UK time, 09:30 by default, the pre-release access list,
and the states a scheduled publication goes through."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from casereview.domain.errors import Conflict, Refused
from casereview.domain.release import (
    DEFAULT_RELEASE_TIME,
    LONGEST_REASON,
    MINIMUM_NOTICE,
    MOST_PEOPLE,
    ON_TIME,
    TRANSITIONS,
    PreReleasePerson,
    ReleaseAction,
    ReleaseMoved,
    ReleaseRefused,
    ReleaseState,
    changed_words,
    late_words,
    pre_release_list,
    pre_release_text,
    pre_release_words,
    published_as_of,
    reason_problem,
    release_day,
    release_moment,
    release_problem,
    release_words,
    transition,
)

UTC = dt.UTC


def test_the_default_release_time_is_half_past_nine() -> None:
    assert dt.time(9, 30) == DEFAULT_RELEASE_TIME


@pytest.mark.parametrize(
    ("day", "utc"),
    [
        (dt.date(2027, 1, 14), dt.datetime(2027, 1, 14, 9, 30, tzinfo=UTC)),  # GMT
        (dt.date(2027, 7, 14), dt.datetime(2027, 7, 14, 8, 30, tzinfo=UTC)),  # BST
        (
            dt.date(2027, 3, 28),
            dt.datetime(2027, 3, 28, 8, 30, tzinfo=UTC),
        ),  # the day the clocks go forward
        (dt.date(2027, 10, 31), dt.datetime(2027, 10, 31, 9, 30, tzinfo=UTC)),  # and back
    ],
)
def test_a_uk_date_and_time_name_the_moment_in_uk_time(day: dt.date, utc: dt.datetime) -> None:
    moment = release_moment(day, DEFAULT_RELEASE_TIME)
    assert moment == utc
    assert release_words(moment) == f"09:30 on {day.day} {day:%B %Y}"


def test_a_time_the_clocks_skip_or_repeat_is_refused() -> None:
    with pytest.raises(ReleaseRefused, match="does not happen"):
        release_moment(dt.date(2027, 3, 28), dt.time(1, 30))
    with pytest.raises(ReleaseRefused, match="happens twice"):
        release_moment(dt.date(2027, 10, 31), dt.time(1, 30))
    assert release_moment(dt.date(2027, 10, 31), dt.time(2, 30)) == dt.datetime(
        2027, 10, 31, 2, 30, tzinfo=UTC
    )


def test_a_release_must_be_in_the_future_and_within_a_year() -> None:
    now = dt.datetime(2027, 1, 14, 9, 30, tzinfo=UTC)
    assert str(release_problem(now, now)) == "The release date and time must be in the future"
    assert release_problem(now - dt.timedelta(days=1), now) is not None
    assert "at least 1 hour from now" in str(
        release_problem(now + dt.timedelta(minutes=59), now) or ""
    )
    assert release_problem(now + MINIMUM_NOTICE, now) is None
    assert release_problem(now + dt.timedelta(days=366), now) is None
    assert "within a year" in str(release_problem(now + dt.timedelta(days=367), now) or "")


def test_every_allowed_move_works_and_every_other_is_refused_as_a_conflict() -> None:
    for state, action in itertools.product(ReleaseState, ReleaseAction):
        after = TRANSITIONS.get((state, action))
        if after is not None:
            assert state is ReleaseState.SCHEDULED
            assert transition(state, action) is after
        else:
            with pytest.raises(ReleaseMoved) as caught:
                transition(state, action)
            assert isinstance(caught.value, Conflict) and "already" in str(caught.value)
    assert transition(ReleaseState.SCHEDULED, ReleaseAction.PUBLISH) is ReleaseState.PUBLISHED
    assert transition(ReleaseState.SCHEDULED, ReleaseAction.FAIL) is ReleaseState.FAILED
    assert transition(ReleaseState.SCHEDULED, ReleaseAction.CANCEL) is ReleaseState.CANCELLED
    assert issubclass(ReleaseRefused, Refused)


def test_a_run_within_five_minutes_publishes_as_of_the_announced_moment_and_a_later_one_says_late() -> (
    None
):
    at = dt.datetime(2027, 1, 14, 9, 30, tzinfo=UTC)
    assert published_as_of(at, at) == (at, False)
    assert published_as_of(at, at + ON_TIME) == (at, False)
    later = at + ON_TIME + dt.timedelta(seconds=1)
    assert published_as_of(at, later) == (later, True)


def test_the_pre_release_access_list_is_read_line_by_line() -> None:
    people, problems = pre_release_list(
        "Sam Patel, Head of Statistics, Ministry of Justice\n\n  Jo Bloggs ,Press Office, Home Office \n"
    )
    assert problems == []
    assert [p.to_json() for p in people] == [
        {"name": "Sam Patel", "role": "Head of Statistics, Ministry of Justice"},
        {"name": "Jo Bloggs", "role": "Press Office, Home Office"},
    ]
    stored = [p.to_json() for p in people]
    assert (
        pre_release_list(pre_release_text(stored))[0] == people
    )  # the form's starting value reads back
    assert pre_release_words(stored) == (
        "Sam Patel (Head of Statistics, Ministry of Justice); Jo Bloggs (Press Office, Home Office)"
    )
    assert pre_release_list("") == ([], [])
    assert pre_release_words([]) == "no one was given access before release"


def test_every_bad_line_is_named() -> None:
    people, problems = pre_release_list(
        "Sam Patel\n, Minister\nSam Patel, Statistician\nsam patel, Again\n"
        + "A" * 101
        + ", Role\nTab\there, Role\n"
    )
    assert [p.name for p in people] == ["Sam Patel"]
    said = [str(p) for p in problems]  # Phrases: str() is the English
    assert said[0].startswith("Line 1: give the name, a comma")
    assert said[1].startswith("Line 2: give the name")
    assert said[2] == "Line 4: sam patel is named twice"
    assert said[3] == "Line 5: the name must be 100 characters or fewer"
    assert said[4] == "Line 6: remove the control or invisible formatting characters"


@pytest.mark.parametrize(
    "hidden",
    ["\u202e", "\u200b", "\u200d", "\u2066", "\ufeff", "\x07", "\x1b"],
    ids=[
        "rtl-override",
        "zero-width-space",
        "zero-width-joiner",
        "isolate",
        "bom",
        "bell",
        "escape",
    ],
)
def test_invisible_formatting_and_control_characters_are_refused(hidden: str) -> None:
    """Unicode categories Cc and Cf: a bidirectional override could make a name read as another."""
    people, problems = pre_release_list(f"Sam{hidden} Patel, Statistician")
    assert people == []
    assert [str(p) for p in problems] == [
        "Line 1: remove the control or invisible formatting characters"
    ]
    assert str(reason_problem(f"Moved{hidden}", "changing")) == (
        "Remove the control characters from the reason"
    )
    assert pre_release_list("Zoë Ångström-Núñez, Statistician")[1] == []  # letters of any script


def test_a_change_or_cancellation_needs_a_reason() -> None:
    assert (
        str(reason_problem("", "changing"))
        == "Give the reason for changing the announced publication"
    )
    assert str(reason_problem("  \n ", "cancelling")) == (
        "Give the reason for cancelling the announced publication"
    )
    assert reason_problem("Moved\nto the afternoon", "changing") is None
    assert "500 characters or fewer" in str(reason_problem("x" * (LONGEST_REASON + 1), "x") or "")


def test_a_change_and_a_late_release_in_words() -> None:
    first = dt.datetime(2027, 1, 14, 9, 30, tzinfo=UTC)
    then = dt.datetime(2027, 7, 2, 13, 0, tzinfo=UTC)  # 14:00 in summer time
    changes = [
        {"from": first.isoformat(), "to": then.isoformat(), "reason": "Moved", "at": ""},
        {"from": then.isoformat(), "to": then.isoformat(), "reason": "List corrected", "at": ""},
    ]
    assert changed_words(changes, then) == (
        "Originally announced for 09:30 on 14 January 2027; changed because Moved; then because "
        "List corrected"
    )
    assert changed_words(changes[1:], then) == "The announcement was changed because List corrected"
    assert changed_words([], then) == ""
    assert late_words(then) == "Published late, at 14:00 on 2 July 2027"
    assert release_day(dt.datetime(2027, 7, 1, 23, 30, tzinfo=UTC)) == dt.date(2027, 7, 2)
    assert not hasattr(PreReleasePerson, "words")


def test_at_most_fifty_people() -> None:
    text = "\n".join(f"Person {n}, Role" for n in range(MOST_PEOPLE + 1))
    people, problems = pre_release_list(text)
    assert [str(p) for p in problems] == [
        f"Name at most {MOST_PEOPLE} people ({MOST_PEOPLE + 1} lines given)"
    ]
    assert len(pre_release_list("\n".join(text.splitlines()[:MOST_PEOPLE]))[1]) == 0
    assert len(people) == MOST_PEOPLE + 1
