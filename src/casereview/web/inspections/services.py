"""Every write to inspections and samples: one transaction, one journal entry each."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from casereview.domain.allocation import ALLOCATION
from casereview.domain.errors import Refused
from casereview.domain.framework import FrameworkError
from casereview.domain.journal import JournalAction, Operation
from casereview.domain.language import gettext_lazy
from casereview.domain.plans import Frame, PlanError, SamplePlan
from casereview.domain.roles import InspectionKind, may_lead
from casereview.domain.sampling import (
    ALGORITHM,
    SEED_BYTES,
    DrawnStratum,
    draw,
    in_period,
    manifest,
    new_seed_commitment,
    rank_key,
)
from casereview.importing.frameworks import load_framework
from casereview.web.core.access import user_roles
from casereview.web.core.phrases import message_of
from casereview.web.core.users import User, person
from casereview.web.journal.services import journal_record
from casereview.web.registers.frames import register_frame
from casereview.web.registers.models import Case, Register
from casereview.web.registers.selectors import body_by_code

from .links import links_compute
from .models import Inspection, Sample, SampledCase
from .selectors import audits_body


class InspectionError(Refused):
    """Refused: the message says why, for the person who asked (a Phrase where a page shows it: ``str()`` is
    the English the command line prints, ``refusal_words`` the reader's language)."""


def _refused(exc: Exception) -> InspectionError:
    """A refusal of a lower layer as the inspection's, keeping its message as it was made (a Phrase stays
    one, so a page still shows it in the reader's language)."""
    return InspectionError(message_of(exc))


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
    kind: str = InspectionKind.INSPECTION,
) -> Inspection:
    """Open an inspection of the body (``kind`` "inspection"), or one of the body's own audits ("own_audit"):
    an own audit is led by one of the body's own auditors (``lead``, who must be one: never the inspectorate)."""
    body = body_by_code(body_code)
    if body is None:
        raise InspectionError(
            gettext_lazy("No inspected body with code %(code)s", code=repr(body_code))
        )
    if kind not in Inspection.Kind.values:
        raise InspectionError(
            f"An inspection is of kind {' or '.join(map(repr, Inspection.Kind.values))}"
        )
    if kind == InspectionKind.OWN_AUDIT and (
        lead is None or not may_lead(user_roles(lead), kind, audits_body=audits_body(lead, body))
    ):
        raise InspectionError(
            gettext_lazy(
                "A body's own audit is led by one of %(body)s's own auditors: someone with the body "
                "auditor role who is its contact of kind auditor",
                body=body.name,
            )
        )
    if not name.strip():
        raise InspectionError(gettext_lazy("Give the inspection a name"))
    if period_end < period_start:
        raise InspectionError(gettext_lazy("The period ends before it starts"))
    try:
        load_framework(framework)  # pin only a framework that exists and is valid
    except FrameworkError as exc:
        raise _refused(exc) from exc
    with transaction.atomic():
        inspection = Inspection.objects.create(
            body=body,
            name=name.strip()[:200],
            period_start=period_start,
            period_end=period_end,
            framework=framework,
            lead=lead,
            created_at=now or timezone.now(),
            kind=kind,
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
                **({"kind": kind} if kind != InspectionKind.INSPECTION else {}),
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
                gettext_lazy(
                    "Inspection %(inspection)s already committed to a seed on %(when)s",
                    inspection=locked.pk,
                    when=f"{timezone.localtime(locked.committed_at):%d/%m/%Y %H:%M}",
                )
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
            gettext_lazy(
                "Commit to a seed first (`casereview seed commit`), before the register arrives"
            )
        )
    if register.body_id != inspection.body_id:
        raise InspectionError(
            gettext_lazy("Register %(register)s belongs to another body", register=register.pk)
        )
    if register.state != Register.State.LOCKED or register.purged_at is not None:
        raise InspectionError(
            gettext_lazy("Register %(register)s is not a current register", register=register.pk)
        )
    if Sample.objects.filter(inspection=inspection).exists():
        raise InspectionError(
            gettext_lazy(
                "Inspection %(inspection)s already has its sample", inspection=inspection.pk
            )
        )
    late = register.imported_at < inspection.committed_at
    if late and not allow_late_commitment:
        raise InspectionError(
            gettext_lazy(
                "Register %(register)s was imported before the seed was committed; the draw would not "
                "be provably unpicked. Use --allow-late-commitment to draw anyway: the manifest and "
                "every report will say so",
                register=register.pk,
            )
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


#: A calibration's inspection is drawn only by its calibration (from the cases the body's audit graded).


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
    if inspection.kind == InspectionKind.CALIBRATION:
        raise InspectionError(
            gettext_lazy(
                "Inspection %(inspection)s re-grades a calibration: its sample is drawn from the "
                "calibration's page (Calibrations), from the cases the body's own audit graded",
                inspection=inspection.pk,
            )
        )
    committed_at, late = _draw_commitment(
        inspection, register, allow_late_commitment=allow_late_commitment
    )
    seed = bytes.fromhex(inspection.seed)
    needed = ("case_ref", "category", "reported_on", "unit", *plan.strata)
    try:
        plan, frame_dates = in_period(plan, inspection.period_start, inspection.period_end)
        strata = draw(register_frame(register, needed), seed=seed, plan=plan)
    except PlanError as exc:
        raise _refused(exc) from exc
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


def sample_draw_listed(
    *,
    inspection: Inspection,
    register: Register,
    strata: dict[str, str],
    size: int,
    listed: dict[str, object],
    blind_label: str,
    late_commitment: bool = False,
    sealed: dict[str, Any] | None = None,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> Sample:
    """Draw the inspection's sample, with its committed seed, from a list of the register's cases given by
    the caller (``strata``: each case reference's stratum, "" for one stratum of them all): a calibration
    re-grades cases another inspection already graded.  The draw is the sampling module's (``draw``: the
    hash ranking, proportional allocation over the strata); the manifest records the list under ``listed``
    (with what the caller says of where it came from), so anyone can re-derive the draw.  The caller says
    whether the seed was committed late (after the list was fixed is in time; the register's import does
    not matter here: the list, not the register, is the frame).

    Every drawn case is recorded under the one stratum ``blind_label``, in the draw's key order (the sample,
    then the reserve): the strata may say something the graders must not know (a calibration's strata are the
    body's own grades).  With ``sealed`` (a dict the caller keeps), the manifest the inspection keeps is sealed
    too: its ``strata`` are the one blind stratum and its ``listed`` carries, instead of each case's stratum,
    the SHA-256 of the sorted ``reference<TAB>stratum`` lines (``strata_sha256``) and each stratum's counts;
    the whole manifest is written into ``sealed`` for the caller to keep and disclose later.
    """
    # One function, as sample_draw is: the checks, the draw, its manifest, its rows and its journal entry
    # read in order in one place (its length is that of the record it keeps).
    committed_at, _ = _draw_commitment(inspection, register, allow_late_commitment=True)
    refs = sorted(strata)
    ids = _case_ids(register, refs)
    if missing := [ref for ref in refs if ref not in ids]:
        raise InspectionError(
            gettext_lazy(
                "Case %(case)s is not a case of register %(register)s",
                case=missing[0],
                register=register.pk,
            )
        )
    seed, stratified = bytes.fromhex(inspection.seed), any(strata.values())
    plan = SamplePlan(
        size=size, strata=("listed",) if stratified else (), frame=Frame(any_date=True)
    )
    blank = [None] * len(refs)
    cases = pl.DataFrame(
        {
            "case_ref": refs,
            "listed": [strata[ref] for ref in refs],
            "category": blank,
            "unit": blank,
        },
        schema_overrides={"listed": pl.String, "category": pl.String, "unit": pl.String},
    ).with_columns(reported_on=pl.lit(None, dtype=pl.Date))
    try:
        drawn = draw(cases, seed=seed, plan=plan)
    except PlanError as exc:
        raise _refused(exc) from exc
    document = manifest(
        strata=drawn,
        seed=seed,
        committed_at=committed_at.isoformat(),
        register_sha256=register.sha256,
        register_imported_at=register.imported_at.isoformat(),
        plan=plan,
        late_commitment=late_commitment,
    )
    document["listed"] = {**listed, "cases": refs, **({"strata": strata} if stratified else {})}
    by_key = functools.partial(rank_key, seed)
    blind = DrawnStratum(
        label=blind_label,
        key={},
        frame_size=len(refs),
        wanted=size,
        allocated=sum(len(s.sample) for s in drawn),
        sample=sorted((ref for s in drawn for ref in s.sample), key=by_key),
        reserve=sorted((ref for s in drawn for ref in s.reserve), key=by_key),
    )
    if sealed is not None:
        import hashlib  # here: the one use, in the one function that seals a manifest

        sealed.clear()
        sealed.update(document)
        lines = "".join(f"{ref}\t{strata[ref]}\n" for ref in refs)
        document = {
            **document,
            "strata": manifest(
                strata=[blind],
                seed=seed,
                committed_at=committed_at.isoformat(),
                register_sha256=register.sha256,
                register_imported_at=register.imported_at.isoformat(),
                plan=plan,
                late_commitment=late_commitment,
            )["strata"],
            "listed": {
                **listed,
                "cases": refs,
                "sealed": True,
                "strata_sha256": hashlib.sha256(lines.encode("utf-8")).hexdigest(),
                "strata_counts": {
                    s.label: {"frame": s.frame_size, "sample": len(s.sample)} for s in drawn
                },
            },
        }
    with transaction.atomic():
        sample = Sample.objects.create(
            inspection=inspection,
            register=register,
            algorithm=ALGORITHM,
            # The list's strata are no register column: the plan as the register knows it has none (its
            # whole form, strata and all, is the manifest's).
            plan=SamplePlan(size=size, frame=plan.frame, strata=()).as_dict(),
            manifest=document,
            frame_size=len(refs),
            late_commitment=late_commitment,
            drawn_at=now or timezone.now(),
            drawn_by=person(actor),
        )
        SampledCase.objects.bulk_create(_sampled_cases(sample, [blind], ids), batch_size=2000)
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
                "listed": len(refs),
                "source": str(listed.get("source", "")),
                "commitment": inspection.commitment,
                "sampled": len(blind.sample),
                "reserve": len(blind.reserve),
                "late_commitment": late_commitment,
            },
            at=now,
        )
    links_compute(sample=sample, actor=actor, now=now)  # after the draw is safely stored, as above
    return sample


