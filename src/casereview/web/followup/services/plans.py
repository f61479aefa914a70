"""The body's action plan and its actions: saved, submitted, accepted or returned, updated, done, and
escalated once when overdue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from casereview.domain.followup import (
    ACTION_OPEN_STATES,
    PLAN_AWAITING_BODY,
    ActionMove,
    ActionState,
    FollowupActor,
    PlanMove,
    PlanState,
    RecommendationState,
    action_overdue,
    check_action_in_plan,
    plan_overdue,
    transition_action,
    transition_plan,
)
from casereview.domain.journal import JournalAction
from casereview.domain.language import Phrase, gettext_lazy, ngettext_lazy
from casereview.web.core.users import User, person, signed_in
from casereview.web.notifications import messages as notices
from casereview.web.referrals.models import BodyContact

from ..models import (
    ActionPlan,
    PlanAction,
    ProgressUpdate,
    Recommendation,
)
from ._common import (
    FollowupError,
    acting_as,
    add_history,
    contacts_of,
    fresh,
    record_move,
    required,
    swap,
    tell,
)


def _plan_actor(actor: User, plan: ActionPlan) -> FollowupActor:
    return acting_as(
        actor, plan.inspection, plan.body_id, gettext_lazy("You cannot act on this action plan")
    )


def _target(value: Any, n: int) -> dt.date:
    if isinstance(value, dt.datetime):
        raise FollowupError(gettext_lazy("Action %(n)s: give the target as a date", n=n))
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise FollowupError(gettext_lazy("Action %(n)s: give the target date as a date", n=n))


def plan_save(
    *,
    plan: ActionPlan,
    actions: Sequence[Mapping[str, Any]],
    actor: User,
    expected_version: int,
    now: dt.datetime | None = None,
) -> ActionPlan:
    """The body saves its plan (not yet submitted): ``actions`` is the whole list, each
    ``{"recommendation_id", "text", "owner", "target_on"}`` and, for one already in the plan, its ``"id"``.
    An open action of the plan left out of the list is taken out (withdrawn, kept)."""
    who = _plan_actor(actor, plan)
    current = fresh(ActionPlan, plan, expected_version, "action plan")
    target = transition_plan(PlanState(current.state), PlanMove.SAVE, who)
    recommendations = {
        r.pk: r
        for r in Recommendation.objects.filter(
            finding__inspection_id=current.inspection_id,
            body_id=current.body_id,
            state=RecommendationState.OPEN.value,
        )
    }
    existing = {a.pk: a for a in PlanAction.objects.filter(plan_id=current.pk)}
    wanted: list[tuple[PlanAction | None, dict[str, Any]]] = []
    kept: set[int] = set()
    for n, item in enumerate(actions, start=1):
        if not isinstance(item, Mapping):
            raise FollowupError(gettext_lazy("Action %(n)s is not an action", n=n))
        rec_id = item.get("recommendation_id")
        if rec_id not in recommendations:
            raise FollowupError(
                gettext_lazy("Action %(n)s: choose one of the plan's open recommendations", n=n)
            )
        fields = {
            "recommendation_id": rec_id,
            "text": required(
                str(item.get("text") or ""),
                gettext_lazy("Action %(n)s: say what will be done", n=n),
            ),
            "owner": required(
                str(item.get("owner") or ""), gettext_lazy("Action %(n)s: say who owns it", n=n)
            ),
            "target_on": _target(item.get("target_on"), n),
        }
        if len(fields["owner"]) > 200:
            raise FollowupError(
                gettext_lazy("Action %(n)s: the owner's names must be 200 characters or fewer", n=n)
            )
        pk = item.get("id")
        if pk is None:
            wanted.append((None, fields))
            continue
        if pk not in existing or pk in kept:
            raise FollowupError(gettext_lazy("Action %(n)s is not one of this plan's actions", n=n))
        old = existing[pk]
        if ActionState(old.state) not in ACTION_OPEN_STATES:
            raise FollowupError(
                # The state's code (done, withdrawn) is its words in a sentence, marked in domain.followup.
                gettext_lazy(
                    "Action %(n)s is %(state)s: it cannot be changed", n=n, state=Phrase(old.state)
                )
            )
        kept.add(pk)
        wanted.append((old, fields))
    dropped = [a for pk, a in existing.items() if pk not in kept and a.state in ACTION_OPEN_STATES]
    for a in dropped:
        transition_action(ActionState(a.state), ActionMove.DROP, who)
    # Only what is new or differs is written; the journal counts it.
    changes = [
        (was, fields)
        for was, fields in wanted
        if was is None or any(getattr(was, k) != v for k, v in fields.items())
    ]
    added = sum(1 for was, _ in changes if was is None)
    dated, now = now, now or timezone.now()
    with transaction.atomic():
        swap(ActionPlan, current, expected_version, "action plan", state=target.value)
        record_move(
            "plan",
            current.pk,
            move="save",
            before=current.state,
            after=target.value,
            actor=actor,
            at=now,
            journal=JournalAction.ACTION_PLAN_SAVE,
            detail={
                "from": current.state,
                "to": target.value,
                "added": added,
                "changed": len(changes) - added,
                "dropped": len(dropped),
            },
            journal_at=dated,
        )
        for was, fields in changes:
            if was is None:
                new = PlanAction.objects.create(
                    plan=current, state=ActionState.OPEN.value, created_at=now, **fields
                )
                add_history(
                    "action",
                    new.pk,
                    action="add",
                    before="",
                    after=new.state,
                    actor=actor,
                    at=now,
                )
            else:
                swap(PlanAction, was, was.version, "action", **fields)
                add_history(
                    "action",
                    was.pk,
                    action="edit",
                    before=was.state,
                    after=was.state,
                    actor=actor,
                    at=now,
                )
        for a in dropped:
            swap(PlanAction, a, a.version, "action", state=ActionState.WITHDRAWN.value)
            add_history(
                "action",
                a.pk,
                action="drop",
                before=a.state,
                after=ActionState.WITHDRAWN.value,
                actor=actor,
                at=now,
            )
    return ActionPlan.objects.select_related("inspection", "body").get(pk=current.pk)


def _unanswered(plan: ActionPlan) -> list[str]:
    """The plan's open recommendations ("R4") with no action that is not withdrawn."""
    open_recs = Recommendation.objects.filter(
        finding__inspection_id=plan.inspection_id,
        body_id=plan.body_id,
        state=RecommendationState.OPEN.value,
    ).order_by("number")
    answered = set(
        PlanAction.objects.filter(plan_id=plan.pk)
        .exclude(state=ActionState.WITHDRAWN.value)
        .values_list("recommendation_id", flat=True)
    )
    return [f"R{r.number}" for r in open_recs if r.pk not in answered]


