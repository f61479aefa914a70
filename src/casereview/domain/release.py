"""Release practice (Code of Practice for Statistics): a publication pre-announced for a date and time, with
the list of people given access before release recorded and published with it.

The rules here are pure: the moment a UK date and time name (Europe/London, never a time that the clocks
skip or name twice), the default release time (09:30, the conventional hour for official statistics),
reading the pre-release access list a person typed, and the states a scheduled publication goes through:
scheduled, then exactly one of published, cancelled or failed.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from .errors import Conflict, Refused
from .language import Phrase, day_words, gettext_lazy, gettext_noop
from .words import uk_date

UK = ZoneInfo("Europe/London")
#: The conventional release time of UK official statistics.
DEFAULT_RELEASE_TIME = dt.time(9, 30)
#: How far ahead a release may be announced, and how far ahead at least: an announcement (or a change to one)
#: must give people an hour's notice, and a change must not move a release into the next few minutes.
LONGEST_NOTICE = dt.timedelta(days=366)
MINIMUM_NOTICE = dt.timedelta(hours=1)
#: How many runs of ``publish-due`` may crash on one publication (an error in the service, not a refusal)
#: before it is marked not published and its lead is told.
MOST_ATTEMPTS = 3
#: The longest reason for changing or cancelling an announced publication.
LONGEST_REASON = 500
#: Why a publication did not go out when its figures differ from those frozen when it was scheduled: the
#: people given pre-release access saw other figures (the Code of Practice: access is to the final ones).
FIGURES_CHANGED = (
    "The figures changed after pre-release access was given: check the report and schedule it again"
)
#: Why a publication did not go out after ``MOST_ATTEMPTS`` runs went wrong (the log has the error).
WENT_WRONG = (
    f"casereview could not publish it: something went wrong {MOST_ATTEMPTS} times. Ask the service's "
    "administrator to look at its log, then schedule it again"
)
#: The two reasons above as a page shows them, in its reader's language.  They are stored in English as they
#: always were (the journal and the command line read them), and a stored reason equal to one of them is the
#: code for its Phrase, so rows stored before this are shown in Welsh too.
FAILURE_WORDS: dict[str, Phrase] = {
    FIGURES_CHANGED: gettext_lazy(
        "The figures changed after pre-release access was given: check the report and schedule it again"
    ),
    WENT_WRONG: gettext_lazy(
        "casereview could not publish it: something went wrong %(times)s times. Ask the service's "
        "administrator to look at its log, then schedule it again",
        times=MOST_ATTEMPTS,
    ),
}
#: A run this soon after the announced moment publishes as of that moment (a scheduler running every minute
#: is this close); a later run (the service was down) records the real time and says it went out late.
ON_TIME = dt.timedelta(minutes=5)
#: The most people a pre-release access list may name, and the longest name and role.
MOST_PEOPLE = 50
LONGEST_NAME = 100
LONGEST_ROLE = 200


class ReleaseState(StrEnum):
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    FAILED = "failed"


class ReleaseAction(StrEnum):
    CHANGE = "change"
    CANCEL = "cancel"
    PUBLISH = "publish"
    FAIL = "fail"


#: (state, action) -> the state after; every other pair is refused.
TRANSITIONS: dict[tuple[ReleaseState, ReleaseAction], ReleaseState] = {
    (ReleaseState.SCHEDULED, ReleaseAction.CHANGE): ReleaseState.SCHEDULED,
    (ReleaseState.SCHEDULED, ReleaseAction.CANCEL): ReleaseState.CANCELLED,
    (ReleaseState.SCHEDULED, ReleaseAction.PUBLISH): ReleaseState.PUBLISHED,
    (ReleaseState.SCHEDULED, ReleaseAction.FAIL): ReleaseState.FAILED,
}

STATE_WORDS = {
    ReleaseState.SCHEDULED: gettext_noop("scheduled"),
    ReleaseState.PUBLISHED: gettext_noop("published"),
    ReleaseState.CANCELLED: gettext_noop("cancelled"),
    ReleaseState.FAILED: gettext_noop("not published"),
}

#: What a move no longer allowed cannot be, each a whole clause (Welsh words it by the action, not the state).
_CANNOT = {
    ReleaseAction.CHANGE: gettext_lazy("it cannot be changed"),
    ReleaseAction.CANCEL: gettext_lazy("it cannot be cancelled"),
    ReleaseAction.PUBLISH: gettext_lazy("it cannot be published"),
    ReleaseAction.FAIL: gettext_lazy("it cannot be marked as not published"),
}


class ReleaseRefused(Refused):
    """A release time or list that cannot be used; the message says why, for the person."""


class ReleaseMoved(Conflict):
    """A move the scheduled publication's state no longer allows (it went out, or was cancelled, first)."""


