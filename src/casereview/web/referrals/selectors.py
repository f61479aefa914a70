"""Reads for send-back pages, scoped: a liaison officer sees only their own body's send backs."""

from __future__ import annotations

import statistics
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from casereview.domain.referrals import OPEN_STATES, State, overdue
from casereview.domain.roles import Role
from casereview.web.accounts.services import user_roles

from .models import BodyContact, SendBack


def late(send_back: SendBack, today: Any) -> bool:
    """Overdue now, or already escalated for being overdue: what dashboards and reports count."""
    return overdue(State(send_back.state), send_back.due_on, today) or send_back.state == State.ESCALATED.value


def send_backs_visible(user: Any) -> QuerySet[SendBack]:
    roles = user_roles(user)
    base = SendBack.objects.select_related("body", "inspection", "sampled_case")
    allowed = Q(pk__in=[])
    if Role.LIAISON_OFFICER in roles:
        bodies = BodyContact.objects.filter(user=user, kind=BodyContact.Kind.LIAISON).values_list("body_id", flat=True)
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
