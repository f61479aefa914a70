"""Every write to inspections and samples: one transaction, one journal entry each."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from casereview.domain.framework import FrameworkError
from casereview.domain.journal import Operation
from casereview.domain.sampling import (
    ALGORITHM,
    SEED_BYTES,
    PlanError,
    SamplePlan,
    draw,
    manifest,
    new_seed_commitment,
)
from casereview.importing.frameworks import load_framework
from casereview.web.journal.services import journal_record
from casereview.web.registers.models import Body, Case, Register

from .models import Inspection, Sample, SampledCase


class InspectionError(Exception):
    """Refused: the message says why, for the person who asked."""


def inspection_create(
    *,
    body_code: str,
    name: str,
    period_start: dt.date,
    period_end: dt.date,
    framework: str = "child-protection/1",
    lead: Any = None,
    actor: Any = None,
) -> Inspection:
    body = Body.objects.filter(code=body_code.strip().upper()).first()
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
            created_at=timezone.now(),
        )
        journal_record(
            actor=actor,
            operation=Operation.ADMINISTRATION,
            action="inspection_create",
            object_type="inspection",
            object_id=inspection.pk,
            detail={
                "body": body.code,
                "period": [period_start.isoformat(), period_end.isoformat()],
            },
        )
    return inspection


def seed_commit(*, inspection: Inspection, actor: Any = None) -> str:
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
        locked.committed_at = timezone.now()
        locked.save(update_fields=["seed", "commitment", "committed_at"])
        journal_record(
            actor=actor,
            operation=Operation.ADMINISTRATION,
            action="seed_commit",
            object_type="inspection",
            object_id=locked.pk,
            detail={"commitment": locked.commitment},
        )
    inspection.refresh_from_db()
    return locked.commitment


STORED_FOR_DRAW = (
    "case_ref",
    "category",
    "reported_on",
    "unit",
    "risk_level",
    "status",
    "outcome",
    "child_age",
)
#: Read for links between cases (pseudonyms and place references stay inside the computation).
LINK_COLUMNS = ("id", "child_pseudonym", "suspect_pseudonym", "location_ref")


_UNIT = "\x1f"  # the ASCII unit separator: never in a validated register value


def _sqlite_frame(raw: Any, table: str, wanted: list[str], register_id: int) -> pl.DataFrame:
    """One text value per row, split by polars: far fewer Python objects than a row of columns.

    Deliberately the same SQLite library as Django's connection: opening the
    database file through a second copy of SQLite (ADBC's) in this process
    would release this connection's POSIX locks when it closed.
    """
    joined_sql = " || char(31) || ".join(f"ifnull(CAST({c} AS TEXT), '')" for c in wanted)
    query = f"SELECT {joined_sql} FROM {table} WHERE register_id = ?"  # noqa: S608
    rows = raw.execute(query, (register_id,)).fetchall()
    joined = pl.Series("row", [r[0] for r in rows], dtype=pl.String)
    if (
        len(wanted) > 1
        and not (joined.str.count_matches(_UNIT, literal=True) == len(wanted) - 1).all()
    ):
        # A value holds the separator: the slow, exact way.
        select = ", ".join(f"CAST({c} AS TEXT)" for c in wanted)
        query = f"SELECT {select} FROM {table} WHERE register_id = ?"  # noqa: S608
        plain = raw.execute(query, (register_id,)).fetchall()
        return pl.DataFrame(plain, schema=dict.fromkeys(wanted, pl.String), orient="row")
    parts = (
        joined.str.split_exact(_UNIT, len(wanted) - 1).struct.rename_fields(wanted).struct.unnest()
    )
    return parts.with_columns(pl.all().replace("", None))


def _adbc_frame(path: str, table: str, wanted: list[str], register_id: int) -> pl.DataFrame:
    """Read through ADBC straight into Arrow columns: about twice as fast as the sqlite3 module.

    ADBC carries its own copy of SQLite.  Two copies of SQLite must never have
    one database file open in one process at the same time (closing either
    drops the other's POSIX locks), so Django's connection is closed first and
    reopens by itself on its next query.
    """
    import adbc_driver_sqlite.dbapi as adbc

    connection.close()
    select = ", ".join(f"CAST({c} AS TEXT) AS {c}" for c in wanted)
    with adbc.connect(path) as reader, reader.cursor() as cursor:
        cursor.execute(f"SELECT {select} FROM {table} WHERE register_id = {register_id}")  # noqa: S608
        frame = pl.DataFrame(cursor.fetch_arrow())
    return frame.with_columns(pl.col(c).cast(pl.String) for c in wanted)


def register_frame(register: Register, columns: tuple[str, ...] = STORED_FOR_DRAW) -> pl.DataFrame:
    """The register's cases with the columns a plan needs, read in bulk (no ORM objects).

    PostgreSQL: COPY … TO STDOUT as CSV into polars.  SQLite: one raw query
    with every column as text (no per-value date conversion), typed by polars.
    """
    table = Case._meta.db_table
    wanted = [c for c in (*STORED_FOR_DRAW, *LINK_COLUMNS) if c in columns]
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "postgresql":
        buffer = bytearray()
        with (
            raw.cursor() as cursor,
            cursor.copy(
                f"COPY (SELECT {', '.join(wanted)} FROM {table} WHERE register_id = {int(register.pk)}) TO STDOUT (FORMAT csv)"  # noqa: S608
            ) as copy,
        ):
            for block in copy:
                buffer += block
        frame = (
            pl.read_csv(bytes(buffer), has_header=False, new_columns=wanted, infer_schema=False)
            if buffer
            else pl.DataFrame(schema=dict.fromkeys(wanted, pl.String))
        )
    elif Path(str(connection.settings_dict["NAME"])).is_file() and not connection.in_atomic_block:
        frame = _adbc_frame(str(connection.settings_dict["NAME"]), table, wanted, int(register.pk))
    else:
        frame = _sqlite_frame(raw, table, wanted, int(register.pk))
    casts = [pl.col("reported_on").str.to_date("%Y-%m-%d")] if "reported_on" in wanted else []
    if "child_age" in wanted:
        casts.append(pl.col("child_age").cast(pl.Int16))
    if "id" in wanted:
        casts.append(pl.col("id").cast(pl.Int64))
    return frame.with_columns(casts)


def sample_draw(
    *,
    inspection: Inspection,
    register: Register,
    plan: SamplePlan,
    allow_late_commitment: bool = False,
    actor: Any = None,
) -> Sample:
    """Draw the inspection's sample from a register with its committed seed, revealing the seed."""
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
    seed = bytes.fromhex(inspection.seed)
    needed = ("case_ref", "category", "reported_on", "unit", *plan.strata)
    try:
        strata = draw(register_frame(register, needed), seed=seed, plan=plan)
    except PlanError as exc:
        raise InspectionError(str(exc)) from exc
    document = manifest(
        strata=strata,
        seed=seed,
        committed_at=inspection.committed_at.isoformat(),
        register_sha256=register.sha256,
        register_imported_at=register.imported_at.isoformat(),
        plan=plan,
        late_commitment=late,
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
            drawn_at=timezone.now(),
            drawn_by=actor
            if actor is not None and getattr(actor, "is_authenticated", False)
            else None,
        )
        refs = [ref for s in strata for ref in (*s.sample, *s.reserve)]
        ids: dict[str, int] = {}
        for start in range(0, len(refs), 5000):
            ids.update(
                Case.objects.filter(
                    register=register, case_ref__in=refs[start : start + 5000]
                ).values_list("case_ref", "id")
            )
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
        SampledCase.objects.bulk_create(rows, batch_size=2000)
        journal_record(
            actor=actor,
            operation=Operation.COLLECTION,
            action="sample_draw",
            object_type="inspection",
            object_id=inspection.pk,
            detail={
                "register": register.pk,
                "algorithm": ALGORITHM,
                "commitment": inspection.commitment,
                "sampled": sum(len(s.sample) for s in strata),
                "reserve": sum(len(s.reserve) for s in strata),
                "late_commitment": late,
            },
        )
    # Links read the register again, after the draw is safely stored.
    from .links import links_compute

    links_compute(sample=sample, actor=actor)
    return sample


def sample_replace(
    *, inspection: Inspection, case_ref: str, reason: str, actor: Any = None
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
            action="sample_case_out_of_scope",
            object_type="sampled_case",
            object_id=original.pk,
            detail={"inspection": inspection.pk, "stratum": original.stratum},
            reason="out_of_scope",
        )
        journal_record(
            actor=actor,
            operation=Operation.ALTERATION,
            action="sample_case_replacement",
            object_type="sampled_case",
            object_id=replacement.pk,
            detail={
                "inspection": inspection.pk,
                "replaces": original.pk,
                "reserve_rank": replacement.rank,
            },
        )
    return replacement


def manifest_disclosed(*, sample: Sample, actor: Any) -> None:
    """Journal a manifest leaving casereview (page download or API)."""
    journal_record(
        actor=actor,
        operation=Operation.DISCLOSURE,
        action="manifest_download",
        object_type="inspection",
        object_id=sample.inspection_id,
        reason="manifest",
    )
