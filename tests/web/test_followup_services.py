"""Findings, recommendations, action plans and actions through their services, with real people in real roles.

Every state × move × person of each state machine: what the table allows happens (one journal entry, its
history), everything else is refused with a message and changes nothing.  Then due dates in working days,
escalation once, scoping, and two people acting at once.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from typer.testing import CliRunner

from casereview.cli import app
from casereview.domain.errors import Conflict, Refused
from casereview.domain.followup import (
    ACTION_TRANSITIONS,
    FINDING_TRANSITIONS,
    PLAN_TRANSITIONS,
    RECOMMENDATION_TRANSITIONS,
    ActionMove,
    ActionState,
    FindingMove,
    FindingState,
    FollowupActor,
    PlanMove,
    PlanState,
    RecommendationMove,
    RecommendationState,
)
from casereview.web.followup.models import (
    ActionPlan,
    Finding,
    FollowupEvent,
    PlanAction,
    ProgressUpdate,
    Recommendation,
    RecommendationJudgement,
)
from casereview.web.followup.selectors import plan_actions, plan_for
from casereview.web.followup.services import (
    FollowupChanged,
    FollowupError,
    action_complete,
    action_update,
    action_withdraw,
    finding_add,
    finding_edit,
    finding_publish,
    finding_withdraw,
    followup_escalate,
    plan_accept,
    plan_return,
    plan_save,
    plan_submit,
    recommendation_add,
    recommendation_edit,
    recommendation_judge,
    recommendation_publish,
    recommendation_withdraw,
)
from casereview.web.journal.models import JournalEntry
from casereview.web.notifications.models import OutboxMessage

from . import factories
from .conftest import latest_seq

runner = CliRunner()

#: Words from the world's findings, recommendations, actions and notes: never in an e-mail.
CASE_CONTENT = (
    "Children at risk",
    "See and speak",
    "child's voice",
    "Supervis",
    "Named officer",
    "PLAN-TEXT",
    "OWNER-NAME",
    "PROGRESS-NOTE",
)


@pytest.fixture
def world(db: None, tmp_path: Path) -> dict[str, Any]:
    made = factories.followup_world(tmp_path)
    other = factories.body("OTH", "Other Constabulary")
    stranger = factories.user("liaison_officer", "stranger", email="stranger@other.example")
    factories.contact(other, stranger)
    made["people"] = {
        "lead": made["lead"],
        "liaison": made["liaison"],
        "senior": made["senior"],
        "stranger": stranger,  # another body's liaison officer
        "inspector": made["ina"],
        "analyst": factories.user("analyst", "ana"),
        "other_lead": factories.user("lead_inspector", "otherlead"),
    }
    return made


#: Who each person is for the world's objects (None: nobody, always refused).
AS = {
    "lead": FollowupActor.LEAD,
    "liaison": FollowupActor.BODY,
    "senior": FollowupActor.BODY,
    "stranger": None,
    "inspector": None,
    "analyst": None,
    "other_lead": None,
}


class _Undo(Exception):
    """Rolls an attempt back, carrying what happened."""


def attempt(model: Any, pk: int, state: str, call: Callable[[Any], Any]) -> dict[str, Any]:
    """Put the object in ``state`` (test set-up), make the call, and undo everything: what happened."""
    try:
        with transaction.atomic():
            model.objects.filter(pk=pk).update(state=state)
            obj = model.objects.get(pk=pk)
            seq, events = latest_seq(), FollowupEvent.objects.count()
            try:
                call(obj)
                outcome: dict[str, Any] = {"done": True, "message": ""}
            except Refused as exc:
                outcome = {
                    "done": False,
                    "message": str(exc),
                    "conflict": isinstance(exc, Conflict),
                }
            after = model.objects.get(pk=pk)
            outcome.update(
                state=after.state,
                version_moved=after.version - obj.version,
                journal=list(
                    JournalEntry.objects.filter(seq__gt=seq).values_list("action", flat=True)
                ),
                events=FollowupEvent.objects.count() - events,
            )
            raise _Undo(outcome)
    except _Undo as undo:
        return undo.args[0]  # type: ignore[no-any-return]


def check_matrix(
    model: Any,
    pk: int,
    states: Any,
    table: Any,
    calls: dict[Any, Callable[[Any, Any], Any]],
    people: dict[str, Any],
    journal_prefix: str,
    expected_target: Callable[[Any, Any], str] | None = None,
) -> tuple[int, int]:
    """Every state × move × person: allowed exactly as the table says; returns (allowed, refused) counts."""
    allowed = refused = 0
    problems = []
    for state in states:
        for move, call in calls.items():
            for name, user in people.items():
                rule = table.get((state, move))
                may = rule is not None and AS[name] is not None and rule[0] is AS[name]
                got = attempt(model, pk, state.value, lambda obj, c=call, u=user: c(obj, u))
                where = f"{state.value} × {move.value} × {name}: {got}"
                if may:
                    allowed += 1
                    target = expected_target(state, move) if expected_target else rule[1].value
                    if not (
                        got["done"]
                        and got["state"] == target
                        and got["version_moved"] == 1
                        and len(got["journal"]) == 1
                        and got["journal"][0].startswith(journal_prefix)
                        and got["events"] >= 1
                    ):
                        problems.append(where)
                else:
                    refused += 1
                    if not (
                        not got["done"]
                        and got["message"]
                        and "_" not in got["message"]
                        and got["state"] == state.value
                        and got["version_moved"] == 0
                        and got["journal"] == []
                        and got["events"] == 0
                    ):
                        problems.append(where)
    assert problems == []
    return allowed, refused


# Every state × move × person ------------------------------------------------------------------------------


def test_findings_every_state_move_and_person(world: dict[str, Any]) -> None:
    finding = world["findings"][0]
    calls: dict[Any, Callable[[Any, Any], Any]] = {
        FindingMove.EDIT: lambda f, u: finding_edit(
            finding=f, text="Sharper words", basis=[], actor=u, expected_version=f.version
        ),
        FindingMove.PUBLISH: lambda f, u: finding_publish(
            finding=f, actor=u, expected_version=f.version
        ),
        FindingMove.WITHDRAW: lambda f, u: finding_withdraw(
            finding=f, actor=u, expected_version=f.version, reason="Made in error"
        ),
    }
    allowed, refused = check_matrix(
        Finding, finding.pk, FindingState, FINDING_TRANSITIONS, calls, world["people"], "finding_"
    )
    assert (allowed, refused) == (4, 3 * 3 * 7 - 4)


def test_recommendations_every_state_move_and_person(world: dict[str, Any]) -> None:
    rec = world["recommendations"][0]
    later = world["later"]
    calls: dict[Any, Callable[[Any, Any], Any]] = {
        RecommendationMove.EDIT: lambda r, u: recommendation_edit(
            recommendation=r,
            text="Sharper words",
            by=None,
            working_days=10,
            immediate=False,
            actor=u,
            expected_version=r.version,
        ),
        RecommendationMove.PUBLISH: lambda r, u: recommendation_publish(
            recommendation=r, actor=u, expected_version=r.version
        ),
        RecommendationMove.WITHDRAW: lambda r, u: recommendation_withdraw(
            recommendation=r, actor=u, expected_version=r.version, reason="Overtaken"
        ),
        RecommendationMove.JUDGE: lambda r, u: recommendation_judge(
            recommendation=r,
            inspection=later,
            judgement="partly_met",
            rationale="Fewer children unseen, not yet enough",
            proposed="partly_met",
            evidence={},
            actor=u,
            expected_version=r.version,
        ),
    }
    allowed, refused = check_matrix(
        Recommendation,
        rec.pk,
        RecommendationState,
        RECOMMENDATION_TRANSITIONS,
        calls,
        world["people"],
        "recommendation_",
    )
    assert (allowed, refused) == (5, 5 * 4 * 7 - 5)


def _saved(world: dict[str, Any], actor: Any = None) -> ActionPlan:
    """The body saves a plan with one action per recommendation (targets far ahead)."""
    plan = world["plan"]
    far = timezone.localdate() + dt.timedelta(days=400)
    return plan_save(
        plan=plan,
        actions=[
            {
                "recommendation_id": r.pk,
                "text": f"PLAN-TEXT for {r.label}",
                "owner": "OWNER-NAME, head of public protection",
                "target_on": far,
            }
            for r in world["recommendations"]
        ],
        actor=actor or world["liaison"],
        expected_version=plan.version,
    )


def _listed(plan: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": a.pk,
            "recommendation_id": a.recommendation_id,
            "text": a.text,
            "owner": a.owner,
            "target_on": a.target_on,
        }
        for a in plan_actions(plan)
        if a.state != "withdrawn"
    ]


def test_plans_every_state_move_and_person(world: dict[str, Any]) -> None:
    plan = _saved(world)
    calls: dict[Any, Callable[[Any, Any], Any]] = {
        PlanMove.SAVE: lambda p, u: plan_save(
            plan=p, actions=_listed(p), actor=u, expected_version=p.version
        ),
        PlanMove.SUBMIT: lambda p, u: plan_submit(plan=p, actor=u, expected_version=p.version),
        PlanMove.ACCEPT: lambda p, u: plan_accept(plan=p, actor=u, expected_version=p.version),
        PlanMove.RETURN: lambda p, u: plan_return(
            plan=p, actor=u, expected_version=p.version, note="Name an owner for each action"
        ),
    }
    allowed, refused = check_matrix(
        ActionPlan, plan.pk, PlanState, PLAN_TRANSITIONS, calls, world["people"], "action_plan_"
    )
    assert (allowed, refused) == (
        18,
        6 * 4 * 7 - 18,
    )  # body moves by the liaison officer and the senior lead


def test_actions_every_state_move_and_person(world: dict[str, Any]) -> None:
    plan = _saved(world)
    # Actions move in a submitted (or accepted) plan: the plan's own state is varied in the next test.
    ActionPlan.objects.filter(pk=plan.pk).update(state="submitted")
    action = plan_actions(plan)[0]
    calls: dict[Any, Callable[[Any, Any], Any]] = {
        ActionMove.UPDATE: lambda a, u: action_update(
            action=a, note="PROGRESS-NOTE", evidence="Audit", actor=u, expected_version=a.version
        ),
        ActionMove.COMPLETE: lambda a, u: action_complete(
            action=a, actor=u, expected_version=a.version
        ),
        ActionMove.WITHDRAW: lambda a, u: action_withdraw(
            action=a, actor=u, expected_version=a.version, reason="Merged with another"
        ),
    }
    allowed, refused = check_matrix(
        PlanAction,
        action.pk,
        ActionState,
        ACTION_TRANSITIONS,
        calls,
        world["people"],
        "plan_action_",
    )
    assert (allowed, refused) == (10, 4 * 3 * 7 - 10)


def test_only_the_daily_escalation_escalates_and_only_from_the_tables_states(
    world: dict[str, Any],
) -> None:
    plan = _saved(world)
    after_due = plan.due_on + dt.timedelta(days=1)
    for state in PlanState:
        got = attempt(
            ActionPlan, plan.pk, state.value, lambda p: followup_escalate(today=after_due)
        )
        rule = PLAN_TRANSITIONS.get((state, PlanMove.ESCALATE))
        if rule is not None:
            assert (got["state"], got["journal"]) == ("escalated", ["action_plan_escalate"]), state
        else:
            assert (got["state"], got["journal"]) == (state.value, []), state
    ActionPlan.objects.filter(pk=plan.pk).update(state="accepted")
    action = plan_actions(plan)[0]
    after_target = action.target_on + dt.timedelta(days=1)
    for action_state in ActionState:
        got = attempt(
            PlanAction,
            action.pk,
            action_state.value,
            lambda a: followup_escalate(today=after_target),
        )
        escalates = (action_state, ActionMove.ESCALATE) in ACTION_TRANSITIONS
        # Every open action of the plan is past its target then: the others escalate too, this one only if open.
        assert ("plan_action_escalate" in got["journal"]) is True
        assert got["state"] == ("escalated" if escalates else action_state.value), action_state


# A plan's whole life ------------------------------------------------------------------------------------------


def test_from_findings_to_a_judged_recommendation(world: dict[str, Any], tmp_path: Path) -> None:
    lead, liaison, senior = world["lead"], world["liaison"], world["senior"]
    r1, r2, r3 = world["recommendations"]
    assert [r.state for r in world["recommendations"]] == ["open"] * 3
    assert [r.label for r in world["recommendations"]] == ["R1", "R2", "R3"]
    plan = world["plan"]
    assert plan.state == "awaiting" and plan.due_on > timezone.localdate()
    # Publishing told the body (liaison officer and senior lead), once per finding, without its words.
    told = OutboxMessage.objects.filter(event="findings_published")
    assert sorted(told.values_list("recipient", flat=True)) == sorted(
        ["liaison@force.example", "senior@force.example"] * 2
    )
    assert not any(w in m.subject + m.body for m in told for w in CASE_CONTENT)
    # The body cannot submit a plan without an action for every open recommendation.
    with pytest.raises(FollowupError, match="R1, R2, R3"):
        plan_submit(plan=plan, actor=liaison, expected_version=plan.version)
    plan = plan_save(
        plan=plan,
        actions=[
            {
                "recommendation_id": r1.pk,
                "text": "PLAN-TEXT a",
                "owner": "OWNER-NAME",
                "target_on": "2030-01-31",
            }
        ],
        actor=liaison,
        expected_version=plan.version,
    )
    with pytest.raises(FollowupError, match="R2, R3"):
        plan_submit(plan=plan, actor=senior, expected_version=plan.version)
    first = plan_actions(plan)[0]
    plan = plan_save(
        plan=plan,
        actions=[
            {
                "id": first.pk,
                "recommendation_id": r1.pk,
                "text": "PLAN-TEXT a2",
                "owner": "OWNER-NAME",
                "target_on": dt.date(2030, 1, 31),
            },
            {
                "recommendation_id": r2.pk,
                "text": "PLAN-TEXT b",
                "owner": "OWNER-NAME",
                "target_on": dt.date(2030, 2, 28),
            },
            {
                "recommendation_id": r3.pk,
                "text": "PLAN-TEXT c",
                "owner": "OWNER-NAME",
                "target_on": dt.date(2030, 3, 31),
            },
            {
                "recommendation_id": r3.pk,
                "text": "PLAN-TEXT d",
                "owner": "OWNER-NAME",
                "target_on": dt.date(2030, 3, 31),
            },
        ],
        actor=senior,
        expected_version=plan.version,
    )
    assert [a.text for a in plan_actions(plan)] == [
        "PLAN-TEXT a2",
        "PLAN-TEXT b",
        "PLAN-TEXT c",
        "PLAN-TEXT d",
    ]
    # Leaving an action out takes it out of the plan: kept, withdrawn.
    keep = _listed(plan)[:3]
    plan = plan_save(plan=plan, actions=keep, actor=liaison, expected_version=plan.version)
    assert [a.state for a in plan_actions(plan)] == ["open", "open", "open", "withdrawn"]
    assert PlanAction.objects.filter(plan=plan).count() == 4  # nothing deleted
    plan = plan_submit(plan=plan, actor=liaison, expected_version=plan.version)
    assert (plan.state, plan.submitted_by) == ("submitted", liaison)
    assert (
        OutboxMessage.objects.filter(event="action_plan_submitted").get().recipient
        == "lead@inspectorate.example"
    )
    with pytest.raises(FollowupError, match="Say what more is needed"):
        plan_return(plan=plan, actor=lead, expected_version=plan.version, note="  ")
    plan = plan_return(plan=plan, actor=lead, expected_version=plan.version, note="Dates for R3")
    assert (
        OutboxMessage.objects.filter(event="action_plan_returned").get().recipient
        == "liaison@force.example"
    )
    plan = plan_submit(plan=plan, actor=liaison, expected_version=plan.version)
    plan = plan_accept(plan=plan, actor=lead, expected_version=plan.version)
    assert plan.state == "accepted" and plan.accepted_at is not None
    a1, a2, a3 = [a for a in plan_actions(plan) if a.state == "open"]
    a1 = action_update(
        action=a1,
        note="PROGRESS-NOTE one",
        evidence="Dip sample",
        actor=liaison,
        expected_version=a1.version,
    )
    a1 = action_complete(
        action=a1, actor=senior, expected_version=a1.version, note="PROGRESS-NOTE done"
    )
    assert a1.state == "done" and a1.completed_at is not None
    assert list(ProgressUpdate.objects.filter(action=a1).values_list("note", flat=True)) == [
        "PROGRESS-NOTE one",
        "PROGRESS-NOTE done",
    ]
    with pytest.raises(FollowupError, match="Say what progress"):
        action_update(action=a2, note="", evidence="", actor=liaison, expected_version=a2.version)
    a3 = action_withdraw(action=a3, actor=lead, expected_version=a3.version, reason="Covered by R1")
    assert a3.state == "withdrawn"
    # At the next inspection the lead judges R1 met and R2 not met; R3 stays open, never judged.
    later = world["later"]
    r1 = recommendation_judge(
        recommendation=r1,
        inspection=later,
        judgement="met",
        rationale="Every child seen now",
        proposed="met",
        evidence={"items": [{"code": "W04", "then": [2, 2], "now": [0, 2]}]},
        actor=lead,
        expected_version=r1.version,
    )
    r2 = recommendation_judge(
        recommendation=r2,
        inspection=later,
        judgement="not_met",
        rationale="No change",
        proposed="partly_met",
        evidence=None,
        actor=lead,
        expected_version=r2.version,
    )
    assert (r1.state, r1.last_judgement, r1.closed_at is not None) == ("met", "met", True)
    assert (r2.state, r2.last_judgement, r2.closed_at) == ("open", "not_met", None)
    judged = RecommendationJudgement.objects.get(recommendation=r1)
    assert (judged.inspection, judged.proposed, judged.evidence["items"][0]["code"]) == (
        later,
        "met",
        "W04",
    )
    assert RecommendationJudgement.objects.get(recommendation=r2).proposed == "partly_met"
    # The history of each move, in order.
    assert list(
        FollowupEvent.objects.filter(object_type="plan", object_id=plan.pk).values_list(
            "action", flat=True
        )
    ) == ["create", "save", "save", "save", "submit", "return", "submit", "accept"]
    assert list(
        FollowupEvent.objects.filter(object_type="recommendation", object_id=r1.pk).values_list(
            "action", "to_state"
        )
    ) == [("add", "draft"), ("publish", "open"), ("judge", "met")]
    # Mail never carries the plan's, the notes' or the findings' words.
    assert not any(
        w in m.subject + m.body for m in OutboxMessage.objects.all() for w in CASE_CONTENT
    )


def test_each_service_call_writes_one_journal_entry(world: dict[str, Any]) -> None:
    lead, liaison = world["lead"], world["liaison"]
    start = latest_seq()
    finding = finding_add(
        inspection=world["inspection"],
        kind="area_for_improvement",
        text="Records",
        basis=[],
        actor=lead,
    )
    rec = recommendation_add(
        finding=finding,
        text="Keep records",
        by=dt.date(2030, 1, 1),
        working_days=None,
        immediate=False,
        actor=lead,
    )
    finding = finding_edit(
        finding=finding, text="Records kept", basis=[], actor=lead, expected_version=finding.version
    )
    rec = recommendation_edit(
        recommendation=rec,
        text="Keep all records",
        by=None,
        working_days=5,
        immediate=False,
        actor=lead,
        expected_version=rec.version,
    )
    finding = finding_publish(finding=finding, actor=lead, expected_version=finding.version)
    late = recommendation_add(
        finding=finding,
        text="Audit records",
        by=None,
        working_days=None,
        immediate=True,
        actor=lead,
    )
    late = recommendation_publish(recommendation=late, actor=lead, expected_version=late.version)
    finding = finding_withdraw(
        finding=finding, actor=lead, expected_version=finding.version, reason="Duplicate"
    )
    actions = list(
        JournalEntry.objects.filter(seq__gt=start).order_by("seq").values_list("action", flat=True)
    )
    assert actions == [
        "finding_add",
        "recommendation_add",
        "finding_edit",
        "recommendation_edit",
        "finding_publish",
        "recommendation_add",
        "recommendation_publish",
        "finding_withdraw",
    ]
    # Withdrawing the finding withdrew its recommendations too: kept, with their history.
    assert set(Recommendation.objects.filter(finding=finding).values_list("state", flat=True)) == {
        "withdrawn"
    }
    assert list(
        FollowupEvent.objects.filter(object_type="recommendation", object_id=late.pk).values_list(
            "action", flat=True
        )
    ) == ["add", "publish", "withdraw"]
    # The body was told of each publication (the world's two findings, this one, the late recommendation):
    # its liaison officer and its senior lead each time.
    told = OutboxMessage.objects.filter(event="findings_published", object_id=str(world["plan"].pk))
    assert told.count() == 4 * 2
    assert {m.recipient for m in told} == {liaison.email, world["senior"].email}


# Refusals with their reasons ----------------------------------------------------------------------------------


def test_a_finding_needs_a_published_report_and_its_lead(
    world: dict[str, Any], tmp_path: Path
) -> None:
    lead = world["lead"]
    unpublished = world["later"]
    with pytest.raises(FollowupError, match="Publish the inspection's report first"):
        finding_add(inspection=unpublished, kind="cause_of_concern", text="x", basis=[], actor=lead)
    for name in ("liaison", "inspector", "analyst", "other_lead"):
        with pytest.raises(FollowupError, match="Only the lead inspector"):
            finding_add(
                inspection=world["inspection"],
                kind="cause_of_concern",
                text="x",
                basis=[],
                actor=world["people"][name],
            )
    with pytest.raises(FollowupError, match="Choose the kind"):
        finding_add(inspection=world["inspection"], kind="concern", text="x", basis=[], actor=lead)
    with pytest.raises(FollowupError, match="Say what the finding is"):
        finding_add(
            inspection=world["inspection"], kind="cause_of_concern", text=" ", basis=[], actor=lead
        )
    with pytest.raises(Refused, match="from 0 to its total"):
        finding_add(
            inspection=world["inspection"],
            kind="cause_of_concern",
            text="x",
            basis=[{"kind": "weakness", "code": "W04", "count": 3, "total": 2}],
            actor=lead,
        )
    assert Finding.objects.filter(inspection=world["inspection"]).count() == 2


def test_recommendations_are_due_by_a_date_or_working_days(world: dict[str, Any]) -> None:
    finding, lead = world["findings"][0], world["lead"]
    with pytest.raises(Refused, match="not both"):
        recommendation_add(
            finding=finding,
            text="x",
            by=dt.date(2030, 1, 1),
            working_days=5,
            immediate=False,
            actor=lead,
        )
    with pytest.raises(Refused, match="Say when"):
        recommendation_add(
            finding=finding, text="x", by=None, working_days=None, immediate=False, actor=lead
        )
    withdrawn = finding_withdraw(
        finding=finding, actor=lead, expected_version=finding.version, reason="x"
    )
    with pytest.raises(FollowupError, match="withdrawn"):
        recommendation_add(
            finding=withdrawn, text="x", by=None, working_days=5, immediate=False, actor=lead
        )


def test_a_judgement_is_made_at_a_later_inspection_of_the_same_body_by_its_lead(
    world: dict[str, Any], tmp_path: Path
) -> None:
    rec, lead, later = world["recommendations"][0], world["lead"], world["later"]

    def judge(**changes: Any) -> Any:
        args: dict[str, Any] = {
            "recommendation": rec,
            "inspection": later,
            "judgement": "met",
            "rationale": "Seen",
            "proposed": "",
            "evidence": {},
            "actor": lead,
            "expected_version": rec.version,
        }
        return recommendation_judge(**{**args, **changes})

    with pytest.raises(FollowupError, match="later inspection"):
        judge(inspection=world["inspection"])
    earlier = factories.inspection(
        lead=lead,
        name="Q4 2023",
        period_start=dt.date(2023, 10, 1),
        period_end=dt.date(2023, 12, 31),
    )
    with pytest.raises(FollowupError, match="later inspection"):
        judge(inspection=earlier)
    other = factories.inspection(
        lead=lead,
        body_code="OTH",
        name="OTH Q2",
        period_start=dt.date(2024, 4, 1),
        period_end=dt.date(2024, 6, 30),
    )
    with pytest.raises(FollowupError, match="same body"):
        judge(inspection=other)
    not_theirs = factories.inspection(
        lead=world["people"]["other_lead"],
        name="Q3",
        period_start=dt.date(2024, 7, 1),
        period_end=dt.date(2024, 9, 30),
    )
    with pytest.raises(FollowupError, match="Only the lead inspector"):
        judge(inspection=not_theirs)
    with pytest.raises(FollowupError, match="rationale"):
        judge(rationale="  ")
    with pytest.raises(FollowupError, match="Choose a judgement"):
        judge(judgement="fine")
    q3 = factories.inspection(
        lead=lead,
        name="Q3 led",
        period_start=dt.date(2024, 7, 1),
        period_end=dt.date(2024, 9, 30),
    )
    q4 = factories.inspection(
        lead=lead,
        name="Q4 led",
        period_start=dt.date(2024, 10, 1),
        period_end=dt.date(2024, 12, 31),
    )
    for at, judgement, state in [
        (later, "partly_met", "open"),
        (q3, "not_met", "open"),
        (q4, "no_longer_relevant", "no_longer_relevant"),
    ]:
        rec = judge(inspection=at, judgement=judgement)
        assert (rec.state, rec.last_judgement) == (state, judgement)
    with pytest.raises(Refused, match="nothing more can happen"):
        judge(inspection=q4, judgement="met")
    assert RecommendationJudgement.objects.filter(recommendation=rec).count() == 3


def test_one_judgement_per_inspection_and_never_at_an_older_one(
    world: dict[str, Any],
) -> None:
    """Should-fix 4: a second judgement at the same inspection is refused (not a silent replacement), and an
    inspection older than the one that judged last cannot overrule it."""
    r1, lead, q2 = world["recommendations"][0], world["lead"], world["later"]
    q3 = factories.inspection(
        lead=lead,
        name="Q3 led",
        period_start=dt.date(2024, 7, 1),
        period_end=dt.date(2024, 9, 30),
    )

    def judge(rec: Any, at: Any, judgement: str) -> Any:
        return recommendation_judge(
            recommendation=rec,
            inspection=at,
            judgement=judgement,
            rationale="From the sample",
            proposed="",
            evidence={},
            actor=lead,
            expected_version=rec.version,
        )

    r1 = judge(r1, q3, "not_met")
    seq, events = latest_seq(), FollowupEvent.objects.count()
    with pytest.raises(FollowupError, match="later inspection has already judged it"):
        judge(r1, q2, "met")
    with pytest.raises(FollowupError, match="already been judged at this inspection"):
        judge(r1, q3, "partly_met")
    r1.refresh_from_db()
    assert (r1.state, r1.last_judgement) == ("open", "not_met")
    assert RecommendationJudgement.objects.filter(recommendation=r1).count() == 1
    assert (latest_seq(), FollowupEvent.objects.count()) == (seq, events)
    # The history says the judgement in words, never its code.
    note = FollowupEvent.objects.get(object_type="recommendation", object_id=r1.pk, action="judge")
    assert note.note == "Not met"


def test_a_body_auditor_cannot_judge_at_the_bodys_own_audit(world: dict[str, Any]) -> None:
    from casereview.web.inspections.services import inspection_create

    auditor = factories.user("body_auditor", "auditor")
    factories.contact(world["body"], auditor, "auditor")
    own = inspection_create(
        body_code="SYN",
        name="Own audit Q2",
        period_start=dt.date(2024, 4, 1),
        period_end=dt.date(2024, 6, 30),
        lead=auditor,
        kind="own_audit",
    )
    rec = world["recommendations"][0]
    for who in (auditor, world["lead"]):
        with pytest.raises(FollowupError, match="Only the lead inspector"):
            recommendation_judge(
                recommendation=rec,
                inspection=own,
                judgement="met",
                rationale="Our audit says so",
                proposed="",
                evidence={},
                actor=who,
                expected_version=rec.version,
            )
    with pytest.raises(FollowupError):
        finding_add(inspection=own, kind="cause_of_concern", text="x", basis=[], actor=auditor)


def test_a_plan_takes_only_whole_actions_for_its_own_open_recommendations(
    world: dict[str, Any], tmp_path: Path
) -> None:
    plan, liaison = world["plan"], world["liaison"]
    r1 = world["recommendations"][0]
    draft = recommendation_add(
        finding=world["findings"][0],
        text="Later",
        by=None,
        working_days=5,
        immediate=False,
        actor=world["lead"],
    )
    good = {
        "recommendation_id": r1.pk,
        "text": "Act",
        "owner": "A. Owner",
        "target_on": "2030-01-01",
    }
    for actions, said in [
        ([{**good, "recommendation_id": draft.pk}], "open recommendations"),
        ([{**good, "recommendation_id": 999999}], "open recommendations"),
        ([{**good, "text": " "}], "say what will be done"),
        ([{**good, "owner": ""}], "say who owns it"),
        ([{**good, "owner": "x" * 201}], "200 characters"),
        ([{**good, "target_on": "next week"}], "as a date"),
        ([{**good, "target_on": timezone.now()}], "as a date"),
        ([{**good, "id": 999999}], "not one of this plan's actions"),
        (["Act"], "is not an action"),
    ]:
        with pytest.raises(FollowupError, match=said):
            plan_save(plan=plan, actions=actions, actor=liaison, expected_version=plan.version)
    assert ActionPlan.objects.get(pk=plan.pk).version == plan.version
    assert PlanAction.objects.filter(plan=plan).count() == 0


# Due dates in working days ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("published", "setting", "plan_due", "r2_due"),
    [
        # 30 working days (the default) from Tuesday 1 December 2026: Christmas Day, Boxing Day (observed
        # Monday 28th) and New Year's Day are not counted.  R2 (20 working days): Wednesday 30 December.
        (dt.datetime(2026, 12, 1, 10, 0), None, dt.date(2027, 1, 15), dt.date(2026, 12, 31)),
        # The setting: 5 working days from Wednesday 23 December 2026 is Monday 4 January 2027.
        (dt.datetime(2026, 12, 23, 10, 0), 5, dt.date(2027, 1, 4), dt.date(2027, 1, 25)),
        # A Saturday: counting starts from Monday 22nd (as for send backs); Easter (Good Friday 26, Easter
        # Monday 29 March 2027) is not counted.
        (dt.datetime(2027, 3, 20, 10, 0), 6, dt.date(2027, 4, 1), dt.date(2027, 4, 21)),
    ],
)
def test_the_plan_and_recommendations_are_due_in_working_days(
    db: None,
    tmp_path: Path,
    settings: Any,
    published: dt.datetime,
    setting: int | None,
    plan_due: dt.date,
    r2_due: dt.date,
) -> None:
    if setting is not None:
        settings.CASEREVIEW_ACTION_PLAN_WORKING_DAYS = setting
    made = factories.followup_world(tmp_path, publish=False)
    lead = made["lead"]
    with time_machine.travel(timezone.make_aware(published), tick=False):
        for finding in made["findings"]:
            finding_publish(finding=finding, actor=lead, expected_version=finding.version)
    plan = plan_for(made["inspection"], made["body"])
    assert plan is not None and plan.due_on == plan_due
    r1, r2, r3 = (Recommendation.objects.get(pk=r.pk) for r in made["recommendations"])
    assert r1.due_on == made["recommendations"][0].due_on  # a date given stays that date
    assert (r2.due_working_days, r2.due_on) == (20, r2_due)
    # Immediate with no date: due on the day of publication, or the next working day.
    assert r3.due_on == (published.date() if published.weekday() < 5 else dt.date(2027, 3, 22))


# Escalation, once -----------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_overdue_plan_and_an_overdue_action_escalate_once(tmp_path: Path) -> None:
    made = factories.followup_world(tmp_path)
    plan = made["plan"]
    mail.outbox.clear()
    assert followup_escalate(today=plan.due_on) == []  # due today: not yet overdue
    after = plan.due_on + dt.timedelta(days=1)
    escalated = followup_escalate(today=after)
    assert [(type(x).__name__, x.pk) for x in escalated] == [("ActionPlan", plan.pk)]
    assert sorted(to for m in mail.outbox for to in m.to) == [
        "lead@inspectorate.example",
        "senior@force.example",
    ]
    entries = JournalEntry.objects.filter(action="action_plan_escalate", object_id=str(plan.pk))
    assert entries.count() == 1
    assert followup_escalate(today=after) == []  # idempotent
    assert followup_escalate(today=after + dt.timedelta(days=30)) == []  # and on any later day
    assert len(mail.outbox) == 2 and entries.count() == 1
    assert (
        FollowupEvent.objects.filter(
            object_type="plan", object_id=plan.pk, action="escalate"
        ).count()
        == 1
    )
    # The body can still answer: saving and submitting the escalated plan; it does not escalate again.
    plan = ActionPlan.objects.get(pk=plan.pk)
    assert plan.state == "escalated"
    plan = plan_save(
        plan=plan,
        actions=[
            {
                "recommendation_id": r.pk,
                "text": "PLAN-TEXT",
                "owner": "OWNER-NAME",
                "target_on": after + dt.timedelta(days=10),
            }
            for r in made["recommendations"]
        ],
        actor=made["liaison"],
        expected_version=plan.version,
    )
    assert (
        followup_escalate(today=after + dt.timedelta(days=5)) == []
    )  # a draft again, escalated once already
    plan = plan_submit(plan=plan, actor=made["liaison"], expected_version=plan.version)
    mail.outbox.clear()
    # Past the actions' targets: each open action escalates once.
    late = after + dt.timedelta(days=11)
    done = plan_actions(plan)[0]
    action_complete(action=done, actor=made["liaison"], expected_version=done.version)
    escalated = followup_escalate(today=late)
    assert sorted(x.pk for x in escalated) == sorted(a.pk for a in plan_actions(plan)[1:])
    assert len(mail.outbox) == 2 * 2 and all("R" in m.subject for m in mail.outbox)
    assert followup_escalate(today=late) == [] and len(mail.outbox) == 4
    assert JournalEntry.objects.filter(action="plan_action_escalate").count() == 2
    assert not any(w in m.subject + m.body for m in mail.outbox for w in CASE_CONTENT)
    # An escalated action can still be updated and completed by the body.
    a = PlanAction.objects.get(pk=escalated[0].pk)
    a = action_update(
        action=a,
        note="PROGRESS-NOTE",
        evidence="",
        actor=made["liaison"],
        expected_version=a.version,
    )
    assert a.state == "escalated"
    a = action_complete(action=a, actor=made["liaison"], expected_version=a.version)
    assert a.state == "done"


def test_nothing_is_chased_for_recommendations_no_longer_open(world: dict[str, Any]) -> None:
    lead = world["lead"]
    plan = _saved(world)
    plan = plan_submit(plan=plan, actor=world["liaison"], expected_version=plan.version)
    r1, r2, r3 = world["recommendations"]
    # R1 met at the next inspection, R2 withdrawn: their open actions are not chased; R3's is.
    recommendation_judge(
        recommendation=r1,
        inspection=world["later"],
        judgement="met",
        rationale="Seen",
        proposed="",
        evidence={},
        actor=lead,
        expected_version=r1.version,
    )
    recommendation_withdraw(
        recommendation=r2, actor=lead, expected_version=r2.version, reason="Overtaken"
    )
    past = plan_actions(plan)[0].target_on + dt.timedelta(days=1)
    escalated = followup_escalate(today=past)
    assert [(type(x).__name__, x.recommendation_id) for x in escalated] == [("PlanAction", r3.pk)]  # type: ignore[union-attr]
    # A plan still owed for nothing open (every recommendation withdrawn) does not escalate either.
    ActionPlan.objects.filter(pk=plan.pk).update(state="awaiting")
    r3 = Recommendation.objects.get(pk=r3.pk)
    recommendation_withdraw(
        recommendation=r3, actor=lead, expected_version=r3.version, reason="Overtaken"
    )
    assert followup_escalate(today=plan.due_on + dt.timedelta(days=1)) == []


@pytest.mark.django_db(transaction=True)
def test_the_escalate_command_lists_what_it_escalated_once(tmp_path: Path) -> None:
    made = factories.followup_world(tmp_path)
    ActionPlan.objects.filter(pk=made["plan"].pk).update(due_on=dt.date(2020, 1, 1))
    result = runner.invoke(app, ["recommendations", "escalate", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["escalated"]
    assert [(r["object_type"], r["id"], r["body"], r["due_on"]) for r in rows] == [
        ("plan", made["plan"].pk, "SYN", "2020-01-01")
    ]
    again = runner.invoke(app, ["recommendations", "escalate", "--json"])
    assert json.loads(again.stdout) == {"escalated": []}
    words = runner.invoke(app, ["recommendations", "escalate"])
    assert words.exit_code == 0 and "Escalated 0 overdue plans and actions" in words.stdout


# Scoping --------------------------------------------------------------------------------------------------------


def test_another_bodys_liaison_officer_is_refused_everything(world: dict[str, Any]) -> None:
    stranger = world["people"]["stranger"]
    plan = _saved(world)
    action = plan_actions(plan)[0]
    rec = world["recommendations"][0]
    for call in (
        lambda: plan_save(
            plan=plan, actions=_listed(plan), actor=stranger, expected_version=plan.version
        ),
        lambda: plan_submit(plan=plan, actor=stranger, expected_version=plan.version),
        lambda: action_update(
            action=action, note="n", evidence="", actor=stranger, expected_version=action.version
        ),
        lambda: action_complete(action=action, actor=stranger, expected_version=action.version),
        lambda: recommendation_withdraw(
            recommendation=rec, actor=stranger, expected_version=rec.version, reason="r"
        ),
    ):
        with pytest.raises(FollowupError, match="cannot act|Only the lead"):
            call()
    # A person who is a contact of the body without the liaison officer role is no one for it either.
    no_role = factories.user("inspector", "norole")
    factories.contact(world["body"], no_role)
    with pytest.raises(FollowupError, match="cannot act"):
        plan_submit(plan=plan, actor=no_role, expected_version=plan.version)


# Two people at once ---------------------------------------------------------------------------------------------


def test_two_updates_with_the_same_version_one_wins_the_other_sees_the_current_state(
    world: dict[str, Any],
) -> None:
    plan = _saved(world)
    plan = plan_submit(plan=plan, actor=world["liaison"], expected_version=plan.version)
    stale = ActionPlan.objects.get(pk=plan.pk)
    plan_accept(plan=stale, actor=world["lead"], expected_version=stale.version)
    with pytest.raises(FollowupChanged) as caught:
        plan_return(plan=stale, actor=world["lead"], expected_version=stale.version, note="more")
    assert (caught.value.current.state, caught.value.current.version) == (
        "accepted",
        stale.version + 1,
    )
    assert "Someone else changed this action plan first" in str(caught.value)
    # A recommendation: two judgements on the same version.
    rec = world["recommendations"][1]
    args: dict[str, Any] = {
        "inspection": world["later"],
        "rationale": "r",
        "proposed": "",
        "evidence": {},
        "actor": world["lead"],
        "expected_version": rec.version,
    }
    recommendation_judge(recommendation=rec, judgement="met", **args)
    with pytest.raises(FollowupChanged) as judged:
        recommendation_judge(recommendation=rec, judgement="not_met", **args)
    assert judged.value.current.state == "met"
    assert RecommendationJudgement.objects.filter(recommendation=rec).count() == 1
    # An action: the version checked on the stored row even when the object in hand is stale.
    action = plan_actions(plan)[0]
    action_update(
        action=action,
        note="one",
        evidence="",
        actor=world["liaison"],
        expected_version=action.version,
    )
    with pytest.raises(FollowupChanged) as updated:
        action_complete(action=action, actor=world["senior"], expected_version=action.version)
    assert (updated.value.current.state, updated.value.current.version) == (
        "open",
        action.version + 1,
    )
    assert ProgressUpdate.objects.filter(action=action).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_people_acting_at_once_in_two_threads_one_wins(tmp_path: Path) -> None:
    made = factories.followup_world(tmp_path)
    plan = plan_save(
        plan=made["plan"],
        actions=[
            {
                "recommendation_id": r.pk,
                "text": "PLAN-TEXT",
                "owner": "OWNER-NAME",
                "target_on": dt.date(2030, 1, 1),
            }
            for r in made["recommendations"]
        ],
        actor=made["liaison"],
        expected_version=made["plan"].version,
    )
    plan = plan_submit(plan=plan, actor=made["liaison"], expected_version=plan.version)
    results: list[str] = []
    barrier = threading.Barrier(2)

    def act(move: str) -> None:
        try:
            barrier.wait()
            found = ActionPlan.objects.select_related("inspection", "body").get(pk=plan.pk)
            if move == "accept":
                plan_accept(plan=found, actor=made["lead"], expected_version=plan.version)
            else:
                plan_return(
                    plan=found, actor=made["lead"], expected_version=plan.version, note="more"
                )
            results.append("won")
        except FollowupChanged:
            results.append("lost")
        except Exception as exc:  # SQLite may refuse the second writer outright
            results.append(f"refused: {type(exc).__name__}")
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(m,)) for m in ("accept", "return")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("won") == 1, results
    stored = ActionPlan.objects.get(pk=plan.pk)
    assert stored.version == plan.version + 1
    assert (
        FollowupEvent.objects.filter(
            object_type="plan", object_id=plan.pk, action__in=["accept", "return"]
        ).count()
        == 1
    )


# Review fixes (issue 24 follow-up review) ----------------------------------------------------------------------


def _submitted(world: dict[str, Any]) -> ActionPlan:
    plan = _saved(world)
    return plan_submit(plan=plan, actor=world["liaison"], expected_version=plan.version)


def _new_recommendation(world: dict[str, Any], text: str = "Audit every closure") -> Any:
    lead = world["lead"]
    rec = recommendation_add(
        finding=world["findings"][0],
        text=text,
        by=None,
        working_days=15,
        immediate=False,
        actor=lead,
    )
    return recommendation_publish(recommendation=rec, actor=lead, expected_version=rec.version)


@pytest.mark.parametrize("accepted", [False, True])
def test_a_recommendation_published_after_the_plan_was_submitted_or_accepted_reopens_it(
    world: dict[str, Any], accepted: bool
) -> None:
    """Must-fix 2: the new recommendation can be answered; the plan is returned to the body by casereview,
    with a note in words, journaled in the publication's entry."""
    lead, liaison = world["lead"], world["liaison"]
    plan = _submitted(world)
    if accepted:
        plan = plan_accept(plan=plan, actor=lead, expected_version=plan.version)
    before = plan.state
    seq = latest_seq()
    r4 = _new_recommendation(world)
    plan.refresh_from_db()
    assert (r4.state, plan.state) == ("open", "returned")
    event = FollowupEvent.objects.filter(object_type="plan", object_id=plan.pk).latest("id")
    assert (event.action, event.from_state, event.to_state, event.by_name) == (
        "reopen",
        before,
        "returned",
        "system",
    )
    assert event.note.startswith(f"A new recommendation was published (R{r4.number})")
    entries = list(JournalEntry.objects.filter(seq__gt=seq))
    # Adding, then publishing: one entry each; the publication's says the plan was reopened.
    assert [e.action for e in entries] == ["recommendation_add", "recommendation_publish"]
    assert entries[1].detail["plan_reopened"]["from"] == before
    assert entries[1].detail["plan_reopened"]["to"] == "returned"
    # The body can now answer it, and submit again; the lead accepts.
    plan = plan_save(
        plan=plan,
        actions=[
            *_listed(plan),
            {
                "recommendation_id": r4.pk,
                "text": "PLAN-TEXT audit",
                "owner": "OWNER-NAME",
                "target_on": timezone.localdate() + dt.timedelta(days=300),
            },
        ],
        actor=liaison,
        expected_version=plan.version,
    )
    plan = plan_submit(plan=plan, actor=liaison, expected_version=plan.version)
    plan = plan_accept(plan=plan, actor=lead, expected_version=plan.version)
    assert plan.state == "accepted"


