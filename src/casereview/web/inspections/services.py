"""Every write to inspections and samples: one transaction, one journal entry each."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from casereview.domain.allocation import ALLOCATION
from casereview.domain.errors import Refused
from casereview.domain.framework import FrameworkError
from casereview.domain.journal import JournalAction, Operation
from casereview.domain.plans import PlanError, SamplePlan
from casereview.domain.sampling import (
    ALGORITHM,
    SEED_BYTES,
    DrawnStratum,
    draw,
    in_period,
    manifest,
    new_seed_commitment,
)
from casereview.importing.frameworks import load_framework
from casereview.web.core.users import User, person
from casereview.web.journal.services import journal_record
from casereview.web.registers.frames import register_frame
from casereview.web.registers.models import Case, Register
from casereview.web.registers.selectors import body_by_code

from .links import links_compute
from .models import Inspection, Sample, SampledCase


class InspectionError(Refused):
    """Refused: the message says why, for the person who asked."""


def inspection_create(
    *,
    body_code: str,
    name: str,
    period_start: dt.date,
    period_end: dt.date,
    framework: str = "child-protection/1",
    lead: Any = None,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> Inspection:
    body = body_by_code(body_code)
    if body is None:
        raise InspectionError(f"No inspected body with code {body_code!r}")
    if not name.strip():
        raise InspectionError("Give the inspection a name")
    if period_end < period_start:
        raise InspectionError("The period ends before it starts")
    try:
        load_framework(framework)  # pin only a framework that exists and is valid
    except FrameworkError as exc:
        raise InspectionError(str(exc)) from exc
    with transaction.atomic():
        inspection = Inspection.objects.create(
            body=body,
            name=name.strip()[:200],
            period_start=period_start,
            period_end=period_end,
            framework=framework,
            lead=lead,
            created_at=now or timezone.now(),
        )
        journal_record(
            actor=actor,
            operation=Operation.ADMINISTRATION,
            action=JournalAction.INSPECTION_CREATE,
            object_type="inspection",
            object_id=inspection.pk,
            detail={
                "body": body.code,
                "period": [period_start.isoformat(), period_end.isoformat()],
            },
            at=now,
        )
    return inspection


def seed_commit(
    *, inspection: Inspection, actor: User | None = None, now: dt.datetime | None = None
) -> str:
    """Generate the inspection's 256-bit seed; publish only its SHA-256."""
    with transaction.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if locked.commitment:
            raise InspectionError(
                f"Inspection {locked.pk} already committed to a seed on "
                f"{timezone.localtime(locked.committed_at):%d/%m/%Y %H:%M}"
            )
        seed = secrets.token_bytes(SEED_BYTES)
        locked.seed = seed.hex()
        locked.commitment = new_seed_commitment(seed)
        locked.committed_at = now or timezone.now()
        locked.save(update_fields=["seed", "commitment", "committed_at"])
        journal_record(
            actor=actor,
            operation=Operation.ADMINISTRATION,
            action=JournalAction.SEED_COMMIT,
            object_type="inspection",
            object_id=locked.pk,
            detail={"commitment": locked.commitment},
            at=now,
        )
    inspection.refresh_from_db()
    return locked.commitment


def _draw_commitment(
    inspection: Inspection, register: Register, *, allow_late_commitment: bool
) -> tuple[dt.datetime, bool]:
    """Refuse a draw that may not happen; the seed's commitment time and whether the register came first."""
    if not inspection.commitment or inspection.committed_at is None:
        raise InspectionError(
            "Commit to a seed first (`casereview seed commit`), before the register arrives"
        )
    if register.body_id != inspection.body_id:
        raise InspectionError(f"Register {register.pk} belongs to another body")
    if register.state != Register.State.LOCKED or register.purged_at is not None:
        raise InspectionError(f"Register {register.pk} is not a current register")
    if Sample.objects.filter(inspection=inspection).exists():
        raise InspectionError(f"Inspection {inspection.pk} already has its sample")
    late = register.imported_at < inspection.committed_at
    if late and not allow_late_commitment:
        raise InspectionError(
            f"Register {register.pk} was imported before the seed was committed; the draw would not "
            "be provably unpicked. Use --allow-late-commitment to draw anyway: the manifest and "
            "every report will say so"
        )
    return inspection.committed_at, late


def _case_ids(register: Register, refs: list[str]) -> dict[str, int]:
    """The register's case ids by reference, looked up 5,000 references at a time."""
    ids: dict[str, int] = {}
    for start in range(0, len(refs), 5000):
        ids.update(
            Case.objects.filter(
                register=register, case_ref__in=refs[start : start + 5000]
            ).values_list("case_ref", "id")
        )
    return ids


def _sampled_cases(
    sample: Sample, strata: list[DrawnStratum], ids: dict[str, int]
) -> list[SampledCase]:
    """One row per drawn case: the sample first, then the stratum's reserve, ranked in draw order."""
    rows = []
    for stratum in strata:
        for rank, ref in enumerate([*stratum.sample, *stratum.reserve]):
            in_sample = rank < len(stratum.sample)
            rows.append(
                SampledCase(
                    sample=sample,
                    case_id=ids[ref],
                    case_ref=ref,
                    stratum=stratum.label,
                    role=SampledCase.Role.SAMPLE if in_sample else SampledCase.Role.RESERVE,
                    rank=rank,
                    design_weight=stratum.design_weight,
                    state=SampledCase.State.ACTIVE if in_sample else SampledCase.State.UNUSED,
                )
            )
    return rows


