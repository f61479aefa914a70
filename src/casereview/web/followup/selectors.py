"""Reads for findings, recommendations and action plans, scoped like send backs.

Who sees what (``recommendations_visible``): a liaison officer or senior lead of a body sees that body's
published recommendations; a lead inspector those of the inspections they lead (drafts included) and the
published ones of every body they lead an inspection of; an analyst every published one; nobody else any.
A page asks ``recommendation_visible`` / ``plan_visible`` and answers 404 on None.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from casereview.domain.followup import (
    ACTION_OPEN_STATES,
    ACTION_TRANSITIONS,
    PLAN_ACTIONS_LIVE,
    PLAN_TRANSITIONS,
    ActionMove,
    ActionState,
    FindingState,
    FollowupActor,
    PlanState,
    Rag,
    RecommendationState,
    rag,
)
from casereview.domain.roles import Role
from casereview.web.core.access import user_roles
from casereview.web.inspections.models import Inspection
from casereview.web.referrals.models import BodyContact

from .models import (
    ActionPlan,
    Finding,
    FollowupEvent,
    PlanAction,
    ProgressUpdate,
    Recommendation,
    RecommendationJudgement,
)

#: The body's contacts who act for it on recommendations and plans.
BODY_CONTACT_KINDS = (BodyContact.Kind.LIAISON, BodyContact.Kind.SENIOR_LEAD)


# --- Who someone is, for an object -----------------------------------------------------------------------


def is_lead_of(user: Any, inspection: Any) -> bool:
    """The lead inspector of ``inspection`` (holding the role now)."""
    return (
        Role.LEAD_INSPECTOR in user_roles(user)
        and user.pk is not None
        and inspection.lead_id == user.pk
    )


def is_body_contact(user: Any, body_id: int) -> bool:
    """A liaison officer or senior lead of the body (a liaison officer by role, its contact of either kind)."""
    return (
        Role.LIAISON_OFFICER in user_roles(user)
        and BodyContact.objects.filter(
            body_id=body_id, user_id=user.pk or 0, kind__in=BODY_CONTACT_KINDS
        ).exists()
    )


def _contact_bodies(user: Any) -> QuerySet[Any]:
    """The ids of the bodies ``user`` is a contact of, as a subquery (no query of its own)."""
    return BodyContact.objects.filter(user_id=user.pk or 0, kind__in=BODY_CONTACT_KINDS).values(
        "body_id"
    )


def _visible_q(user: Any, *, inspection_field: str, published: Q) -> Q:
    roles = user_roles(user)
    allowed = Q(pk__in=[])
    if Role.ANALYST in roles:
        allowed |= published
    if Role.LIAISON_OFFICER in roles:
        allowed |= published & Q(body_id__in=_contact_bodies(user))
    if Role.LEAD_INSPECTOR in roles:
        led = Inspection.objects.filter(lead_id=user.pk or 0).values("body_id")
        allowed |= Q(**{f"{inspection_field}__lead_id": user.pk or 0})
        allowed |= published & Q(body_id__in=led)
    return allowed


# --- Recommendations ----------------------------------------------------------------------------------------


def recommendations_visible(user: Any) -> QuerySet[Recommendation]:
    """The recommendations ``user`` may see (drafts only to the lead of their inspection)."""
    allowed = _visible_q(
        user, inspection_field="finding__inspection", published=Q(published_at__isnull=False)
    )
    return Recommendation.objects.select_related("finding__inspection", "body").filter(allowed)


def recommendation_visible(user: Any, recommendation_id: int) -> Recommendation | None:
    return recommendations_visible(user).filter(pk=recommendation_id).first()


def findings_of(inspection: Any) -> list[Finding]:
    """The inspection's findings (every state), by number, each with its recommendations: two queries."""
    return list(
        Finding.objects.filter(inspection_id=inspection.pk)
        .order_by("number")
        .prefetch_related(
            Prefetch("recommendations", queryset=Recommendation.objects.order_by("number"))
        )
    )


def finding_visible(user: Any, finding_id: int) -> Finding | None:
    """A finding ``user`` may see: the lead of its inspection any; others a published one they may see."""
    allowed = _visible_q(
        user, inspection_field="inspection", published=Q(published_at__isnull=False)
    )
    return (
        Finding.objects.select_related("inspection", "body").filter(allowed, pk=finding_id).first()
    )


def open_recommendations_of_body(body: Any, before: dt.date) -> list[Recommendation]:
    """The body's open recommendations from inspections that ended before ``before`` (to judge at a later
    inspection), oldest first, each with its finding and that finding's inspection."""
    return list(
        Recommendation.objects.filter(
            body_id=body.pk,
            state=RecommendationState.OPEN.value,
            finding__inspection__period_end__lt=before,
        )
        .select_related("finding__inspection", "body")
        .order_by("finding__inspection__period_end", "finding__inspection_id", "number")
    )


