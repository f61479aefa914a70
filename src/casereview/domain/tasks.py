"""An inspection as a task list: each step of its life, the status a lead reads beside it, and the stage it
is at (the status column of the inspections list).

The rule is one pure function of plain counts (``Progress``): what has been committed, imported, drawn,
assigned, submitted, moderated, resolved, sent back and published. Statuses are the GOV.UK task list's:
"Cannot start yet" (an earlier step must be done first), "Not yet started", "In progress" and
"Completed". The report is complete when nothing stands between it and publishing (the same things
``publication_problems`` names: every case reviewed, every moderation submitted, every disagreement
resolved, every case at risk sent back).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

# The task list's words live with every other code's words; tests/unit/domain/test_tasks.py checks they
# cover Status and Step.
from .language import Phrase, gettext_lazy, ngettext_lazy
from .words import STAGE_WORDS as STAGE_WORDS
from .words import STATUS_WORDS as STATUS_WORDS
from .words import STEP_TITLES as STEP_TITLES
from .words import number


class Status(StrEnum):
    CANNOT_START = "cannot_start"
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class Step(StrEnum):
    """The steps in the order a lead does them (the keys pages link from)."""

    SEED = "seed"
    REGISTER = "register"
    DRAW = "draw"
    ASSIGN = "assign"
    REVIEW = "review"
    MODERATE = "moderate"
    RESOLVE = "resolve"
    SEND_BACKS = "send_backs"
    REPORT = "report"
    PUBLISH = "publish"


@dataclass(frozen=True)
class Progress:
    """What an inspection has done so far, as counts (every one of them read in bulk by the web app)."""

    committed: bool = False
    #: registers of the body that a sample can be drawn from (imported and locked, not erased) that were
    #: imported after the seed was committed (none before it is): the draw takes them as they are
    registers: int = 0
    #: the body's other current registers, imported before the seed was committed: a draw from one needs
    #: the lead to allow a late commitment, so they do not complete the register step
    registers_older: int = 0
    drawn: bool = False
    #: active cases in the sample (the number each review count is out of)
    sampled: int = 0
    #: active cases with a first reviewer
    assigned: int = 0
    #: first reviews saved as drafts, and submitted
    drafts: int = 0
    submitted: int = 0
    moderation_assigned: int = 0
    moderation_submitted: int = 0
    disagreements: int = 0
    resolved: int = 0
    send_backs: int = 0
    send_backs_open: int = 0
    send_backs_overdue: int = 0
    #: cases a submitted review says are at risk that no send back covers
    at_risk_unsent: int = 0
    published: int = 0

    @property
    def disagreements_open(self) -> int:
        return max(self.disagreements - self.resolved, 0)


@dataclass(frozen=True)
class Task:
    step: Step
    status: Status
    #: one line under the title ("12 of 40 submitted"), a Phrase translated where it is shown (``str()`` is
    #: the English); "" when there is nothing to add
    hint: Phrase | str = ""

    @property
    def title(self) -> Phrase:
        """The step's title (its English marked in ``words.STEP_TITLES``), translated where it is shown."""
        return Phrase(STEP_TITLES[self.step])

    @property
    def status_words(self) -> Phrase:
        return Phrase(STATUS_WORDS[self.status])


def _joined(parts: Sequence[Phrase]) -> Phrase | str:
    """Phrases one after another, separated by commas ("" for none), each translated where shown."""
    if not parts:
        return ""
    joined = parts[0]
    for part in parts[1:]:
        joined = gettext_lazy("%(first)s, %(then)s", first=joined, then=part)
    return joined


def _share(done: int, total: int) -> Status:
    if total and done >= total:
        return Status.COMPLETED
    return Status.IN_PROGRESS if done else Status.NOT_STARTED


def _register_hint(p: Progress) -> Phrase | str:
    if p.drawn:
        return ""
    if p.registers:
        return ngettext_lazy(
            "%(shown)s register ready to draw from",
            "%(shown)s registers ready to draw from",
            p.registers,
            shown=number(p.registers),
        )
    if p.committed and p.registers_older:
        older = ngettext_lazy(
            "%(shown)s older register",
            "%(shown)s older registers",
            p.registers_older,
            shown=number(p.registers_older),
        )
        return gettext_lazy(
            "None imported since the seed was committed (%(older)s: drawing from one needs a late "
            "commitment)",
            older=older,
        )
    return ""


def _seed_to_draw(p: Progress) -> list[Task]:
    return [
        Task(Step.SEED, Status.COMPLETED if p.committed else Status.NOT_STARTED),
        Task(
            Step.REGISTER,
            Status.COMPLETED if p.registers or p.drawn else Status.NOT_STARTED,
            _register_hint(p),
        ),
        Task(
            Step.DRAW,
            Status.COMPLETED
            if p.drawn
            else (Status.NOT_STARTED if p.committed and p.registers else Status.CANNOT_START),
            ngettext_lazy(
                "%(shown)s case in the sample",
                "%(shown)s cases in the sample",
                p.sampled,
                shown=number(p.sampled),
            )
            if p.drawn
            else "",
        ),
    ]


