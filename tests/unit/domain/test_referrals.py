from __future__ import annotations

import datetime as dt
import itertools

import holidays as holiday_lib
import pytest

from casereview.domain.referrals import (
    TRANSITIONS,
    Action,
    Actor,
    OpenSendBack,
    SecondSendBack,
    State,
    TransitionRefused,
    Urgency,
    due_date,
    due_words,
    overdue,
    transition,
)

BANK = set(holiday_lib.UK(subdiv="ENG", years=[2026, 2027]))


@pytest.mark.parametrize(
    ("opened", "urgency", "due"),
    [
        (
            dt.datetime(2026, 11, 30, 9, 0),
            Urgency.IMMEDIATE,
            dt.date(2026, 11, 30),
        ),  # Monday morning: same day
        (
            dt.datetime(2026, 11, 30, 17, 0),
            Urgency.IMMEDIATE,
            dt.date(2026, 12, 1),
        ),  # at 17:00: next working day
        (
            dt.datetime(2026, 12, 4, 18, 30),
            Urgency.IMMEDIATE,
            dt.date(2026, 12, 7),
        ),  # Friday evening: Monday
        (
            dt.datetime(2026, 12, 5, 10, 0),
            Urgency.PRIORITY,
            dt.date(2026, 12, 14),
        ),  # Saturday: counts from Monday 7th
        (dt.datetime(2026, 11, 30, 9, 0), Urgency.PRIORITY, dt.date(2026, 12, 7)),
        (
            dt.datetime(2026, 12, 23, 9, 0),
            Urgency.PRIORITY,
            dt.date(2027, 1, 4),
        ),  # Christmas, Boxing Day (obs.) and New Year
        (
            dt.datetime(2026, 12, 1, 9, 0),
            Urgency.ROUTINE,
            dt.date(2026, 12, 31),
        ),  # Boxing Day observed on Mon 28th
        (
            dt.datetime(2027, 3, 25, 16, 59),
            Urgency.PRIORITY,
            dt.date(2027, 4, 5),
        ),  # over Easter (Good Friday 26 Mar, Easter Monday 29 Mar)
    ],
)
def test_due_dates_count_working_days_in_england_and_wales(
    opened: dt.datetime, urgency: Urgency, due: dt.date
) -> None:
    assert due_date(opened, urgency, BANK) == due


def test_every_allowed_transition_works_and_every_other_is_refused() -> None:
    for state, action, actor in itertools.product(State, Action, Actor):
        rule = TRANSITIONS.get((state, action))
        if rule is not None and rule[0] is actor:
            assert transition(state, action, actor) is rule[1]
        else:
            with pytest.raises(TransitionRefused) as caught:
                transition(state, action, actor)
            assert str(caught.value)


def test_refusals_say_why() -> None:
    with pytest.raises(TransitionRefused, match="closed; nothing more"):
        transition(State.CLOSED, Action.RESPOND, Actor.LIAISON)
    with pytest.raises(TransitionRefused, match="Only an inspector or the lead inspector"):
        transition(State.RESPONSE_SUBMITTED, Action.ACCEPT, Actor.LIAISON)
    with pytest.raises(TransitionRefused, match="opened cannot be accepted"):
        transition(State.OPENED, Action.ACCEPT, Actor.INSPECTORATE)


def test_each_refusal_is_a_phrase_of_a_whole_sentence_whose_english_is_as_before() -> None:
    """A page translates the refusal (its message a Phrase, each word it holds a Phrase too); the command line
    and the API read ``str()``, the English the state machine always wrote."""
    from casereview.domain.language import Phrase

    names = {
        Actor.LIAISON: "the body's liaison officer",
        Actor.INSPECTORATE: "an inspector or the lead inspector",
        Actor.SYSTEM: "the daily escalation",
    }
    done = {
        Action.ACKNOWLEDGE: "acknowledged",
        Action.RESPOND: "answered",
        Action.RETURN: "returned for more",
        Action.ACCEPT: "accepted and closed",
        Action.ESCALATE: "escalated",
    }
    for state, action, actor in itertools.product(State, Action, Actor):
        rule = TRANSITIONS.get((state, action))
        if rule is not None and rule[0] is actor:
            continue
        with pytest.raises(TransitionRefused) as caught:
            transition(state, action, actor)
        (message,) = caught.value.args
        assert isinstance(message, Phrase)
        assert all(isinstance(value, Phrase) for value in message.values.values())
        if state is State.CLOSED:
            expected = "This send back is closed; nothing more can happen to it"
        elif rule is None:
            expected = (
                f"A send back that is {state.value.replace('_', ' ')} cannot be {done[action]}"
            )
        else:
            expected = f"Only {names[rule[0]]} can do that"
        assert str(caught.value) == expected


