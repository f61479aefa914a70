"""Reviews and resolutions as they stood at a moment: what a report as of a day reads.

A review's row holds its latest answers and a resolution's row its latest final grade; what reopening a
review or resolving a disagreement again overwrote is kept in ``ReopenedSubmission`` and
``ReplacedResolution``, each with the moment it stopped being in force.  A record stood at ``cutoff`` when it
was made before it and not yet replaced then (``referrals.history.day_end`` gives the cutoff of a day).
``cutoff=None`` reads what stands now.  One query per table, never one per case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from casereview.web.referrals.models import SendBack
from casereview.web.referrals.selectors import covers
from casereview.web.registers.models import Case

from .models import Assignment, ReopenedSubmission, ReplacedResolution, Resolution, Review


@dataclass(frozen=True)
class Submitted:
    """A submitted review as it stood: its answers then, and the case it grades."""

    inspection_id: int
    sampled_case_id: int
    case_ref: str
    stratum: str
    kind: str  # Assignment.Kind
    inspector: str
    overall: str
    area_grades: Mapping[str, Any]
    area_weaknesses: Mapping[str, Any]
    send_back: bool | None
    submitted_at: dt.datetime
    category: str | None
    unit: str | None


_CASE = "assignment__sampled_case"
_FIELDS = (
    f"{_CASE}__sample__inspection_id",
    f"{_CASE}_id",
    f"{_CASE}__case_ref",
    f"{_CASE}__stratum",
    "assignment__kind",
    "assignment__inspector__username",
    "overall",
    "area_grades",
    "area_weaknesses",
    "send_back",
)


def _register(path: str) -> dict[str, Any]:
    """The case's category and unit from the register (None once erased), read beside the review."""
    case = Case.objects.filter(pk=OuterRef(f"{path}__case_id"))
    return {k: Subquery(case.values(k)[:1]) for k in ("category", "unit")}


def submitted_as_of(
    inspection_ids: Iterable[int],
    cutoff: dt.datetime | None,
    *,
    kind: str | None = None,
    with_areas: bool = True,
) -> list[Submitted]:
    """Every review of these inspections submitted and not reopened at ``cutoff`` (now when None), with the
    answers it had then; ``kind`` keeps first reviews or moderations only; ``with_areas=False`` leaves the
    area grades out (empty), for figures that need only the overall grade.  Ordered by case and kind.

    A review submitted now stood at ``cutoff`` when it was submitted before it (a reopening resets the time, so
    none of its earlier submissions can also stand then); otherwise the submission reopened after ``cutoff``
    that was made before it, if any.
    """
    ids = list(inspection_ids)
    scope: dict[str, Any] = {f"{_CASE}__sample__inspection_id__in": ids}
    # Without the area grades, the overall grade stands in their column (and is dropped below).
    answers = _FIELDS[6:] if with_areas else ("overall", "overall", *_FIELDS[8:])
    if kind is not None:
        scope["assignment__kind"] = kind
    now = Review.objects.filter(**scope, state=Review.State.SUBMITTED)
    if cutoff is not None:
        # An imported review before submission times were kept: its last change is when it was submitted.
        now = now.filter(
            Q(submitted_at__lt=cutoff) | Q(submitted_at__isnull=True, updated_at__lt=cutoff)
        )
    rows = (
        now.annotate(**_register(_CASE), when=Coalesce("submitted_at", "updated_at"))
        .order_by()
        .values_list(*_FIELDS[:6], *answers, "when", "category", "unit")
    )
    if cutoff is not None:
        # One query for both: a submission standing now and one reopened since never stand together.
        rows = rows.union(
            ReopenedSubmission.objects.filter(
                **{f"review__{k}": v for k, v in scope.items()},
                submitted_at__lt=cutoff,
                reopened_at__gte=cutoff,
            )
            .annotate(**_register(f"review__{_CASE}"), when=F("submitted_at"))
            .order_by()
            .values_list(
                *(f"review__{f}" for f in _FIELDS[:6]), *answers, "when", "category", "unit"
            ),
            all=True,
        )
    made = [
        Submitted(*row) if with_areas else Submitted(*row[:7], {}, *row[8:])  # type: ignore[call-arg]
        for row in rows
    ]
    return sorted(made, key=lambda s: (s.inspection_id, s.stratum, s.case_ref, s.kind))


def resolutions_as_of(inspection_ids: Iterable[int], cutoff: dt.datetime | None) -> dict[int, str]:
    """The final overall grade each disagreement of these inspections had at ``cutoff`` (now when None), by
    sampled case.

    One query: the current resolution when made before ``cutoff``, else the one it replaced that stood then
    (a case's resolutions follow one another, so at most one stood at any moment)."""
    scope = {"sampled_case__sample__inspection_id__in": list(inspection_ids)}
    current = (
        Resolution.objects.filter(**scope)
        .order_by()
        .values_list("sampled_case_id", "final_overall")
    )
    if cutoff is None:
        return dict(current)
    replaced = (
        ReplacedResolution.objects.filter(**scope, at__lt=cutoff, replaced_at__gte=cutoff)
        .order_by()
        .values_list("sampled_case_id", "final_overall")
    )
    return dict(current.filter(at__lt=cutoff).union(replaced, all=True))


def first_reviews_as_of(
    inspection_ids: Iterable[int],
    cutoff: dt.datetime | None,
    *,
    submitted: Iterable[Submitted] | None = None,
    with_areas: bool = True,
) -> list[tuple[Submitted, str]]:
    """Each graded case's first review as it stood at ``cutoff`` with the case's final overall grade then (the
    lead inspector's resolution in force where marks disagreed, else the first review's).  ``submitted``:
    the inspections' reviews as of ``cutoff`` when already read (``submitted_as_of``), so as not to read
    them twice; ``with_areas=False``: without the area grades."""
    ids = list(inspection_ids)
    firsts = [
        s
        for s in (
            submitted_as_of(ids, cutoff, kind=Assignment.Kind.FIRST, with_areas=with_areas)
            if submitted is None
            else submitted
        )
        if s.kind == Assignment.Kind.FIRST and s.overall
    ]
    final = resolutions_as_of(ids, cutoff) if firsts else {}
    return [(s, final.get(s.sampled_case_id, s.overall)) for s in firsts]


def at_risk_not_sent_back_as_of(
    submitted: Iterable[Submitted], send_backs: Iterable[SendBack]
) -> list[str]:
    """References of cases a review standing then says are at risk with no send back covering that yes, from
    the reviews and send backs as they stood (the rule: ``referrals.selectors.covers``)."""
    by_case: dict[int, list[SendBack]] = {}
    for s in send_backs:
        by_case.setdefault(s.sampled_case_id, []).append(s)
    unsent = {
        r.case_ref
        for r in submitted
        if r.send_back is True and not covers(by_case.get(r.sampled_case_id, []), r.submitted_at)
    }
    return sorted(unsent)
