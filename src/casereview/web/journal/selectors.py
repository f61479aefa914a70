from __future__ import annotations

from django.db.models import QuerySet

from .models import JournalEntry


def journal_recent(limit: int = 200) -> QuerySet[JournalEntry]:
    return JournalEntry.objects.order_by("-seq")[:limit]
