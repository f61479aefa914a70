"""Writing, anchoring, verifying and exporting the journal."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection, transaction
from django.utils import timezone

from casereview.domain.journal import (
    GENESIS,
    Anchor,
    ChainBreak,
    Entry,
    Operation,
    anchor_signature,
    entry_digest,
    verify_chain,
)

from .models import JournalAnchor, JournalEntry

#: Serialises writers on PostgreSQL so two entries never take the same place.
_PG_LOCK = 726_100_162


def _payload(entry: JournalEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor_name,
        "actor_id": entry.actor_id,
        "operation": entry.operation,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "reason": entry.reason,
        "recipient": entry.recipient,
        "detail": entry.detail,
    }


@dataclass(frozen=True)
class Record:
    """One entry to append with `journal_append` (the actor is given once for all of them)."""

    operation: Operation
    action: str
    object_type: str = ""
    object_id: object = ""
    detail: dict[str, Any] | None = None
    reason: str = ""
    recipient: str = ""


def journal_record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    operation: Operation,
    action: str,
    object_type: str = "",
    object_id: object = "",
    detail: dict[str, Any] | None = None,
    reason: str = "",
    recipient: str = "",
    actor_name: str | None = None,
) -> JournalEntry:
    """Append one entry, inside the caller's transaction when there is one (see `journal_append`)."""
    record = Record(operation=operation, action=action, object_type=object_type, object_id=object_id,
                    detail=detail, reason=reason, recipient=recipient)
    return journal_append(actor=actor, records=[record], actor_name=actor_name)[0]


def journal_append(
    *, actor: AbstractBaseUser | AnonymousUser | None, records: Sequence[Record], actor_name: str | None = None,
) -> list[JournalEntry]:
    """Append entries in the order given, chained one to the next, with one lock, one read of the chain's
    head and one insert for all of them: every writer waits on that lock, so a page that journals two things
    holds it for half the round trips.

    Entries hold no case content: identifiers of objects, codes and counts only.  Inside a caller's
    transaction no savepoint is made: an entry that cannot be written undoes the caller's work too.
    """
    if not records:
        return []
    user = actor if actor is not None and actor.is_authenticated else None
    name = actor_name or (user.get_username() if user else "system")
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK])
        last = JournalEntry.objects.order_by("-seq").only("seq", "digest").first()
        seq, previous = (last.seq, last.digest) if last else (0, GENESIS)
        at = timezone.now()
        entries = []
        for record in records:
            seq += 1
            entry = JournalEntry(
                seq=seq, at=at, actor_id=user.pk if user else None, actor_name=name,
                operation=record.operation.value, action=record.action, object_type=record.object_type,
                object_id=str(record.object_id)[:64], reason=record.reason, recipient=record.recipient,
                detail=record.detail or {}, previous=previous,
            )
            entry.digest = previous = entry_digest(previous, _payload(entry))
            entries.append(entry)
        JournalEntry.objects.bulk_create(entries)
        return entries


def _entries() -> Iterator[Entry]:
    for entry in JournalEntry.objects.order_by("seq").iterator(chunk_size=5000):
        yield Entry(seq=entry.seq, payload=_payload(entry), previous=entry.previous, digest=entry.digest)


def _anchor_key() -> bytes:
    key = settings.CASEREVIEW_JOURNAL_ANCHOR_KEY
    if not key:
        raise RuntimeError("CASEREVIEW_JOURNAL_ANCHOR_KEY is not set")
    return str(key).encode()


def journal_anchor(*, actor: Any = None) -> JournalAnchor:
    """Sign the current head of the chain and store the anchor (print it elsewhere too)."""
    with transaction.atomic():
        head = journal_record(actor=actor, operation=Operation.ADMINISTRATION, action="journal_anchor", actor_name=None if actor else "cli")
        return JournalAnchor.objects.create(
            seq=head.seq,
            digest=head.digest,
            signature=anchor_signature(_anchor_key(), head.seq, head.digest),
            at=timezone.now(),
        )


def journal_verify() -> ChainBreak | None:
    latest = JournalAnchor.objects.order_by("-seq", "-id").first()
    anchor = Anchor(latest.seq, latest.digest, latest.signature) if latest else None
    return verify_chain(_entries(), anchor=anchor, key=_anchor_key() if anchor else None)


EXPORT_COLUMNS = (
    "seq", "at", "actor_name", "actor_id", "operation", "action", "object_type", "object_id",
    "reason", "recipient", "detail", "previous", "digest",
)


def journal_export(*, start: date, end: date, path: Path, actor: Any, purpose: str = "") -> int:
    """Write entries from ``start`` to ``end`` (inclusive, UK dates) as CSV; the reading is journaled."""
    tz = timezone.get_default_timezone()
    since = timezone.make_aware(datetime.combine(start, time.min), tz)
    until = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz)
    rows = 0
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(EXPORT_COLUMNS)
        for entry in JournalEntry.objects.filter(at__gte=since, at__lt=until).order_by("seq").iterator():
            payload = _payload(entry)
            writer.writerow(
                [entry.seq, payload["at"], entry.actor_name, entry.actor_id or "", entry.operation,
                 entry.action, entry.object_type, entry.object_id, entry.reason, entry.recipient,
                 canonical_detail(entry.detail), entry.previous, entry.digest]
            )
            rows += 1
    tmp.replace(path)
    journal_record(
        actor=actor,
        operation=Operation.CONSULTATION,
        action="journal_export",
        object_type="journal",
        reason=purpose[:64],
        detail={"from": start.isoformat(), "to": end.isoformat(), "entries": rows},
    )
    return rows


def canonical_detail(detail: Any) -> str:
    from casereview.domain.journal import canonical

    return canonical(detail) if isinstance(detail, dict) else str(detail)
