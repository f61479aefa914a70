"""Reads for review pages, scoped: an inspector sees the cases assigned to them; a lead, their inspection's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from casereview.domain.agreement import (
    MarkPair,
    agreement_by_area,
    agreement_of,
    few_pairs_phrase,
    pair_agreement,
)
from casereview.domain.journal import JournalAction, Operation
from casereview.domain.referrals import OpenSendBack, State, Urgency, due_words
from casereview.domain.roles import GRADING_ROLES
from casereview.domain.sampling import moderation_pick
from casereview.domain.words import Kind, words
from casereview.importing.frameworks import load_framework
from casereview.web.core.access import user_roles
from casereview.web.core.phrases import active_language
from casereview.web.core.users import User
from casereview.web.inspections.links import case_links, case_links_record
from casereview.web.inspections.models import Inspection, Sample, SampledCase
from casereview.web.inspections.selectors import graded_q, grades, leads
from casereview.web.journal.services import Record, journal_append
from casereview.web.referrals.models import SendBack
from casereview.web.referrals.selectors import (
    URGENCY_CHOICES,
    case_send_backs,
    covers,
    late,
    open_send_backs,
    send_backs_visible,
    sent_back_words,
)
from casereview.web.registers.models import Case

from .history import Submitted, submitted_as_of
from .models import Assignment, Resolution, Review

#: The sample's manifest (tens of kilobytes of JSON) is never needed to show a case: left out of the row.
HEAVY = ("sampled_case__sample__manifest",)


def assignments_of(user: Any) -> QuerySet[Assignment]:
    """The user's own assignments, of inspections whose cases they may grade (``inspections.selectors.
    graded_q``: an inspector's of the inspectorate's inspections, a body auditor's of its body's own audits)."""
    if not user_roles(user) & set(GRADING_ROLES):
        return Assignment.objects.none()
    return (
        Assignment.objects.filter(
            graded_q(user, "sampled_case__sample__inspection__"), inspector=user
        )
        .select_related("sampled_case__sample__inspection__body", "review")
        .defer(*HEAVY)
        .order_by(
            "sampled_case__sample__inspection_id", "sampled_case__stratum", "sampled_case__rank"
        )
    )


def assignment_for(user: Any, assignment_id: int) -> tuple[Assignment, bool] | None:
    """The assignment and whether ``user`` may edit it (its inspector) or only read it (the lead)."""
    assignment = (
        # Four tables, not six: planning a six-way join cost PostgreSQL ~0.9 ms on every review page, more than
        # running it.  The body's name is read only when a submitted review offers the send back.
        Assignment.objects.select_related("sampled_case__sample__inspection")
        .defer(*HEAVY)
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None:
        return None
    inspection = assignment.sampled_case.sample.inspection
    if assignment.inspector_id == user.pk and grades(user, inspection):
        return assignment, True
    if leads(user, inspection):
        return assignment, False
    return None


def case_details(assignment: Assignment) -> Case | None:
    return Case.objects.filter(pk=assignment.sampled_case.case_id).first()


def case_consulted(
    *, assignment: Assignment, actor: User
) -> tuple[Case | None, dict[str, Any] | None]:
    """The case and its stored links as the review page shows them; both reads are journaled.

    One lock, one insert and one commit for both entries; the reads stay outside the journal's lock.
    """
    case = case_details(assignment)
    links = case_links(assignment.sampled_case)
    consult = Record(
        operation=Operation.CONSULTATION,
        action=JournalAction.CASE_CONSULT,
        object_type="sampled_case",
        object_id=assignment.sampled_case_id,
        reason="case_review",
    )
    journal_append(
        actor=actor, records=[consult] if links is None else [consult, case_links_record(links)]
    )
    return case, links


def review_of(assignment: Assignment) -> Review | None:
    return Review.objects.filter(assignment=assignment).first()


def agreement_for(inspection: Any, *, as_of: dt.datetime | None = None) -> dict[str, Any]:
    """Agreement between each case's first review and its moderation, both submitted (as they stood at
    the moment ``as_of``, for a report as of a day; now when None).

    ``pairs``: the team's figure on the overall grade (first), then each pair of inspectors';
    ``by_area``: each framework area's; ``marked_twice``: the cases with both marks.  Every figure rests
    on (first mark, second mark) pairs, so the team's cannot depend on who marked or their names.
    """

    framework = load_framework(inspection.framework)
    scale = framework.grade_codes
    first: dict[str, Submitted] = {}
    second: dict[str, Submitted] = {}
    for s in submitted_as_of([inspection.pk], as_of):
        if s.overall:
            (first if s.kind == Assignment.Kind.FIRST else second)[s.case_ref] = s
    twice = sorted(set(first) & set(second))
    pairs = [
        MarkPair(
            case,
            first[case].overall,
            second[case].overall,
            first[case].inspector,
            second[case].inspector,
        )
        for case in twice
    ]
    figures = agreement_of(pairs, scale)
    return {
        "pairs": figures,
        "warning": few_pairs_phrase(figures[0].cases) if figures else None,
        "by_area": agreement_by_area(
            [(dict(first[c].area_grades or {}), dict(second[c].area_grades or {})) for c in twice],
            [(a.slug, a.title) for a in framework.areas],
            scale,
        ),
        "marked_twice": len(twice),
    }


def first_review_after_moderation(assignment: Assignment, review: Review) -> Review | None:
    """Moderation is blind: the first review is shown only once the moderator has submitted."""
    if assignment.kind != Assignment.Kind.MODERATION or review.state != Review.State.SUBMITTED:
        return None
    return Review.objects.filter(
        assignment__sampled_case=assignment.sampled_case,
        assignment__kind=Assignment.Kind.FIRST,
        state=Review.State.SUBMITTED,
    ).first()


def agreement_drift(inspection: Any) -> list[dict[str, Any]]:
    """Each of this inspection's markers: their agreement with others in every inspection so far, oldest first.

    An inspector's figure for an inspection pools every pair of marks they were part of.
    """

    here = {rater for _, rater, _ in inspection_marks(inspection)}
    if not here:
        return []
    history = Inspection.objects.filter(
        body=inspection.body, period_end__lte=inspection.period_end
    ).order_by("period_end", "id")
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in sorted(here)}
    for earlier in history:
        scale = load_framework(earlier.framework).grade_codes
        by_case: dict[str, list[tuple[str, str]]] = {}
        for case, rater, grade in inspection_marks(earlier):
            if grade in scale:
                by_case.setdefault(case, []).append((rater, grade))
        for name in rows:
            pairs = []
            for marks in by_case.values():
                mine = [g for r, g in marks if r == name]
                others = [g for r, g in marks if r != name]
                pairs += [(m, o) for m in mine for o in others]
            if pairs:
                result = pair_agreement(pairs, scale, (name, "others"))
                rows[name].append(
                    {
                        "inspection": earlier,
                        "cases": result.cases,
                        "agreement": result.agreement,
                        "kappa": result.weighted_kappa,
                    }
                )
    return [
        {"inspector": name, "history": history_rows}
        for name, history_rows in rows.items()
        if history_rows
    ]


def assignment_of_case(inspection: Any, case_ref: str, kind: str) -> Assignment | None:
    """The ``kind`` assignment (first or moderation) of the sampled case ``case_ref`` of the inspection, or None."""
    return Assignment.objects.filter(
        sampled_case__sample__inspection=inspection, sampled_case__case_ref=case_ref, kind=kind
    ).first()


def at_risk_cases(inspection: Any) -> list[dict[str, Any]]:
    """Every case of the inspection a submitted review says is at risk, or that was sent back, for the lead.

    Each row: the case, each submitted review's answer (first and moderation, so the lead sees both), the
    case's send backs, and ``unsent`` — a yes no send back covers ("At risk, not sent back"; see ``covers``).
    Two queries whatever the number of cases.
    """
    rows: dict[int, dict[str, Any]] = {}
    for review in (
        Review.objects.filter(
            assignment__sampled_case__sample__inspection=inspection, state=Review.State.SUBMITTED
        )
        .select_related("assignment__sampled_case", "assignment__inspector")
        .defer("assignment__sampled_case__sample__manifest")
    ):
        case = review.assignment.sampled_case
        row = rows.setdefault(case.pk, {"sampled_case": case, "answers": {}, "send_backs": []})
        row["answers"][review.assignment.kind] = {
            "answer": review.send_back,
            "inspector": review.assignment.inspector.get_username(),
            "assignment_id": review.assignment_id,
            "submitted_at": review.submitted_at,
        }
    for s in (
        SendBack.objects.filter(inspection=inspection)
        .select_related("sampled_case")
        .order_by("opened_at", "id")
    ):
        rows.setdefault(
            s.sampled_case_id, {"sampled_case": s.sampled_case, "answers": {}, "send_backs": []}
        )["send_backs"].append(s)
    today = timezone.localdate()
    out = []
    for row in rows.values():
        said_yes = [a for a in row["answers"].values() if a["answer"] is True]
        if not said_yes and not row["send_backs"]:
            continue
        row["marks"] = [row["answers"].get("first"), row["answers"].get("moderation")]
        row["unsent"] = any(not covers(row["send_backs"], a["submitted_at"]) for a in said_yes)
        uncovered = [a for a in said_yes if not covers(row["send_backs"], a["submitted_at"])]
        row["send_to"] = (uncovered or said_yes or [{"assignment_id": None}])[0]["assignment_id"]
        row["late"] = [s.pk for s in row["send_backs"] if late(s, today)]
        out.append(row)
    return sorted(out, key=lambda r: (not r["unsent"], r["sampled_case"].case_ref))


def at_risk_not_sent_back(inspection: Any) -> list[str]:
    """References of cases a submitted review says are at risk with no send back covering that yes (``covers``)."""
    return [row["sampled_case"].case_ref for row in at_risk_cases(inspection) if row["unsent"]]


#: An open send back's urgency as the review page's sentence names it ("send back 3 (immediate, ...)").
_URGENCY_SAID: dict[str, Any] = {
    Urgency.IMMEDIATE.value: gettext_lazy("immediate"),
    Urgency.PRIORITY.value: gettext_lazy("priority"),
    Urgency.ROUTINE.value: gettext_lazy("routine"),
}


def open_send_back_words(open_one: OpenSendBack, today: dt.date) -> str:
    """ "send back 3 (immediate, opened, due today 17:00)", in the page's language: the review page's and its
    banner's words for an open send back (``OpenSendBack.describe`` is the same in English, for the refusals
    and the journal)."""
    language = active_language()
    return gettext("send back %(number)s (%(urgency)s, %(state)s, due %(due)s)") % {
        "number": open_one.id,
        "urgency": _URGENCY_SAID.get(open_one.urgency, open_one.urgency),
        "state": words(Kind.SEND_BACK_STATE, open_one.state, gettext).lower(),
        "due": due_words(open_one.due_on, today, language=language),
    }


def send_back_context(user: Any, assignment: Any, review: Any) -> dict[str, Any]:
    """What the review page shows of its case's send backs, and what it offers when the answer is yes (in the
    page's language)."""
    today = timezone.localdate()
    language = active_language()
    if assignment.kind == "moderation" and review.state != Review.State.SUBMITTED:
        # Moderation is blind: a send back of the case would tell the second marker what the first one said.
        return {
            "case_send_backs": [],
            "open_send_backs": [],
            "urgency_choices": URGENCY_CHOICES,
            "blind": True,
            "at_risk_unsent": False,
            "unsent_reason": "",
            "unsent_urgency": "",
        }
    mine = case_send_backs([assignment.sampled_case_id]).get(assignment.sampled_case_id, [])
    # A submitted yes whose own reason went nowhere (an open send back covered it): offered again, filled in.
    own_unsent = (
        review.state == Review.State.SUBMITTED
        and review.send_back is True
        and bool(review.send_back_reason)
        and not any(s.review_id == review.pk and s.opened_at >= review.submitted_at for s in mine)
    )
    visible = (
        set(
            send_backs_visible(user)
            .filter(pk__in=[s.pk for s in mine])
            .values_list("pk", flat=True)
        )
        if mine
        else set()
    )
    open_ones = [
        OpenSendBack(s.pk, s.urgency, s.state, s.due_on)
        for s in mine
        if s.state != State.CLOSED.value
    ]
    return {
        "case_send_backs": [
            {
                "send_back": s,
                "visible": s.pk in visible,
                "state": words(Kind.SEND_BACK_STATE, s.state, gettext),
                "due": due_words(s.due_on, today, language=language),
                "late": late(s, today),
            }
            for s in mine
        ],
        "open_send_backs": [open_send_back_words(o, today) for o in open_ones],
        "urgency_choices": URGENCY_CHOICES,
        "blind": False,
        "at_risk_unsent": review.state == Review.State.SUBMITTED
        and review.send_back is True
        and not covers(mine, review.submitted_at),
        "unsent_reason": review.send_back_reason if own_unsent else "",
        "unsent_urgency": review.send_back_urgency if own_unsent else "",
    }


