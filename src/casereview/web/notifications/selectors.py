"""Reads of the outbox: what is still owed (pending) and what gave up (failed); never a message's body."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from .models import OutboxMessage


def outbox_unsent() -> QuerySet[OutboxMessage]:
    """Failed messages first, then pending ones by their next try; without their bodies."""
    failed_first = Case(
        When(state=OutboxMessage.State.FAILED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        OutboxMessage.objects.filter(
            state__in=[OutboxMessage.State.FAILED, OutboxMessage.State.PENDING]
        )
        .defer("body")
        .order_by(failed_first, "next_attempt_at", "id")
    )