def judgements_of(recommendation: Any) -> list[RecommendationJudgement]:
    """Every judgement of the recommendation, oldest first, with the inspection that made it."""
    return list(
        RecommendationJudgement.objects.filter(recommendation_id=recommendation.pk)
        .select_related("inspection", "by")
        .order_by("at", "id")
    )


def history_of(object_type: str, object_id: int) -> list[FollowupEvent]:
    """Every move of one finding, recommendation, plan or action, oldest first."""
    return list(
        FollowupEvent.objects.filter(object_type=object_type, object_id=object_id).order_by(
            "at", "id"
        )
    )


# --- Plans and actions -------------------------------------------------------------------------------------


def plan_for(inspection: Any, body: Any) -> ActionPlan | None:
    return (
        ActionPlan.objects.select_related("inspection", "body")
        .filter(inspection_id=inspection.pk, body_id=body.pk)
        .first()
    )


def plans_visible(user: Any) -> QuerySet[ActionPlan]:
    """Plans ``user`` may see: the lead of the inspection, the body's contacts, an analyst, and a lead inspector
    of another inspection of the body (plans exist only once something was published)."""
    everything = Q(pk__isnull=False)
    return ActionPlan.objects.select_related("inspection", "body").filter(
        _visible_q(user, inspection_field="inspection", published=everything)
    )


def plan_visible(user: Any, plan_id: int) -> ActionPlan | None:
    return plans_visible(user).filter(pk=plan_id).first()


def plan_actions(plan: Any) -> list[PlanAction]:
    """The plan's actions (every state), by recommendation, each with its recommendation and its progress
    updates (oldest first): two queries."""
    return list(
        PlanAction.objects.filter(plan_id=plan.pk)
        .select_related("recommendation")
        .prefetch_related(Prefetch("updates", queryset=ProgressUpdate.objects.order_by("at", "id")))
        .order_by("recommendation__number", "id")
    )


def plan_recommendations(plan: Any) -> list[Recommendation]:
    """The open recommendations the plan answers (those of its inspection and body), by number."""
    return list(
        Recommendation.objects.filter(
            finding__inspection_id=plan.inspection_id,
            body_id=plan.body_id,
            state=RecommendationState.OPEN.value,
        ).order_by("number")
    )


def action_visible(user: Any, action_id: int) -> PlanAction | None:
    return (
        PlanAction.objects.select_related("plan__inspection", "plan__body", "recommendation")
        .filter(plan__in=plans_visible(user), pk=action_id)
        .first()
    )


def actor_for(user: Any, inspection: Any, body_id: int) -> FollowupActor | None:
    """Who ``user`` is for an object of ``inspection`` and the body: its lead, the body, or neither (None)."""
    if is_lead_of(user, inspection):
        return FollowupActor.LEAD
    if is_body_contact(user, body_id):
        return FollowupActor.BODY
    return None


def plan_moves_for(user: Any, plan: ActionPlan) -> list[str]:
    """The moves ``user`` may make on the plan now (what a page offers a button for), in the table's order."""
    actor = actor_for(user, plan.inspection, plan.body_id)
    return [
        move.value
        for (state, move), (who, _) in PLAN_TRANSITIONS.items()
        if state.value == plan.state and who is actor
    ]


def action_moves_for(user: Any, action: PlanAction) -> list[str]:
    """The moves ``user`` may make on the action now, in the table's order."""
    actor = actor_for(user, action.plan.inspection, action.plan.body_id)
    if PlanState(action.plan.state) not in PLAN_ACTIONS_LIVE:
        return []  # an action moves only in a submitted or accepted plan (the body saves the plan before)
    return [
        move.value
        for (state, move), (who, _) in ACTION_TRANSITIONS.items()
        if state.value == action.state and who is actor and move is not ActionMove.DROP
    ]


# --- The register ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterFilters:
    """What the recommendations register is narrowed to: each empty means any (always within
    ``recommendations_visible``)."""

    body: str = ""  # a body's code
    state: str = ""  # a RecommendationState
    rag: str = ""  # a Rag
    judgement: str = ""  # the last Judgement, or "none" for never judged
    inspection_id: int | None = None

    def query(self) -> dict[str, str]:
        return {
            "body": self.body,
            "state": self.state,
            "rag": self.rag,
            "judgement": self.judgement,
            "inspection": "" if self.inspection_id is None else str(self.inspection_id),
        }