def submitted_message(review: Review, sampled_case: Any) -> str:
    """The banner after a submission: the send back it opened, the open one that covers the case, or plain
    (in the page's language)."""
    today = timezone.localdate()
    # Only a send back this submission opened (a reopened review keeps the one its earlier yes opened).
    opened = (
        SendBack.objects.filter(review=review, opened_at__gte=review.submitted_at)
        .select_related("body")
        .order_by("-id")
        .first()
    )
    if opened is not None:
        return sent_back_words(opened, sampled_case.case_ref)
    if review.send_back:
        existing = open_send_backs(sampled_case)
        if existing:
            values = {
                "ref": sampled_case.case_ref,
                "open": "; ".join(open_send_back_words(o, today) for o in existing),
            }
            if review.send_back_reason:
                return (
                    gettext(
                        "Review submitted. Case %(ref)s is already sent back: %(open)s. Your reason was not "
                        "sent: to send it too, open a second send back on the review page"
                    )
                    % values
                )
            return gettext("Review submitted. Case %(ref)s is already sent back: %(open)s") % values
    return gettext("Review submitted")


def active_cases(sample: Sample) -> list[SampledCase]:
    return list(
        SampledCase.objects.filter(sample=sample, state=SampledCase.State.ACTIVE).order_by(
            "stratum", "rank"
        )
    )