def sample_draw(
    *,
    inspection: Inspection,
    register: Register,
    plan: SamplePlan,
    allow_late_commitment: bool = False,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> Sample:
    """Draw the inspection's sample from a register with its committed seed, revealing the seed.

    The frame's date limits the plan leaves out are the inspection's period (``in_period``); the
    manifest records the dates drawn from and whether they are that period.
    """
    committed_at, late = _draw_commitment(
        inspection, register, allow_late_commitment=allow_late_commitment
    )
    seed = bytes.fromhex(inspection.seed)
    needed = ("case_ref", "category", "reported_on", "unit", *plan.strata)
    try:
        plan, frame_dates = in_period(plan, inspection.period_start, inspection.period_end)
        strata = draw(register_frame(register, needed), seed=seed, plan=plan)
    except PlanError as exc:
        raise InspectionError(str(exc)) from exc
    document = manifest(
        strata=strata,
        seed=seed,
        committed_at=committed_at.isoformat(),
        register_sha256=register.sha256,
        register_imported_at=register.imported_at.isoformat(),
        plan=plan,
        late_commitment=late,
        frame_dates=frame_dates,
    )
    with transaction.atomic():
        sample = Sample.objects.create(
            inspection=inspection,
            register=register,
            algorithm=ALGORITHM,
            plan=plan.as_dict(),
            manifest=document,
            frame_size=sum(s.frame_size for s in strata),
            late_commitment=late,
            drawn_at=now or timezone.now(),
            drawn_by=person(actor),
        )
        ids = _case_ids(register, [ref for s in strata for ref in (*s.sample, *s.reserve)])
        SampledCase.objects.bulk_create(_sampled_cases(sample, strata, ids), batch_size=2000)
        journal_record(
            actor=actor,
            operation=Operation.COLLECTION,
            action=JournalAction.SAMPLE_DRAW,
            object_type="inspection",
            object_id=inspection.pk,
            detail={
                "register": register.pk,
                "algorithm": ALGORITHM,
                "allocation": ALLOCATION,
                "frame_dates": frame_dates.as_dict(),
                "commitment": inspection.commitment,
                "sampled": sum(len(s.sample) for s in strata),
                "reserve": sum(len(s.reserve) for s in strata),
                "late_commitment": late,
            },
            at=now,
        )
    # Links read the register again, after the draw is safely stored.
    links_compute(sample=sample, actor=actor, now=now)
    return sample


def sample_replace(
    *, inspection: Inspection, case_ref: str, reason: str, actor: User | None = None
) -> SampledCase:
    """Mark a sampled case out of scope and bring in the next reserve case of its stratum."""
    if not reason.strip():
        raise InspectionError("Say why the case is out of scope")
    with transaction.atomic():
        sample = Sample.objects.select_for_update().filter(inspection=inspection).first()
        if sample is None:
            raise InspectionError(f"Inspection {inspection.pk} has no sample yet")
        original = SampledCase.objects.filter(
            sample=sample, case_ref=case_ref.strip(), state=SampledCase.State.ACTIVE
        ).first()
        if original is None:
            raise InspectionError(f"Case {case_ref!r} is not an active case of the sample")
        replacement = (
            SampledCase.objects.filter(
                sample=sample,
                stratum=original.stratum,
                role=SampledCase.Role.RESERVE,
                state=SampledCase.State.UNUSED,
            )
            .order_by("rank")
            .first()
        )
        if replacement is None:
            raise InspectionError(f"Stratum {original.stratum!r} has no reserve case left")
        original.state = SampledCase.State.OUT_OF_SCOPE
        original.out_of_scope_reason = reason.strip()[:500]
        original.save(update_fields=["state", "out_of_scope_reason"])
        replacement.state = SampledCase.State.ACTIVE
        replacement.replaces = original
        replacement.save(update_fields=["state", "replaces"])
        journal_record(
            actor=actor,
            operation=Operation.ALTERATION,
            action=JournalAction.SAMPLE_CASE_OUT_OF_SCOPE,
            object_type="sampled_case",
            object_id=original.pk,
            detail={"inspection": inspection.pk, "stratum": original.stratum},
            reason="out_of_scope",
        )
        journal_record(
            actor=actor,
            operation=Operation.ALTERATION,
            action=JournalAction.SAMPLE_CASE_REPLACEMENT,
            object_type="sampled_case",
            object_id=replacement.pk,
            detail={
                "inspection": inspection.pk,
                "replaces": original.pk,
                "reserve_rank": replacement.rank,
            },
        )
    return replacement


def manifest_disclosed(*, sample: Sample, actor: User) -> None:
    """Journal a manifest leaving casereview (page download or API)."""
    journal_record(
        actor=actor,
        operation=Operation.DISCLOSURE,
        action=JournalAction.MANIFEST_DOWNLOAD,
        object_type="inspection",
        object_id=sample.inspection_id,
        reason="manifest",
    )


def sample_table_disclosed(
    *, inspection: Inspection, rows: int, filters: dict[str, str], actor: User
) -> None:
    """Journal the sample's table (references, people, states, grades) leaving casereview as a CSV file."""
    journal_record(
        actor=actor,
        operation=Operation.DISCLOSURE,
        action=JournalAction.SAMPLE_EXPORT,
        object_type="inspection",
        object_id=inspection.pk,
        reason="sample table",
        detail={"rows": rows, "filters": filters},
    )
