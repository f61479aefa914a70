"""Every write to assignments and reviews: one transaction, journaled.

Just over 600 lines since the refusals became Phrases (issue 25: each a whole sentence a translator can
word); the assignment writes are the part to move out when it next grows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from casereview.domain.assignment import AssignmentError, CaseToAssign, balance
from casereview.domain.errors import Conflict, Refused
from casereview.domain.framework import Framework
from casereview.domain.grading import (
    ReviewAnswers,
    opens_send_back,
    submission_problems,
)
from casereview.domain.journal import JournalAction, Operation
from casereview.domain.language import gettext_lazy
from casereview.domain.roles import InspectionKind
from casereview.importing.frameworks import load_framework
from casereview.web.core.phrases import message_of
from casereview.web.core.users import User, person
from casereview.web.inspections.models import Inspection, Sample, SampledCase
from casereview.web.inspections.selectors import unassignable
from casereview.web.journal.services import journal_record
from casereview.web.notifications import messages as notices
from casereview.web.notifications.services import mail_queue
from casereview.web.referrals.selectors import open_send_backs
from casereview.web.referrals.services import sendback_open
from casereview.web.registers.models import Case

from .models import (
    Assignment,
    ConflictOfInterest,
    ReopenedSubmission,
    ReplacedResolution,
    Resolution,
    Review,
    ReviewConflict,
)
from .selectors import active_cases, disagreements, moderation_candidates


class ReviewError(Refused):
    """Refused; the message says why (a Phrase: ``str()`` is the English, a page shows it in the reader's
    language with ``refusal_words``)."""


def conflict_declare(
    *, inspector: Any, body: Any, unit: str, actor: User | None = None
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
            action=JournalAction.CONFLICT_DECLARE,
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


def _unassigned(cases: list[SampledCase], kind: str) -> list[SampledCase]:
    """Those of ``cases`` with no assignment of this kind yet, in their order (one query, however many)."""
    taken = set(
        Assignment.objects.filter(sampled_case__in=[c.pk for c in cases], kind=kind).values_list(
            "sampled_case_id", flat=True
        )
    )
    return [c for c in cases if c.pk not in taken]


def _units(cases: list[SampledCase]) -> dict[int, str]:
    return dict(Case.objects.filter(pk__in=[c.case_id for c in cases]).values_list("id", "unit"))


def _refuse_unassignable(inspection: Inspection, people: list[Any]) -> None:
    """Refuse to give an inspection's cases to anyone who may not grade them (``domain.roles.
    may_be_assigned``): an own audit is graded only by its body's own auditors, never by the inspectorate;
    a body's auditor never grades an inspectorate inspection."""
    refused = unassignable(inspection, people)
    if not refused:
        return
    names = ", ".join(sorted(p.get_username() for p in refused))
    if inspection.kind == InspectionKind.OWN_AUDIT:
        raise ReviewError(
            gettext_lazy(
                "Only %(body)s's own auditors grade its own audit: %(names)s cannot be given its cases",
                body=inspection.body.name,
                names=names,
            )
        )
    if inspection.kind == InspectionKind.CALIBRATION:
        raise ReviewError(
            gettext_lazy(
                "A calibration is re-graded blind, by inspectors other than its lead and by nobody who is a "
                "contact of %(body)s: %(names)s cannot be given its cases",
                body=inspection.body.name,
                names=names,
            )
        )
    raise ReviewError(
        gettext_lazy(
            "A body's own auditor does not grade the inspectorate's inspections: %(names)s cannot be given "
            "its cases",
            names=names,
        )
    )


def _assign(
    *,
    inspection: Inspection,
    cases: list[SampledCase],
    inspectors: list[Any],
    kind: str,
    exclude: dict[int, str],
    actor: User | None,
    action: JournalAction,
    detail: dict[str, Any],
    at: dt.datetime | None = None,
) -> int:
    """Balance ``cases`` over ``inspectors`` for one kind of review; one home for both kinds."""
    _refuse_unassignable(inspection, inspectors)
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
        raise ReviewError(message_of(exc)) from exc
    now = at or timezone.now()
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
        at=at,
    )
    _tell_assigned(
        inspection=inspection, kind=kind, counts=Counter(plan.values()), people=by_name, at=at
    )
    return len(plan)


