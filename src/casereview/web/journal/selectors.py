from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import BigIntegerField, ExpressionWrapper, F, Max, Q, QuerySet, Value
from django.db.models.functions import Lower
from django.utils import timezone

from casereview.domain.words import plain

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


# The journal page: filters, a bounded count and keyset pages -------------------------------------------------

#: Entries on one page of the journal.
PAGE_SIZE = 50
#: A filtered count stops here ("more than 10,000 entries match"): counting every match of a common filter
#: at a million entries would cost more than the page itself.  The unfiltered count is the head's number.
COUNT_CAP = 10_000


@dataclass(frozen=True)
class JournalFilters:
    """What the journal page (and its export) is narrowed to; empty strings and None mean "any"."""

    user: str = ""
    action: str = ""
    #: "register/12" or "register 12" (kind and id), "/journal/" (a page's address), or one word matched
    #: against the kind or the id of the entry's object.
    object: str = ""
    start: date | None = None
    end: date | None = None

    def any(self) -> bool:
        return bool(self.user or self.action or self.object or self.start or self.end)

    def detail(self) -> dict[str, str]:
        """The filters as a journal entry's detail or a query string's values (codes; ISO dates)."""
        out = {"user": self.user, "action": self.action, "object": self.object}
        out["from"] = self.start.isoformat() if self.start else ""
        out["to"] = self.end.isoformat() if self.end else ""
        return {k: v for k, v in out.items() if v}


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def object_match(text: str) -> Q:
    """The entries whose object the typed reference names (see `JournalFilters.object`)."""
    text = text.strip()[:200]
    if not text:
        return Q()
    if text.startswith("/"):
        return Q(object_id=text[:64])
    kind, _, ident = " ".join(text.replace("/", " ").split()).rpartition(" ")
    if kind:
        return Q(object_type=kind.lower().replace(" ", "_")[:64], object_id=ident[:64])
    return Q(object_type=ident.lower()[:64]) | Q(object_id=ident[:64])


def journal_filtered(filters: JournalFilters) -> QuerySet[JournalEntry]:
    """Every entry the filters let through (unordered).  Each filter has an index ending in ``seq``
    (journal.0003); the user's name matches whatever its case."""
    found = JournalEntry.objects.all()
    if filters.user:
        found = found.alias(actor_lower=Lower("actor_name")).filter(
            actor_lower=Lower(Value(filters.user.strip()[:150]))
        )
    if filters.action:
        found = found.filter(action=filters.action)
    if filters.object:
        found = found.filter(object_match(filters.object))
    if filters.start:
        found = found.filter(at__gte=_midnight(filters.start))
    if filters.end:
        found = found.filter(at__lt=_midnight(filters.end + timedelta(days=1)))
    return found


@dataclass(frozen=True)
class JournalRow:
    seq: int
    at: datetime
    who: str
    operation: str  # in words
    action: str  # the code (the page puts it in words)
    object: str  # in words: "Register 12", "Path /journal/"


@dataclass(frozen=True)
class JournalPage:
    rows: list[JournalRow]
    #: Entries matching: exact when `count_exact`, else at least COUNT_CAP.
    count: int
    count_exact: bool
    #: The cursors of the neighbouring pages: newer (Previous, ``after``) and older (Next, ``before``).
    newer: int | None
    older: int | None


def _row(entry: JournalEntry) -> JournalRow:
    kind = plain(entry.object_type) if entry.object_type else ""
    return JournalRow(
        seq=entry.seq,
        at=entry.at,
        who=entry.actor_name,
        operation=plain(entry.operation),
        action=entry.action,
        object=f"{kind} {entry.object_id}".strip(),
    )


def journal_count(filters: JournalFilters) -> tuple[int, bool]:
    """How many entries match, and whether that is exact.  Unfiltered: the head's sequence number (the chain
    has no gaps: `journal verify` says so), one index read.  Filtered: counted up to COUNT_CAP + 1 only."""
    if not filters.any():
        return JournalEntry.objects.aggregate(head=Max("seq"))["head"] or 0, True
    found = journal_filtered(filters).order_by().values("seq")[: COUNT_CAP + 1].count()
    return min(found, COUNT_CAP), found <= COUNT_CAP


_COLUMNS = ("seq", "at", "actor_name", "operation", "action", "object_type", "object_id")


def _in_order(
    found: QuerySet[JournalEntry], *, newest_first: bool, few: bool
) -> QuerySet[JournalEntry]:
    """``found`` by ``seq``.  When a date range lets few entries through (``few``: counted, at most COUNT_CAP),
    by ``seq + 0``, which no index gives: the database then reads the range from the index on ``at`` and
    sorts those few, rather than walking the journal back from its head to the range (which PostgreSQL chose,
    not knowing that a week a year ago lies half a million entries back)."""
    if not few:
        return found.order_by("-seq" if newest_first else "seq")
    key = ExpressionWrapper(F("seq") + 0, output_field=BigIntegerField())
    return found.order_by(key.desc() if newest_first else key.asc())


def journal_page(
    filters: JournalFilters, *, before: int | None = None, after: int | None = None
) -> JournalPage:
    """One page of matching entries, newest first, by keyset on ``seq``: the newest (no cursor), those older
    than ``before`` (Next), or those newer than ``after`` (Previous).  Each page reads PAGE_SIZE + 1 entries
    down one index, however deep it is; a page after the first asks one more question (is there a page on
    the other side?), answered from the same index.  A date range is counted first: when it holds at most
    COUNT_CAP entries they are read from the index on ``at`` and sorted (see `_in_order`)."""
    found = journal_filtered(filters).only(*_COLUMNS)
    counted = journal_count(filters) if filters.any() else None
    few = bool(counted and counted[1] and (filters.start or filters.end))
    if after is not None:
        newest = list(
            _in_order(found.filter(seq__gt=after), newest_first=False, few=few)[: PAGE_SIZE + 1]
        )
        if len(newest) >= PAGE_SIZE:
            entries = newest[:PAGE_SIZE][::-1]
            newer = entries[0].seq if len(newest) > PAGE_SIZE else None
            older = entries[-1].seq if found.filter(seq__lt=entries[-1].seq).exists() else None
            count, exact = counted or journal_count(filters)
            return JournalPage([_row(e) for e in entries], count, exact, newer, older)
        before = None  # fewer than a page newer than the cursor: that is the newest page
    window = found.filter(seq__lt=before) if before is not None else found
    entries = list(_in_order(window, newest_first=True, few=few)[: PAGE_SIZE + 1])
    older = entries[PAGE_SIZE - 1].seq if len(entries) > PAGE_SIZE else None
    entries = entries[:PAGE_SIZE]
    newer = None
    if before is not None and entries:
        newer = entries[0].seq if found.filter(seq__gt=entries[0].seq).exists() else None
    elif before is not None and found.filter(seq__gte=before).exists():
        # Past the oldest match (an old link, or a cursor typed in): Previous leads back to the matches.
        newer = max(before - 1, 0)
    if counted is None and before is None:
        # The newest entry is the head (the page journals its reading first): its number is the count.
        counted = (entries[0].seq if entries else 0), True
    count, exact = counted or journal_count(filters)
    return JournalPage([_row(e) for e in entries], count, exact, newer, older)
