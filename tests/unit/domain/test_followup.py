"""Findings, recommendations, action plans and actions: every state × move × actor, due dates, RAG, basis."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

import holidays as holiday_lib
import pytest

from casereview.domain.followup import (
    ACTION_TRANSITIONS,
    FINDING_TRANSITIONS,
    PLAN_TRANSITIONS,
    PLAN_WORKING_DAYS,
    RECOMMENDATION_TRANSITIONS,
    STATE_WORDS,
    ActionMove,
    ActionState,
    FindingMove,
    FindingState,
    FollowupActor,
    FollowupRefused,
    Judgement,
    PlanMove,
    PlanState,
    Rag,
    RecommendationMove,
    RecommendationState,
    action_overdue,
    clean_basis,
    plan_due,
    plan_overdue,
    rag,
    recommendation_due,
    transition_action,
    transition_finding,
    transition_plan,
    transition_recommendation,
)

BANK = set(holiday_lib.UK(subdiv="ENG", years=[2026, 2027]))

MACHINES: list[tuple[str, type[StrEnum], type[StrEnum], Mapping[Any, Any], Callable[..., Any]]] = [
    ("finding", FindingState, FindingMove, FINDING_TRANSITIONS, transition_finding),
    ("plan", PlanState, PlanMove, PLAN_TRANSITIONS, transition_plan),
    ("action", ActionState, ActionMove, ACTION_TRANSITIONS, transition_action),
    (
        "recommendation",
        RecommendationState,
        RecommendationMove,
        RECOMMENDATION_TRANSITIONS,
        lambda s, m, a: transition_recommendation(s, m, a, Judgement.PARTLY_MET),
    ),
]

CASES = [
    pytest.param(table, move_fn, state, move, actor, id=f"{name}-{state}-{move}-{actor}")
    for name, states, moves, table, move_fn in MACHINES
    for state, move, actor in itertools.product(states, moves, FollowupActor)
]


@pytest.mark.parametrize(("table", "move_fn", "state", "move", "actor"), CASES)
def test_every_state_move_and_actor_is_allowed_by_the_table_or_refused_with_a_message(
    table: Mapping[Any, Any], move_fn: Callable[..., Any], state: Any, move: Any, actor: Any
) -> None:
    rule = table.get((state, move))
    if rule is not None and rule[0] is actor:
        assert move_fn(state, move, actor) is rule[1]
    else:
        with pytest.raises(FollowupRefused) as caught:
            move_fn(state, move, actor)
        message = str(caught.value)
        assert message and "_" not in message  # words, never a code
        if rule is not None:
            assert message.startswith("Only ")


def test_the_tables_are_the_ones_the_contract_names() -> None:
    body, lead, system = FollowupActor.BODY, FollowupActor.LEAD, FollowupActor.SYSTEM
    assert {(s, m) for (s, m), (a, _) in PLAN_TRANSITIONS.items() if a is body} == {
        (s, m)
        for s in ("awaiting", "draft", "returned", "escalated")
        for m in (PlanMove.SAVE, PlanMove.SUBMIT)
    }
    assert {
        s for (s, m), (a, _) in PLAN_TRANSITIONS.items() if a is system and m is PlanMove.ESCALATE
    } == {"awaiting", "draft", "returned"}
    # A recommendation published after the plan was submitted or accepted sends it back to the body.
    assert {
        (s, t)
        for (s, m), (a, t) in PLAN_TRANSITIONS.items()
        if a is system and m is PlanMove.REOPEN
    } == {("submitted", "returned"), ("accepted", "returned")}
    assert {(s, m) for (s, m), (a, _) in PLAN_TRANSITIONS.items() if a is lead} == {
        ("submitted", "accept"),
        ("submitted", "return"),
    }
    assert {s for (s, m) in ACTION_TRANSITIONS if m is ActionMove.ESCALATE} == {"open"}
    assert {(s, m) for (s, m), (a, _) in FINDING_TRANSITIONS.items() if a is not lead} == set()


@pytest.mark.parametrize(
    ("judgement", "state"),
    [
        (Judgement.MET, RecommendationState.MET),
        (Judgement.NO_LONGER_RELEVANT, RecommendationState.NO_LONGER_RELEVANT),
        (Judgement.PARTLY_MET, RecommendationState.OPEN),
        (Judgement.NOT_MET, RecommendationState.OPEN),
    ],
)
def test_judging_closes_only_on_met_or_no_longer_relevant(
    judgement: Judgement, state: RecommendationState
) -> None:
    got = transition_recommendation(
        RecommendationState.OPEN, RecommendationMove.JUDGE, FollowupActor.LEAD, judgement
    )
    assert got is state
    if got is not RecommendationState.OPEN:  # closed: never judged again
        with pytest.raises(FollowupRefused, match="nothing more can happen"):
            transition_recommendation(got, RecommendationMove.JUDGE, FollowupActor.LEAD, judgement)


def test_judging_needs_a_judgement() -> None:
    with pytest.raises(FollowupRefused, match="Choose a judgement"):
        transition_recommendation(
            RecommendationState.OPEN, RecommendationMove.JUDGE, FollowupActor.LEAD
        )


def test_a_closed_thing_says_nothing_more_can_happen() -> None:
    with pytest.raises(FollowupRefused, match="nothing more can happen"):
        transition_finding(FindingState.WITHDRAWN, FindingMove.PUBLISH, FollowupActor.LEAD)
    with pytest.raises(FollowupRefused, match="nothing more can happen"):
        transition_plan(PlanState.ACCEPTED, PlanMove.SAVE, FollowupActor.BODY)
    with pytest.raises(FollowupRefused, match="A finding that is published cannot be published"):
        transition_finding(FindingState.PUBLISHED, FindingMove.PUBLISH, FollowupActor.LEAD)
    with pytest.raises(FollowupRefused, match="^An action plan that is submitted cannot be saved$"):
        transition_plan(PlanState.SUBMITTED, PlanMove.SAVE, FollowupActor.BODY)
    with pytest.raises(FollowupRefused, match="^An action that is overdue and escalated cannot be"):
        transition_action(ActionState.ESCALATED, ActionMove.ESCALATE, FollowupActor.SYSTEM)


@pytest.mark.parametrize(
    ("published", "days", "due"),
    [
        (dt.date(2026, 11, 30), 5, dt.date(2026, 12, 7)),  # Monday: the next Monday
        (dt.date(2026, 12, 5), 1, dt.date(2026, 12, 8)),  # Saturday: counts from Monday
        (dt.date(2026, 12, 4), 0, dt.date(2026, 12, 4)),  # zero: the day itself when a working day
        (dt.date(2026, 12, 5), 0, dt.date(2026, 12, 7)),  # zero on a Saturday: Monday
        # Christmas Day, Boxing Day (observed Monday 28th) and New Year's Day are not counted
        (dt.date(2026, 12, 23), 5, dt.date(2027, 1, 4)),
        # Good Friday 26 March and Easter Monday 29 March 2027
        (dt.date(2027, 3, 25), 2, dt.date(2027, 3, 31)),
        # 30 working days (the default) from Monday 2 November 2026: six weeks, no holiday in between
        (dt.date(2026, 11, 2), PLAN_WORKING_DAYS, dt.date(2026, 12, 14)),
        # ... and over Christmas: 30 working days from 1 December 2026 skip 25, 28 Dec and 1 Jan
        (dt.date(2026, 12, 1), PLAN_WORKING_DAYS, dt.date(2027, 1, 15)),
    ],
)
def test_plans_are_due_in_working_days_of_england_and_wales(
    published: dt.date, days: int, due: dt.date
) -> None:
    assert plan_due(published, days, BANK) == due


def test_working_days_agree_with_numpys_business_days() -> None:
    """An independent count: numpy's business-day offset over the same bank holidays, for every start day of
    two years and several lengths."""
    numpy = pytest.importorskip("numpy")
    marked = sorted(str(d) for d in BANK)
    start = dt.date(2026, 1, 1)
    for offset in range(0, 700, 3):
        day = start + dt.timedelta(days=offset)
        for days in (0, 1, 5, 20, PLAN_WORKING_DAYS):
            expected = numpy.busday_offset(day, days, roll="forward", holidays=marked)
            assert plan_due(day, days, BANK) == expected.astype(dt.date), (day, days)


def test_the_default_plan_due_is_thirty_working_days() -> None:
    assert plan_due(dt.date(2026, 11, 2), holidays=BANK) == dt.date(2026, 12, 14)
    # Without the holidays passed in, Christmas would count: the calendar matters.
    assert plan_due(dt.date(2026, 12, 1)) < plan_due(dt.date(2026, 12, 1), holidays=BANK)


def test_recommendations_are_due_by_a_date_or_in_working_days_never_both_nor_neither() -> None:
    on = dt.date(2026, 12, 23)
    assert recommendation_due(on, by=dt.date(2027, 6, 30), working_days=None) == dt.date(
        2027, 6, 30
    )
    assert recommendation_due(on, by=None, working_days=5, holidays=BANK) == dt.date(2027, 1, 4)
    with pytest.raises(FollowupRefused, match="not both"):
        recommendation_due(on, by=dt.date(2027, 6, 30), working_days=5)
    with pytest.raises(FollowupRefused, match="Say when"):
        recommendation_due(on, by=None, working_days=None)
    with pytest.raises(FollowupRefused, match="between 0"):
        recommendation_due(on, by=None, working_days=-1)


TODAY = dt.date(2026, 12, 3)


@pytest.mark.parametrize(
    ("state", "due", "judged", "colour"),
    [
        ("met", TODAY - dt.timedelta(days=100), "met", Rag.GREEN),
        ("withdrawn", TODAY - dt.timedelta(days=100), "", Rag.GREEN),
        ("no_longer_relevant", None, "no_longer_relevant", Rag.GREEN),
        ("draft", TODAY - dt.timedelta(days=1), "", Rag.GREEN),
        ("open", TODAY + dt.timedelta(days=21), "", Rag.GREEN),
        ("open", None, "", Rag.GREEN),
        ("open", TODAY + dt.timedelta(days=20), "", Rag.AMBER),
        ("open", TODAY, "", Rag.AMBER),  # due today: not yet overdue
        ("open", TODAY + dt.timedelta(days=200), "partly_met", Rag.AMBER),
        ("open", TODAY - dt.timedelta(days=1), "", Rag.RED),
        ("open", TODAY + dt.timedelta(days=200), "not_met", Rag.RED),
        ("open", TODAY - dt.timedelta(days=1), "partly_met", Rag.RED),
    ],
)
def test_rag_is_one_rule(state: str, due: dt.date | None, judged: str, colour: Rag) -> None:
    assert rag(state, due, TODAY, judged) is colour


def test_overdue_plans_and_actions() -> None:
    due = dt.date(2026, 12, 1)
    assert plan_overdue(PlanState.AWAITING, due, due + dt.timedelta(days=1))
    assert not plan_overdue(PlanState.AWAITING, due, due)
    assert not plan_overdue(PlanState.SUBMITTED, due, due + dt.timedelta(days=9))
    assert not plan_overdue(PlanState.ESCALATED, due, due + dt.timedelta(days=9))  # escalated once
    assert action_overdue(ActionState.OPEN, due, due + dt.timedelta(days=1))
    assert not action_overdue(ActionState.DONE, due, due + dt.timedelta(days=1))
    assert not action_overdue(ActionState.OPEN, None, due)


def test_every_code_has_words() -> None:
    for enum, table in STATE_WORDS.items():
        assert set(table) == {m.value for m in enum}, enum.__name__
        assert all(w and "_" not in w for w in table.values())


def test_a_basis_is_checked_item_by_item() -> None:
    good = [
        {"kind": "weakness", "code": " W04 ", "count": 55, "total": 135},
        {"kind": "area", "code": "risk", "count": 3, "total": 10},
    ]
    assert clean_basis(good) == [
        {"kind": "weakness", "code": "W04", "count": 55, "total": 135},
        {"kind": "area", "code": "risk", "count": 3, "total": 10},
    ]
    assert clean_basis([]) == []
    # Every problem at once, not only the first (the rule is followup_evidence.check_basis).
    with pytest.raises(FollowupRefused, match="Item 1 .*; Item 2 .*given twice|Item 1 .*Item 2"):
        clean_basis([{"kind": "case", "code": "W04", "count": 1, "total": 2}, 7])
    for bad, said in [
        ("W04", "must be a list"),
        ([1], "Item 1 of the basis must give a kind"),
        ([{"kind": "case", "code": "W04", "count": 1, "total": 2}], "weakness or an area"),
        ([{"kind": "weakness", "code": "", "count": 1, "total": 2}], "code must be text"),
        ([{"kind": "weakness", "code": "W04", "count": 3, "total": 2}], "from 0 to its total"),
        ([{"kind": "weakness", "code": "W04", "count": 0, "total": 0}], "at least 1"),
        ([{"kind": "weakness", "code": "W04", "count": True, "total": 2}], "count"),
        ([good[0], good[0]], "twice"),
    ]:
        with pytest.raises(FollowupRefused, match=said):
            clean_basis(bad)


def test_actions_move_only_in_a_submitted_or_accepted_plan() -> None:
    from casereview.domain.followup import check_action_in_plan

    for state in PlanState:
        for move in (
            ActionMove.UPDATE,
            ActionMove.COMPLETE,
            ActionMove.WITHDRAW,
            ActionMove.ESCALATE,
        ):
            if state.value in ("submitted", "accepted"):
                check_action_in_plan(state, move)
            else:
                with pytest.raises(FollowupRefused, match="only once the plan is submitted"):
                    check_action_in_plan(state, move)
        if state.value in ("submitted", "accepted"):
            with pytest.raises(FollowupRefused, match="cannot be taken out"):
                check_action_in_plan(state, ActionMove.DROP)
        else:
            check_action_in_plan(state, ActionMove.DROP)


def test_one_judgement_per_inspection_and_only_at_a_later_one() -> None:
    from casereview.domain.followup import judging_refusal

    q2, q3 = dt.date(2024, 6, 30), dt.date(2024, 9, 30)
    assert judging_refusal(at_period_end=q3, same_inspection=False, latest_period_end=None) == ""
    assert judging_refusal(at_period_end=q3, same_inspection=False, latest_period_end=q2) == ""
    assert "later inspection" in str(
        judging_refusal(at_period_end=q2, same_inspection=False, latest_period_end=q3)
    )
    assert "later inspection" in str(
        judging_refusal(at_period_end=q3, same_inspection=False, latest_period_end=q3)
    )
    assert "already been judged at this inspection" in str(
        judging_refusal(at_period_end=q3, same_inspection=True, latest_period_end=q3)
    )


def test_the_evidence_digest_changes_with_any_figure_or_the_proposal() -> None:
    from casereview.domain.followup import evidence_digest

    shown = {"items": [{"code": "W04", "p_value": 0.036}], "family_tests": 1, "proposal": "met"}
    same = {"family_tests": 1, "proposal": "met", "items": [{"p_value": 0.036, "code": "W04"}]}
    assert evidence_digest(shown, "met") == evidence_digest(same, "met")
    assert len(evidence_digest(shown, "met")) == 64
    grown = {**shown, "family_tests": 2}
    assert evidence_digest(grown, "met") != evidence_digest(shown, "met")
    assert evidence_digest(shown, "") != evidence_digest(shown, "met")