def _tell_assigned(
    *,
    inspection: Inspection,
    kind: str,
    counts: Mapping[str, int],
    people: Mapping[str, Any],
    at: dt.datetime | None = None,
) -> None:
    """One e-mail per inspector per run, however many cases they got (sent after the caller's transaction commits)."""
    for name, count in sorted(counts.items()):
        # Written in the inspector's language by the outbox.
        notice = notices.cases_assigned(body=inspection.body, kind=kind, count=count)
        mail_queue(
            notice=notice,
            recipients=[people[name]],
            object_type="inspection",
            object_id=inspection.pk,
            now=at,
        )


def assignments_balance(
    *,
    inspection: Inspection,
    inspectors: list[Any],
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Give every unassigned active sampled case a first reviewer; returns how many were assigned."""
    sample = Sample.objects.filter(inspection=inspection).first()
    if sample is None:
        raise ReviewError(gettext_lazy("Draw the sample first"))
    with transaction.atomic():
        cases = _unassigned(active_cases(sample), Assignment.Kind.FIRST)
        # A case already moderated (an imported moderation) never gets its moderator as first reviewer.
        moderators = dict(
            Assignment.objects.filter(
                sampled_case__in=cases, kind=Assignment.Kind.MODERATION
            ).values_list("sampled_case_id", "inspector__username")
        )
        return _assign(
            inspection=inspection,
            cases=cases,
            inspectors=inspectors,
            kind=Assignment.Kind.FIRST,
            exclude=moderators,
            actor=actor,
            action=JournalAction.ASSIGNMENTS_BALANCE,
            detail={},
            at=now,
        )


def assignment_move(*, assignment: Assignment, to: Any, actor: User | None = None) -> Assignment:
    with transaction.atomic():
        locked = (
            Assignment.objects.select_for_update()
            .select_related("sampled_case__sample__inspection__body")
            .get(pk=assignment.pk)
        )
        review = Review.objects.filter(assignment=locked).first()
        if review is not None and review.state == Review.State.SUBMITTED:
            raise ReviewError(
                gettext_lazy("The review is submitted; reopen it before moving the case")
            )
        inspection = locked.sampled_case.sample.inspection
        _refuse_unassignable(inspection, [to])
        unit = (
            Case.objects.filter(pk=locked.sampled_case.case_id)
            .values_list("unit", flat=True)
            .first()
            or ""
        )
        if unit in _conflicts(inspection, [to])[to.get_username()]:
            raise ReviewError(
                gettext_lazy(
                    "%(name)s declared a conflict of interest with %(unit)s",
                    name=to.get_username(),
                    unit=unit,
                )
            )
        other = (
            Assignment.objects.filter(sampled_case_id=locked.sampled_case_id)
            .exclude(kind=locked.kind)
            .values_list("inspector_id", flat=True)
            .first()
        )
        if other is not None and other == to.pk:
            # Two whole sentences, not one with "first review" or "moderation" put in: Welsh words each.
            held = (
                gettext_lazy(
                    "%(name)s holds this case's first review: nobody second-marks their own case",
                    name=to.get_username(),
                )
                if locked.kind == Assignment.Kind.MODERATION
                else gettext_lazy(
                    "%(name)s holds this case's moderation: nobody second-marks their own case",
                    name=to.get_username(),
                )
            )
            raise ReviewError(held)
        previous = locked.inspector.get_username()
        locked.inspector = to
        locked.save(update_fields=["inspector"])
        journal_record(
            actor=actor,
            operation=Operation.ALTERATION,
            action=JournalAction.ASSIGNMENT_MOVE,
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


def review_start(*, assignment: Assignment, now: dt.datetime | None = None) -> Review:
    """The assignment's review, made as an empty draft on first opening (framework pinned).

    The review page calls it before it reads, so opening a case for the first time is an explicit write
    (as before, not journaled: the page's consultation is)."""
    review = Review.objects.filter(assignment=assignment).first()
    if review is None:
        framework = assignment.sampled_case.sample.inspection.framework
        review, _ = Review.objects.get_or_create(
            assignment=assignment,
            defaults={"framework": framework, "updated_at": now or timezone.now()},
        )
    return review


@dataclass
class StaleVersion(Conflict):
    """Someone saved first: both versions are kept, nothing was overwritten."""

    review: Review
    conflict: ReviewConflict


@dataclass
class Incomplete(Refused):
    """Submission refused: answers missing; the draft was saved."""

    problems: list[Any]
    review: Review


def _conflict_keep(
    current: Review, *, answers: ReviewAnswers, base_version: int, actor: User
) -> ReviewConflict:
    """Answers saved against an older version: kept whole and committed, then refused (never applied,
    never lost)."""
    conflict = ReviewConflict.objects.create(
        review=current,
        attempted=answers.as_dict(),
        base_version=base_version,
        current_version=current.version,
        by=person(actor),
        at=timezone.now(),
    )
    journal_record(
        actor=actor,
        operation=Operation.ALTERATION,
        action=JournalAction.REVIEW_CONFLICT,
        object_type="review",
        object_id=current.pk,
        detail={"base_version": base_version, "current_version": current.version},
    )
    return conflict


def _answers_apply(current: Review, answers: ReviewAnswers, now: dt.datetime | None = None) -> None:
    current.area_grades = answers.area_grades
    current.area_weaknesses = answers.area_weaknesses
    current.area_comments = answers.area_comments
    current.overall = answers.overall
    current.departure_reason = answers.departure_reason
    current.send_back = answers.send_back
    current.send_back_reason = answers.send_back_reason
    current.send_back_urgency = answers.send_back_urgency
    current.version += 1
    current.updated_at = now or timezone.now()


def _answers_save(
    current: Review,
    *,
    answers: ReviewAnswers,
    submit: bool,
    sampled_case: SampledCase | None,
    framework: Framework,
    actor: User,
    now: dt.datetime | None = None,
) -> list[Any]:
    """Store the answers (submitted when asked and complete); what is missing when a submission is not."""
    open_now = open_send_backs(sampled_case) if sampled_case is not None else []
    _answers_apply(current, answers, now)
    # A blind second marker is shown no send back of the case (it would tell them what the first review
    # said), so their yes is checked as if none were open: it always needs its reason and urgency.  An
    # open send back still covers it (never a silent duplicate); the banner then names the open one and
    # the submitted review offers a second one, with their reason, behind a confirmation.
    blind = sampled_case is not None and current.assignment.kind == Assignment.Kind.MODERATION
    problems = submission_problems(framework, answers, [] if blind else open_now) if submit else []
    if submit and not problems:
        current.state = Review.State.SUBMITTED
        current.submitted_at = current.updated_at
    current.save()
    journal_record(
        actor=actor,
        operation=Operation.ALTERATION,
        action=JournalAction.REVIEW_SUBMIT
        if current.state == Review.State.SUBMITTED
        else JournalAction.REVIEW_SAVE,
        object_type="review",
        object_id=current.pk,
        detail={"version": current.version},
        at=now,
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
            now=now,
        )
    return problems


def review_save(
    *,
    review: Review,
    answers: ReviewAnswers,
    base_version: int,
    submit: bool,
    actor: User,
    now: dt.datetime | None = None,
) -> Review:
    """Save a draft (or submit) against the version the page was opened at (``now``: when; the real clock
    unless given)."""
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
        if current.state == Review.State.SUBMITTED:
            raise ReviewError(
                gettext_lazy("This review was submitted; ask the lead inspector to reopen it")
            )
        if current.version != base_version:
            conflict = _conflict_keep(
                current, answers=answers, base_version=base_version, actor=actor
            )
        else:
            problems = _answers_save(
                current,
                answers=answers,
                submit=submit,
                sampled_case=sampled_case,
                framework=framework,
                actor=actor,
                now=now,
            )
    if conflict is not None:
        raise StaleVersion(current, conflict)
    if problems:
        raise Incomplete(problems, current)
    return current


def review_reopen(*, review: Review, actor: User) -> Review:
    with transaction.atomic():
        current = Review.objects.select_for_update().get(pk=review.pk)
        if current.state != Review.State.SUBMITTED:
            raise ReviewError(gettext_lazy("Only a submitted review can be reopened"))
        now = timezone.now()
        # The row is overwritten below: what was submitted stays readable as of the days it stood.
        ReopenedSubmission.objects.create(
            review=current,
            version=current.version,
            overall=current.overall,
            area_grades=current.area_grades,
            area_weaknesses=current.area_weaknesses,
            send_back=current.send_back,
            submitted_at=current.submitted_at or current.updated_at,
            reopened_at=now,
            reopened_by=person(actor),
        )
        current.state = Review.State.DRAFT
        current.submitted_at = None
        current.version += 1
        current.updated_at = now
        current.save()
        journal_record(
            actor=actor,
            operation=Operation.ALTERATION,
            action=JournalAction.REVIEW_REOPEN,
            object_type="review",
            object_id=current.pk,
            detail={"version": current.version},
        )
    return current


DEFAULT_MODERATION_SHARE = 0.10


def moderation_assign(
    *,
    inspection: Inspection,
    inspectors: list[Any],
    share: float = DEFAULT_MODERATION_SHARE,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Give each moderation case to another inspector than its first reviewer, blind; returns how many."""
    with transaction.atomic():
        cases = _unassigned(moderation_candidates(inspection, share), Assignment.Kind.MODERATION)
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
            action=JournalAction.MODERATION_ASSIGN,
            detail={"share": share},
            at=now,
        )


def resolution_record(
    *,
    sampled_case: SampledCase,
    final_overall: str,
    rationale: str,
    actor: User,
    now: dt.datetime | None = None,
) -> Resolution:
    inspection = sampled_case.sample.inspection
    framework = load_framework(inspection.framework)
    if final_overall not in framework.grade_codes:
        raise ReviewError(gettext_lazy("Choose one of the framework's grades"))
    if not rationale.strip():
        raise ReviewError(gettext_lazy("Give the rationale for the final grade"))
    if sampled_case.pk not in {d.sampled_case.pk for d in disagreements(inspection)}:
        raise ReviewError(
            gettext_lazy("Only a disagreement between submitted marks needs a final grade")
        )
    with transaction.atomic():
        dated, now = now, now or timezone.now()
        earlier = Resolution.objects.select_for_update().filter(sampled_case=sampled_case).first()
        if earlier is not None:
            # Overwritten below: kept so that a report as of a day it stood reads the grade of that day.
            ReplacedResolution.objects.create(
                sampled_case=sampled_case,
                final_overall=earlier.final_overall,
                rationale=earlier.rationale,
                by_id=earlier.by_id,
                at=earlier.at,
                replaced_at=now,
            )
        resolution, _ = Resolution.objects.update_or_create(
            sampled_case=sampled_case,
            defaults={
                "final_overall": final_overall,
                "rationale": rationale.strip(),
                "by": actor,
                "at": now,
            },
        )
        journal_record(
            actor=actor,
            operation=Operation.ALTERATION,
            action=JournalAction.DISAGREEMENT_RESOLVE,
            object_type="sampled_case",
            object_id=sampled_case.pk,
            detail={"final": final_overall},
            at=dated,
        )
    return resolution


def review_tampered_record(*, review: Review, actor: User) -> None:
    """A posted review held a value its framework does not have: refused, and the refusal journaled."""
    journal_record(
        actor=actor,
        operation=Operation.ACCESS,
        action=JournalAction.REVIEW_TAMPERED,
        object_type="review",
        object_id=review.pk,
    )
