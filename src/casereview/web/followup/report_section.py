"""What an inspection's report says of the body's earlier recommendations (a selector module).

The reports app sits below this one, so it cannot read recommendations itself: ``FollowupConfig.ready()``
gives it ``progress_facts`` (``reports.selectors.provide_followup_progress``), and its report builds the
"Progress against earlier recommendations" section from these facts and its own counts
(``domain.report_progress``).

The facts are those standing at the report's cutoff (the end of its day), so that a report regenerated for
the same day says the same: each published recommendation of the body's earlier inspections (ended before
this one) that was judged at this inspection by then (its latest judgement here), or was still open then
(not closed: met, no longer relevant or withdrawn) and not yet judged here.  A body's own audit judges no
recommendation of the inspectorate: it has none.

``followup.selectors`` has no read of recommendations as they stood at a time (``open_recommendations_of_body``
is of now, ``judgements_of`` of one recommendation), so this module reads the models: two queries whatever the
number of recommendations (one when there are none).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, Q
from django.utils import timezone

from casereview.domain.report_model_progress import ProgressFact
from casereview.domain.roles import InspectionKind

from .models import Recommendation, RecommendationJudgement


def progress_facts(inspection: Any, cutoff: dt.datetime | None = None) -> list[ProgressFact]:
    """The body's earlier recommendations for ``inspection``'s report, as they stood at ``cutoff`` (now when
    None), oldest inspection first."""
    if getattr(inspection, "kind", InspectionKind.INSPECTION) != InspectionKind.INSPECTION:
        return []
    judgements = RecommendationJudgement.objects.filter(inspection_id=inspection.pk)
    judged_here = Q(judgements__inspection_id=inspection.pk)
    found = Recommendation.objects.filter(
        body_id=inspection.body_id,
        published_at__isnull=False,
        finding__inspection__period_end__lt=inspection.period_end,
    )
    if cutoff is None:
        still_open = Q(closed_at__isnull=True)
    else:
        found = found.filter(published_at__lte=cutoff)
        judgements = judgements.filter(at__lte=cutoff)
        judged_here &= Q(judgements__at__lte=cutoff)
        still_open = Q(closed_at__isnull=True) | Q(closed_at__gt=cutoff)
    recommendations = list(
        found.filter(still_open | judged_here)
        .distinct()
        .select_related("finding__inspection")
        .prefetch_related(
            Prefetch("judgements", queryset=judgements.order_by("at", "id"), to_attr="here")
        )
        .order_by("finding__inspection__period_end", "finding__inspection_id", "number")
    )
    facts = []
    for r in recommendations:
        last = r.here[-1] if r.here else None
        earlier = r.finding.inspection
        facts.append(
            ProgressFact(
                recommendation_id=r.pk,
                number=r.number,
                finding_number=r.finding.number,
                finding_kind=r.finding.kind,
                text=r.text,
                inspection_id=earlier.pk,
                inspection_name=earlier.name,
                period=(earlier.period_start.isoformat(), earlier.period_end.isoformat()),
                basis=tuple(r.finding.basis if isinstance(r.finding.basis, list) else ()),
                immediate=r.immediate,
                due_on=r.due_on.isoformat() if r.due_on else None,
                judgement=last.judgement if last else None,
                judged_on=timezone.localdate(last.at).isoformat() if last else None,
                rationale=last.rationale if last else "",
            )
        )
    return facts
