"""The journal page (issue 22): filters by user, action, object and dates; a bounded count; keyset pages with
Previous and Next; actions and dates in words; the export narrowed as the page is; every reading journaled.

The suite never empties the journal, so each test names its own people and objects (a random suffix) and
compares the page with the entries the database holds for them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from casereview.domain.journal import JournalAction, Operation
from casereview.domain.words import JOURNAL_ACTION_WORDS
from casereview.web.journal import selectors
from casereview.web.journal.models import JournalEntry
from casereview.web.journal.services import Record, journal_append

from .conftest import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_automatic_anchors(settings: Any) -> None:
    settings.CASEREVIEW_JOURNAL_ANCHOR_AUTOMATIC = False


def tag() -> str:
    return uuid.uuid4().hex[:8]


def seqs(html: str) -> list[int]:
    return [int(s) for s in re.findall(r'data-seq="(\d+)"', html)]


def count_line(html: str) -> str:
    found = re.search(r"<p class=\"govuk-body\" data-journal-count>([^<]+)</p>", html)
    assert found is not None
    return found.group(1)


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'href="\?([^"]+)" rel="{rel}"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def appended(actor: str, n: int, action: JournalAction, object_type: str, object_id: str) -> None:
    journal_append(
        actor=None,
        actor_name=actor,
        records=[
            Record(
                operation=Operation.CONSULTATION,
                action=action,
                object_type=object_type,
                object_id=object_id,
            )
            for _ in range(n)
        ],
    )


def expected(**match: Any) -> list[int]:
    return list(JournalEntry.objects.filter(**match).order_by("-seq").values_list("seq", flat=True))


def test_each_filter_shows_exactly_its_entries_newest_first_in_words(
    make_user: Callable[..., Any],
) -> None:
    client = verified_client(make_user("administrator", "admin"))
    who, other, ref = f"pat-{tag()}", f"sam-{tag()}", tag()
    appended(who, 3, JournalAction.LOGIN_FAILED, "user", who)
    appended(who, 2, JournalAction.CASE_CONSULT, "sampled_case", ref)
    appended(other, 4, JournalAction.CASE_CONSULT, "sampled_case", ref)

    by_user = client.get("/journal/", {"user": who.upper()}).content.decode()
    assert seqs(by_user) == expected(actor_name=who)
    assert count_line(by_user) == "5 entries match"
    # The action in words, never its code; the object's kind in words.
    assert JOURNAL_ACTION_WORDS[JournalAction.LOGIN_FAILED] in by_user
    assert ">login_failed<" not in by_user and f"Sampled case {ref}" in by_user

    by_action = client.get(
        "/journal/", {"user": who, "action": JournalAction.LOGIN_FAILED}
    ).content.decode()
    assert seqs(by_action) == expected(actor_name=who, action="login_failed")
    assert count_line(by_action) == "3 entries match"

    for typed in (f"sampled case {ref}", f"sampled_case/{ref}", ref):
        by_object = client.get("/journal/", {"object": typed}).content.decode()
        assert seqs(by_object) == expected(object_id=ref), typed
    assert seqs(client.get("/journal/", {"object": f"register {ref}"}).content.decode()) == []
    # The filters are kept in the form.
    assert f'value="{ref}"' in client.get("/journal/", {"object": ref}).content.decode()


def test_a_date_range_shows_the_entries_of_those_days_and_dates_read_in_words(
    make_user: Callable[..., Any],
) -> None:
    client = verified_client(make_user("administrator", "admin"))
    who = f"dot-{tag()}"
    for day in (dt.date(2025, 3, 9), dt.date(2025, 3, 10), dt.date(2025, 3, 12)):
        noon = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
        with time_machine.travel(noon, tick=False):
            appended(who, 1, JournalAction.LOGIN, "user", who)
    page = client.get(
        "/journal/", {"user": who, "start": "10/03/2025", "end": "12/03/2025"}
    ).content.decode()
    in_range = expected(actor_name=who, at__date__gte=dt.date(2025, 3, 10))
    assert seqs(page) == in_range and len(in_range) == 2
    assert "12 March 2025" in page and "10 March 2025" in page and "9 March 2025" not in page
    assert "2025-03" not in page  # no ISO dates
    one_day = client.get("/journal/", {"user": who, "start": "9/3/2025", "end": "9/3/2025"})
    assert len(seqs(one_day.content.decode())) == 1


def test_next_and_previous_walk_a_filtered_journal_by_keyset(
    make_user: Callable[..., Any],
) -> None:
    client = verified_client(make_user("administrator", "admin"))
    who = f"kit-{tag()}"
    appended(who, selectors.PAGE_SIZE * 2 + 7, JournalAction.CASE_CONSULT, "sampled_case", "1")
    want = expected(actor_name=who)
    first = client.get("/journal/", {"user": who}).content.decode()
    assert link(first, "prev") is None
    pages, html = [seqs(first)], first
    while (older := link(html, "next")) is not None:
        html = client.get(f"/journal/?{older}").content.decode()
        pages.append(seqs(html))
    assert [len(p) for p in pages] == [selectors.PAGE_SIZE, selectors.PAGE_SIZE, 7]
    assert [s for p in pages for s in p] == want
    newer = link(html, "prev")
    assert newer is not None and f"user={who}" in newer
    back = client.get(f"/journal/?{newer}").content.decode()
    assert seqs(back) == pages[1] and link(back, "prev") is not None
    assert link(back, "next") is not None


def test_the_count_is_the_head_unfiltered_and_stops_at_the_cap_filtered(
    make_user: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = verified_client(make_user("administrator", "admin"))
    who = f"cap-{tag()}"
    appended(who, 8, JournalAction.LOGIN, "user", who)
    page = client.get("/journal/").content.decode()
    head = JournalEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    assert head is not None and count_line(page) == f"{head:,} entries in the journal"
    assert "Latest entries" in page and seqs(page)[0] == head  # its own reading is the newest entry
    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    capped = client.get("/journal/", {"user": who}).content.decode()
    assert count_line(capped) == "More than 5 entries match"
    assert len(seqs(capped)) == 8


def test_a_date_that_is_not_a_date_is_reported_and_kept(make_user: Callable[..., Any]) -> None:
    client = verified_client(make_user("administrator", "admin"))
    nobody = f"nobody-{tag()}"
    page = client.get("/journal/", {"start": "31/02/2026", "user": nobody})
    html = page.content.decode()
    assert page.status_code == 400 and "There is a problem" in html
    assert 'href="#filter-start"' in html and 'value="31/02/2026"' in html
    assert f'value="{nobody}"' in html  # the other filter is kept and applied
    assert count_line(html) == "0 entries match"


def test_the_export_honours_the_filters_and_each_reading_is_journaled_with_them(
    make_user: Callable[..., Any],
) -> None:
    client = verified_client(make_user("administrator", "admin"))
    who, other = f"exp-{tag()}", f"oth-{tag()}"
    appended(who, 3, JournalAction.LOGIN, "user", who)
    appended(other, 2, JournalAction.LOGIN, "user", other)
    page = client.get("/journal/", {"user": who, "action": "login"}).content.decode()
    viewed = JournalEntry.objects.filter(action="journal_view").latest("seq")
    assert viewed.detail == {"user": who, "action": "login"}
    assert f'action="?user={who}&amp;action=login"' in page
    today = timezone.localdate().strftime("%d/%m/%Y")
    download = client.post(
        f"/journal/?user={who}&action=login",
        {"start": today, "end": today, "purpose": "internal_audit"},
    )
    assert download.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert [r["actor_name"] for r in rows] == [who] * 3
    exported = JournalEntry.objects.filter(action="journal_export").latest("seq")
    assert exported.detail["user"] == who and exported.detail["entries"] == 3


@pytest.mark.parametrize("cursor", ["before", "after"])
def test_a_cursor_that_is_not_plain_digits_is_no_cursor(
    make_user: Callable[..., Any], cursor: str
) -> None:
    """ "²" is a digit to ``str.isdigit`` but not to ``int``; twenty digits overflow the database's integers;
    neither is a page of the journal: the page is the newest, not a server error."""
    client = verified_client(make_user("administrator", "admin"))
    who = f"cur-{tag()}"
    appended(who, 3, JournalAction.LOGIN, "user", who)
    for typed in ("²", "1²", "٣", "²³", "9" * 20, "-3", "1e3", " 7"):
        page = client.get("/journal/", {"user": who, cursor: typed})
        assert page.status_code == 200, typed
        html = page.content.decode()
        assert seqs(html) == expected(actor_name=who), typed
        assert link(html, "prev") is None and link(html, "next") is None, typed


def test_a_page_past_the_oldest_match_leads_back_to_the_matches(
    make_user: Callable[..., Any],
) -> None:
    """An old link or a typed cursor past the last match: an empty page that says so, with Previous to the
    oldest matches (not a dead end)."""
    client = verified_client(make_user("administrator", "admin"))
    who = f"old-{tag()}"
    appended(who, selectors.PAGE_SIZE + 5, JournalAction.LOGIN, "user", who)
    want = expected(actor_name=who)
    for before in (want[-1], 1, 0):
        html = client.get("/journal/", {"user": who, "before": before}).content.decode()
        assert seqs(html) == [] and "No older entries match." in html, before
        assert link(html, "next") is None
        newer = link(html, "prev")
        assert newer is not None and f"user={who}" in newer, before
        back = client.get(f"/journal/?{newer}").content.decode()
        assert seqs(back) == want[-selectors.PAGE_SIZE :], before  # the oldest page of matches
        assert link(back, "next") is None and link(back, "prev") is not None
    # Nothing matches at all: no link leads anywhere.
    nobody = client.get("/journal/", {"user": f"nobody-{tag()}", "before": 5}).content.decode()
    assert link(nobody, "prev") is None and "No entries match." in nobody


def test_the_anchoring_intervals_and_the_warning_read_as_words(
    make_user: Callable[..., Any], settings: Any
) -> None:
    from casereview.web.journal.services import journal_anchor

    client = verified_client(make_user("administrator", "admin"))
    settings.CASEREVIEW_JOURNAL_ANCHOR_AUTOMATIC = True
    settings.CASEREVIEW_JOURNAL_ANCHOR_EVERY_ENTRIES = 1
    settings.CASEREVIEW_JOURNAL_ANCHOR_EVERY_MINUTES = 1
    journal_anchor()
    html = client.get("/journal/").content.decode()
    assert "anchored automatically every 1 entry or every 1 minute." in html
    assert "1 entries" not in html and "1 minutes" not in html
    settings.CASEREVIEW_JOURNAL_ANCHOR_AUTOMATIC = False  # the visit below anchors nothing
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        stale = client.get("/journal/").content.decode()
    assert "The last anchor is older than 1 minute:" in stale
    settings.CASEREVIEW_JOURNAL_ANCHOR_EVERY_ENTRIES = 1000
    settings.CASEREVIEW_JOURNAL_ANCHOR_EVERY_MINUTES = 90
    settings.CASEREVIEW_JOURNAL_ANCHOR_AUTOMATIC = True
    many = client.get("/journal/").content.decode()
    assert "anchored automatically every 1,000 entries or every 90 minutes." in many


# The filters' indexes (journal.0003) ---------------------------------------------------------------------------

FILTER_INDEXES = {
    "journal_entry_action_seq",
    "journal_entry_actor_seq",
    "journal_entry_actor_action_seq",
    "journal_entry_object_type_seq",
    "journal_entry_object_id_seq",
    "journal_entry_at",
}


def migrate_journal(url: str, *target: str, wait: bool = True) -> subprocess.Popen[str]:
    """``manage.py migrate journal [target]`` against ``url``, in a process of its own (as a deployment runs it)."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "casereview.web.settings.test",
    }
    running = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "django", "migrate", "journal", *target, "--verbosity", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if wait:
        out, _ = running.communicate(timeout=300)
        assert running.returncode == 0, out
    return running