def plan_submit(
    *, plan: ActionPlan, actor: User, expected_version: int, now: dt.datetime | None = None
) -> ActionPlan:
    """The body submits its plan: refused unless every open recommendation has at least one action."""
    who = _plan_actor(actor, plan)
    current = fresh(ActionPlan, plan, expected_version, "action plan")
    target = transition_plan(PlanState(current.state), PlanMove.SUBMIT, who)
    missing = _unanswered(current)
    if missing:
        raise FollowupError(
            gettext_lazy(
                "Add at least one action for %(labels)s before submitting the plan",
                labels=", ".join(missing),
            )
        )
    dated, now = now, now or timezone.now()
    with transaction.atomic():
        swap(
            ActionPlan,
            current,
            expected_version,
            "action plan",
            state=target.value,
            submitted_at=now,
            submitted_by=signed_in(actor),
        )
        record_move(
            "plan",
            current.pk,
            move="submit",
            before=current.state,
            after=target.value,
            actor=actor,
            at=now,
            journal=JournalAction.ACTION_PLAN_SUBMIT,
            detail={"from": current.state, "to": target.value},
            journal_at=dated,
        )
        tell(
            notices.action_plan_submitted(body=current.body, plan_id=current.pk),
            [current.inspection.lead],
            "action_plan",
            current.pk,
            now=dated,
        )
    return ActionPlan.objects.select_related("inspection", "body").get(pk=current.pk)


def plan_accept(
    *, plan: ActionPlan, actor: User, expected_version: int, now: dt.datetime | None = None
) -> ActionPlan:
    """The lead accepts the body's submitted plan: refused while an open recommendation has no action (return
    it, so that the body adds one)."""
    who = _plan_actor(actor, plan)
    current = fresh(ActionPlan, plan, expected_version, "action plan")
    target = transition_plan(PlanState(current.state), PlanMove.ACCEPT, who)
    missing = _unanswered(current)
    if missing:
        raise FollowupError(
            ngettext_lazy(
                "%(labels)s has no action yet: return the plan so that the body adds one",
                "%(labels)s have no action yet: return the plan so that the body adds one",
                len(missing),
                labels=", ".join(missing),
            )
        )
    dated, now = now, now or timezone.now()
    with transaction.atomic():
        swap(
            ActionPlan,
            current,
            expected_version,
            "action plan",
            state=target.value,
            accepted_at=now,
        )
        record_move(
            "plan",
            current.pk,
            move="accept",
            before=current.state,
            after=target.value,
            actor=actor,
            at=now,
            journal=JournalAction.ACTION_PLAN_ACCEPT,
            detail={"from": current.state, "to": target.value},
            journal_at=dated,
        )
    return ActionPlan.objects.select_related("inspection", "body").get(pk=current.pk)


