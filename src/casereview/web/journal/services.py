"""Writing, anchoring, verifying and exporting the journal."""

from __future__ import annotations

import logging
import os
import time as monotonic_time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from casereview.domain.journal import (
    GENESIS,
    Anchor,
    ChainBreak,
    Entry,
    JournalAction,
    Operation,
    anchor_due,
    anchor_line,
    anchor_signature,
    anchor_valid,
    canonical,
    entry_digest,
    verify_anchor_chain,
    verify_chain,
)
from casereview.web.core.exports import csv_writer
from casereview.web.core.users import User

from .models import JournalAnchor, JournalEntry
from .selectors import JournalFilters, journal_filtered, journal_recent

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
    action: JournalAction
    object_type: str = ""
    object_id: object = ""
    detail: dict[str, Any] | None = None
    reason: str = ""
    recipient: str = ""


def journal_record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    operation: Operation,
    action: JournalAction,
    object_type: str = "",
    object_id: object = "",
    detail: dict[str, Any] | None = None,
    reason: str = "",
    recipient: str = "",
    actor_name: str | None = None,
    at: datetime | None = None,
) -> JournalEntry:
    """Append one entry, inside the caller's transaction when there is one (see `journal_append`)."""
    record = Record(
        operation=operation,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
        reason=reason,
        recipient=recipient,
    )
    return journal_append(actor=actor, records=[record], actor_name=actor_name, at=at)[0]


def access_denied_record(
    *, actor: AbstractBaseUser | AnonymousUser, path: str, status: int, method: str
) -> JournalEntry:
    """A signed-in person was refused a page (403 or 404)."""
    return journal_record(
        actor=actor,
        operation=Operation.ACCESS,
        action=JournalAction.ACCESS_DENIED,
        object_type="path",
        object_id=path[:64],
        detail={"status": status, "method": method},
    )


def journal_consulted(
    *, actor: AbstractBaseUser | AnonymousUser, detail: dict[str, Any] | None = None
) -> QuerySet[JournalEntry]:
    """The latest entries for the journal page; reading the journal is itself journaled (first, so the page
    shows its own entry), with the page's filters and cursor in ``detail``."""
    journal_record(
        actor=actor,
        operation=Operation.CONSULTATION,
        action=JournalAction.JOURNAL_VIEW,
        object_type="journal",
        detail=detail,
    )
    return journal_recent()


