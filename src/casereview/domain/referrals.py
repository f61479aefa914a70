"""Send backs: due dates in working days, and the state machine that tracks them to closure.

A case sent back because a child may still be at risk must never be lost.
Every state and every allowed move is listed here; anything else is refused
with a message saying why.  Nothing is ever deleted: a send back ends only
when an inspector accepts the body's response.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from casereview.domain.errors import Conflict, Refused
from casereview.domain.language import Phrase, gettext_lazy, gettext_noop

#: A send back opened at or after this local (UK) time counts from the next working day.
CUT_OFF = dt.time(17, 0)


class Urgency(StrEnum):
    IMMEDIATE = "immediate"  # same working day
    PRIORITY = "priority"  # 5 working days
    ROUTINE = "routine"  # 20 working days


DEFAULT_WORKING_DAYS: Mapping[Urgency, int] = {
    Urgency.IMMEDIATE: 0,
    Urgency.PRIORITY: 5,
    Urgency.ROUTINE: 20,
}


def is_working_day(day: dt.date, holidays: Collection[dt.date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def next_working_day(day: dt.date, holidays: Collection[dt.date]) -> dt.date:
    day += dt.timedelta(days=1)
    while not is_working_day(day, holidays):
        day += dt.timedelta(days=1)
    return day


def due_date(
    opened_local: dt.datetime,
    urgency: Urgency,
    holidays: Collection[dt.date],
    working_days: Mapping[Urgency, int] = DEFAULT_WORKING_DAYS,
) -> dt.date:
    """The last day for the body's response.

    ``opened_local`` is the UK wall-clock time of opening.  The count starts on
    the day of opening if it is a working day and before 17:00, otherwise on
    the next working day; *immediate* is due that same starting day.
    """
    start = opened_local.date()
    if not is_working_day(start, holidays) or opened_local.time() >= CUT_OFF:
        start = next_working_day(start, holidays)
    due = start
    for _ in range(working_days[urgency]):
        due = next_working_day(due, holidays)
    return due


class State(StrEnum):
    OPENED = "opened"
    ACKNOWLEDGED = "acknowledged"
    RESPONSE_SUBMITTED = "response_submitted"
    RETURNED = "returned"
    ESCALATED = "escalated"
    CLOSED = "closed"


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    RESPOND = "respond"
    RETURN = "return"
    ACCEPT = "accept"
    ESCALATE = "escalate"


class Actor(StrEnum):
    LIAISON = "liaison"  # the inspected body's liaison officer
    INSPECTORATE = "inspectorate"  # the inspector who sent it, or the lead inspector
    SYSTEM = "system"  # the daily escalation job


#: (state, action) -> (who may do it, the state it leads to)
TRANSITIONS: Mapping[tuple[State, Action], tuple[Actor, State]] = {
    (State.OPENED, Action.ACKNOWLEDGE): (Actor.LIAISON, State.ACKNOWLEDGED),
    (State.OPENED, Action.RESPOND): (Actor.LIAISON, State.RESPONSE_SUBMITTED),
    (State.OPENED, Action.ESCALATE): (Actor.SYSTEM, State.ESCALATED),
    (State.ACKNOWLEDGED, Action.RESPOND): (Actor.LIAISON, State.RESPONSE_SUBMITTED),
    (State.ACKNOWLEDGED, Action.ESCALATE): (Actor.SYSTEM, State.ESCALATED),
    (State.RETURNED, Action.ACKNOWLEDGE): (Actor.LIAISON, State.ACKNOWLEDGED),
    (State.RETURNED, Action.RESPOND): (Actor.LIAISON, State.RESPONSE_SUBMITTED),
    (State.RETURNED, Action.ESCALATE): (Actor.SYSTEM, State.ESCALATED),
    (State.ESCALATED, Action.ACKNOWLEDGE): (Actor.LIAISON, State.ACKNOWLEDGED),
    (State.ESCALATED, Action.RESPOND): (Actor.LIAISON, State.RESPONSE_SUBMITTED),
    (State.RESPONSE_SUBMITTED, Action.ACCEPT): (Actor.INSPECTORATE, State.CLOSED),
    (State.RESPONSE_SUBMITTED, Action.RETURN): (Actor.INSPECTORATE, State.RETURNED),
}

#: States in which the body still owes a response (and so can become overdue).
AWAITING_BODY = frozenset({State.OPENED, State.ACKNOWLEDGED, State.RETURNED})
OPEN_STATES = frozenset(State) - {State.CLOSED}


class TransitionRefused(Refused):
    """A move the state machine does not allow; the message says why."""


#: A move the state does not allow, by action: one whole sentence each (Welsh words an object and a move
#: otherwise than English), the state put in as a Phrase of ``_IN_A_SENTENCE`` ("A send back that is opened
#: cannot be accepted and closed").  ``str()`` is the English (the API, the command line); a page translates it.
_CANNOT: Mapping[Action, str] = {
    Action.ACKNOWLEDGE: gettext_noop("A send back that is %(state)s cannot be acknowledged"),
    Action.RESPOND: gettext_noop("A send back that is %(state)s cannot be answered"),
    Action.RETURN: gettext_noop("A send back that is %(state)s cannot be returned for more"),
    Action.ACCEPT: gettext_noop("A send back that is %(state)s cannot be accepted and closed"),
    Action.ESCALATE: gettext_noop("A send back that is %(state)s cannot be escalated"),
}
#: A state as the refusal's sentence says it (its code's words, as the English always said them); a closed
#: send back has a sentence of its own.
_IN_A_SENTENCE: Mapping[State, str] = {
    State.OPENED: gettext_noop("opened"),
    State.ACKNOWLEDGED: gettext_noop("acknowledged"),
    State.RESPONSE_SUBMITTED: gettext_noop("response submitted"),
    State.RETURNED: gettext_noop("returned"),
    State.ESCALATED: gettext_noop("escalated"),
}
#: Who may make a move, in the refusal of anyone else: a whole sentence each.
_ONLY: Mapping[Actor, str] = {
    Actor.LIAISON: gettext_noop("Only the body's liaison officer can do that"),
    Actor.INSPECTORATE: gettext_noop("Only an inspector or the lead inspector can do that"),
    Actor.SYSTEM: gettext_noop("Only the daily escalation can do that"),
}


def transition(state: State, action: Action, actor: Actor) -> State:
    """The state after ``actor`` does ``action``, or ``TransitionRefused`` (its message a Phrase: ``str()``
    is the English, a page shows it in its reader's language)."""
    rule = TRANSITIONS.get((state, action))
    if rule is None:
        if state is State.CLOSED:
            raise TransitionRefused(
                gettext_lazy("This send back is closed; nothing more can happen to it")
            )
        raise TransitionRefused(Phrase(_CANNOT[action], {"state": Phrase(_IN_A_SENTENCE[state])}))
    who, target = rule
    if who is not actor:
        raise TransitionRefused(Phrase(_ONLY[who]))
    return target


def overdue(state: State, due: dt.date, today: dt.date) -> bool:
    """Overdue: the body still owes a response and its due day has passed."""
    return state in AWAITING_BODY and today > due


# --- Sending back as part of a review ------------------------------------------


@dataclass(frozen=True)
class OpenSendBack:
    """A send back of a case that is not yet closed, as a review or a page must name it."""

    id: int
    urgency: str
    state: str
    due_on: dt.date

    def describe(self, today: dt.date) -> str:
        return f"send back {self.id} ({self.urgency}, {STATE_WORDS.get(self.state, self.state).lower()}, due {due_words(self.due_on, today)})"


#: A state as a person reads it (never a code on a page or in a message); a sentence lower-cases it.
#: The one table: ``casereview.domain.words`` (which pages use) reads it from here.
STATE_WORDS: Mapping[str, str] = {
    State.OPENED: gettext_noop("Opened"),
    State.ACKNOWLEDGED: gettext_noop("Acknowledged"),
    State.RESPONSE_SUBMITTED: gettext_noop("Response submitted"),
    State.RETURNED: gettext_noop("Returned to the body"),
    State.ESCALATED: gettext_noop("Escalated"),
    State.CLOSED: gettext_noop("Closed"),
}


#: The days of the week, Monday first, and "today" and "tomorrow", in each language casereview writes to
#: people in (the e-mails read them in their recipient's language); written out, so that a date never depends
#: on the process's locale.  Keyed by casereview.domain.language's codes ("en-gb", "cy").
WEEKDAYS: Mapping[str, tuple[str, ...]] = {
    "en-gb": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "cy": (
        "dydd Llun",
        "dydd Mawrth",
        "dydd Mercher",
        "dydd Iau",
        "dydd Gwener",
        "dydd Sadwrn",
        "dydd Sul",
    ),
}
RELATIVE_DAYS: Mapping[str, tuple[str, str]] = {
    "en-gb": ("today", "tomorrow"),
    "cy": ("heddiw", "yfory"),
}


def long_date(day: dt.date, language: str = "en-gb") -> str:
    """ "Friday 22 October 2026" ("dydd Gwener 22 Hydref 2026" in Welsh); a language casereview does not
    speak reads as English."""
    # Imported here: words imports this module (its tables read STATE_WORDS and Urgency), and its month
    # names are the dates' one table.
    from casereview.domain.words import uk_date

    weekdays = WEEKDAYS.get(language, WEEKDAYS["en-gb"])
    return f"{weekdays[day.weekday()]} {uk_date(day, language)}"


def due_words(due: dt.date, today: dt.date, *, dated: bool = False, language: str = "en-gb") -> str:
    """When a response is due, as a banner or an e-mail says it: the working day ends at the cut-off.

    ``dated`` adds the date to "today" and "tomorrow", for words read later than they were written (an
    e-mail delivered the next morning must not still say "today").  ``language``: the reader's ("cy" for
    Welsh: "heddiw 17:00", "dydd Gwener 22 Hydref 2026 17:00"); pages pass none and stay English.
    """
    date = long_date(due, language)
    relatives = RELATIVE_DAYS.get(language, RELATIVE_DAYS["en-gb"])
    for relative, day in zip(relatives, (today, today + dt.timedelta(days=1)), strict=True):
        if due == day:
            return f"{relative} {CUT_OFF:%H:%M}" + (f" ({date})" if dated else "")
    return f"{date} {CUT_OFF:%H:%M}"


#: The second send back's refusal; ``names``: each open send back as ``OpenSendBack.describe`` says it.
SECOND_SEND_BACK = gettext_noop(
    "Case %(case)s already has an open %(names)s. Confirm that you want to open a second send back, or "
    "follow the open one"
)


class SecondSendBack(Conflict):
    """A case already has an open send back: opening another needs an explicit confirmation naming it.

    ``str()`` is the English (the API, the command line).  Its open send backs' words hold a date written in
    the reader's language, which a Phrase made here cannot know, so a page writes the same sentence again
    (``SECOND_SEND_BACK``) from ``case_ref``, ``existing`` and ``today``, each send back in its own words."""

    def __init__(self, case_ref: str, existing: Sequence[OpenSendBack], today: dt.date) -> None:
        names = "; ".join(s.describe(today) for s in existing)
        super().__init__(SECOND_SEND_BACK % {"case": case_ref, "names": names})
        self.case_ref = case_ref
        self.existing = list(existing)
        self.today = today