def test_a_second_finding_published_after_acceptance_reopens_the_plan(
    world: dict[str, Any],
) -> None:
    lead = world["lead"]
    plan = _submitted(world)
    plan = plan_accept(plan=plan, actor=lead, expected_version=plan.version)
    third = finding_add(
        inspection=world["inspection"],
        kind="area_for_improvement",
        text="Closure decisions",
        basis=[],
        actor=lead,
    )
    recommendation_add(
        finding=third, text="Review closures", by=None, working_days=10, immediate=False, actor=lead
    )
    finding_publish(finding=third, actor=lead, expected_version=third.version)
    plan.refresh_from_db()
    assert plan.state == "returned"


def test_accepting_is_refused_while_an_open_recommendation_has_no_action(
    world: dict[str, Any],
) -> None:
    lead = world["lead"]
    plan = _submitted(world)
    r1 = world["recommendations"][0]
    only = next(a for a in plan_actions(plan) if a.recommendation_id == r1.pk)
    action_withdraw(action=only, actor=lead, expected_version=only.version, reason="Too vague")
    plan.refresh_from_db()
    seq = latest_seq()
    with pytest.raises(FollowupError, match=f"R{r1.number} has no action yet"):
        plan_accept(plan=plan, actor=lead, expected_version=plan.version)
    plan.refresh_from_db()
    assert plan.state == "submitted" and latest_seq() == seq
    plan = plan_return(plan=plan, actor=lead, expected_version=plan.version, note="Add one for R1")
    assert plan.state == "returned"


