"""Reviews kept in a spreadsheet, brought in as submitted reviews: every row checked, all or nothing, journaled.

(The import of a whole file is one service; it lives apart from services.py for its size.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from casereview.domain.errors import Refused
from casereview.domain.framework import Framework
from casereview.domain.grading import (
    ImportedReview,
    parse_review_row,
)
from casereview.domain.journal import JournalAction, Operation
from casereview.domain.registers import (
    ErrorReport,
    RegisterError,
    RowError,
    error_order,
    normalise_label,
    quote,
)
from casereview.domain.roles import GRADERS, InspectionKind
from casereview.domain.words import count
from casereview.importing.frameworks import load_framework
from casereview.importing.limits import StructureError
from casereview.importing.reader_base import Reader
from casereview.importing.readers import open_reader
from casereview.importing.sources import SourceFile, inspect_file
from casereview.web.core.users import User, person, users_by_username
from casereview.web.inspections.links import links_compute
from casereview.web.inspections.models import Inspection, Sample, SampledCase
from casereview.web.inspections.selectors import unassignable
from casereview.web.journal.services import journal_record
from casereview.web.registers.models import Case, Register
from casereview.web.registers.services import import_limits

from .models import Assignment, Review


@dataclass
class ReviewsRejected(Refused):
    message: str
    errors: list[Any]


def _repeated_headers(original: list[str], normalised: list[str]) -> list[RowError]:
    """A column named twice (two ``overall`` columns) is refused, as the register import refuses it."""
    first: dict[str, int] = {}
    errors = []
    for position, name in enumerate(normalised):
        if not name:
            continue
        if name in first:
            errors.append(
                RowError(
                    1,
                    quote(original[position]),
                    quote(original[position]),
                    f"column {name!r} appears twice (columns {first[name] + 1} and {position + 1})",
                )
            )
        else:
            first[name] = position
    return errors


def _bounded(errors: list[RowError]) -> list[RowError]:
    """The first errors of each column and kind, with counts for the rest (see ErrorReport)."""
    report = ErrorReport(settings.CASEREVIEW_MAX_ERRORS_PER_KIND)
    report.add(errors)
    return report.rows()


def _review_headers(headers: list[str]) -> list[str]:
    """Headers as a reviews file is read: ``area:<slug>`` kept with its slug trimmed, others normalised."""
    normalised = [h if h.lower().startswith("area:") else normalise_label(h) for h in headers]
    return ["area:" + h[5:].strip() if h.lower().startswith("area:") else h for h in normalised]


def _review_rows(reader: Reader) -> list[tuple[int, dict[str, Any]]]:
    """Every row of the file as (line, values by header), refused when a header repeats or rows are too many."""
    headers = _review_headers(reader.headers)
    repeated = _repeated_headers(reader.headers, headers)
    if repeated:
        raise ReviewsRejected(
            f"No reviews were imported: {count(len(repeated), 'problem')} found", repeated
        )
    rows: list[tuple[int, dict[str, Any]]] = []
    # A reviews file holds one row per review (a sample is hundreds of cases): rows are kept to check
    # them together, so their number is bounded before they can fill the memory.
    most = int(getattr(settings, "CASEREVIEW_MAX_REVIEW_ROWS", 100_000))
    for batch in reader.batches(5000):
        if len(rows) + batch.height > most:
            raise ReviewsRejected(
                f"No reviews were imported: the file has more than {most:,} rows, the most a reviews file "
                "may have (CASEREVIEW_MAX_REVIEW_ROWS)",
                [],
            )
        for values in batch.iter_rows():
            *cells, line = values
            rows.append((int(line), dict(zip(headers, cells, strict=True))))
    return rows


def _read_reviews_file(path: Any) -> tuple[SourceFile, list[tuple[int, dict[str, Any]]]]:
    """The file, checked, and its rows.  Read through the register's readers and limits: every reader
    error (ragged rows, unclosed quotes, over-long values or headers, NUL bytes, mixed encodings) is a
    refusal with a row report, never a crash."""
    try:
        source = inspect_file(Path(path), limits=import_limits())
        with open_reader(source, tmp_dir=Path(settings.VAR_DIR) / "tmp") as reader:
            return source, _review_rows(reader)
    except RegisterError as exc:
        raise ReviewsRejected(str(exc), []) from exc
    except StructureError as exc:
        found = exc.errors or [RowError(0, "", "", f"cannot be read as CSV: {exc.detail}")]
        raise ReviewsRejected(
            f"No reviews were imported: {count(len(found), 'problem')} found", _bounded(found)
        ) from exc


def _parsed_reviews(
    framework: Framework, rows: list[tuple[int, dict[str, Any]]]
) -> tuple[list[ImportedReview], list[RowError]]:
    """The rows that are reviews (blank rows skipped), and the problems of those that are not."""
    errors: list[RowError] = []
    parsed = []
    for line, row in rows:
        if not any((v or "").strip() for v in row.values()):
            continue
        item, problems = parse_review_row(framework, row, line)
        errors += [RowError(*p) for p in problems]
        if item is not None:
            parsed.append(item)
    return parsed, errors


def _reviewer_errors(
    parsed: list[ImportedReview], users: Mapping[str, Any], inspection: Inspection
) -> list[RowError]:
    """Reviewers who may not grade the inspection's cases, and a case's review of one kind given twice.

    Who may grade is ``domain.roles.GRADERS`` (through ``inspections.selectors.unassignable``): active
    inspectors or lead inspectors for an inspectorate inspection; for a body's own audit, only that body's
    own auditors (never the inspectorate)."""
    own = inspection.kind == InspectionKind.OWN_AUDIT
    graders = GRADERS[inspection.kind]
    refused = {u.pk for u in unassignable(inspection, list(users.values()))}
    errors = []
    seen: dict[tuple[str, str], int] = {}
    for item in parsed:
        user = users.get(item.reviewer)
        if (
            user is None
            or user.pk in refused
            or not ({g for g in user.groups.values_list("name", flat=True)} & graders)
        ):
            errors.append(
                RowError(
                    item.line,
                    "reviewer",
                    item.reviewer,
                    "not one of this body's own auditors"
                    if own
                    else "not an active inspector or lead inspector",
                )
            )
        key = (item.case_ref, item.kind)
        if key in seen:
            errors.append(
                RowError(
                    item.line,
                    "case_ref",
                    item.case_ref,
                    f"a {item.kind} review of this case is already on line {seen[key]}",
                )
            )
        seen[key] = item.line
    return errors


def _self_moderation_errors(
    parsed: list[ImportedReview], sampled: Mapping[str, SampledCase]
) -> list[RowError]:
    """A case second-marked by its own first reviewer: every row that would make it so is refused.

    The first reviewer and the moderator of a case are each taken from the file, else from the case's
    assignment already in casereview; a row is refused when it names, for a case, the person who holds
    the other mark (in the file or already assigned).
    """
    held: dict[tuple[str, str], str] = {}  # (case_ref, kind) -> username already assigned
    ids = {c.pk: ref for ref, c in sampled.items()}
    if ids:
        for case_id, kind, username in Assignment.objects.filter(
            sampled_case_id__in=list(ids)
        ).values_list("sampled_case_id", "kind", "inspector__username"):
            held[(ids[case_id], kind)] = username
    in_file: dict[tuple[str, str], str] = {}
    for item in parsed:
        in_file.setdefault((item.case_ref, item.kind), item.reviewer)
    other = {Assignment.Kind.FIRST.value: "moderation", "moderation": Assignment.Kind.FIRST.value}
    errors = []
    for item in parsed:
        if item.kind not in other:
            continue
        key = (item.case_ref, other[item.kind])
        holder = in_file.get(key) or held.get(key)
        if holder is not None and holder == item.reviewer:
            what = "first reviewer" if item.kind == "moderation" else "moderator"
            errors.append(
                RowError(
                    item.line,
                    "reviewer",
                    item.reviewer,
                    f"is the {what} of this case: nobody second-marks their own case",
                )
            )
    return errors


def _source_register(
    inspection: Inspection, sample: Sample | None, register: Register | None
) -> Register:
    """The register imported reviews name cases of: the one given, the sample's, or the body's latest."""
    found = register or (
        sample.register
        if sample
        else Register.objects.filter(
            body=inspection.body, state=Register.State.LOCKED, purged_at__isnull=True
        )
        .order_by("-imported_at")
        .first()
    )
    if found is None:
        raise ReviewsRejected(
            "Import the body's register first: imported reviews must name its cases", []
        )
    return found


def _case_ids(register: Register, refs: set[str]) -> dict[str, int]:
    return dict(
        Case.objects.filter(register=register, case_ref__in=refs).values_list("case_ref", "id")
    )


def _case_errors(
    parsed: list[ImportedReview],
    *,
    case_ids: Mapping[str, int],
    sampled: Mapping[str, SampledCase] | None,
    register: Register,
) -> list[RowError]:
    """Reviews of a case not in the register, or (when there is a sample) not in the sample."""
    errors = []
    for item in parsed:
        if item.case_ref not in case_ids:
            errors.append(
                RowError(
                    item.line, "case_ref", item.case_ref, f"not a case of register {register.pk}"
                )
            )
        elif sampled is not None and item.case_ref not in sampled:
            errors.append(
                RowError(
                    item.line, "case_ref", item.case_ref, "not a case of this inspection's sample"
                )
            )
    return errors


def _imported_sample(
    *,
    inspection: Inspection,
    register: Register,
    refs: list[str],
    case_ids: Mapping[str, int],
    actor: User | None,
    now: Any,
) -> tuple[Sample, dict[str, SampledCase]]:
    """A sample that was not drawn in casereview: the reviewed cases, all in the sample."""
    sample = Sample.objects.create(
        inspection=inspection,
        register=register,
        algorithm="imported",
        plan={},
        manifest={
            "algorithm": "imported",
            "note": "the sample was not drawn in casereview",
            "cases": refs,
        },
        late_commitment=False,
        drawn_at=now,
        drawn_by=person(actor),
    )
    sampled = {}
    for rank, ref in enumerate(refs):
        sampled[ref] = SampledCase.objects.create(
            sample=sample,
            case_id=case_ids[ref],
            case_ref=ref,
            stratum="imported",
            role=SampledCase.Role.SAMPLE,
            rank=rank,
            design_weight=None,
            state=SampledCase.State.ACTIVE,
        )
    return sample, sampled


def _store_review(
    item: ImportedReview,
    *,
    sampled_case: SampledCase,
    inspector: Any,
    framework: Framework,
    now: Any,
) -> None:
    """One imported review, submitted (it was finished elsewhere); refused if the case already has one."""
    assignment, _ = Assignment.objects.get_or_create(
        sampled_case=sampled_case,
        kind=item.kind,
        defaults={"inspector": inspector, "assigned_at": now},
    )
    if Review.objects.filter(assignment=assignment).exists():
        raise ReviewsRejected(
            "No reviews were imported",
            [
                RowError(
                    item.line,
                    "case_ref",
                    item.case_ref,
                    f"already has a {item.kind} review in casereview",
                )
            ],
        )
    Review.objects.create(
        assignment=assignment,
        framework=framework.ref,
        version=1,
        state=Review.State.SUBMITTED,
        area_grades=item.answers.area_grades,
        area_weaknesses=item.answers.area_weaknesses,
        area_comments={},
        overall=item.answers.overall,
        send_back=item.answers.send_back,
        updated_at=now,
        submitted_at=now,
    )


def reviews_import(
    *, inspection: Inspection, path: Any, register: Any = None, actor: User | None = None
) -> int:
    """Bring in reviews kept in a spreadsheet, all or nothing; returns how many reviews were stored."""
    if inspection.kind == InspectionKind.CALIBRATION:
        # A calibration is the inspectorate's blind re-grading in casereview, never grades made elsewhere.
        raise ReviewsRejected(
            "No reviews were imported: a calibration's cases are re-graded in casereview, blind to the "
            "body's grades",
            [],
        )
    framework = load_framework(inspection.framework)
    source, rows = _read_reviews_file(path)
    parsed, errors = _parsed_reviews(framework, rows)
    users = {u.get_username(): u for u in users_by_username({p.reviewer for p in parsed})}
    errors += _reviewer_errors(parsed, users, inspection)
    sample = Sample.objects.filter(inspection=inspection).first()
    source_register = _source_register(inspection, sample, register)
    case_ids = _case_ids(source_register, {p.case_ref for p in parsed})
    sampled = {c.case_ref: c for c in SampledCase.objects.filter(sample=sample)} if sample else {}
    errors += _case_errors(
        parsed, case_ids=case_ids, sampled=sampled if sample else None, register=source_register
    )
    errors += _self_moderation_errors(parsed, sampled)
    if not parsed and not errors:
        errors.append(RowError(0, "", "", "the file has no reviews"))
    if errors:
        raise ReviewsRejected(
            f"No reviews were imported: {count(len(errors), 'problem')} found",
            _bounded(sorted(errors, key=error_order)),
        )
    now = timezone.now()
    new_sample = sample is None
    with transaction.atomic():
        if sample is None:
            sample, sampled = _imported_sample(
                inspection=inspection,
                register=source_register,
                refs=sorted({p.case_ref for p in parsed}),
                case_ids=case_ids,
                actor=actor,
                now=now,
            )
        for item in parsed:
            _store_review(
                item,
                sampled_case=sampled[item.case_ref],
                inspector=users[item.reviewer],
                framework=framework,
                now=now,
            )
        journal_record(
            actor=actor,
            operation=Operation.COLLECTION,
            action=JournalAction.REVIEWS_IMPORT,
            object_type="inspection",
            object_id=inspection.pk,
            detail={
                "reviews": len(parsed),
                "sha256": source.sha256,
                "sample_imported": sample.algorithm == "imported",
            },
        )
    if new_sample:
        links_compute(sample=sample, actor=actor)
    return len(parsed)
