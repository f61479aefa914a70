"""Send backs as they stood at a moment: what a report as of a day reads.

A send back's row holds its latest state; every move is kept with its time in ``SendBackEvent``
(``services._event``), so its state at a moment is the last move's before it.  A day ends at midnight
Europe/London (times are stored in UTC): a report as of a day reads what was recorded before ``day_end``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from casereview.domain.referrals import State

from .models import SendBack, SendBackEvent

#: What a send back knew only once it had happened: each is forgotten when it came at or after the moment.
LATER = ("first_response_at", "escalated_at", "closed_at")


def day_end(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` in Europe/London (the project's time zone), aware: a record made before
    it stood at the end of that day."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def send_backs_as_of(cutoff: dt.datetime, **scope: Any) -> list[SendBack]:
    """The send backs (of ``scope``, e.g. ``inspection=…``) opened before ``cutoff``, each as it stood then.

    Its state is the last move's before ``cutoff`` (opened when none was recorded before it, as when the
    opening was backdated); its first response, escalation and closing only when they came before.  The
    instances are rewound copies for reading: never saved.  One query, oldest first.
    """
    then = (
        SendBackEvent.objects.filter(send_back=OuterRef("pk"), at__lt=cutoff)
        .order_by("-at", "-id")
        .values("to_state")[:1]
    )
    found: list[SendBack] = list(
        SendBack.objects.filter(**scope, opened_at__lt=cutoff)
        .annotate(state_then=Subquery(then))
        .order_by("opened_at", "id")
    )
    for s in found:
        s.state = getattr(s, "state_then", None) or State.OPENED.value
        for field in LATER:
            when = getattr(s, field)
            if when is not None and when >= cutoff:
                setattr(s, field, None)
    return found