def transition(state: ReleaseState, action: ReleaseAction) -> ReleaseState:
    """The state after ``action``; refused with a sentence when the publication is no longer scheduled."""
    after = TRANSITIONS.get((state, action))
    if after is None:
        raise ReleaseMoved(
            gettext_lazy(
                "This scheduled publication is %(state)s already, so %(cannot)s",
                state=Phrase(STATE_WORDS[state]),
                cannot=_CANNOT[action],
            )
        )
    return after


def release_moment(day: dt.date, time: dt.time) -> dt.datetime:
    """The moment a UK date and time name, aware (Europe/London).  A time the clocks skip (the last Sunday of
    March, 01:00 to 01:59) or pass twice (the last Sunday of October, 01:00 to 01:59) is refused: a
    pre-announced time must name one moment."""
    moment = dt.datetime.combine(day, time, tzinfo=UK)
    later = moment.replace(fold=1)
    as_utc = moment.astimezone(dt.UTC)
    if as_utc.astimezone(UK).replace(tzinfo=None) != moment.replace(tzinfo=None):
        raise ReleaseRefused(
            gettext_lazy(
                "%(when)s does not happen in the UK: the clocks go forward",
                when=_at(time, day),
            )
        )
    if later.utcoffset() != moment.utcoffset():
        raise ReleaseRefused(
            gettext_lazy(
                "%(when)s happens twice in the UK (the clocks go back): choose another time",
                when=_at(time, day),
            )
        )
    return moment


def failure_words(reason: str) -> Phrase:
    """A stored reason a scheduled publication did not go out, to be shown in the reader's language: one of
    ``FAILURE_WORDS``, or the stored text itself (translated only where the catalogue has it as it is: the
    report's problems were written in English by the scheduled run, and an audit's reasons are English)."""
    return FAILURE_WORDS.get(reason) or Phrase(reason)


def release_day(release_at: dt.datetime) -> dt.date:
    """The UK day of the announced moment: the day the published report is "as of"."""
    return release_at.astimezone(UK).date()


def release_problem(release_at: dt.datetime, now: dt.datetime) -> Phrase | None:
    """Why ``release_at`` cannot be announced at ``now`` (both aware), or None."""
    if release_at <= now:
        return gettext_lazy("The release date and time must be in the future")
    if release_at - now < MINIMUM_NOTICE:
        return gettext_lazy(
            "The release time must be at least 1 hour from now, so that people can be told"
        )
    if release_at - now > LONGEST_NOTICE:
        return gettext_lazy("The release date must be within a year from today")
    return None


def _at(time: dt.time, day: dt.date) -> Phrase:
    """ "01:30 on 26 March 2028", translated where shown."""
    return gettext_lazy("%(time)s on %(date)s", time=f"{time:%H:%M}", date=day_words(day))


def release_phrase(release_at: dt.datetime) -> Phrase:
    """ "09:30 on 14 January 2027" (the moment in UK time), translated where shown."""
    local = release_at.astimezone(UK)
    return _at(local.time(), local.date())


def release_words(release_at: dt.datetime) -> str:
    """ "09:30 on 14 January 2027" (the moment in UK time)."""
    local = release_at.astimezone(UK)
    return f"{local:%H:%M} on {uk_date(local.date())}"


def late_words(published_at: dt.datetime) -> str:
    """ "Published late, at 11:02 on 14 January 2027" (a publication more than ``ON_TIME`` after its moment)."""
    return f"Published late, at {release_words(published_at)}"


