from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from .models import JournalAnchor, JournalEntry


def journal_recent(limit: int = 200) -> QuerySet[JournalEntry]:
    return JournalEntry.objects.order_by("-seq")[:limit]


def journal_head() -> dict[str, Any]:
    """The chain's last entry: its sequence number and digest (0 and "" when the journal is empty)."""
    head = JournalEntry.objects.order_by("-seq").values("seq", "digest").first()
    return dict(head) if head else {"seq": 0, "digest": ""}


@dataclass(frozen=True)
class AnchorStatus:
    last: JournalAnchor | None
    every_entries: int
    every_minutes: int
    stale: bool  # no anchor yet, or the last one older than CASEREVIEW_JOURNAL_ANCHOR_EVERY_MINUTES
    file_configured: bool
    automatic: bool


def journal_anchor_status() -> AnchorStatus:
    """The last anchor and whether it is older than the anchoring interval; whether the anchor file is set."""
    last = JournalAnchor.objects.order_by("-id").first()
    minutes = settings.CASEREVIEW_JOURNAL_ANCHOR_EVERY_MINUTES
    stale = last is None or (
        bool(minutes) and timezone.now() - last.at > timedelta(minutes=minutes)
    )
    return AnchorStatus(
        last=last,
        every_entries=settings.CASEREVIEW_JOURNAL_ANCHOR_EVERY_ENTRIES,
        every_minutes=minutes,
        stale=stale,
        file_configured=bool(settings.CASEREVIEW_JOURNAL_ANCHOR_FILE),
        automatic=bool(
            settings.CASEREVIEW_JOURNAL_ANCHOR_AUTOMATIC and settings.CASEREVIEW_JOURNAL_ANCHOR_KEY
        ),
    )