def moderation_candidates(inspection: Inspection, share: float) -> list[SampledCase]:
    """The seeded share of the sample, plus every case first graded worst or marked for send back."""
    sample = Sample.objects.filter(inspection=inspection).first()
    if sample is None:
        return []
    active = active_cases(sample)
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
    differing = [
        (marks[Assignment.Kind.FIRST], marks[Assignment.Kind.MODERATION])
        for marks in reviews.values()
        if marks.get(Assignment.Kind.FIRST)
        and marks.get(Assignment.Kind.MODERATION)
        and marks[Assignment.Kind.FIRST].overall != marks[Assignment.Kind.MODERATION].overall
    ]
    # A case has at most one resolution: one query for all of them, not one per disagreement.
    resolved = (
        {
            r.sampled_case_id: r
            for r in Resolution.objects.filter(
                sampled_case_id__in=[first.assignment.sampled_case_id for first, _ in differing]
            )
        }
        if differing
        else {}
    )
    out = [
        Disagreement(
            first.assignment.sampled_case,
            first,
            second,
            resolved.get(first.assignment.sampled_case_id),
        )
        for first, second in differing
    ]
    return sorted(out, key=lambda d: (d.sampled_case.stratum, d.sampled_case.rank))


def inspection_marks(
    inspection: Inspection, *, as_of: dt.datetime | None = None
) -> list[tuple[str, str, str]]:
    """(case_ref, inspector, overall) for every submitted review of the inspection (as it stood at the moment
    ``as_of``, ``reviews.history``; now when None)."""
    if as_of is not None:
        return [
            (s.case_ref, s.inspector, s.overall)
            for s in submitted_as_of([inspection.pk], as_of)
            if s.overall
        ]
    return list(
        Review.objects.filter(
            assignment__sampled_case__sample__inspection=inspection, state=Review.State.SUBMITTED
        )
        .exclude(overall="")
        .values_list(
            "assignment__sampled_case__case_ref", "assignment__inspector__username", "overall"
        )
    )
