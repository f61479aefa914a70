"""Findings and recommendations: the lead adds, publishes and withdraws them, and judges them at a later
inspection of the body."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from casereview.domain.followup import (
    ACTION_OPEN_STATES,
    PLAN_REOPENED_BY_NEW_RECOMMENDATION,
    ActionMove,
    ActionState,
    FindingMove,
    FindingState,
    FollowupActor,
    PlanMove,
    PlanState,
    RecommendationMove,
    RecommendationState,
    check_due,
    clean_basis,
    plan_due,
    recommendation_due,
    transition_action,
    transition_finding,
    transition_plan,
    transition_recommendation,
)
from casereview.domain.journal import JournalAction, Operation
from casereview.domain.language import gettext_lazy
from casereview.domain.roles import InspectionKind
from casereview.web.core.users import User, signed_in
from casereview.web.inspections.models import Inspection
from casereview.web.notifications import messages as notices
from casereview.web.referrals.models import BodyContact
from casereview.web.reports.selectors import report_published_on

from ..models import (
    ActionPlan,
    Finding,
    PlanAction,
    Recommendation,
)
from ._common import (
    FollowupError,
    add_history,
    add_journal,
    contacts_of,
    finding_kind,
    fresh,
    holidays_ahead,
    lead_only,
    plan_working_days,
    record_move,
    required,
    swap,
    tell,
)


def _next_number(inspection_id: int, numbered: QuerySet[Any]) -> int:
    """The next number of ``numbered`` (the inspection's findings, or its recommendations), inside the caller's
    transaction.  The inspection's row is the lock: two added at once never get the same number."""
    Inspection.objects.select_for_update().filter(pk=inspection_id).exists()
    return int(numbered.aggregate(n=Max("number"))["n"] or 0) + 1


def finding_add(
    *,
    inspection: Inspection,
    kind: str,
    text: str,
    basis: Any,
    actor: User,
    now: dt.datetime | None = None,
) -> Finding:
    """A draft finding of a published inspection, numbered next within it; only its lead adds one."""
    lead_only(actor, inspection, "add findings")
    if getattr(inspection, "kind", InspectionKind.INSPECTION) != InspectionKind.INSPECTION:
        raise FollowupError(
            gettext_lazy(
                "Findings belong to the inspectorate's inspections, not a body's own audit"
            )
        )
    if report_published_on(inspection) is None:
        raise FollowupError(
            gettext_lazy(
                "Publish the inspection's report first: findings belong to a published inspection"
            )
        )
    chosen = finding_kind(kind)
    said = required(text, gettext_lazy("Say what the finding is"))
    cleaned = clean_basis(basis)
    dated, now = now, now or timezone.now()
    with transaction.atomic():
        number = _next_number(inspection.pk, Finding.objects.filter(inspection_id=inspection.pk))
        finding = Finding.objects.create(
            inspection=inspection,
            body_id=inspection.body_id,
            number=number,
            kind=chosen.value,
            text=said,
            basis=cleaned,
            state=FindingState.DRAFT.value,
            created_by=signed_in(actor),
            created_at=now,
        )
        record_move(
            "finding",
            finding.pk,
            move="add",
            before="",
            after=finding.state,
            actor=actor,
            at=now,
            journal=JournalAction.FINDING_ADD,
            detail={"inspection": inspection.pk, "number": number, "kind": chosen.value},
            operation=Operation.COLLECTION,
            journal_at=dated,
        )
    return finding


def finding_edit(
    *,
    finding: Finding,
    text: str,
    basis: Any,
    actor: User,
    expected_version: int,
    kind: str | None = None,
) -> Finding:
    """Change a draft finding's text, basis (and kind, if given)."""
    lead_only(actor, finding.inspection, "change its findings")
    current = fresh(Finding, finding, expected_version, "finding")
    transition_finding(FindingState(current.state), FindingMove.EDIT, FollowupActor.LEAD)
    fields: dict[str, Any] = {
        "text": required(text, gettext_lazy("Say what the finding is")),
        "basis": clean_basis(basis),
    }
    if kind is not None:
        fields["kind"] = finding_kind(kind).value
    now = timezone.now()
    with transaction.atomic():
        swap(Finding, current, expected_version, "finding", **fields)
        record_move(
            "finding",
            current.pk,
            move="edit",
            before=current.state,
            after=current.state,
            actor=actor,
            at=now,
            journal=JournalAction.FINDING_EDIT,
            detail={"number": current.number},
        )
    return Finding.objects.get(pk=current.pk)


def _plan_ensure(
    inspection_id: int, body_id: int, published_on: dt.date, now: dt.datetime, actor: User
) -> tuple[ActionPlan, bool]:
    """The (inspection, body) plan, made (awaiting, due in working days from ``published_on``) if missing."""
    existing = ActionPlan.objects.filter(inspection_id=inspection_id, body_id=body_id).first()
    if existing is not None:
        return existing, False
    days = plan_working_days()
    plan = ActionPlan.objects.create(
        inspection_id=inspection_id,
        body_id=body_id,
        state=PlanState.AWAITING.value,
        due_on=plan_due(published_on, days, holidays_ahead(published_on, days)),
        created_at=now,
    )
    add_history(
        "plan",
        plan.pk,
        action="create",
        before="",
        after=plan.state,
        actor=actor,
        at=now,
        note=f"due {plan.due_on.isoformat()}",
    )
    return plan, True


def _plan_reopen(
    plan: ActionPlan, numbers: list[int], today: dt.date, now: dt.datetime
) -> dict[str, str] | None:
    """A recommendation published after the body's plan was submitted or accepted (inside the caller's
    transaction): the plan goes back to the body (returned, by casereview: ``PlanMove.REOPEN``) so that it can
    add that recommendation's actions, due no sooner than the plan's working days from today.  None when the
    plan is still the body's to write."""
    if PlanState(plan.state) not in PLAN_REOPENED_BY_NEW_RECOMMENDATION:
        return None
    target = transition_plan(PlanState(plan.state), PlanMove.REOPEN, FollowupActor.SYSTEM)
    days = plan_working_days()
    due = max(plan.due_on, plan_due(today, days, holidays_ahead(today, days)))
    swap(ActionPlan, plan, plan.version, "action plan", state=target.value, due_on=due)
    labels = ", ".join(f"R{n}" for n in numbers)
    add_history(
        "plan",
        plan.pk,
        action="reopen",
        before=plan.state,
        after=target.value,
        actor=None,
        at=now,
        note=(
            f"A new recommendation was published ({labels}): the body adds its actions and submits the "
            f"plan again, due {due.isoformat()}"
        ),
    )
    return {"from": plan.state, "to": target.value, "due_on": due.isoformat()}


def _open_recommendation(
    rec: Recommendation, *, published_on: dt.date, now: dt.datetime, actor: User
) -> None:
    """Publish one draft recommendation (inside the caller's transaction): open, its due day fixed."""
    due = rec.due_on
    if rec.due_working_days is not None:
        due = recommendation_due(
            published_on,
            by=None,
            working_days=rec.due_working_days,
            holidays=holidays_ahead(published_on, rec.due_working_days),
        )
    swap(
        Recommendation,
        rec,
        rec.version,
        "recommendation",
        state=RecommendationState.OPEN.value,
        published_at=now,
        due_on=due,
    )
    add_history(
        "recommendation",
        rec.pk,
        action="publish",
        before=rec.state,
        after=RecommendationState.OPEN.value,
        actor=actor,
        at=now,
    )


def _tell_published(plan: ActionPlan, count: int, now: dt.datetime | None = None) -> None:
    notice = notices.findings_published(
        body=plan.body, recommendations=count, plan_due=plan.due_on, plan_id=plan.pk
    )
    recipients = contacts_of(plan.body_id, BodyContact.Kind.LIAISON, BodyContact.Kind.SENIOR_LEAD)
    tell(notice, recipients, "action_plan", plan.pk, now)


def finding_publish(
    *, finding: Finding, actor: User, expected_version: int, now: dt.datetime | None = None
) -> Finding:
    """Publish a draft finding with its draft recommendations; the first recommendation published for the
    inspection makes the body's action plan (due ``plan_working_days()`` working days from today), and the
    body's liaison officers and senior leads are told by e-mail."""
    lead_only(actor, finding.inspection, "publish its findings")
    current = fresh(Finding, finding, expected_version, "finding")
    transition_finding(FindingState(current.state), FindingMove.PUBLISH, FollowupActor.LEAD)
    dated, now = now, now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        swap(
            Finding,
            current,
            expected_version,
            "finding",
            state=FindingState.PUBLISHED.value,
            published_at=now,
        )
        add_history(
            "finding",
            current.pk,
            action="publish",
            before=current.state,
            after=FindingState.PUBLISHED.value,
            actor=actor,
            at=now,
        )
        drafts = list(
            Recommendation.objects.filter(
                finding_id=current.pk, state=RecommendationState.DRAFT.value
            ).order_by("number")
        )
        for rec in drafts:
            _open_recommendation(rec, published_on=today, now=now, actor=actor)
        plan = reopened = None
        if drafts:
            plan, made = _plan_ensure(current.inspection_id, current.body_id, today, now, actor)
            if not made:
                reopened = _plan_reopen(plan, [r.number for r in drafts], today, now)
        add_journal(
            actor,
            JournalAction.FINDING_PUBLISH,
            "finding",
            current.pk,
            {
                "number": current.number,
                "recommendations": [r.pk for r in drafts],
                "plan": plan.pk if plan else None,
                "plan_reopened": reopened,
            },
            operation=Operation.DISCLOSURE,
            recipient=current.inspection.body.code,
            at=dated,
        )
        if plan is not None:
            _tell_published(
                ActionPlan.objects.select_related("body").get(pk=plan.pk), len(drafts), now=dated
            )
    return Finding.objects.get(pk=current.pk)


def finding_withdraw(
    *, finding: Finding, actor: User, expected_version: int, reason: str
) -> Finding:
    """Withdraw a finding (draft or published) and, with it, its recommendations not yet closed: kept, with
    their history, never deleted."""
    lead_only(actor, finding.inspection, "withdraw its findings")
    why = required(reason, gettext_lazy("Say why the finding is withdrawn"))
    current = fresh(Finding, finding, expected_version, "finding")
    transition_finding(FindingState(current.state), FindingMove.WITHDRAW, FollowupActor.LEAD)
    now = timezone.now()
    with transaction.atomic():
        swap(Finding, current, expected_version, "finding", state=FindingState.WITHDRAWN.value)
        recs = list(
            Recommendation.objects.filter(
                finding_id=current.pk,
                state__in=[RecommendationState.DRAFT.value, RecommendationState.OPEN.value],
            ).order_by("number")
        )
        actions = _open_actions([rec.pk for rec in recs])
        record_move(
            "finding",
            current.pk,
            move="withdraw",
            before=current.state,
            after=FindingState.WITHDRAWN.value,
            actor=actor,
            at=now,
            note=why,
            journal=JournalAction.FINDING_WITHDRAW,
            detail={
                "number": current.number,
                "recommendations": [rec.pk for rec in recs],
                "actions": [a.pk for a in actions],
            },
        )
        for rec in recs:
            swap(
                Recommendation,
                rec,
                rec.version,
                "recommendation",
                state=RecommendationState.WITHDRAWN.value,
                closed_at=now,
            )
            add_history(
                "recommendation",
                rec.pk,
                action="withdraw",
                before=rec.state,
                after=RecommendationState.WITHDRAWN.value,
                actor=actor,
                at=now,
                note=why,
            )
        _withdraw_actions(actions, actor=actor, at=now, why=why)
    return Finding.objects.get(pk=current.pk)


# --- Recommendations ---------------------------------------------------------------------------------------


def _open_actions(rec_ids: list[int]) -> list[PlanAction]:
    """The open (or escalated) actions answering these recommendations."""
    return list(
        PlanAction.objects.filter(
            recommendation_id__in=rec_ids, state__in=[s.value for s in ACTION_OPEN_STATES]
        ).order_by("id")
    )


def _withdraw_actions(actions: list[PlanAction], *, actor: User, at: dt.datetime, why: str) -> None:
    """Withdraw the open actions of recommendations being withdrawn (``_open_actions``), inside the caller's
    transaction: kept, with an event saying why."""
    for action in actions:
        target = transition_action(
            ActionState(action.state), ActionMove.WITHDRAW, FollowupActor.LEAD
        )
        swap(PlanAction, action, action.version, "action", state=target.value)
        add_history(
            "action",
            action.pk,
            action="withdraw",
            before=action.state,
            after=target.value,
            actor=actor,
            at=at,
            note=f"Its recommendation was withdrawn: {why}",
        )


def _due_fields(by: dt.date | None, working_days: int | None, immediate: bool) -> dict[str, Any]:
    if immediate and by is None and working_days is None:
        working_days = 0  # immediate, no date given: due on publication
    if by is not None and not isinstance(by, dt.date):
        raise FollowupError(gettext_lazy("Give the due date as a date"))
    if working_days is not None and (
        isinstance(working_days, bool) or not isinstance(working_days, int)
    ):
        raise FollowupError(gettext_lazy("Give the number of working days as a whole number"))
    check_due(by=by, working_days=working_days)
    return {"due_on": by, "due_working_days": working_days, "immediate": bool(immediate)}


def recommendation_add(
    *,
    finding: Finding,
    text: str,
    by: dt.date | None,
    working_days: int | None,
    immediate: bool,
    actor: User,
    now: dt.datetime | None = None,
) -> Recommendation:
    """A draft recommendation of a finding (numbered next within the inspection: R1, R2…), due by a date or in
    working days from publication.  Published with its finding, or by ``recommendation_publish`` if the
    finding is already published."""
    lead_only(actor, finding.inspection, "add recommendations")
    if finding.state == FindingState.WITHDRAWN.value:
        raise FollowupError(
            gettext_lazy("This finding is withdrawn; it takes no more recommendations")
        )
    said = required(text, gettext_lazy("Say what must change"))
    due = _due_fields(by, working_days, immediate)
    dated, now = now, now or timezone.now()
    with transaction.atomic():
        number = _next_number(
            finding.inspection_id,
            Recommendation.objects.filter(finding__inspection_id=finding.inspection_id),
        )
        rec = Recommendation.objects.create(
            finding=finding,
            body_id=finding.body_id,
            number=number,
            text=said,
            state=RecommendationState.DRAFT.value,
            created_by=signed_in(actor),
            created_at=now,
            **due,
        )
        record_move(
            "recommendation",
            rec.pk,
            move="add",
            before="",
            after=rec.state,
            actor=actor,
            at=now,
            journal=JournalAction.RECOMMENDATION_ADD,
            detail={"finding": finding.pk, "number": number, "immediate": rec.immediate},
            operation=Operation.COLLECTION,
            journal_at=dated,
        )
    return rec


def recommendation_edit(
    *,
    recommendation: Recommendation,
    text: str,
    by: dt.date | None,
    working_days: int | None,
    immediate: bool,
    actor: User,
    expected_version: int,
) -> Recommendation:
    """Change a draft recommendation's text and when it is due."""
    lead_only(actor, recommendation.finding.inspection, "change its recommendations")
    current = fresh(Recommendation, recommendation, expected_version, "recommendation")
    transition_recommendation(
        RecommendationState(current.state), RecommendationMove.EDIT, FollowupActor.LEAD
    )
    fields = {
        "text": required(text, gettext_lazy("Say what must change")),
        **_due_fields(by, working_days, immediate),
    }
    now = timezone.now()
    with transaction.atomic():
        swap(Recommendation, current, expected_version, "recommendation", **fields)
        record_move(
            "recommendation",
            current.pk,
            move="edit",
            before=current.state,
            after=current.state,
            actor=actor,
            at=now,
            journal=JournalAction.RECOMMENDATION_EDIT,
            detail={"number": current.number},
        )
    return Recommendation.objects.get(pk=current.pk)


def recommendation_publish(
    *, recommendation: Recommendation, actor: User, expected_version: int
) -> Recommendation:
    """Publish a draft recommendation added to a finding already published (a draft finding's recommendations
    are published with it); makes the body's plan if it has none yet, and tells the body."""
    lead_only(actor, recommendation.finding.inspection, "publish its recommendations")
    current = fresh(Recommendation, recommendation, expected_version, "recommendation")
    transition_recommendation(
        RecommendationState(current.state), RecommendationMove.PUBLISH, FollowupActor.LEAD
    )
    if current.finding.state != FindingState.PUBLISHED.value:
        raise FollowupError(
            gettext_lazy(
                "Publish its finding: a draft finding's recommendations are published with it"
            )
        )
    now = timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        _open_recommendation(current, published_on=today, now=now, actor=actor)
        plan, made = _plan_ensure(current.finding.inspection_id, current.body_id, today, now, actor)
        reopened = None if made else _plan_reopen(plan, [current.number], today, now)
        add_journal(
            actor,
            JournalAction.RECOMMENDATION_PUBLISH,
            "recommendation",
            current.pk,
            {"number": current.number, "plan": plan.pk, "plan_reopened": reopened},
            operation=Operation.DISCLOSURE,
            recipient=current.body.code,
        )
        _tell_published(ActionPlan.objects.select_related("body").get(pk=plan.pk), 1)
    return Recommendation.objects.get(pk=current.pk)


def recommendation_withdraw(
    *, recommendation: Recommendation, actor: User, expected_version: int, reason: str
) -> Recommendation:
    """Withdraw a draft or open recommendation: kept, with its history, never deleted."""
    lead_only(actor, recommendation.finding.inspection, "withdraw its recommendations")
    why = required(reason, gettext_lazy("Say why the recommendation is withdrawn"))
    current = fresh(Recommendation, recommendation, expected_version, "recommendation")
    transition_recommendation(
        RecommendationState(current.state), RecommendationMove.WITHDRAW, FollowupActor.LEAD
    )
    now = timezone.now()
    with transaction.atomic():
        swap(
            Recommendation,
            current,
            expected_version,
            "recommendation",
            state=RecommendationState.WITHDRAWN.value,
            closed_at=now,
        )
        actions = _open_actions([current.pk])
        record_move(
            "recommendation",
            current.pk,
            move="withdraw",
            before=current.state,
            after=RecommendationState.WITHDRAWN.value,
            actor=actor,
            at=now,
            note=why,
            journal=JournalAction.RECOMMENDATION_WITHDRAW,
            detail={"number": current.number, "actions": [a.pk for a in actions]},
        )
        _withdraw_actions(actions, actor=actor, at=now, why=why)
    return Recommendation.objects.get(pk=current.pk)