def test_actions_move_only_in_a_submitted_or_accepted_plan(world: dict[str, Any]) -> None:
    """Should-fix 8: progress, done and the lead's withdrawal only once the plan is promised."""
    plan = _saved(world)
    action = plan_actions(plan)[0]
    moves: dict[str, Callable[[Any], Any]] = {
        "update": lambda a: action_update(
            action=a,
            note="PROGRESS-NOTE",
            evidence="",
            actor=world["liaison"],
            expected_version=a.version,
        ),
        "complete": lambda a: action_complete(
            action=a, actor=world["liaison"], expected_version=a.version
        ),
        "withdraw": lambda a: action_withdraw(
            action=a, actor=world["lead"], expected_version=a.version, reason="Merged"
        ),
    }
    seen = {}
    for state in PlanState:
        for name, call in moves.items():
            got = attempt(
                ActionPlan,
                plan.pk,
                state.value,
                lambda p, c=call: c(PlanAction.objects.get(pk=action.pk)),
            )
            seen[(state.value, name)] = got["done"]
            if not got["done"]:
                assert "only once the plan is submitted or accepted" in got["message"]
                assert got["journal"] == [] and got["events"] == 0
    assert {k for k, done in seen.items() if done} == {
        (s, m) for s in ("submitted", "accepted") for m in moves
    }


