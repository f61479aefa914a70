"""Recording published baselines; journaled."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from casereview.domain.journal import Operation
from casereview.web.journal.services import journal_record
from casereview.web.registers.models import Body

from .models import Baseline


class BaselineError(Exception):
    """Refused; the message says why."""


def _weakness_counts(given: list[str] | dict[str, int], total: int) -> dict[str, int]:
    """``["W01=12", …]`` (or a mapping) as {code: cases}; each count between 0 and the total."""
    from casereview.importing.frameworks import load_framework, shipped_frameworks

    known = {code for ref in shipped_frameworks() for code in load_framework(ref).weakness_codes}
    pairs = (
        list(given.items())
        if isinstance(given, dict)
        else [tuple(g.split("=", 1)) if "=" in g else (g, "") for g in given]
    )
    out: dict[str, int] = {}
    problems = []
    for code, value in pairs:
        code = str(code).strip().upper()
        try:
            n = int(value)
        except (TypeError, ValueError):
            problems.append(f"{code or '(empty)'}: give CODE=CASES, e.g. W02=14")
            continue
        if code not in known:
            problems.append(f"{code}: not a weakness code of any shipped framework")
        elif not 0 <= n <= total:
            problems.append(f"{code}: the count must be between 0 and the total ({total})")
        elif code in out:
            problems.append(f"{code}: given twice")
        else:
            out[code] = n
    if problems:
        raise BaselineError("; ".join(problems))
    return out


def baseline_add(
    *,
    body_code: str,
    label: str,
    period_end: dt.date,
    total: int,
    ri_or_inadequate: int,
    good: int | None = None,
    requires_improvement: int | None = None,
    inadequate: int | None = None,
    weaknesses: list[str] | dict[str, int] | None = None,
    actor: Any = None,
) -> Baseline:
    body = Body.objects.filter(code=body_code.strip().upper()).first()
    if body is None:
        raise BaselineError(f"No inspected body with code {body_code!r}")
    if total < 1 or not 0 <= ri_or_inadequate <= total:
        raise BaselineError(
            "The counts must satisfy 0 ≤ requires improvement or inadequate ≤ total, total ≥ 1"
        )
    parts = (good, requires_improvement, inadequate)
    if any(p is not None for p in parts):
        if any(p is None or p < 0 for p in parts):
            raise BaselineError(
                "Give all of --good, --requires-improvement and --inadequate, or none"
            )
        if (good or 0) + (requires_improvement or 0) + (inadequate or 0) != total:
            raise BaselineError(
                "Good, requires improvement and inadequate must add up to the total"
            )
        if (requires_improvement or 0) + (inadequate or 0) != ri_or_inadequate:
            raise BaselineError(
                "Requires improvement plus inadequate must equal --ri-or-inadequate"
            )
    counted = _weakness_counts(weaknesses, total) if weaknesses else None
    with transaction.atomic():
        baseline = Baseline.objects.create(
            body=body,
            label=label.strip()[:200],
            period_end=period_end,
            total=total,
            ri_or_inadequate=ri_or_inadequate,
            good=good,
            requires_improvement=requires_improvement,
            inadequate=inadequate,
            weaknesses=counted,
            created_at=timezone.now(),
        )
        journal_record(
            actor=actor,
            operation=Operation.COLLECTION,
            action="baseline_add",
            object_type="baseline",
            object_id=baseline.pk,
            detail={
                "body": body.code,
                "total": total,
                "ri_or_inadequate": ri_or_inadequate,
                "weaknesses": counted,
            },
        )
    return baseline


class PublishError(Exception):
    """Not ready to publish; ``problems`` says what is still to do."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def publication_problems(inspection: Any) -> list[str]:
    """What stands between an inspection and its published report (empty when it can be published)."""
    from casereview.web.inspections.models import Sample, SampledCase
    from casereview.web.referrals.selectors import at_risk_not_sent_back
    from casereview.web.reviews.models import Assignment, Review
    from casereview.web.reviews.services import disagreements

    if not Sample.objects.filter(inspection=inspection).exists():
        return ["No sample has been drawn or imported"]
    problems = []
    active = SampledCase.objects.filter(
        sample__inspection=inspection, state=SampledCase.State.ACTIVE
    )
    graded = (
        Review.objects.filter(
            assignment__sampled_case__in=active,
            assignment__kind=Assignment.Kind.FIRST,
            state=Review.State.SUBMITTED,
        )
        .exclude(overall="")
        .count()
    )
    sampled = active.count()
    if graded < sampled:
        problems.append(f"{sampled - graded} of {sampled} sampled cases have no submitted review")
    waiting = (
        Assignment.objects.filter(sampled_case__in=active, kind=Assignment.Kind.MODERATION)
        .exclude(review__state=Review.State.SUBMITTED)
        .count()
    )
    if waiting:
        problems.append(f"{waiting} moderation review(s) are not submitted")
    unsent = at_risk_not_sent_back(inspection)
    if unsent:
        problems.append(
            f"{len(unsent)} case(s) a review says are at risk have not been sent back ({', '.join(unsent[:10])}"
            f"{', …' if len(unsent) > 10 else ''}): send them back from the inspection page first"
        )
    open_disagreements = sum(1 for d in disagreements(inspection) if d.resolution is None)
    if open_disagreements:
        problems.append(
            f"{open_disagreements} disagreement(s) between first and second marks are not resolved"
        )
    return problems


def report_publish(*, inspection: Any, actor: Any, as_of: dt.date | None = None) -> Any:
    """Freeze the published version of the report (small numbers suppressed); journaled as a disclosure."""
    from casereview.domain.publication import published

    from .models import PublishedReport
    from .selectors import report_for

    problems = publication_problems(inspection)
    if problems:
        raise PublishError(problems)
    today = as_of or timezone.localdate()
    data = published(report_for(inspection, as_of=today))
    with transaction.atomic():
        made = PublishedReport.objects.create(
            inspection=inspection,
            published_at=timezone.now(),
            published_by=actor,
            as_of=today,
            data=data,
            input_sha256=data["reproducibility"]["input_sha256"],
            figures_sha256=data["reproducibility"]["figures_sha256"],
        )
        journal_record(
            actor=actor,
            operation=Operation.DISCLOSURE,
            action="report_publish",
            object_type="inspection",
            object_id=inspection.pk,
            recipient="public",
            detail={
                "publication": made.pk,
                "figures_sha256": made.figures_sha256,
                "as_of": today.isoformat(),
            },
        )
    return made


def report_disclosed(
    *,
    actor: Any,
    inspection_id: int,
    fmt: str,
    published: bool,
    figures_sha256: str,
    publication: int | None = None,
    actor_name: str | None = None,
) -> None:
    """Journal one generation or download of a report."""
    detail: dict[str, Any] = {
        "format": fmt,
        "published": published,
        "figures_sha256": figures_sha256,
    }
    if publication is not None:
        detail["publication"] = publication
    journal_record(
        actor=actor,
        operation=Operation.DISCLOSURE,
        action="report_generate",
        object_type="inspection",
        object_id=inspection_id,
        actor_name=actor_name,
        detail=detail,
    )
