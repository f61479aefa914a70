"""Reads for send-back pages, scoped: a liaison officer sees only their own body's send backs."""

from __future__ import annotations

import statistics
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from casereview.domain.referrals import (
    OPEN_STATES,
    OpenSendBack,
    State,
    Urgency,
    due_words,
    overdue,
)
from casereview.domain.roles import Role
from casereview.web.core.access import user_roles

from .models import BodyContact, SendBack, SendBackEvent


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


def with_history(send_backs: QuerySet[SendBack]) -> QuerySet[SendBack]:
    """The send backs with their events, oldest first, read in one more query for all (not one each)."""
    return send_backs.prefetch_related(
        Prefetch("events", queryset=SendBackEvent.objects.order_by("at", "id"))
    )


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


def covers(send_backs: list[SendBack], said_at: Any) -> bool:
    """A yes given at ``said_at`` is covered by a send back of its case still open then or opened since.

    A send back closed before the yes was given does not cover it: the yes is a new judgement that the child
    is at risk.  (The one home for the rule: the lead's table, the report and publishing all read it.)
    """
    return any(s.closed_at is None or said_at is None or s.closed_at >= said_at for s in send_backs)


URGENCY_CHOICES = [
    (Urgency.IMMEDIATE.value, "Immediate – the same working day"),
    (Urgency.PRIORITY.value, "Priority – 5 working days"),
    (Urgency.ROUTINE.value, "Routine – 20 working days"),
]


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


def is_liaison_for(user: Any, send_back: SendBack) -> bool:
    """Whether ``user`` is a liaison officer of the body this send back went to (they respond to it)."""
    return BodyContact.objects.filter(
        body_id=send_back.body_id, user_id=user.pk or 0, kind=BodyContact.Kind.LIAISON
    ).exists()