def plan_return(*, plan: ActionPlan, actor: User, expected_version: int, note: str) -> ActionPlan:
    """The lead returns the body's submitted plan, saying what more is needed (the body is told by e-mail)."""
    who = _plan_actor(actor, plan)
    said = required(note, gettext_lazy("Say what more is needed"))
    current = fresh(ActionPlan, plan, expected_version, "action plan")
    target = transition_plan(PlanState(current.state), PlanMove.RETURN, who)
    now = timezone.now()
    with transaction.atomic():
        swap(ActionPlan, current, expected_version, "action plan", state=target.value)
        record_move(
            "plan",
            current.pk,
            move="return",
            before=current.state,
            after=target.value,
            actor=actor,
            at=now,
            note=said,
            journal=JournalAction.ACTION_PLAN_RETURN,
            detail={"from": current.state, "to": target.value},
        )
        tell(
            notices.action_plan_returned(body=current.body, plan_id=current.pk),
            contacts_of(current.body_id, BodyContact.Kind.LIAISON),
            "action_plan",
            current.pk,
        )
    return ActionPlan.objects.select_related("inspection", "body").get(pk=current.pk)


# --- Actions -----------------------------------------------------------------------------------------------


def _action_move(
    action: PlanAction,
    move: ActionMove,
    *,
    actor: User,
    expected_version: int,
    journal: JournalAction,
    note: str = "",
    evidence: str = "",
    now: dt.datetime | None = None,
) -> PlanAction:
    plan = action.plan
    who = acting_as(
        actor, plan.inspection, plan.body_id, gettext_lazy("You cannot act on this action")
    )
    current = fresh(PlanAction, action, expected_version, "action")
    target = transition_action(ActionState(current.state), move, who)
    check_action_in_plan(ActionPlan.objects.values_list("state", flat=True).get(pk=plan.pk), move)
    dated, now = now, now or timezone.now()
    with transaction.atomic():
        fields: dict[str, Any] = {"state": target.value}
        if target is ActionState.DONE:
            fields["completed_at"] = now
        swap(PlanAction, current, expected_version, "action", **fields)
        if move is not ActionMove.WITHDRAW and note:
            ProgressUpdate.objects.create(
                action=current,
                note=note,
                evidence=evidence.strip(),
                by=person(actor),
                by_name=actor.get_username(),
                at=now,
            )
        record_move(
            "action",
            current.pk,
            move=move.value,
            before=current.state,
            after=target.value,
            actor=actor,
            at=now,
            note=note if move is ActionMove.WITHDRAW else "",
            journal=journal,
            detail={"plan": plan.pk, "from": current.state, "to": target.value},
            journal_at=dated,
        )
    return PlanAction.objects.select_related(
        "plan__inspection", "plan__body", "recommendation"
    ).get(pk=current.pk)


def action_update(
    *,
    action: PlanAction,
    note: str,
    evidence: str,
    actor: User,
    expected_version: int,
    now: dt.datetime | None = None,
) -> PlanAction:
    """The body reports progress on an open (or escalated) action, with a note and its evidence."""
    said = required(note, gettext_lazy("Say what progress has been made"))
    return _action_move(
        action,
        ActionMove.UPDATE,
        actor=actor,
        expected_version=expected_version,
        journal=JournalAction.PLAN_ACTION_UPDATE,
        note=said,
        evidence=evidence or "",
        now=now,
    )


def action_complete(
    *,
    action: PlanAction,
    actor: User,
    expected_version: int,
    note: str = "",
    evidence: str = "",
    now: dt.datetime | None = None,
) -> PlanAction:
    """The body marks an action done (``note`` and ``evidence``, when given, are kept as a last update)."""
    return _action_move(
        action,
        ActionMove.COMPLETE,
        actor=actor,
        expected_version=expected_version,
        journal=JournalAction.PLAN_ACTION_COMPLETE,
        note=(note or "").strip(),
        evidence=evidence or "",
        now=now,
    )


def action_withdraw(
    *, action: PlanAction, actor: User, expected_version: int, reason: str
) -> PlanAction:
    """The lead withdraws an action (kept, with its history)."""
    said = required(reason, gettext_lazy("Say why the action is withdrawn"))
    return _action_move(
        action,
        ActionMove.WITHDRAW,
        actor=actor,
        expected_version=expected_version,
        journal=JournalAction.PLAN_ACTION_WITHDRAW,
        note=said,
    )


# --- Escalation ----------------------------------------------------------------------------------------------

