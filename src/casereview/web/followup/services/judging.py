"""Judging a recommendation at a later inspection of the body: the lead decides, with the evidence of the
new sample and the judgement the numbers propose."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from casereview.domain.followup import (
    JUDGEMENT_WORDS,
    FollowupActor,
    Judgement,
    RecommendationMove,
    RecommendationState,
    judging_refusal,
    transition_recommendation,
)
from casereview.domain.journal import JournalAction
from casereview.domain.language import gettext_lazy
from casereview.domain.roles import InspectionKind
from casereview.web.core.users import User, signed_in
from casereview.web.inspections.models import Inspection

from ..models import (
    Recommendation,
    RecommendationJudgement,
)
from ._common import (
    FollowupError,
    fresh,
    lead_only,
    record_move,
    required,
    swap,
)


def _judgement(code: str, *, blank: bool = False) -> Judgement | None:
    if blank and not code:
        return None
    try:
        return Judgement(code)
    except ValueError as exc:
        raise FollowupError(
            gettext_lazy("Choose a judgement: met, partly met, not met or no longer relevant")
        ) from exc


def _evidence_json(evidence: Any) -> dict[str, Any]:
    if evidence is None:
        return {}
    if hasattr(evidence, "as_dict"):
        evidence = evidence.as_dict()
    if not isinstance(evidence, Mapping):
        raise FollowupError(gettext_lazy("The evidence must be what the evidence selector gave"))
    return dict(evidence)


def _check_order(recommendation: Recommendation, inspection: Inspection) -> None:
    """One judgement per recommendation per inspection, and only at an inspection later than the one that
    judged it last (``domain.followup.judging_refusal``)."""
    made = list(
        RecommendationJudgement.objects.filter(recommendation_id=recommendation.pk).values_list(
            "inspection_id", "inspection__period_end"
        )
    )
    refusal = judging_refusal(
        at_period_end=inspection.period_end,
        same_inspection=any(pk == inspection.pk for pk, _ in made),
        latest_period_end=max((end for _, end in made), default=None),
    )
    if refusal:
        raise FollowupError(refusal)


def recommendation_judge(
    *,
    recommendation: Recommendation,
    inspection: Inspection,
    judgement: str,
    rationale: str,
    proposed: str,
    evidence: Any,
    actor: User,
    expected_version: int,
) -> Recommendation:
    """The lead of a later inspection of the same body judges an open recommendation, with a rationale
    (always required) and the evidence shown; met or no longer relevant closes it."""
    chosen = _judgement(judgement)
    assert chosen is not None  # noqa: S101 (not blank)
    suggested = _judgement(proposed, blank=True)
    lead_only(actor, inspection, "judge recommendations at it")
    earlier = recommendation.finding.inspection
    if inspection.body_id != recommendation.body_id:
        raise FollowupError(
            gettext_lazy("Only an inspection of the same body can judge this recommendation")
        )
    if getattr(inspection, "kind", InspectionKind.INSPECTION) != InspectionKind.INSPECTION:
        raise FollowupError(
            gettext_lazy("Only the inspectorate's inspections judge recommendations")
        )
    if inspection.pk == earlier.pk or inspection.period_end <= earlier.period_end:
        raise FollowupError(
            gettext_lazy(
                "A recommendation is judged at a later inspection of the body: this inspection's period "
                "must end after the one that made it"
            )
        )
    why = required(rationale, gettext_lazy("Give the rationale for the judgement"))
    stored = _evidence_json(evidence)
    current = fresh(Recommendation, recommendation, expected_version, "recommendation")
    target = transition_recommendation(
        RecommendationState(current.state), RecommendationMove.JUDGE, FollowupActor.LEAD, chosen
    )
    _check_order(current, inspection)
    now = timezone.now()
    with transaction.atomic():
        fields: dict[str, Any] = {"state": target.value, "last_judgement": chosen.value}
        if target is not RecommendationState.OPEN:
            fields["closed_at"] = now
        swap(Recommendation, current, expected_version, "recommendation", **fields)
        made = RecommendationJudgement.objects.create(
            recommendation=current,
            inspection=inspection,
            judgement=chosen.value,
            rationale=why,
            proposed=suggested.value if suggested else "",
            evidence=stored,
            by=signed_in(actor),
            at=now,
        )
        record_move(
            "recommendation",
            current.pk,
            move="judge",
            before=current.state,
            after=target.value,
            actor=actor,
            at=now,
            note=JUDGEMENT_WORDS[chosen],
            journal=JournalAction.RECOMMENDATION_JUDGE,
            detail={
                "judgement": chosen.value,
                "proposed": made.proposed,
                "inspection": inspection.pk,
                "from": current.state,
                "to": target.value,
            },
        )
    return Recommendation.objects.get(pk=current.pk)


# --- The action plan ---------------------------------------------------------------------------------------
