"""Collecting an inspection's facts for its report (the figures themselves come from domain.report)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from casereview import __version__
from casereview.domain.report import GradedCase, HistoryPoint, SendBackFact, build_report
from casereview.domain.sampling import Allocation
from casereview.importing.frameworks import load_framework
from casereview.web.inspections.models import Inspection, Sample, SampledCase
from casereview.web.referrals.models import SendBack
from casereview.web.referrals.selectors import late
from casereview.web.registers.models import Case
from casereview.web.reviews.models import Assignment, Resolution, Review


def history_for(inspection: Inspection) -> list[HistoryPoint]:
    """Earlier inspections of the body (their final grades) and its published baselines."""
    from .models import Baseline

    points = [
        HistoryPoint(b.label, b.period_end.isoformat(), "baseline", b.ri_or_inadequate, b.total)
        for b in Baseline.objects.filter(body=inspection.body, period_end__lt=inspection.period_end)
    ]
    for earlier in Inspection.objects.filter(body=inspection.body, period_end__lt=inspection.period_end):
        figures = report_for(earlier, with_history=False)
        combined = figures["requires_improvement_or_inadequate"]
        if combined:
            points.append(HistoryPoint(earlier.name, earlier.period_end.isoformat(), "inspection", combined["count"], combined["total"]))
    return points


def report_for(inspection: Inspection, *, with_history: bool = True) -> dict[str, Any]:
    framework = load_framework(inspection.framework)
    sample = Sample.objects.filter(inspection=inspection).select_related("register").first()
    firsts = {
        r.assignment.sampled_case_id: r
        for r in Review.objects.filter(
            assignment__sampled_case__sample__inspection=inspection, assignment__kind=Assignment.Kind.FIRST,
            state=Review.State.SUBMITTED,
        ).select_related("assignment")
    }
    finals = dict(Resolution.objects.filter(sampled_case__sample__inspection=inspection).values_list("sampled_case_id", "final_overall"))
    sampled = {s.pk: s for s in SampledCase.objects.filter(pk__in=list(firsts))}
    details = dict(
        (pk, (category, unit))
        for pk, category, unit in Case.objects.filter(pk__in=[s.case_id for s in sampled.values()]).values_list("id", "category", "unit")
    )
    cases = []
    for pk, review in firsts.items():
        s = sampled[pk]
        category, unit = details.get(s.case_id, ("(erased)", "(erased)"))
        # Every key counts: areas, and `_case` for weaknesses imported for the whole case.
        weaknesses = {w for codes in review.area_weaknesses.values() for w in codes}
        cases.append(GradedCase(
            case_ref=s.case_ref, stratum=s.stratum, category=category, unit=unit,
            overall=finals.get(pk, review.overall), area_grades=review.area_grades, weaknesses=frozenset(weaknesses),
        ))
    manifest = sample.manifest if sample else {}
    strata = [{"label": s["label"], "frame_size": s["frame_size"], "sampled": s["allocated"]} for s in manifest.get("strata", [])]
    plan = manifest.get("plan", {})
    proportional = plan.get("allocation", Allocation.PROPORTIONAL.value) == Allocation.PROPORTIONAL.value and not plan.get("minimum_per_stratum")
    today = timezone.localdate()
    facts = [
        SendBackFact(
            urgency=s.urgency, state=s.state, overdue=late(s, today),
            days_to_response=(s.first_response_at - s.opened_at).total_seconds() / 86400 if s.first_response_at else None,
        )
        for s in SendBack.objects.filter(inspection=inspection)
    ]
    from casereview.web.reviews.selectors import agreement_for

    agreement = [
        {"raters": list(p.raters), "cases": p.cases, "agreement": p.agreement, "kappa": p.kappa, "weighted_kappa": p.weighted_kappa}
        for p in agreement_for(inspection)["pairs"]
    ] if sample else []
    replacements = SampledCase.objects.filter(sample=sample, replaces__isnull=False).count() if sample else 0
    return build_report(
        inspection={
            "id": inspection.pk, "name": inspection.name, "body": inspection.body.code,
            "period": [inspection.period_start.isoformat(), inspection.period_end.isoformat()],
            "framework": framework.ref, "commitment": inspection.commitment,
            "sample_algorithm": sample.algorithm if sample else None,
            "sample_drawn_in_casereview": sample is not None and sample.algorithm != "imported",
            "late_commitment": bool(sample and sample.late_commitment),
            "replacements": replacements,
            "register_sha256": sample.register.sha256 if sample else None,
            "frame_size": sum(s["frame_size"] for s in strata),
            "plan": plan,
        },
        grades=[(g.code, g.label) for g in framework.grades],
        areas=[(a.slug, a.title) for a in framework.areas],
        cases=cases,
        strata=strata,
        proportional=proportional,
        send_backs=facts,
        agreement=agreement,
        history=history_for(inspection) if with_history else [],
        software_version=__version__,
    )

