"""From findings to change: findings, recommendations, the body's action plan and its actions.

An inspection does not end with its report.  The lead inspector publishes **findings** (causes of concern,
areas for improvement), each with **recommendations**; the body answers with an **action plan** (actions,
owners, target dates) due a number of working days after publication, then reports progress; at a later
inspection of the body the lead **judges** each open recommendation.  Every state and every allowed move of
each of the four is listed here, with who may make it; anything else is refused with a message saying why.
Nothing is ever deleted: a withdrawn finding, recommendation or action keeps its history.

Who acts (``FollowupActor``):

- ``lead``: the lead inspector of the inspection (for a judgement: of the later inspection that judges);
- ``body``: a liaison officer or senior lead of the inspected body;
- ``system``: the daily escalation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from enum import StrEnum
from typing import TypeVar

from casereview.domain.errors import Refused
from casereview.domain.followup_refusals import CANNOT, CLOSED, IN_A_SENTENCE, NOT_YET_LIVE, ONLY
from casereview.domain.language import Phrase, gettext_lazy, gettext_noop
from casereview.domain.referrals import is_working_day, next_working_day

#: Working days after publication by which the body's action plan is due, unless the setting
#: ``CASEREVIEW_ACTION_PLAN_WORKING_DAYS`` says otherwise (six weeks, as the national inspections ask).
PLAN_WORKING_DAYS = 30

#: An open recommendation due within this many calendar days is amber.
AMBER_DAYS = 20


class FindingKind(StrEnum):
    CAUSE_OF_CONCERN = "cause_of_concern"
    AREA_FOR_IMPROVEMENT = "area_for_improvement"


class FindingState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class RecommendationState(StrEnum):
    DRAFT = "draft"
    OPEN = "open"  # published, not yet closed (partly met / not met keep it open)
    MET = "met"
    NO_LONGER_RELEVANT = "no_longer_relevant"
    WITHDRAWN = "withdrawn"


class Judgement(StrEnum):
    MET = "met"
    PARTLY_MET = "partly_met"
    NOT_MET = "not_met"
    NO_LONGER_RELEVANT = "no_longer_relevant"


class PlanState(StrEnum):
    AWAITING = "awaiting"  # due, nothing saved yet
    DRAFT = "draft"  # the body saved it, not submitted
    SUBMITTED = "submitted"
    RETURNED = "returned"  # the lead asked for more
    ACCEPTED = "accepted"
    ESCALATED = "escalated"  # overdue while awaiting, draft or returned


class ActionState(StrEnum):
    OPEN = "open"
    DONE = "done"
    ESCALATED = "escalated"  # its target date passed while open
    WITHDRAWN = "withdrawn"


class Rag(StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"


class FollowupActor(StrEnum):
    LEAD = "lead"
    BODY = "body"
    SYSTEM = "system"


class FindingMove(StrEnum):
    EDIT = "edit"
    PUBLISH = "publish"
    WITHDRAW = "withdraw"


class RecommendationMove(StrEnum):
    EDIT = "edit"
    PUBLISH = "publish"
    WITHDRAW = "withdraw"
    JUDGE = "judge"


class PlanMove(StrEnum):
    SAVE = "save"
    SUBMIT = "submit"
    ACCEPT = "accept"
    RETURN = "return"
    ESCALATE = "escalate"
    #: A recommendation published after the plan was submitted or accepted sends the plan back to the body
    #: (returned), so that it can add that recommendation's actions: made by casereview, never by a person.
    REOPEN = "reopen"


class ActionMove(StrEnum):
    UPDATE = "update"  # a progress note: the state does not change
    COMPLETE = "complete"
    WITHDRAW = "withdraw"
    ESCALATE = "escalate"
    #: The body takes an action out of its plan before the plan is submitted (it is kept, withdrawn).
    DROP = "drop"


#: A state and a move of one of the four state machines (``_transition``).
_S = TypeVar("_S", bound=StrEnum)
_M = TypeVar("_M", bound=StrEnum)

_F, _R, _P, _A = FindingState, RecommendationState, PlanState, ActionState
_LEAD, _BODY, _SYSTEM = FollowupActor.LEAD, FollowupActor.BODY, FollowupActor.SYSTEM

#: (state, move) -> (who may make it, the state it leads to)
FINDING_TRANSITIONS: Mapping[
    tuple[FindingState, FindingMove], tuple[FollowupActor, FindingState]
] = {
    (_F.DRAFT, FindingMove.EDIT): (_LEAD, _F.DRAFT),
    (_F.DRAFT, FindingMove.PUBLISH): (_LEAD, _F.PUBLISHED),
    (_F.DRAFT, FindingMove.WITHDRAW): (_LEAD, _F.WITHDRAWN),
    (_F.PUBLISHED, FindingMove.WITHDRAW): (_LEAD, _F.WITHDRAWN),
}

#: Judging leads to the state ``judged_state`` gives (open, met or no longer relevant); the table says open.
RECOMMENDATION_TRANSITIONS: Mapping[
    tuple[RecommendationState, RecommendationMove], tuple[FollowupActor, RecommendationState]
] = {
    (_R.DRAFT, RecommendationMove.EDIT): (_LEAD, _R.DRAFT),
    (_R.DRAFT, RecommendationMove.PUBLISH): (_LEAD, _R.OPEN),
    (_R.DRAFT, RecommendationMove.WITHDRAW): (_LEAD, _R.WITHDRAWN),
    (_R.OPEN, RecommendationMove.WITHDRAW): (_LEAD, _R.WITHDRAWN),
    (_R.OPEN, RecommendationMove.JUDGE): (_LEAD, _R.OPEN),
}

PLAN_TRANSITIONS: Mapping[tuple[PlanState, PlanMove], tuple[FollowupActor, PlanState]] = {
    (_P.AWAITING, PlanMove.SAVE): (_BODY, _P.DRAFT),
    (_P.DRAFT, PlanMove.SAVE): (_BODY, _P.DRAFT),
    (_P.RETURNED, PlanMove.SAVE): (_BODY, _P.DRAFT),
    (_P.ESCALATED, PlanMove.SAVE): (_BODY, _P.DRAFT),
    (_P.AWAITING, PlanMove.SUBMIT): (_BODY, _P.SUBMITTED),
    (_P.DRAFT, PlanMove.SUBMIT): (_BODY, _P.SUBMITTED),
    (_P.RETURNED, PlanMove.SUBMIT): (_BODY, _P.SUBMITTED),
    (_P.ESCALATED, PlanMove.SUBMIT): (_BODY, _P.SUBMITTED),
    (_P.SUBMITTED, PlanMove.ACCEPT): (_LEAD, _P.ACCEPTED),
    (_P.SUBMITTED, PlanMove.RETURN): (_LEAD, _P.RETURNED),
    (_P.AWAITING, PlanMove.ESCALATE): (_SYSTEM, _P.ESCALATED),
    (_P.DRAFT, PlanMove.ESCALATE): (_SYSTEM, _P.ESCALATED),
    (_P.RETURNED, PlanMove.ESCALATE): (_SYSTEM, _P.ESCALATED),
    (_P.SUBMITTED, PlanMove.REOPEN): (_SYSTEM, _P.RETURNED),
    (_P.ACCEPTED, PlanMove.REOPEN): (_SYSTEM, _P.RETURNED),
}

ACTION_TRANSITIONS: Mapping[tuple[ActionState, ActionMove], tuple[FollowupActor, ActionState]] = {
    (_A.OPEN, ActionMove.UPDATE): (_BODY, _A.OPEN),
    (_A.ESCALATED, ActionMove.UPDATE): (_BODY, _A.ESCALATED),
    (_A.OPEN, ActionMove.COMPLETE): (_BODY, _A.DONE),
    (_A.ESCALATED, ActionMove.COMPLETE): (_BODY, _A.DONE),
    (_A.OPEN, ActionMove.WITHDRAW): (_LEAD, _A.WITHDRAWN),
    (_A.ESCALATED, ActionMove.WITHDRAW): (_LEAD, _A.WITHDRAWN),
    (_A.OPEN, ActionMove.ESCALATE): (_SYSTEM, _A.ESCALATED),
    (_A.OPEN, ActionMove.DROP): (_BODY, _A.WITHDRAWN),
}

#: Plans the body still owes (and so can become overdue); actions that can still be done.
PLAN_AWAITING_BODY = frozenset({_P.AWAITING, _P.DRAFT, _P.RETURNED})
ACTION_OPEN_STATES = frozenset({_A.OPEN, _A.ESCALATED})
#: Plans whose actions are promised: an action is updated, marked done, withdrawn by the lead or escalated only
#: in a plan the body has submitted (or the lead accepted); before that the body changes or drops it by saving.
PLAN_ACTIONS_LIVE = frozenset({_P.SUBMITTED, _P.ACCEPTED})
#: Plans that a newly published recommendation sends back to the body (``PlanMove.REOPEN``).
PLAN_REOPENED_BY_NEW_RECOMMENDATION = frozenset({_P.SUBMITTED, _P.ACCEPTED})
#: Recommendations that are over: they are never judged again.
RECOMMENDATION_CLOSED = frozenset({_R.MET, _R.NO_LONGER_RELEVANT, _R.WITHDRAWN})


class FollowupRefused(Refused):
    """A move the state machines do not allow, or a value they cannot take; the message says why."""


# --- Words --------------------------------------------------------------------------------------------------

FINDING_KIND_WORDS: Mapping[str, str] = {
    FindingKind.CAUSE_OF_CONCERN: gettext_noop("Cause of concern"),
    FindingKind.AREA_FOR_IMPROVEMENT: gettext_noop("Area for improvement"),
}
FINDING_STATE_WORDS: Mapping[str, str] = {
    _F.DRAFT: gettext_noop("Draft"),
    _F.PUBLISHED: gettext_noop("Published"),
    _F.WITHDRAWN: gettext_noop("Withdrawn"),
}
RECOMMENDATION_STATE_WORDS: Mapping[str, str] = {
    _R.DRAFT: gettext_noop("Draft"),
    _R.OPEN: gettext_noop("Open"),
    _R.MET: gettext_noop("Met"),
    _R.NO_LONGER_RELEVANT: gettext_noop("No longer relevant"),
    _R.WITHDRAWN: gettext_noop("Withdrawn"),
}
JUDGEMENT_WORDS: Mapping[str, str] = {
    Judgement.MET: gettext_noop("Met"),
    Judgement.PARTLY_MET: gettext_noop("Partly met"),
    Judgement.NOT_MET: gettext_noop("Not met"),
    Judgement.NO_LONGER_RELEVANT: gettext_noop("No longer relevant"),
}
PLAN_STATE_WORDS: Mapping[str, str] = {
    _P.AWAITING: gettext_noop("Awaiting the body's plan"),
    _P.DRAFT: gettext_noop("Draft (not submitted)"),
    _P.SUBMITTED: gettext_noop("Submitted"),
    _P.RETURNED: gettext_noop("Returned to the body"),
    _P.ACCEPTED: gettext_noop("Accepted"),
    _P.ESCALATED: gettext_noop("Overdue and escalated"),
}
ACTION_STATE_WORDS: Mapping[str, str] = {
    _A.OPEN: gettext_noop("Open"),
    _A.DONE: gettext_noop("Done"),
    _A.ESCALATED: gettext_noop("Overdue and escalated"),
    _A.WITHDRAWN: gettext_noop("Withdrawn"),
}
RAG_WORDS: Mapping[str, str] = {
    Rag.RED: gettext_noop("Red"),
    Rag.AMBER: gettext_noop("Amber"),
    Rag.GREEN: gettext_noop("Green"),
}

#: Every enum's words, by enum: one table each (``casereview.domain.words`` reads them from here).
STATE_WORDS: Mapping[type[StrEnum], Mapping[str, str]] = {
    FindingKind: FINDING_KIND_WORDS,
    FindingState: FINDING_STATE_WORDS,
    RecommendationState: RECOMMENDATION_STATE_WORDS,
    Judgement: JUDGEMENT_WORDS,
    PlanState: PLAN_STATE_WORDS,
    ActionState: ACTION_STATE_WORDS,
    Rag: RAG_WORDS,
}


def _in_a_sentence(state_words: str) -> Phrase | str:
    return IN_A_SENTENCE.get(state_words, state_words)


def _refusal(what: str, state_words: str, move: str, closed: bool) -> FollowupRefused:
    state = _in_a_sentence(state_words)
    if closed:
        return FollowupRefused(Phrase(CLOSED[what], {"state": state}))
    return FollowupRefused(Phrase(CANNOT[(what, move)], {"state": state}))


def _check_actor(who: FollowupActor, actor: FollowupActor) -> None:
    if who is not actor:
        raise FollowupRefused(Phrase(ONLY[who]))


def _transition(
    table: Mapping[tuple[_S, _M], tuple[FollowupActor, _S]],
    state: _S,
    move: _M,
    actor: FollowupActor,
    *,
    what: str,
    words: Mapping[str, str],
    closed: Collection[_S],
) -> _S:
    """The state ``table`` gives after ``actor`` makes ``move``; ``FollowupRefused`` saying why otherwise (the
    ``what`` is ``closed``, or its state has no such move, or the move is someone else's)."""
    rule = table.get((state, move))
    if rule is None:
        raise _refusal(what, words[state].lower(), move.value, closed=state in closed)
    who, after = rule
    _check_actor(who, actor)
    return after


def transition_finding(
    state: FindingState, move: FindingMove, actor: FollowupActor
) -> FindingState:
    """The finding's state after ``actor`` makes ``move``, or ``FollowupRefused``."""
    return _transition(
        FINDING_TRANSITIONS,
        state,
        move,
        actor,
        what="finding",
        words=FINDING_STATE_WORDS,
        closed=(_F.WITHDRAWN,),
    )


def judged_state(judgement: Judgement) -> RecommendationState:
    """Met or no longer relevant closes a recommendation (its state becomes that); the others keep it open."""
    if judgement is Judgement.MET:
        return _R.MET
    if judgement is Judgement.NO_LONGER_RELEVANT:
        return _R.NO_LONGER_RELEVANT
    return _R.OPEN


def transition_recommendation(
    state: RecommendationState,
    move: RecommendationMove,
    actor: FollowupActor,
    judgement: Judgement | None = None,
) -> RecommendationState:
    """The recommendation's state after ``actor`` makes ``move`` (judging needs the ``judgement``)."""
    after = _transition(
        RECOMMENDATION_TRANSITIONS,
        state,
        move,
        actor,
        what="recommendation",
        words=RECOMMENDATION_STATE_WORDS,
        closed=RECOMMENDATION_CLOSED,
    )
    if move is RecommendationMove.JUDGE:
        if judgement is None:
            raise FollowupRefused(
                gettext_lazy("Choose a judgement: met, partly met, not met or no longer relevant")
            )
        return judged_state(judgement)
    return after


def transition_plan(state: PlanState, move: PlanMove, actor: FollowupActor) -> PlanState:
    """The action plan's state after ``actor`` makes ``move``, or ``FollowupRefused``."""
    return _transition(
        PLAN_TRANSITIONS,
        state,
        move,
        actor,
        what="action plan",
        words=PLAN_STATE_WORDS,
        closed=(_P.ACCEPTED,),
    )


def transition_action(state: ActionState, move: ActionMove, actor: FollowupActor) -> ActionState:
    """The plan action's state after ``actor`` makes ``move``, or ``FollowupRefused``."""
    return _transition(
        ACTION_TRANSITIONS,
        state,
        move,
        actor,
        what="action",
        words=ACTION_STATE_WORDS,
        closed=(_A.DONE, _A.WITHDRAWN),
    )


def check_action_in_plan(plan_state: PlanState | str, move: ActionMove) -> None:
    """An action moves (progress, done, withdrawn by the lead, escalated) only in a plan that is submitted or
    accepted: until then its dates are not promised, and the body changes it, or drops it, by saving the plan
    (``ActionMove.DROP``, only before the plan is submitted).  ``FollowupRefused`` saying why otherwise."""
    state = PlanState(plan_state)
    if move is ActionMove.DROP:
        if state in PLAN_ACTIONS_LIVE:
            raise FollowupRefused(
                gettext_lazy(
                    "An action of a plan that is submitted or accepted cannot be taken out of the plan"
                )
            )
        return
    if state not in PLAN_ACTIONS_LIVE:
        words = _in_a_sentence(PLAN_STATE_WORDS[state].lower())
        raise FollowupRefused(Phrase(NOT_YET_LIVE[move.value], {"state": words}))


def judging_refusal(
    *, at_period_end: dt.date, same_inspection: bool, latest_period_end: dt.date | None
) -> Phrase | str:
    """Why a recommendation cannot be judged at an inspection ("" when it can): one judgement per
    recommendation per inspection (a second is refused, never a silent replacement), and only at an
    inspection later than the one that made its latest judgement (an older inspection never overrules a
    newer one).  ``latest_period_end``: the end of the period of the inspection of its latest judgement.
    The reason is a Phrase (``str()`` is the English)."""
    if same_inspection:
        return gettext_lazy(
            "It has already been judged at this inspection: a judgement is not changed, the next inspection "
            "judges it again"
        )
    if latest_period_end is not None and at_period_end <= latest_period_end:
        return gettext_lazy(
            "A later inspection has already judged it: a recommendation is judged only at an inspection "
            "later than the one that judged it last"
        )
    return ""


def evidence_digest(evidence: Mapping[str, object], proposed: str) -> str:
    """A SHA-256 of the evidence and proposal a page showed (canonical JSON): the judging form carries it, so
    that a judgement is stored only with the evidence the lead saw."""
    import hashlib
    import json

    text = json.dumps(
        {"evidence": evidence, "proposed": proposed},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        default=str,
    )
    return hashlib.sha256(text.encode("ascii")).hexdigest()


# --- Due dates, overdue, RAG ---------------------------------------------------------------------------------


def working_days_after(start: dt.date, working_days: int, holidays: Collection[dt.date]) -> dt.date:
    """The day ``working_days`` working days after ``start`` (England and Wales: no weekends, no bank holidays).

    As for send backs, a ``start`` that is not a working day counts from the next working day (a Saturday's
    publication counts from Monday); zero is that day itself.
    """
    if working_days < 0:
        raise FollowupRefused(gettext_lazy("A number of working days cannot be negative"))
    due = start if is_working_day(start, holidays) else next_working_day(start, holidays)
    for _ in range(working_days):
        due = next_working_day(due, holidays)
    return due


def plan_due(
    published_on: dt.date, working_days: int = PLAN_WORKING_DAYS, holidays: Collection[dt.date] = ()
) -> dt.date:
    """The day the body's action plan is due: ``working_days`` working days after publication."""
    return working_days_after(published_on, working_days, holidays)


def recommendation_due(
    published_on: dt.date,
    *,
    by: dt.date | None,
    working_days: int | None,
    holidays: Collection[dt.date] = (),
) -> dt.date:
    """When a recommendation is due: the date given (``by``), or ``working_days`` working days after publication.

    Exactly one of the two must be given (``check_due`` says so before anything is saved).
    """
    check_due(by=by, working_days=working_days)
    if by is not None:
        return by
    assert working_days is not None  # noqa: S101 (check_due)
    return working_days_after(published_on, working_days, holidays)


def check_due(*, by: dt.date | None, working_days: int | None) -> None:
    """A recommendation is due by a date or a number of working days after publication: one, not both."""
    if by is None and working_days is None:
        raise FollowupRefused(
            gettext_lazy(
                "Say when the recommendation is due: a date, or a number of working days after "
                "publication"
            )
        )
    if by is not None and working_days is not None:
        raise FollowupRefused(
            gettext_lazy("Give either a date or a number of working days, not both")
        )
    if working_days is not None and not 0 <= working_days <= 1000:
        raise FollowupRefused(
            gettext_lazy("The number of working days must be between 0 and 1,000")
        )


def plan_overdue(state: PlanState, due_on: dt.date, today: dt.date) -> bool:
    """The body still owes its plan and the due day has passed."""
    return state in PLAN_AWAITING_BODY and today > due_on


def action_overdue(state: ActionState, target_on: dt.date | None, today: dt.date) -> bool:
    """An open action whose target date has passed."""
    return state is _A.OPEN and target_on is not None and today > target_on


def rag(
    state: RecommendationState | str,
    due_on: dt.date | None,
    today: dt.date,
    last_judgement: Judgement | str = "",
) -> Rag:
    """Red, amber or green for a recommendation — the one rule:

    - **green**: closed (met, no longer relevant) or withdrawn, or a draft (not yet published); or open, not
      overdue, due more than ``AMBER_DAYS`` (20) calendar days away (or with no due date) and never judged
      partly met or not met;
    - **red**: open and overdue (``today`` after its due day), or open with its last judgement *not met*;
    - **amber**: open and its last judgement *partly met*, or due within ``AMBER_DAYS`` calendar days.
    """
    if RecommendationState(state) is not _R.OPEN:
        return Rag.GREEN
    judged = Judgement(last_judgement) if last_judgement else None
    if judged is Judgement.NOT_MET or (due_on is not None and today > due_on):
        return Rag.RED
    if judged is Judgement.PARTLY_MET or (
        due_on is not None and (due_on - today).days <= AMBER_DAYS
    ):
        return Rag.AMBER
    return Rag.GREEN


# --- Findings' basis -------------------------------------------------------------------------------------------

BASIS_KINDS = (
    "weakness",
    "area",
)  # followup_evidence.KINDS (it cannot be imported at load: words reads this module)


def clean_basis(basis: object) -> list[dict[str, object]]:
    """The weakness codes and framework areas a finding rests on, checked and kept as the services store them:
    a list of ``{"kind": "weakness"|"area", "code": str, "count": int, "total": int}``.

    The one rule is ``followup_evidence.check_basis`` (which the evidence reads a stored basis with): every
    problem is listed at once, and refused here as the follow-up refuses.  Imported here: ``words`` reads this
    module, and the evidence module reads ``words``."""
    from casereview.domain.followup_evidence import EvidenceError, check_basis

    try:
        items = check_basis(basis)
    except EvidenceError as exc:
        raise FollowupRefused(exc.args[0]) from exc  # its Phrase, translated where it is shown
    return [dict(item) for item in items]