def _review(p: Progress) -> list[Task]:
    assign = Status.CANNOT_START if not p.drawn else _share(p.assigned, p.sampled)
    review = (
        Status.CANNOT_START
        if not p.assigned
        else (
            Status.COMPLETED
            if p.sampled and p.submitted >= p.sampled
            else (Status.IN_PROGRESS if p.submitted or p.drafts else Status.NOT_STARTED)
        )
    )
    moderate = (
        Status.CANNOT_START
        if not p.submitted
        else (
            Status.NOT_STARTED
            if not p.moderation_assigned
            else _share(p.moderation_submitted, p.moderation_assigned)
        )
    )
    moderation_done = moderate is Status.COMPLETED
    if not p.moderation_submitted:
        resolve = Status.CANNOT_START
    elif p.resolved >= p.disagreements and (moderation_done or p.disagreements):
        resolve = Status.COMPLETED if moderation_done else Status.IN_PROGRESS
    else:
        resolve = Status.IN_PROGRESS if p.resolved else Status.NOT_STARTED
    resolve_hint: Phrase | str = ""
    if p.disagreements:
        resolve_hint = ngettext_lazy(
            "%(done)s of %(shown)s disagreement resolved",
            "%(done)s of %(shown)s disagreements resolved",
            p.disagreements,
            done=number(p.resolved),
            shown=number(p.disagreements),
        )
    elif p.moderation_submitted:
        resolve_hint = (
            gettext_lazy("No disagreements")
            if moderation_done
            else gettext_lazy("No disagreements so far")
        )
    return [
        Task(
            Step.ASSIGN,
            assign,
            ngettext_lazy(
                "%(done)s of %(shown)s case assigned",
                "%(done)s of %(shown)s cases assigned",
                p.sampled,
                done=number(p.assigned),
                shown=number(p.sampled),
            )
            if p.drawn
            else "",
        ),
        Task(
            Step.REVIEW,
            review,
            _submitted(p.submitted, p.sampled) if p.drawn else "",
        ),
        Task(
            Step.MODERATE,
            moderate,
            _submitted(p.moderation_submitted, p.moderation_assigned)
            if p.moderation_assigned
            else "",
        ),
        Task(Step.RESOLVE, resolve, resolve_hint),
    ]


def _submitted(done: int, total: int) -> Phrase:
    return gettext_lazy("%(done)s of %(total)s submitted", done=number(done), total=number(total))


def _send_backs(p: Progress, all_reviewed: bool) -> Task:
    hint: list[Phrase] = []
    if p.at_risk_unsent:
        hint.append(
            ngettext_lazy(
                "%(shown)s case at risk not sent back",
                "%(shown)s cases at risk not sent back",
                p.at_risk_unsent,
                shown=number(p.at_risk_unsent),
            )
        )
    if p.send_backs:
        hint.append(
            ngettext_lazy(
                "%(done)s of %(shown)s send back open",
                "%(done)s of %(shown)s send backs open",
                p.send_backs,
                done=number(p.send_backs_open),
                shown=number(p.send_backs),
            )
        )
    if p.send_backs_overdue:
        hint.append(gettext_lazy("%(shown)s overdue", shown=number(p.send_backs_overdue)))
    if not p.submitted and not p.send_backs:
        status = Status.CANNOT_START
    elif p.at_risk_unsent or p.send_backs_open:
        status = Status.IN_PROGRESS if p.send_backs else Status.NOT_STARTED
    elif all_reviewed:
        status = Status.COMPLETED
    else:
        status = Status.IN_PROGRESS if p.send_backs else Status.NOT_STARTED
    return Task(
        Step.SEND_BACKS,
        status,
        _joined(hint) or (gettext_lazy("None") if status is Status.COMPLETED else ""),
    )


def task_list(p: Progress) -> list[Task]:
    """The inspection's steps, in order, each with its status and a short hint."""
    first = _seed_to_draw(p)
    middle = _review(p)
    by_step = {t.step: t for t in middle}
    all_reviewed = by_step[Step.REVIEW].status is Status.COMPLETED
    send_backs = _send_backs(p, all_reviewed)
    ready = (
        all_reviewed
        and p.moderation_submitted >= p.moderation_assigned
        and p.resolved >= p.disagreements
        and not p.at_risk_unsent
    )
    report = (
        Status.CANNOT_START
        if not p.submitted
        else (Status.COMPLETED if ready else Status.IN_PROGRESS)
    )
    publish = (
        Status.COMPLETED if p.published else (Status.NOT_STARTED if ready else Status.CANNOT_START)
    )
    return [
        *first,
        *middle,
        send_backs,
        Task(
            Step.REPORT,
            report,
            gettext_lazy("Ready to publish") if ready and not p.published else "",
        ),
        Task(
            Step.PUBLISH,
            publish,
            ngettext_lazy(
                "Published %(shown)s time",
                "Published %(shown)s times",
                p.published,
                shown=number(p.published),
            )
            if p.published > 1
            else "",
        ),
    ]


def stage(tasks: Sequence[Task]) -> str:
    """The stage an inspection is at (a key of ``STAGE_WORDS``): ``published``; ``publish`` once nothing
    stands in the way (moderation is not required); otherwise the first step not completed."""
    last = {t.step: t.status for t in tasks}
    if last.get(Step.PUBLISH) is Status.COMPLETED:
        return "published"
    if last.get(Step.PUBLISH) is Status.NOT_STARTED:
        return Step.PUBLISH.value
    for task in tasks:
        if task.status is not Status.COMPLETED:
            return task.step.value
    return "published"


def stage_words(key: str) -> str:
    return STAGE_WORDS.get(key, key)
