"""Every write to assignments and reviews: one transaction, journaled."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from casereview.domain.assignment import AssignmentError, CaseToAssign, balance
from casereview.domain.grading import ReviewAnswers, opens_send_back, submission_problems
from casereview.domain.journal import Operation
from casereview.domain.sampling import moderation_pick
from casereview.importing.frameworks import load_framework
from casereview.web.inspections.models import Inspection, Sample, SampledCase
from casereview.web.journal.services import journal_record
from casereview.web.notifications import messages as notices
from casereview.web.notifications.services import mail_queue
from casereview.web.referrals.selectors import open_send_backs
from casereview.web.referrals.services import sendback_open
from casereview.web.registers.models import Case

from .models import Assignment, ConflictOfInterest, Resolution, Review, ReviewConflict


class ReviewError(Exception):
    """Refused; the message says why."""


def conflict_declare(
    *, inspector: Any, body: Any, unit: str, actor: Any = None
) -> ConflictOfInterest:
    with transaction.atomic():
        made, _ = ConflictOfInterest.objects.get_or_create(
            inspector=inspector,
            body=body,
            unit=unit.strip(),
            defaults={"declared_at": timezone.now()},
        )
        journal_record(
            actor=actor or inspector,
            operation=Operation.ADMINISTRATION,
            action="conflict_declare",
            object_type="user",
            object_id=inspector.get_username(),
            detail={"body": body.code, "unit": made.unit},
        )
    return made


def _conflicts(inspection: Inspection, inspectors: list[Any]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {i.get_username(): set() for i in inspectors}
    for username, unit in ConflictOfInterest.objects.filter(
        body=inspection.body, inspector__in=inspectors
    ).values_list("inspector__username", "unit"):
        out[username].add(unit)
    return out


def _active_cases(sample: Sample) -> list[SampledCase]:
    return list(
        SampledCase.objects.filter(sample=sample, state=SampledCase.State.ACTIVE).order_by(
            "stratum", "rank"
        )
    )


def _units(cases: list[SampledCase]) -> dict[int, str]:
    return dict(Case.objects.filter(pk__in=[c.case_id for c in cases]).values_list("id", "unit"))


def _assign(
    *,
    inspection: Inspection,
    cases: list[SampledCase],
    inspectors: list[Any],
    kind: str,
    exclude: dict[int, str],
    actor: Any,
    action: str,
    detail: dict[str, Any],
) -> int:
    """Balance ``cases`` over ``inspectors`` for one kind of review; one home for both kinds."""
    units = _units(cases)
    by_name = {i.get_username(): i for i in inspectors}
    already = dict(
        Assignment.objects.filter(
            sampled_case__sample__inspection=inspection, kind=kind, inspector__in=inspectors
        )
        .values_list("inspector__username")
        .annotate(n=Count("id"))
        .values_list("inspector__username", "n")
    )
    try:
        plan = balance(
            [
                CaseToAssign(
                    c.pk,
                    units.get(c.case_id, ""),
                    exclude=frozenset({exclude[c.pk]}) if c.pk in exclude else frozenset(),
                )
                for c in cases
            ],
            sorted(by_name),
            already=already,
            conflicts=_conflicts(inspection, inspectors),
        )
    except AssignmentError as exc:
        raise ReviewError(str(exc)) from exc
    now = timezone.now()
    Assignment.objects.bulk_create(
        [
            Assignment(sampled_case_id=key, inspector=by_name[name], kind=kind, assigned_at=now)
            for key, name in plan.items()
        ]
    )
    journal_record(
        actor=actor,
        operation=Operation.ALTERATION,
        action=action,
        object_type="inspection",
        object_id=inspection.pk,
        detail={"assigned": len(plan), "inspectors": sorted(by_name), **detail},
    )
    _tell_assigned(inspection=inspection, kind=kind, counts=Counter(plan.values()), people=by_name)
    return len(plan)


def _tell_assigned(
    *, inspection: Inspection, kind: str, counts: Mapping[str, int], people: Mapping[str, Any]
) -> None:
    """One e-mail per inspector per run, however many cases they got (sent after the caller's transaction commits)."""
    for name, count in sorted(counts.items()):
        notice = notices.cases_assigned(body=inspection.body, kind=kind, count=count)
        mail_queue(
            event=notice.event,
            recipients=[people[name]],
            subject=notice.subject,
            body=notice.body,
            object_type="inspection",
            object_id=inspection.pk,
        )


def assignments_balance(*, inspection: Inspection, inspectors: list[Any], actor: Any = None) -> int:
    """Give every unassigned active sampled case a first reviewer; returns how many were assigned."""
    sample = Sample.objects.filter(inspection=inspection).first()
    if sample is None:
        raise ReviewError("Draw the sample first")
    with transaction.atomic():
        cases = [
            c
            for c in _active_cases(sample)
            if not Assignment.objects.filter(sampled_case=c, kind=Assignment.Kind.FIRST).exists()
        ]
        return _assign(
            inspection=inspection,
            cases=cases,
            inspectors=inspectors,
            kind=Assignment.Kind.FIRST,
            exclude={},
            actor=actor,
            action="assignments_balance",
            detail={},
        )


def assignment_move(*, assignment: Assignment, to: Any, actor: Any = None) -> Assignment:
    with transaction.atomic():
        locked = (
            Assignment.objects.select_for_update()
            .select_related("sampled_case__sample__inspection__body")
            .get(pk=assignment.pk)
        )
        review = Review.objects.filter(assignment=locked).first()
        if review is not None and review.state == Review.State.SUBMITTED:
            raise ReviewError("The review is submitted; reopen it before moving the case")
        inspection = locked.sampled_case.sample.inspection
        unit = (
            Case.objects.filter(pk=locked.sampled_case.case_id)
            .values_list("unit", flat=True)
            .first()
            or ""
        )
        if unit in _conflicts(inspection, [to])[to.get_username()]:
            raise ReviewError(f"{to.get_username()} declared a conflict of interest with {unit}")
        previous = locked.inspector.get_username()
        locked.inspector = to
        locked.save(update_fields=["inspector"])
        journal_record(
            actor=actor,
            operation=Operation.ALTERATION,
            action="assignment_move",
            object_type="assignment",
            object_id=locked.pk,
            detail={"from": previous, "to": to.get_username()},
        )
        # A moved case is a new assignment for the person who receives it: they are told like any other.
        _tell_assigned(
            inspection=inspection,
            kind=locked.kind,
            counts={to.get_username(): 1},
            people={to.get_username(): to},
        )
    return locked


def review_for(assignment: Assignment) -> Review:
    """The assignment's review, made as an empty draft on first opening (framework pinned)."""
    review = Review.objects.filter(assignment=assignment).first()
    if review is None:
        framework = assignment.sampled_case.sample.inspection.framework
        review, _ = Review.objects.get_or_create(
            assignment=assignment, defaults={"framework": framework, "updated_at": timezone.now()}
        )
    return review


@dataclass
class StaleVersion(Exception):
    """Someone saved first: both versions are kept, nothing was overwritten."""

    review: Review
    conflict: ReviewConflict


@dataclass
class Incomplete(Exception):
    """Submission refused: answers missing; the draft was saved."""

    problems: list[Any]
    review: Review


def review_save(
    *, review: Review, answers: ReviewAnswers, base_version: int, submit: bool, actor: Any
) -> Review:
    """Save a draft (or submit) against the version the page was opened at."""
    framework = load_framework(review.framework)
    conflict: ReviewConflict | None = None
    problems: list[Any] = []
    with transaction.atomic():
        current = Review.objects.select_for_update().get(pk=review.pk)
        # Read under the case's lock: what a yes does depends on the send backs open now.
        sampled_case = (
            SampledCase.objects.select_for_update().get(assignments__review=current)
            if submit
            else None
        )
        open_now = open_send_backs(sampled_case) if sampled_case is not None else []
        if current.state == Review.State.SUBMITTED:
            raise ReviewError("This review was submitted; ask the lead inspector to reopen it")
        if current.version != base_version:
            # Kept whole and committed, then refused below: never applied, never lost.
            conflict = ReviewConflict.objects.create(
                review=current,
                attempted=answers.as_dict(),
                base_version=base_version,
                current_version=current.version,
                by=actor,
                at=timezone.now(),
            )
            journal_record(
                actor=actor,
                operation=Operation.ALTERATION,
                action="review_conflict",
                object_type="review",
                object_id=current.pk,
                detail={"base_version": base_version, "current_version": current.version},
            )
        else:
            current.area_grades = answers.area_grades
            current.area_weaknesses = answers.area_weaknesses
            current.area_comments = answers.area_comments
            current.overall = answers.overall
            current.departure_reason = answers.departure_reason
            current.send_back = answers.send_back
            current.send_back_reason = answers.send_back_reason
            current.send_back_urgency = answers.send_back_urgency
            current.version += 1
            current.updated_at = timezone.now()
            # A blind second marker is shown no send back of the case (it would tell them what the first review
            # said), so their yes is checked as if none were open: it always needs its reason and urgency.  An
            # open send back still covers it (never a silent duplicate); the banner then names the open one and
            # the submitted review offers a second one, with their reason, behind a confirmation.
            blind = (
                sampled_case is not None and current.assignment.kind == Assignment.Kind.MODERATION
            )
            problems = (
                submission_problems(framework, answers, [] if blind else open_now) if submit else []
            )
            if submit and not problems:
                current.state = Review.State.SUBMITTED
                current.submitted_at = current.updated_at
            current.save()
            journal_record(
                actor=actor,
                operation=Operation.ALTERATION,
                action="review_submit"
                if current.state == Review.State.SUBMITTED
                else "review_save",
                object_type="review",
                object_id=current.pk,
                detail={"version": current.version},
            )
            if (
                sampled_case is not None
                and current.state == Review.State.SUBMITTED
                and opens_send_back(answers, open_now)
            ):
                # In the submission's transaction: a yes is never submitted without its send back.
                sendback_open(
                    sampled_case=sampled_case,
                    reason=answers.send_back_reason,
                    urgency=answers.send_back_urgency,
                    actor=actor,
                    confirm_another=answers.send_back_another,
                    review=current,
                )
    if conflict is not None:
        raise StaleVersion(current, conflict)
    if problems:
        raise Incomplete(problems, current)
    return current


def review_reopen(*, review: Review, actor: Any) -> Review:
    with transaction.atomic():
        current = Review.objects.select_for_update().get(pk=review.pk)
        if current.state != Review.State.SUBMITTED:
            raise ReviewError("Only a submitted review can be reopened")
        current.state = Review.State.DRAFT
        current.submitted_at = None
        current.version += 1
        current.updated_at = timezone.now()
        current.save()
        journal_record(
            actor=actor,
            operation=Operation.ALTERATION,
            action="review_reopen",
            object_type="review",
            object_id=current.pk,
            detail={"version": current.version},
        )
    return current


DEFAULT_MODERATION_SHARE = 0.10


def moderation_candidates(inspection: Inspection, share: float) -> list[SampledCase]:
    """The seeded share of the sample, plus every case first graded worst or marked for send back."""
    sample = Sample.objects.filter(inspection=inspection).first()
    if sample is None:
        return []
    active = _active_cases(sample)
    picked = set(
        moderation_pick(bytes.fromhex(inspection.seed), [c.case_ref for c in active], share)
    )
    worst = load_framework(inspection.framework).grade_codes[-1]
    flagged = set(
        Review.objects.filter(
            assignment__sampled_case__sample=sample,
            assignment__kind=Assignment.Kind.FIRST,
            state=Review.State.SUBMITTED,
        )
        .filter(Q(overall=worst) | Q(send_back=True))
        .values_list("assignment__sampled_case__case_ref", flat=True)
    )
    return [c for c in active if c.case_ref in picked or c.case_ref in flagged]


def moderation_assign(
    *,
    inspection: Inspection,
    inspectors: list[Any],
    share: float = DEFAULT_MODERATION_SHARE,
    actor: Any = None,
) -> int:
    """Give each moderation case to another inspector than its first reviewer, blind; returns how many."""
    with transaction.atomic():
        cases = [
            c
            for c in moderation_candidates(inspection, share)
            if not Assignment.objects.filter(
                sampled_case=c, kind=Assignment.Kind.MODERATION
            ).exists()
        ]
        firsts = dict(
            Assignment.objects.filter(
                sampled_case__in=cases, kind=Assignment.Kind.FIRST
            ).values_list("sampled_case_id", "inspector__username")
        )
        return _assign(
            inspection=inspection,
            cases=cases,
            inspectors=inspectors,
            kind=Assignment.Kind.MODERATION,
            exclude=firsts,
            actor=actor,
            action="moderation_assign",
            detail={"share": share},
        )


@dataclass
class Disagreement:
    sampled_case: SampledCase
    first: Review
    second: Review
    resolution: Resolution | None


def disagreements(inspection: Inspection) -> list[Disagreement]:
    """Cases whose submitted first and moderation overall grades differ."""
    reviews: dict[int, dict[str, Review]] = {}
    for review in Review.objects.filter(
        assignment__sampled_case__sample__inspection=inspection, state=Review.State.SUBMITTED
    ).select_related("assignment__sampled_case", "assignment__inspector"):
        reviews.setdefault(review.assignment.sampled_case_id, {})[review.assignment.kind] = review
    out = []
    for marks in reviews.values():
        first, second = marks.get(Assignment.Kind.FIRST), marks.get(Assignment.Kind.MODERATION)
        if first and second and first.overall != second.overall:
            case = first.assignment.sampled_case
            out.append(
                Disagreement(
                    case, first, second, Resolution.objects.filter(sampled_case=case).first()
                )
            )
    return sorted(out, key=lambda d: (d.sampled_case.stratum, d.sampled_case.rank))


def resolution_record(
    *, sampled_case: SampledCase, final_overall: str, rationale: str, actor: Any
) -> Resolution:
    inspection = sampled_case.sample.inspection
    framework = load_framework(inspection.framework)
    if final_overall not in framework.grade_codes:
        raise ReviewError("Choose one of the framework's grades")
    if not rationale.strip():
        raise ReviewError("Give the rationale for the final grade")
    if sampled_case.pk not in {d.sampled_case.pk for d in disagreements(inspection)}:
        raise ReviewError("Only a disagreement between submitted marks needs a final grade")
    with transaction.atomic():
        resolution, _ = Resolution.objects.update_or_create(
            sampled_case=sampled_case,
            defaults={
                "final_overall": final_overall,
                "rationale": rationale.strip(),
                "by": actor,
                "at": timezone.now(),
            },
        )
        journal_record(
            actor=actor,
            operation=Operation.ALTERATION,
            action="disagreement_resolve",
            object_type="sampled_case",
            object_id=sampled_case.pk,
            detail={"final": final_overall},
        )
    return resolution


def inspection_marks(inspection: Inspection) -> list[tuple[str, str, str]]:
    """(case_ref, inspector, overall) for every submitted review of the inspection."""
    return list(
        Review.objects.filter(
            assignment__sampled_case__sample__inspection=inspection, state=Review.State.SUBMITTED
        )
        .exclude(overall="")
        .values_list(
            "assignment__sampled_case__case_ref", "assignment__inspector__username", "overall"
        )
    )


@dataclass
class ReviewsRejected(Exception):
    message: str
    errors: list[Any]


def _repeated_headers(original: list[str], normalised: list[str]) -> list[Any]:
    """A column named twice (two ``overall`` columns) is refused, as the register import refuses it."""
    from casereview.domain.registers import RowError, quote

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


def _bounded(errors: list[Any]) -> list[Any]:
    """The first errors of each column and kind, with counts for the rest (see ErrorReport)."""
    from django.conf import settings

    from casereview.domain.registers import ErrorReport

    report = ErrorReport(settings.CASEREVIEW_MAX_ERRORS_PER_KIND)
    report.add(errors)
    return report.rows()


def reviews_import(
    *, inspection: Inspection, path: Any, register: Any = None, actor: Any = None
) -> int:
    """Bring in reviews kept in a spreadsheet, all or nothing; returns how many reviews were stored."""
    from pathlib import Path

    from django.conf import settings
    from django.contrib.auth import get_user_model

    from casereview.domain.grading import parse_review_row
    from casereview.domain.registers import RegisterError, RowError, normalise_label
    from casereview.domain.roles import Role
    from casereview.importing.readers import StructureError, inspect_file, open_reader
    from casereview.web.registers.models import Register
    from casereview.web.registers.services import import_limits

    framework = load_framework(inspection.framework)
    # Read through the register's readers and limits: every reader error (ragged rows, unclosed quotes,
    # over-long values or headers, NUL bytes, mixed encodings) is a refusal with a row report, never a crash.
    try:
        source = inspect_file(Path(path), limits=import_limits())
        with open_reader(source, tmp_dir=Path(settings.VAR_DIR) / "tmp") as reader:
            headers = [
                h if h.lower().startswith("area:") else normalise_label(h) for h in reader.headers
            ]
            headers = [
                "area:" + h[5:].strip() if h.lower().startswith("area:") else h for h in headers
            ]
            repeated = _repeated_headers(reader.headers, headers)
            if repeated:
                raise ReviewsRejected(
                    f"No reviews were imported: {len(repeated)} problem(s) found", repeated
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
    except RegisterError as exc:
        raise ReviewsRejected(str(exc), []) from exc
    except StructureError as exc:
        found = exc.errors or [RowError(0, "", "", f"cannot be read as CSV: {exc.detail}")]
        raise ReviewsRejected(
            f"No reviews were imported: {len(found)} problem(s) found", _bounded(found)
        ) from exc
    errors: list[RowError] = []
    parsed = []
    for line, row in rows:
        if not any((v or "").strip() for v in row.values()):
            continue
        item, problems = parse_review_row(framework, row, line)
        errors += [RowError(*p) for p in problems]
        if item is not None:
            parsed.append(item)
    users = {
        u.get_username(): u
        for u in get_user_model().objects.filter(
            username__in={p.reviewer for p in parsed}, is_active=True
        )
    }
    seen: dict[tuple[str, str], int] = {}
    sample = Sample.objects.filter(inspection=inspection).first()
    for item in parsed:
        user = users.get(item.reviewer)
        if user is None or not (
            {g for g in user.groups.values_list("name", flat=True)}
            & {Role.INSPECTOR.value, Role.LEAD_INSPECTOR.value}
        ):
            errors.append(
                RowError(
                    item.line,
                    "reviewer",
                    item.reviewer,
                    "not an active inspector or lead inspector",
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
    source_register = register or (
        sample.register
        if sample
        else Register.objects.filter(
            body=inspection.body, state=Register.State.LOCKED, purged_at__isnull=True
        )
        .order_by("-imported_at")
        .first()
    )
    if source_register is None:
        raise ReviewsRejected(
            "Import the body's register first: imported reviews must name its cases", []
        )
    case_ids = dict(
        Case.objects.filter(
            register=source_register, case_ref__in={p.case_ref for p in parsed}
        ).values_list("case_ref", "id")
    )
    sampled = {c.case_ref: c for c in SampledCase.objects.filter(sample=sample)} if sample else {}
    for item in parsed:
        if item.case_ref not in case_ids:
            errors.append(
                RowError(
                    item.line,
                    "case_ref",
                    item.case_ref,
                    f"not a case of register {source_register.pk}",
                )
            )
        elif sample and item.case_ref not in sampled:
            errors.append(
                RowError(
                    item.line, "case_ref", item.case_ref, "not a case of this inspection's sample"
                )
            )
    if not parsed and not errors:
        errors.append(RowError(0, "", "", "the file has no reviews"))
    if errors:
        from casereview.domain.registers import error_order

        raise ReviewsRejected(
            f"No reviews were imported: {len(errors)} problem(s) found",
            _bounded(sorted(errors, key=error_order)),
        )
    now = timezone.now()
    new_sample = sample is None
    with transaction.atomic():
        if sample is None:
            sample = Sample.objects.create(
                inspection=inspection,
                register=source_register,
                algorithm="imported",
                plan={},
                manifest={
                    "algorithm": "imported",
                    "note": "the sample was not drawn in casereview",
                    "cases": sorted({p.case_ref for p in parsed}),
                },
                late_commitment=False,
                drawn_at=now,
                drawn_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            for rank, ref in enumerate(sorted({p.case_ref for p in parsed})):
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
        stored = 0
        for item in parsed:
            assignment, _ = Assignment.objects.get_or_create(
                sampled_case=sampled[item.case_ref],
                kind=item.kind,
                defaults={"inspector": users[item.reviewer], "assigned_at": now},
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
            # Imported reviews were finished elsewhere: they arrive submitted (an overall grade is required).
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
            stored += 1
        journal_record(
            actor=actor,
            operation=Operation.COLLECTION,
            action="reviews_import",
            object_type="inspection",
            object_id=inspection.pk,
            detail={
                "reviews": stored,
                "sha256": source.sha256,
                "sample_imported": sample.algorithm == "imported",
            },
        )
    if new_sample:
        from casereview.web.inspections.links import links_compute

        links_compute(sample=sample, actor=actor)
    return stored