def _sqlite_indexes(url: str) -> set[str]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        rows = db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'journal_journalentry'"
        ).fetchall()
    return {name for (name,) in rows} & FILTER_INDEXES


def _pg_indexes(db: Any) -> dict[str, tuple[bool, str]]:
    """Our indexes on the journal: whether each is valid, and its definition."""
    rows = db.execute(
        "SELECT c.relname, i.indisvalid, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'journal_journalentry'::regclass"
    ).fetchall()
    return {name: (valid, sql) for name, valid, sql in rows if name in FILTER_INDEXES}


def _pg_entry(db: Any) -> None:
    db.execute(
        "INSERT INTO journal_journalentry (seq, at, actor_name, operation, action, object_type, "
        "object_id, reason, recipient, detail, previous, digest) VALUES ((SELECT coalesce(max(seq), 0) "
        "+ 1 + (random() * 1e9)::bigint FROM journal_journalentry), now(), 'idx', 'access', 'login', '', "
        "'', '', '', '{}', '', %s)",
        [uuid.uuid4().hex],
    )


def test_the_filter_indexes_migrate_both_ways_and_never_stop_the_journal_taking_entries(
    scratch_database: Callable[[str], str],
) -> None:
    """On PostgreSQL the indexes are built CONCURRENTLY, outside a transaction: while a build waits for a writer
    that was busy when it began, new entries are still appended (a plain CREATE INDEX queues a lock that stops
    every insert behind it: every journaled action in the service would wait for the build).  A build left
    invalid by an earlier, interrupted run is made again.  On SQLite the migration builds them as before."""
    url = scratch_database("indexes")
    migrate_journal(url, "0002")
    if not url.startswith("postgres"):
        assert _sqlite_indexes(url) == set()
        migrate_journal(url)
        assert _sqlite_indexes(url) == FILTER_INDEXES
        migrate_journal(url, "0002")
        assert _sqlite_indexes(url) == set()
        migrate_journal(url)
        assert _sqlite_indexes(url) == FILTER_INDEXES
        return
    import psycopg

    with (
        psycopg.connect(url, autocommit=True) as watcher,
        psycopg.connect(url) as busy,
        psycopg.connect(url, autocommit=True) as writer,
    ):
        # An earlier concurrent build that failed: an invalid index under one of our names.
        _pg_entry(watcher)
        _pg_entry(watcher)
        with pytest.raises(psycopg.errors.UniqueViolation):
            watcher.execute(
                "CREATE UNIQUE INDEX CONCURRENTLY journal_entry_at ON journal_journalentry (action)"
            )
        assert _pg_indexes(watcher)["journal_entry_at"][0] is False
        _pg_entry(busy)  # a writer mid-transaction when the migration starts
        running = migrate_journal(url, wait=False)
        try:
            deadline = time.monotonic() + 120
            while not watcher.execute(
                "SELECT 1 FROM pg_stat_activity WHERE query ~* '^(create|drop) index' "
                "AND wait_event_type = 'Lock'"
            ).fetchone():
                assert running.poll() is None, running.communicate()[0]
                assert time.monotonic() < deadline, "the migration never waited for the writer"
                time.sleep(0.05)
            # The build waits for the busy writer; a new entry does not wait for the build.
            writer.execute("SET lock_timeout = '20s'")
            _pg_entry(writer)
            busy.commit()
            out, _ = running.communicate(timeout=300)
        finally:
            if running.poll() is None:
                running.kill()
                running.communicate()
        assert running.returncode == 0, out
        built = _pg_indexes(watcher)
        assert set(built) == FILTER_INDEXES and all(valid for valid, _ in built.values()), built
        assert (
            "UNIQUE" not in built["journal_entry_at"][1] and "(at)" in built["journal_entry_at"][1]
        )
        assert "INCLUDE (actor_name)" in built["journal_entry_actor_seq"][1]
        migrate_journal(url, "0002")
        assert _pg_indexes(watcher) == {}