def journal_append(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    records: Sequence[Record],
    actor_name: str | None = None,
    at: datetime | None = None,
) -> list[JournalEntry]:
    """Append entries in the order given, chained one to the next, with one lock, one read of the chain's
    head and one insert for all of them: every writer waits on that lock, so a page that journals two things
    holds it for half the round trips.

    Entries hold no case content: identifiers of objects, codes and counts only.  Inside a caller's
    transaction no savepoint is made: an entry that cannot be written undoes the caller's work too.
    ``at`` is the time the entries record (now unless given: the demo dates its story's events with it), in
    UTC as the database gives it back, so that the digest is of what is stored.
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
        at = timezone.now() if at is None else at.astimezone(UTC)
        entries = []
        for record in records:
            seq += 1
            entry = JournalEntry(
                seq=seq,
                at=at,
                actor_id=user.pk if user else None,
                actor_name=name,
                operation=record.operation.value,
                action=record.action,
                object_type=record.object_type,
                object_id=str(record.object_id)[:64],
                reason=record.reason,
                recipient=record.recipient,
                detail=record.detail or {},
                previous=previous,
            )
            entry.digest = previous = entry_digest(previous, _payload(entry))
            entries.append(entry)
        JournalEntry.objects.bulk_create(entries)
        _anchor_if_due(seq=seq, digest=previous)
        return entries


def _entries() -> Iterator[Entry]:
    for entry in JournalEntry.objects.order_by("seq").iterator(chunk_size=5000):
        yield Entry(
            seq=entry.seq, payload=_payload(entry), previous=entry.previous, digest=entry.digest
        )


def _anchor_key() -> bytes:
    key = settings.CASEREVIEW_JOURNAL_ANCHOR_KEY
    if not key:
        raise RuntimeError("CASEREVIEW_JOURNAL_ANCHOR_KEY is not set")
    return str(key).encode()


log = logging.getLogger(__name__)

#: The last anchor this process has seen committed, per database: (seq, at, when read).  Anchors only ever
#: grow, so it is a lower bound and "not due" by it is "not due" for real: an append costs no extra query
#: until an anchor looks due, and then the latest anchor is read under the journal's lock before making one.
#: Trusted for a minute at most (so a restored, older database is noticed).
_last_seen: dict[str, tuple[int, datetime, float]] = {}
_SEEN_FOR = 60.0


def _database() -> str:
    return str(connection.settings_dict.get("NAME"))


def _remember(seq: int, at: datetime) -> None:
    known = _last_seen.get(_database())
    if known is None or known[0] <= seq or known[2] + _SEEN_FOR < monotonic_time.monotonic():
        _last_seen[_database()] = (seq, at, monotonic_time.monotonic())


def _due(last_seq: int | None, last_at: datetime | None, head_seq: int, now: datetime) -> bool:
    return anchor_due(
        last_seq=last_seq,
        last_at=last_at,
        head_seq=head_seq,
        now=now,
        every_entries=settings.CASEREVIEW_JOURNAL_ANCHOR_EVERY_ENTRIES,
        every_minutes=settings.CASEREVIEW_JOURNAL_ANCHOR_EVERY_MINUTES,
    )


def _anchor_if_due(*, seq: int, digest: str) -> None:
    """journal_append's tail: anchor the new head when the last anchor is N entries or M minutes behind.

    By the real clock, whatever time the entries record (the demo dates its story's entries in the past): an
    anchor says when the chain was seen signed, so it is due, and dated, by the time it is made."""
    if (
        not settings.CASEREVIEW_JOURNAL_ANCHOR_AUTOMATIC
        or not settings.CASEREVIEW_JOURNAL_ANCHOR_KEY
    ):
        return
    now = timezone.now()
    known = _last_seen.get(_database())
    if (
        known is not None
        and known[2] + _SEEN_FOR > monotonic_time.monotonic()
        and not _due(known[0], known[1], seq, now)
    ):
        return
    last = JournalAnchor.objects.order_by("-id").only("seq", "at").first()
    if last is not None and not _due(last.seq, last.at, seq, now):
        seen_seq, seen_at = last.seq, last.at
        transaction.on_commit(lambda: _remember(seen_seq, seen_at))
        return
    _anchor_head(seq=seq, digest=digest)


def _anchor_head(*, seq: int, digest: str) -> JournalAnchor:
    """Sign the head and chain it to the latest anchor (unless that is the head already); its line goes to the
    anchor file once committed.  The caller holds the journal's lock (journal_append)."""
    last = JournalAnchor.objects.order_by("-id").first()
    if last is not None and last.seq == seq and last.digest == digest:
        return last
    previous = last.signature if last is not None else GENESIS
    made = JournalAnchor.objects.create(
        seq=seq,
        digest=digest,
        previous=previous,
        at=timezone.now(),
        signature=anchor_signature(_anchor_key(), seq, digest, previous),
    )
    transaction.on_commit(lambda: _after_anchor(made), robust=True)
    return made


def _after_anchor(made: JournalAnchor) -> None:
    """Once the anchor is committed: remember it, and append its line to the anchor file when there is one.
    A failure to write the file is logged (the anchor is in the database; the next one is tried again)."""
    _remember(made.seq, made.at)
    if settings.CASEREVIEW_JOURNAL_ANCHOR_FILE:
        try:
            anchor_file_append(
                path=Path(settings.CASEREVIEW_JOURNAL_ANCHOR_FILE), line=journal_anchor_line(made)
            )
        except OSError:
            log.exception(
                "could not append the journal anchor at entry %s to the anchor file", made.seq
            )


def journal_anchor_line(anchor: JournalAnchor) -> str:
    """The anchor as one line of an anchor file: ``SEQ DIGEST SIGNATURE PREVIOUS AT``."""
    return anchor_line(
        Anchor(anchor.seq, anchor.digest, anchor.signature, anchor.previous), anchor.at
    )


def anchor_file_append(*, path: Path, line: str) -> None:
    """Append one line to an anchor file (created when missing), flushed and fsynced before returning."""
    created = not path.exists()
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line.rstrip("\n") + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    if created:
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def journal_anchor(*, actor: User | None = None) -> JournalAnchor:
    """Journal the anchoring, sign the new head chained to the last anchor, and store it; once committed, its
    line goes to the anchor file when one is configured (print it and keep it elsewhere too)."""
    with transaction.atomic():
        head = journal_record(
            actor=actor,
            operation=Operation.ADMINISTRATION,
            action=JournalAction.JOURNAL_ANCHOR,
            actor_name=None if actor else "cli",
        )
        return _anchor_head(seq=head.seq, digest=head.digest)


def _stored_anchors() -> list[Anchor]:
    return [
        Anchor(a.seq, a.digest, a.signature, a.previous)
        for a in JournalAnchor.objects.order_by("id").only("seq", "digest", "signature", "previous")
    ]


def journal_verify(*, external: Sequence[Anchor] = ()) -> ChainBreak | None:
    """The chain whole; every stored anchor signed, chained to the one before and matched by the chain; and
    each anchor kept outside the database (``external``, from an anchor file) signed, present in the database,
    and reached and matched by the chain.  The first break, or None."""
    stored = _stored_anchors()
    if not stored and not external:
        return verify_chain(_entries())
    key = _anchor_key()
    broken = verify_anchor_chain(stored, key=key)
    if broken is not None:
        return broken
    by_signature = {a.signature: a for a in stored}
    outside = []
    for kept in external:
        found = by_signature.get(kept.signature)
        if found is not None and not kept.previous:
            kept = Anchor(kept.seq, kept.digest, kept.signature, found.previous)
        if (found is not None or kept.previous) and not anchor_valid(key, kept):
            return ChainBreak(
                kept.seq,
                f"{kept.name()}, kept outside the database, has a signature that is not valid",
            )
        if found is None or (found.seq, found.digest) != (kept.seq, kept.digest):
            return ChainBreak(
                kept.seq, f"the database lacks {kept.name()}, kept outside it: anchors were removed"
            )
        outside.append(kept)
    return verify_chain(_entries(), anchors=[*stored, *outside], key=key)


def journal_verified(*, broken: ChainBreak | None, entries: int, outside: int = 0) -> JournalEntry:
    """Journal a verification of the chain (``casereview journal verify``): its result, the entries it
    checked (the head when it began: ``entries``), and the anchors it reached (those stored at or before that
    entry, and ``outside``, kept outside the database); where it broke when it did."""
    reached = JournalAnchor.objects.filter(seq__lte=entries).count() + outside
    detail: dict[str, Any] = {"ok": broken is None, "entries": entries, "anchors": reached}
    if broken is not None:
        detail["break_seq"] = broken.seq
    return journal_record(
        actor=None,
        operation=Operation.ADMINISTRATION,
        action=JournalAction.JOURNAL_VERIFY,
        object_type="journal",
        detail=detail,
        actor_name="cli",
    )


EXPORT_COLUMNS = (
    "seq",
    "at",
    "actor_name",
    "actor_id",
    "operation",
    "action",
    "object_type",
    "object_id",
    "reason",
    "recipient",
    "detail",
    "previous",
    "digest",
)


def journal_export(
    *,
    start: date,
    end: date,
    path: Path,
    actor: User,
    purpose: str = "",
    filters: JournalFilters | None = None,
) -> int:
    """Write entries from ``start`` to ``end`` (inclusive, UK dates) as CSV; the reading is journaled.
    ``filters`` narrow it further as the journal page is narrowed (user, action, object; their dates are
    replaced by ``start`` and ``end``)."""
    narrowed = replace(filters or JournalFilters(), start=start, end=end)
    rows = 0
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        # Usernames typed by anonymous visitors and other free text: never a live formula in a spreadsheet.
        writer = csv_writer(fh)
        writer.writerow(EXPORT_COLUMNS)
        for entry in journal_filtered(narrowed).order_by("seq").iterator():
            payload = _payload(entry)
            writer.writerow(
                [
                    entry.seq,
                    payload["at"],
                    entry.actor_name,
                    entry.actor_id or "",
                    entry.operation,
                    entry.action,
                    entry.object_type,
                    entry.object_id,
                    entry.reason,
                    entry.recipient,
                    canonical_detail(entry.detail),
                    entry.previous,
                    entry.digest,
                ]
            )
            rows += 1
    tmp.replace(path)
    journal_record(
        actor=actor,
        operation=Operation.CONSULTATION,
        action=JournalAction.JOURNAL_EXPORT,
        object_type="journal",
        reason=purpose[:64],
        detail={**narrowed.detail(), "entries": rows},
    )
    return rows


def canonical_detail(detail: Any) -> str:

    return canonical(detail) if isinstance(detail, dict) else str(detail)
