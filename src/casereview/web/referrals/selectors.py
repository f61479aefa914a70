"""Reads for send-back pages, scoped: a liaison officer sees only their own body's send backs."""

from __future__ import annotations

import statistics
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from casereview.domain.referrals import (
    OPEN_STATES,
    STATE_WORDS,
    OpenSendBack,
    State,
    Urgency,
    due_words,
    overdue,
)
from casereview.domain.roles import Role
from casereview.web.accounts.services import user_roles
from casereview.web.reviews.models import Review

from .models import BodyContact, SendBack


def late(send_back: SendBack, today: Any) -> bool:
    """Overdue now, or already escalated for being overdue: what dashboards and reports count."""
    return (
        overdue(State(send_back.state), send_back.due_on, today)
        or send_back.state == State.ESCALATED.value
    )


def open_send_backs(sampled_case: Any) -> list[OpenSendBack]:
    """The case's send backs not yet closed, oldest first."""
    return [
        OpenSendBack(id=pk, urgency=urgency, state=state, due_on=due_on)
        for pk, urgency, state, due_on in SendBack.objects.filter(sampled_case=sampled_case)
        .exclude(state=State.CLOSED.value)
        .order_by("opened_at", "id")
        .values_list("id", "urgency", "state", "due_on")
    ]


def case_send_backs(sampled_case_ids: list[int]) -> dict[int, list[SendBack]]:
    """Every send back of these sampled cases (all states), oldest first, by sampled case: one query."""
    out: dict[int, list[SendBack]] = {}
    for s in SendBack.objects.filter(sampled_case_id__in=sampled_case_ids).order_by(
        "opened_at", "id"
    ):
        out.setdefault(s.sampled_case_id, []).append(s)
    return out


def send_backs_visible(user: Any) -> QuerySet[SendBack]:
    roles = user_roles(user)
    base = SendBack.objects.select_related("body", "inspection", "sampled_case")
    allowed = Q(pk__in=[])
    if Role.LIAISON_OFFICER in roles:
        bodies = BodyContact.objects.filter(user=user, kind=BodyContact.Kind.LIAISON).values_list(
            "body_id", flat=True
        )
        allowed |= Q(body_id__in=list(bodies))
    if Role.LEAD_INSPECTOR in roles:
        allowed |= Q(inspection__lead=user)
    if roles & {Role.INSPECTOR, Role.LEAD_INSPECTOR}:
        allowed |= Q(opened_by=user)
    return base.filter(allowed)


def send_back_for(user: Any, send_back_id: int) -> SendBack | None:
    return send_backs_visible(user).filter(pk=send_back_id).first()


def queue(user: Any) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [
        {"send_back": s, "overdue": overdue(State(s.state), s.due_on, today)}
        for s in send_backs_visible(user).order_by("due_on", "id")
    ]


def dashboard(user: Any) -> dict[str, Any]:
    """For a lead inspector: open, overdue and closed send backs by body and urgency; days to first response."""
    today = timezone.localdate()
    rows: dict[tuple[str, str], dict[str, int]] = {}
    days: list[float] = []
    for s in SendBack.objects.filter(inspection__lead=user).select_related("body"):
        row = rows.setdefault((s.body.code, s.urgency), {"open": 0, "overdue": 0, "closed": 0})
        if State(s.state) in OPEN_STATES:
            row["open"] += 1
            if late(s, today):
                row["overdue"] += 1
        else:
            row["closed"] += 1
        if s.first_response_at:
            days.append((s.first_response_at - s.opened_at).total_seconds() / 86400)
    return {
        "rows": [{"body": b, "urgency": u, **counts} for (b, u), counts in sorted(rows.items())],
        "median_days_to_response": statistics.median(days) if days else None,
        "responses": len(days),
    }


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


def covers(send_backs: list[SendBack], said_at: Any) -> bool:
    """A yes given at ``said_at`` is covered by a send back of its case still open then or opened since.

    A send back closed before the yes was given does not cover it: the yes is a new judgement that the child
    is at risk.  (The one home for the rule: the lead's table, the report and publishing all read it.)
    """
    return any(s.closed_at is None or said_at is None or s.closed_at >= said_at for s in send_backs)


def at_risk_not_sent_back(inspection: Any) -> list[str]:
    """References of cases a submitted review says are at risk with no send back covering that yes (``covers``)."""
    return [row["sampled_case"].case_ref for row in at_risk_cases(inspection) if row["unsent"]]


URGENCY_CHOICES = [
    (Urgency.IMMEDIATE.value, "Immediate – the same working day"),
    (Urgency.PRIORITY.value, "Priority – 5 working days"),
    (Urgency.ROUTINE.value, "Routine – 20 working days"),
]


def send_back_context(user: Any, assignment: Any, review: Any) -> dict[str, Any]:
    """What the review page shows of its case's send backs, and what it offers when the answer is yes."""
    today = timezone.localdate()
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
                "state": STATE_WORDS.get(s.state, s.state),
                "due": due_words(s.due_on, today),
                "late": late(s, today),
            }
            for s in mine
        ],
        "open_send_backs": [o.describe(today) for o in open_ones],
        "urgency_choices": URGENCY_CHOICES,
        "blind": False,
        "at_risk_unsent": review.state == Review.State.SUBMITTED
        and review.send_back is True
        and not covers(mine, review.submitted_at),
        "unsent_reason": review.send_back_reason if own_unsent else "",
        "unsent_urgency": review.send_back_urgency if own_unsent else "",
    }


def sent_back_words(send_back: SendBack, case_ref: str) -> str:
    """ "Case X sent back to BODY, immediate, due today 17:00": the banner's and the message's one wording."""
    due = due_words(send_back.due_on, timezone.localdate())
    words = f"Case {case_ref} sent back to {send_back.body.code}, {send_back.urgency}, due {due}"
    reachable = (
        BodyContact.objects.filter(
            body_id=send_back.body_id, kind=BodyContact.Kind.LIAISON, user__is_active=True
        )
        .exclude(user__email="")
        .exists()
    )
    if not reachable:  # the outbox had nobody to write to: say so while the sender can still act
        words += (
            f". No liaison officer of {send_back.body.code} has an e-mail address, so nobody there was "
            "told: tell them another way"
        )
    return words


def submitted_message(review: Review, sampled_case: Any) -> str:
    """The banner after a submission: the send back it opened, the open one that covers the case, or plain."""
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
            covered = (
                f"Review submitted. Case {sampled_case.case_ref} is already sent back: "
                + "; ".join(o.describe(today) for o in existing)
            )
            if review.send_back_reason:
                covered += ". Your reason was not sent: to send it too, open a second send back on the review page"
            return covered
    return "Review submitted"


def send_backs_listed(
    *, inspection_id: int | None = None, state: str | None = None
) -> list[dict[str, Any]]:
    """Send backs for the command line, oldest first; ``state`` "open" means every state but closed."""
    today = timezone.localdate()
    found = SendBack.objects.select_related("sampled_case", "body").order_by("opened_at", "id")
    if inspection_id is not None:
        found = found.filter(inspection_id=inspection_id)
    if state == "open":
        found = found.exclude(state=State.CLOSED.value)
    elif state is not None:
        found = found.filter(state=state)
    return [
        {
            "id": s.pk,
            "inspection_id": s.inspection_id,
            "body": s.body.code,
            "case_ref": s.sampled_case.case_ref,
            "urgency": s.urgency,
            "state": s.state,
            "opened_at": s.opened_at.isoformat(),
            "due": s.due_on.isoformat(),
            "overdue": late(s, today),
            "review_id": s.review_id,
        }
        for s in found
    ]
