"""Writing the journal: one entry per service call, chained to the one before."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from casereview.domain.journal import GENESIS, Operation, entry_digest

from .models import JournalEntry


def _payload(entry: JournalEntry) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(),
        "actor": entry.actor_name,
        "operation": entry.operation,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "detail": entry.detail,
    }


def journal_record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    operation: Operation,
    action: str,
    object_type: str = "",
    object_id: object = "",
    detail: dict[str, Any] | None = None,
    actor_name: str | None = None,
) -> JournalEntry:
    """Append one entry; must run inside the caller's transaction."""
    with transaction.atomic():
        # Serialise writers so the chain never forks: lock the last entry.
        last = JournalEntry.objects.select_for_update().order_by("-id").first()
        user = actor if actor is not None and actor.is_authenticated else None
        entry = JournalEntry(
            at=timezone.now(),
            actor=user,  # type: ignore[misc]
            actor_name=actor_name or (user.get_username() if user else "system"),
            operation=operation.value,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            detail=detail or {},
            previous=last.digest if last else GENESIS,
        )
        entry.digest = entry_digest(entry.previous, _payload(entry))
        entry.save()
        return entry


def journal_payloads() -> Any:
    for entry in JournalEntry.objects.order_by("id").iterator(chunk_size=2000):
        yield _payload(entry), entry.previous, entry.digest