def changed_words(changes: list[dict[str, str]], release_at: dt.datetime) -> str:
    """How an announcement was changed before release, from its stored changes (``{"from", "to", "reason"}``,
    oldest first): "Originally announced for 09:30 on 14 January 2027; changed because …", or "" when never."""
    if not changes:
        return ""
    reasons = "; then because ".join(c["reason"] for c in changes)
    first = dt.datetime.fromisoformat(changes[0]["from"])
    if first != release_at:
        return f"Originally announced for {release_words(first)}; changed because {reasons}"
    return f"The announcement was changed because {reasons}"


def reason_problem(text: str, doing: str) -> Phrase | None:
    """Why ``text`` cannot be the reason for ``doing`` ("changing" or "cancelling") an announced publication."""
    if not text.strip():
        if doing == "cancelling":
            return gettext_lazy("Give the reason for cancelling the announced publication")
        return gettext_lazy("Give the reason for changing the announced publication")
    if len(text) > LONGEST_REASON:
        return gettext_lazy("The reason must be %(most)s characters or fewer", most=LONGEST_REASON)
    if _unprintable(text.replace("\n", " ").replace("\r", " ")):
        return gettext_lazy("Remove the control characters from the reason")
    return None


def published_as_of(release_at: dt.datetime, now: dt.datetime) -> tuple[dt.datetime, bool]:
    """When a publication going out at ``now`` is published, and whether it is late: the announced moment when
    ``now`` is within ``ON_TIME`` of it, otherwise ``now`` itself (never a time before the announced one)."""
    if now - release_at <= ON_TIME:
        return release_at, False
    return now, True


@dataclass(frozen=True)
class PreReleasePerson:
    name: str
    role: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "role": self.role}


def _unprintable(text: str) -> bool:
    """Whether ``text`` holds a control (Unicode Cc) or format character (Cf: bidirectional overrides,
    zero-width spaces and joiners), which would change how the list reads without being seen."""
    return any(unicodedata.category(c) in ("Cc", "Cf") for c in text)


def pre_release_list(text: str) -> tuple[list[PreReleasePerson], list[Phrase]]:
    """Read the pre-release access list: one person a line, "Name, role and organisation" (the name is what
    comes before the first comma).  Returns the people and every problem, each naming its line; blank lines
    are skipped, and an empty list is allowed (no one had access before release)."""
    people: list[PreReleasePerson] = []
    problems: list[Phrase] = []
    seen: set[str] = set()
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    for n, line in lines:
        name, _, role = (part.strip() for part in line.partition(","))
        if _unprintable(line):
            problems.append(
                gettext_lazy(
                    "Line %(n)s: remove the control or invisible formatting characters", n=n
                )
            )
        elif not name or not role:
            problems.append(
                gettext_lazy(
                    "Line %(n)s: give the name, a comma, then the role and organisation, like "
                    "“Sam Patel, Head of Statistics, Ministry of Justice”",
                    n=n,
                )
            )
        elif len(name) > LONGEST_NAME:
            problems.append(
                gettext_lazy(
                    "Line %(n)s: the name must be %(most)s characters or fewer",
                    n=n,
                    most=LONGEST_NAME,
                )
            )
        elif len(role) > LONGEST_ROLE:
            problems.append(
                gettext_lazy(
                    "Line %(n)s: the role and organisation must be %(most)s characters or fewer",
                    n=n,
                    most=LONGEST_ROLE,
                )
            )
        elif name.casefold() in seen:
            problems.append(gettext_lazy("Line %(n)s: %(name)s is named twice", n=n, name=name))
        else:
            seen.add(name.casefold())
            people.append(PreReleasePerson(name, role))
    if len(lines) > MOST_PEOPLE:
        problems.append(
            gettext_lazy(
                "Name at most %(most)s people (%(given)s lines given)",
                most=MOST_PEOPLE,
                given=len(lines),
            )
        )
    return people, problems


def pre_release_text(people: list[dict[str, str]]) -> str:
    """The stored list as the lines a person types (the form's starting value when changing it)."""
    return "\n".join(f"{p['name']}, {p['role']}" for p in people)


def pre_release_words(people: list[dict[str, str]]) -> str:
    """ "Sam Patel (Head of Statistics, Ministry of Justice); …", or that no one had access."""
    if not people:
        return "no one was given access before release"
    return "; ".join(f"{p['name']} ({p['role']})" for p in people)