def sample_replace(
    *, inspection: Inspection, case_ref: str, reason: str, actor: User | None = None
) -> SampledCase:
    """Mark a sampled case out of scope and bring in the next reserve case of its stratum."""
    if inspection.kind == InspectionKind.CALIBRATION:
        # Every case the body's audit graded is in scope by definition; a replacement would let someone
        # choose which cases are compared.  A case that cannot be re-graded is reported as missing.
        raise InspectionError(
            gettext_lazy(
                "A case of a calibration is never replaced: every case the body's audit graded is in "
                "scope. Leave a case that cannot be re-graded without a grade: the calibration reports "
                "it as missing"
            )
        )
    if not reason.strip():
        raise InspectionError(gettext_lazy("Say why the case is out of scope"))
    with transaction.atomic():
        sample = Sample.objects.select_for_update().filter(inspection=inspection).first()
        if sample is None:
            raise InspectionError(
                gettext_lazy(
                    "Inspection %(inspection)s has no sample yet", inspection=inspection.pk
                )
            )
        original = SampledCase.objects.filter(
            sample=sample, case_ref=case_ref.strip(), state=SampledCase.State.ACTIVE
        ).first()
        if original is None:
            raise InspectionError(
                gettext_lazy(
                    "Case %(case)s is not an active case of the sample", case=repr(case_ref)
                )
            )
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
            raise InspectionError(
                gettext_lazy(
                    "Stratum %(stratum)s has no reserve case left", stratum=repr(original.stratum)
                )
            )
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