def test_withdrawing_a_finding_or_recommendation_withdraws_its_open_actions(
    world: dict[str, Any],
) -> None:
    """Should-fix 5: kept, with history; the body can no longer complete them."""
    lead, liaison = world["lead"], world["liaison"]
    plan = _submitted(world)
    r1, r2, r3 = world["recommendations"]
    r3 = Recommendation.objects.get(pk=r3.pk)
    seq = latest_seq()
    recommendation_withdraw(
        recommendation=r3, actor=lead, expected_version=r3.version, reason="Overtaken by events"
    )
    entries = list(JournalEntry.objects.filter(seq__gt=seq))
    assert len(entries) == 1
    by_rec = {a.recommendation_id: a for a in plan_actions(plan)}
    assert by_rec[r3.pk].state == "withdrawn"
    assert entries[0].detail["actions"] == [by_rec[r3.pk].pk]
    assert by_rec[r1.pk].state == "open"
    note = FollowupEvent.objects.get(
        object_type="action", object_id=by_rec[r3.pk].pk, action="withdraw"
    )
    assert note.note == "Its recommendation was withdrawn: Overtaken by events"
    finding = Finding.objects.get(pk=world["findings"][0].pk)
    finding_withdraw(finding=finding, actor=lead, expected_version=finding.version, reason="Wrong")
    after = {a.recommendation_id: a for a in plan_actions(plan)}
    assert {after[r1.pk].state, after[r2.pk].state} == {"withdrawn"}
    assert PlanAction.objects.count() == 3  # nothing deleted
    with pytest.raises(Refused):
        action_complete(action=after[r1.pk], actor=liaison, expected_version=after[r1.pk].version)