#: Actions escalate only in a plan the body has submitted (or the lead accepted): a draft's dates are not yet
#: promised.
_PLANS_WITH_LIVE_ACTIONS = (PlanState.SUBMITTED.value, PlanState.ACCEPTED.value)


def _escalate_once(
    obj: ActionPlan | PlanAction,
    target: str,
    *,
    history: tuple[str, str],
    journal: tuple[JournalAction, str, dict[str, Any]],
    notice: notices.Message,
    recipients: Sequence[Any],
) -> bool:
    """Escalate one plan or action, only if nobody moved it and it was never escalated (compare-and-set on
    ``version`` and ``escalated_at``): its history, its journal entry and the e-mail (through the outbox) in one
    transaction.  False when another run or person got there first."""
    now = timezone.now()
    with transaction.atomic():
        changed = (
            type(obj)
            ._default_manager.filter(pk=obj.pk, version=obj.version, escalated_at__isnull=True)
            .update(state=target, version=obj.version + 1, escalated_at=now)
        )
        if not changed:
            return False
        object_type, note = history
        action, journal_type, detail = journal
        record_move(
            object_type,
            obj.pk,
            move="escalate",
            before=obj.state,
            after=target,
            actor=None,
            at=now,
            note=note,
            journal=action,
            detail=detail,
        )
        tell(notice, recipients, journal_type, obj.pk)
    obj.refresh_from_db()
    return True


def followup_escalate(*, today: dt.date | None = None) -> list[ActionPlan | PlanAction]:
    """Escalate, once each, every plan overdue while the body still owes it (and some recommendation of it is
    still open) and every open action of a submitted or accepted plan past its target date (answering a
    recommendation still open); tell the body's senior leads and the inspection's lead
    by e-mail (no case content).  Safe to run daily: a second run the same day, or any later day, does
    nothing more for what it already escalated."""
    today = today or timezone.localdate()
    escalated: list[ActionPlan | PlanAction] = []
    for plan in (
        ActionPlan.objects.filter(
            state__in=[s.value for s in PLAN_AWAITING_BODY],
            escalated_at__isnull=True,
            due_on__lt=today,
        )
        # A plan with nothing left to answer (every recommendation withdrawn or closed) is owed no more.
        .filter(
            Exists(
                Recommendation.objects.filter(
                    finding__inspection_id=OuterRef("inspection_id"),
                    body_id=OuterRef("body_id"),
                    state=RecommendationState.OPEN.value,
                )
            )
        )
        .select_related("inspection__lead", "body")
        .order_by("due_on", "id")
    ):
        if not plan_overdue(PlanState(plan.state), plan.due_on, today):
            continue
        target = transition_plan(PlanState(plan.state), PlanMove.ESCALATE, FollowupActor.SYSTEM)
        if _escalate_once(
            plan,
            target.value,
            history=("plan", f"due {plan.due_on.isoformat()}"),
            journal=(
                JournalAction.ACTION_PLAN_ESCALATE,
                "action_plan",
                {"due_on": plan.due_on.isoformat()},
            ),
            notice=notices.action_plan_escalated(
                body=plan.body, plan_id=plan.pk, due_on=plan.due_on
            ),
            recipients=[
                *contacts_of(plan.body_id, BodyContact.Kind.SENIOR_LEAD),
                plan.inspection.lead,
            ],
        ):
            escalated.append(plan)
    for action in (
        PlanAction.objects.filter(
            state=ActionState.OPEN.value,
            escalated_at__isnull=True,
            target_on__lt=today,
            plan__state__in=_PLANS_WITH_LIVE_ACTIONS,
            # An action answering a recommendation that is closed or withdrawn is no longer chased.
            recommendation__state=RecommendationState.OPEN.value,
        )
        .select_related("plan__inspection__lead", "plan__body", "recommendation")
        .order_by("target_on", "id")
    ):
        if not action_overdue(ActionState(action.state), action.target_on, today):
            continue
        target_state = transition_action(
            ActionState(action.state), ActionMove.ESCALATE, FollowupActor.SYSTEM
        )
        if _escalate_once(
            action,
            target_state.value,
            history=("action", f"target {action.target_on.isoformat()}"),
            journal=(
                JournalAction.PLAN_ACTION_ESCALATE,
                "plan_action",
                {"plan": action.plan_id, "target_on": action.target_on.isoformat()},
            ),
            notice=notices.plan_action_escalated(
                body=action.plan.body,
                plan_id=action.plan_id,
                recommendation=action.recommendation.number,
                target_on=action.target_on,
            ),
            recipients=[
                *contacts_of(action.plan.body_id, BodyContact.Kind.SENIOR_LEAD),
                action.plan.inspection.lead,
            ],
        ):
            escalated.append(action)
    return escalated