@dataclass(frozen=True)
class RegisterRow:
    id: int
    number: int
    label: str  # "R3"
    body_code: str
    body_name: str
    inspection_id: int
    inspection_name: str
    finding_id: int
    finding_number: int
    finding_kind: str
    text: str
    state: str
    immediate: bool
    due_on: dt.date | None
    published_on: dt.date | None
    age_days: int | None  # since publication (to closure when closed); None for a draft
    rag: str
    last_judgement: str  # a Judgement code, or ""
    judged_at: dt.datetime | None
    judged_by_inspection_id: int | None
    judgement_evidence: dict[str, Any]
    plan_id: int | None
    plan_state: str  # a PlanState code, or ""
    actions_open: int
    actions_done: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe, codes kept (the CLI's and the API's shape)."""
        return {
            "id": self.id,
            "number": self.label,
            "body": self.body_code,
            "inspection_id": self.inspection_id,
            "finding_id": self.finding_id,
            "finding_number": self.finding_number,
            "finding_kind": self.finding_kind,
            "text": self.text,
            "state": self.state,
            "immediate": self.immediate,
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "published_on": self.published_on.isoformat() if self.published_on else None,
            "age_days": self.age_days,
            "rag": self.rag,
            "last_judgement": self.last_judgement or None,
            "judged_at": self.judged_at.isoformat() if self.judged_at else None,
            "plan_id": self.plan_id,
            "plan_state": self.plan_state or None,
            "actions_open": self.actions_open,
            "actions_done": self.actions_done,
        }


def register_rows(
    user: Any, filters: RegisterFilters | None = None, *, today: dt.date | None = None
) -> list[RegisterRow]:
    """The recommendations register: every recommendation ``user`` may see, narrowed by ``filters``, oldest
    inspection first.  Four queries whatever the number of rows (the recommendations with their finding,
    inspection and body; their judgements; their actions; the plans) — the user's roles aside."""
    return _register(recommendations_visible(user), filters or RegisterFilters(), today)


def _register(
    found: QuerySet[Recommendation], filters: RegisterFilters, today: dt.date | None
) -> list[RegisterRow]:
    today = today or timezone.localdate()
    if filters.body:
        found = found.filter(body__code=filters.body)
    if filters.state:
        found = found.filter(state=filters.state)
    if filters.judgement == "none":
        found = found.filter(last_judgement="")
    elif filters.judgement:
        found = found.filter(last_judgement=filters.judgement)
    if filters.inspection_id is not None:
        found = found.filter(finding__inspection_id=filters.inspection_id)
    recommendations = list(
        found.prefetch_related(
            Prefetch(
                "judgements",
                queryset=RecommendationJudgement.objects.order_by("at", "id"),
            ),
            Prefetch(
                "actions", queryset=PlanAction.objects.only("id", "recommendation_id", "state")
            ),
        ).order_by("finding__inspection__period_end", "finding__inspection_id", "number")
    )
    pairs = {(r.finding.inspection_id, r.body_id) for r in recommendations}
    plans: dict[tuple[int, int], tuple[int, str]] = {}
    if pairs:
        inspections = {i for i, _ in pairs}
        for pk, inspection_id, body_id, state in ActionPlan.objects.filter(
            inspection_id__in=inspections
        ).values_list("id", "inspection_id", "body_id", "state"):
            plans[(inspection_id, body_id)] = (pk, state)
    rows = []
    for r in recommendations:
        judgements = list(r.judgements.all())
        last = judgements[-1] if judgements else None
        colour = rag(r.state, r.due_on, today, r.last_judgement).value
        if filters.rag and colour != filters.rag:
            continue
        published_on = timezone.localdate(r.published_at) if r.published_at else None
        ended = timezone.localdate(r.closed_at) if r.closed_at else today
        plan_id, plan_state = plans.get((r.finding.inspection_id, r.body_id), (None, ""))
        actions = list(r.actions.all())
        rows.append(
            RegisterRow(
                id=r.pk,
                number=r.number,
                label=f"R{r.number}",
                body_code=r.body.code,
                body_name=r.body.name,
                inspection_id=r.finding.inspection_id,
                inspection_name=r.finding.inspection.name,
                finding_id=r.finding_id,
                finding_number=r.finding.number,
                finding_kind=r.finding.kind,
                text=r.text,
                state=r.state,
                immediate=r.immediate,
                due_on=r.due_on,
                published_on=published_on,
                age_days=(ended - published_on).days if published_on else None,
                rag=colour,
                last_judgement=r.last_judgement,
                judged_at=last.at if last else None,
                judged_by_inspection_id=last.inspection_id if last else None,
                judgement_evidence=dict(last.evidence) if last and last.evidence else {},
                plan_id=plan_id,
                plan_state=plan_state,
                actions_open=sum(a.state in ACTION_OPEN_STATES for a in actions),
                actions_done=sum(a.state == ActionState.DONE.value for a in actions),
            )
        )
    return rows


def recommendations_listed(filters: RegisterFilters | None = None) -> list[dict[str, Any]]:
    """Every published recommendation of every body, for the command line (an operator's view), as JSON rows
    (drafts stay with their lead)."""
    published = Recommendation.objects.select_related("finding__inspection", "body").filter(
        published_at__isnull=False
    )
    return [row.as_dict() for row in _register(published, filters or RegisterFilters(), None)]


# Kept importable for the pages: the states named in filters.
FILTER_STATES = tuple(RecommendationState)
FILTER_RAGS = tuple(Rag)
PLAN_STATES = tuple(PlanState)
FINDING_STATES = tuple(FindingState)
