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


def baseline_add(
    *, body_code: str, label: str, period_end: dt.date, total: int, ri_or_inadequate: int,
    good: int | None = None, requires_improvement: int | None = None, inadequate: int | None = None, actor: Any = None,
) -> Baseline:
    body = Body.objects.filter(code=body_code.strip().upper()).first()
    if body is None:
        raise BaselineError(f"No inspected body with code {body_code!r}")
    if total < 1 or not 0 <= ri_or_inadequate <= total:
        raise BaselineError("The counts must satisfy 0 ≤ requires improvement or inadequate ≤ total, total ≥ 1")
    parts = (good, requires_improvement, inadequate)
    if any(p is not None for p in parts):
        if any(p is None or p < 0 for p in parts):
            raise BaselineError("Give all of --good, --requires-improvement and --inadequate, or none")
        if (good or 0) + (requires_improvement or 0) + (inadequate or 0) != total:
            raise BaselineError("Good, requires improvement and inadequate must add up to the total")
        if (requires_improvement or 0) + (inadequate or 0) != ri_or_inadequate:
            raise BaselineError("Requires improvement plus inadequate must equal --ri-or-inadequate")
    with transaction.atomic():
        baseline = Baseline.objects.create(
            body=body, label=label.strip()[:200], period_end=period_end, total=total, ri_or_inadequate=ri_or_inadequate,
            good=good, requires_improvement=requires_improvement, inadequate=inadequate, created_at=timezone.now(),
        )
        journal_record(
            actor=actor, operation=Operation.COLLECTION, action="baseline_add", object_type="baseline",
            object_id=baseline.pk, detail={"body": body.code, "total": total, "ri_or_inadequate": ri_or_inadequate},
        )
    return baseline