def test_a_second_send_back_keeps_what_a_page_needs_to_say_it_again() -> None:
    open_one = OpenSendBack(id=3, urgency="routine", state="opened", due_on=dt.date(2026, 12, 9))
    refused = SecondSendBack("SYN00000002", [open_one], dt.date(2026, 12, 2))
    assert (refused.case_ref, refused.existing, refused.today) == (
        "SYN00000002",
        [open_one],
        dt.date(2026, 12, 2),
    )
    assert str(refused) == (
        "Case SYN00000002 already has an open send back 3 (routine, opened, due Wednesday 9 December "
        "2026 17:00). Confirm that you want to open a second send back, or follow the open one"
    )


def test_only_the_inspectorate_closes_and_every_path_to_closed_passes_a_response() -> None:
    closers = {(s, a) for (s, a), (who, target) in TRANSITIONS.items() if target is State.CLOSED}
    assert closers == {(State.RESPONSE_SUBMITTED, Action.ACCEPT)}
    assert TRANSITIONS[(State.RESPONSE_SUBMITTED, Action.ACCEPT)][0] is Actor.INSPECTORATE


def test_overdue_only_while_the_body_owes_a_response() -> None:
    due = dt.date(2026, 12, 7)
    assert overdue(State.ACKNOWLEDGED, due, dt.date(2026, 12, 8))
    assert not overdue(State.ACKNOWLEDGED, due, dt.date(2026, 12, 7))
    assert not overdue(State.RESPONSE_SUBMITTED, due, dt.date(2027, 1, 1))
    assert not overdue(State.CLOSED, due, dt.date(2027, 1, 1))


@pytest.mark.parametrize(
    ("due", "words"),
    [
        (dt.date(2026, 12, 2), "today 17:00"),
        (dt.date(2026, 12, 3), "tomorrow 17:00"),
        (dt.date(2026, 12, 9), "Wednesday 9 December 2026 17:00"),
        (
            dt.date(2026, 12, 1),
            "Tuesday 1 December 2026 17:00",
        ),  # already past: a date, never "yesterday"
    ],
)
def test_due_days_are_said_in_words(due: dt.date, words: str) -> None:
    assert due_words(due, dt.date(2026, 12, 2)) == words


def test_words_read_later_give_the_date_with_today() -> None:
    assert (
        due_words(dt.date(2026, 12, 2), dt.date(2026, 12, 2), dated=True)
        == "today 17:00 (Wednesday 2 December 2026)"
    )
    assert (
        due_words(dt.date(2026, 12, 3), dt.date(2026, 12, 2), dated=True)
        == "tomorrow 17:00 (Thursday 3 December 2026)"
    )
    assert (
        due_words(dt.date(2026, 12, 9), dt.date(2026, 12, 2), dated=True)
        == "Wednesday 9 December 2026 17:00"
    )


def test_a_second_send_back_is_refused_naming_the_open_one_in_words() -> None:
    open_one = OpenSendBack(
        id=12,
        urgency="immediate",
        state=State.RESPONSE_SUBMITTED.value,
        due_on=dt.date(2026, 12, 2),
    )
    message = str(SecondSendBack("SYN00000001", [open_one], dt.date(2026, 12, 2)))
    assert (
        "Case SYN00000001 already has an open send back 12 (immediate, response submitted, due today 17:00)"
        in message
    )
    assert "response_submitted" not in message and "Confirm" in message
