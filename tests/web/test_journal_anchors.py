"""Anchors an attacker cannot erase: append-only and chained in the database, checked against copies kept
outside it (`journal verify --anchor FILE`), and taken automatically every N entries or M minutes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from typer.testing import CliRunner

from casereview.cli import app
from casereview.domain.journal import GENESIS, Operation, entry_digest, parse_anchor_lines
from casereview.web.journal import services
from casereview.web.journal.models import JournalAnchor, JournalEntry
from casereview.web.journal.services import (
    Record,
    journal_anchor,
    journal_append,
    journal_record,
    journal_verify,
)

from .conftest import verified_client

pytestmark = pytest.mark.django_db
runner = CliRunner()
ENTRIES, ANCHORS = "journal_journalentry", "journal_journalanchor"


@pytest.fixture(autouse=True)
def forget_anchors_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with a process that has seen no anchor (the cache is per process)."""
    monkeypatch.setattr(services, "_last_seen", {})


def entries(n: int) -> list[JournalEntry]:
    return [
        journal_record(actor=None, operation=Operation.ADMINISTRATION, action=f"t{i}")
        for i in range(n)
    ]


def raw(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def drop_guards() -> None:
    """What an attacker with database access does first (undone when the test's transaction rolls back)."""
    if connection.vendor == "postgresql":
        for trigger, table in [
            ("journal_no_update_delete", ENTRIES),
            ("journal_no_truncate", ENTRIES),
            ("journal_anchor_no_update_delete", ANCHORS),
            ("journal_anchor_no_truncate", ANCHORS),
        ]:
            raw(f"DROP TRIGGER {trigger} ON {table}")
    else:
        for trigger in [
            "journal_no_update",
            "journal_no_delete",
            "journal_anchor_no_update",
            "journal_anchor_no_delete",
        ]:
            raw(f"DROP TRIGGER {trigger}")


def anchor_out(path: Path) -> str:
    result = runner.invoke(app, ["journal", "anchor", "--out", str(path), "--line"])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def verify(*anchors: str) -> Any:
    return runner.invoke(
        app, ["journal", "verify", *[a for given in anchors for a in ("--anchor", given)]]
    )


def rewrite_after(seq: int, actions: list[str]) -> None:
    """An attacker's consistent rewrite: entries after ``seq`` replaced by ``actions``, chained afresh."""
    raw(f"DELETE FROM {ENTRIES} WHERE seq > %s", [seq])
    previous = JournalEntry.objects.get(seq=seq).digest
    for offset, action in enumerate(actions, start=1):
        entry = JournalEntry(
            seq=seq + offset,
            at=JournalEntry.objects.get(seq=seq).at,
            actor_name="system",
            operation="administration",
            action=action,
            detail={},
            previous=previous,
        )
        entry.digest = previous = entry_digest(previous, services._payload(entry))
        JournalEntry.objects.bulk_create([entry])


@pytest.mark.parametrize(
    "statement", [f"UPDATE {ANCHORS} SET seq = 1", f"DELETE FROM {ANCHORS} WHERE seq > 0", "EMPTY"]
)
def test_the_database_refuses_to_change_delete_or_empty_anchors(statement: str) -> None:
    entries(2)
    journal_anchor()
    if statement == "EMPTY":  # PostgreSQL's TRUNCATE; SQLite's is an unqualified DELETE
        statement = (
            f"TRUNCATE {ANCHORS}" if connection.vendor == "postgresql" else f"DELETE FROM {ANCHORS}"
        )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(statement)


def test_anchor_out_appends_one_chained_line_per_anchor_that_verify_accepts(tmp_path: Path) -> None:
    entries(2)
    kept = tmp_path / "witness" / "anchors.txt"
    kept.parent.mkdir()
    first = anchor_out(kept)
    entries(1)
    second = anchor_out(kept)
    assert kept.read_text().splitlines() == [first, second]
    one, two = parse_anchor_lines(kept.read_text())
    assert two.previous == one.signature and two.seq > one.seq
    assert JournalAnchor.objects.order_by("-id").first().signature == two.signature  # type: ignore[union-attr]
    assert verify(str(kept)).exit_code == 0
    assert verify(second).exit_code == 0  # the printed anchor itself
    assert (
        verify(f"{two.seq} {two.digest} {two.signature}").exit_code == 0
    )  # previous and time left out


def test_an_anchor_argument_that_holds_no_anchor_is_refused(tmp_path: Path) -> None:
    entries(1)
    junk = tmp_path / "anchors.txt"
    junk.write_text("# nothing here\nnot an anchor\n")
    result = verify(str(junk))
    assert result.exit_code == 2 and "line 2" in result.output


def test_deleting_the_latest_anchor_then_truncating_passes_alone_but_fails_against_the_kept_anchor(
    tmp_path: Path,
) -> None:
    entries(3)
    kept = tmp_path / "anchors.txt"
    line = anchor_out(kept)
    latest = parse_anchor_lines(line)[0]
    entries(2)
    drop_guards()
    raw(f"DELETE FROM {ANCHORS} WHERE signature = %s", [latest.signature])
    raw(f"DELETE FROM {ENTRIES} WHERE seq >= %s", [latest.seq - 1])
    assert verify().exit_code == 0  # what the database alone can show: nothing
    result = verify(str(kept))
    assert result.exit_code == 1 and f"anchor at entry {latest.seq}" in result.output
    assert "lacks" in result.output


def test_plain_verify_uses_the_configured_anchor_file(tmp_path: Path, settings: Any) -> None:
    """The deployment's own outside witness is checked without naming it (the attack above, caught by default)."""
    entries(3)
    kept = tmp_path / "anchors.txt"
    latest = parse_anchor_lines(anchor_out(kept))[0]
    settings.CASEREVIEW_JOURNAL_ANCHOR_FILE = str(kept)
    assert verify().exit_code == 0
    drop_guards()
    raw(f"DELETE FROM {ANCHORS} WHERE signature = %s", [latest.signature])
    raw(f"DELETE FROM {ENTRIES} WHERE seq >= %s", [latest.seq - 1])
    result = verify()
    assert result.exit_code == 1 and f"anchor at entry {latest.seq}" in result.output


def test_removing_every_anchor_and_emptying_the_journal_fails_against_the_kept_anchor(
    tmp_path: Path,
) -> None:
    entries(2)
    kept = tmp_path / "anchors.txt"
    latest = parse_anchor_lines(anchor_out(kept))[0]
    drop_guards()
    raw(f"DELETE FROM {ANCHORS} WHERE id > 0")
    raw(f"DELETE FROM {ENTRIES} WHERE seq > 0")
    assert verify().exit_code == 0
    result = verify(str(kept))
    assert result.exit_code == 1 and f"anchor at entry {latest.seq}" in result.output


def test_removing_an_anchor_between_two_others_is_caught_by_the_chain_alone() -> None:
    entries(1)
    journal_anchor()
    middle = journal_anchor()
    journal_anchor()
    drop_guards()
    raw(f"DELETE FROM {ANCHORS} WHERE id = %s", [middle.pk])
    broken = journal_verify()
    assert broken is not None and "does not follow the anchor before it" in broken.reason


@pytest.mark.parametrize("attack", ["edit", "truncate", "forge"])
def test_changes_after_the_latest_database_anchor_are_caught_by_a_file_anchor_taken_later(
    attack: str, tmp_path: Path
) -> None:
    entries(2)
    in_database = journal_anchor()
    entries(4)
    kept = tmp_path / "anchors.txt"
    later = parse_anchor_lines(anchor_out(kept))[
        0
    ]  # kept outside; the attacker removes the database's copy
    drop_guards()
    raw(f"DELETE FROM {ANCHORS} WHERE signature = %s", [later.signature])
    if (
        attack == "edit"
    ):  # an entry after the database anchor changed, the chain after it recomputed
        actions = list(
            JournalEntry.objects.filter(seq__gt=in_database.seq)
            .order_by("seq")
            .values_list("action", flat=True)
        )
        rewrite_after(in_database.seq, ["changed", *actions[1:]])
    elif attack == "truncate":
        raw(f"DELETE FROM {ENTRIES} WHERE seq > %s", [in_database.seq + 1])
    else:  # forged entries in place of the real tail, and more of them
        rewrite_after(in_database.seq, [f"forged_{i}" for i in range(8)])
    assert verify().exit_code == 0  # the database alone cannot tell
    result = verify(str(kept))
    assert result.exit_code == 1 and f"anchor at entry {later.seq}" in result.output


@pytest.fixture
def anchor_file(tmp_path: Path, settings: Any) -> Path:
    """Automatic anchoring every 5 entries (time rule off) to a file."""
    path = tmp_path / "anchors.txt"
    settings.CASEREVIEW_JOURNAL_ANCHOR_FILE = str(path)
    settings.CASEREVIEW_JOURNAL_ANCHOR_EVERY_ENTRIES = 5
    settings.CASEREVIEW_JOURNAL_ANCHOR_EVERY_MINUTES = 0
    return path


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Callable[[], Any]:
    """Runs, at the end of the block, what a commit would (the test's own transaction never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_automatic_anchoring_fires_at_n_entries_and_appends_to_the_anchor_file(
    anchor_file: Path, committed: Callable[[], Any]
) -> None:
    with committed():
        base = journal_anchor()
    assert parse_anchor_lines(anchor_file.read_text())[-1].signature == base.signature
    with committed():
        entries(4)
    assert JournalAnchor.objects.order_by("-id").first() == base  # 4 entries past it: not yet
    with committed():
        fifth = entries(1)[0]
    made = JournalAnchor.objects.order_by("-id").first()
    assert made is not None and (made.seq, made.digest, made.previous) == (
        fifth.seq,
        fifth.digest,
        base.signature,
    )
    with committed():
        batch = journal_append(
            actor=None, records=[Record(Operation.ADMINISTRATION, f"b{i}") for i in range(7)]
        )
    assert JournalAnchor.objects.order_by("-id").first().seq == batch[-1].seq  # type: ignore[union-attr]
    lines = parse_anchor_lines(anchor_file.read_text())
    assert [a.seq for a in lines] == [base.seq, fifth.seq, batch[-1].seq]
    assert verify(str(anchor_file)).exit_code == 0


def test_automatic_anchoring_fires_after_m_minutes(
    anchor_file: Path, settings: Any, committed: Callable[[], Any]
) -> None:
    settings.CASEREVIEW_JOURNAL_ANCHOR_EVERY_MINUTES = 60
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        with committed():
            base = journal_anchor()
        clock.shift(dt.timedelta(minutes=59))
        with committed():
            entries(1)
        assert JournalAnchor.objects.order_by("-id").first() == base
        clock.shift(dt.timedelta(minutes=2))
        with committed():
            late = entries(1)[0]
    assert JournalAnchor.objects.order_by("-id").first().seq == late.seq  # type: ignore[union-attr]
    assert len(anchor_file.read_text().splitlines()) == 2


def test_an_anchor_made_in_a_transaction_that_rolls_back_never_reaches_the_file(
    anchor_file: Path, committed: Callable[[], Any]
) -> None:
    with committed():
        journal_anchor()
    before = anchor_file.read_text()
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        entries(5)
        assert JournalAnchor.objects.count() >= 2
        raise RuntimeError("the caller's work fails")
    assert anchor_file.read_text() == before
    with committed():
        entries(5)
    assert anchor_file.read_text() != before


def test_an_append_reads_no_anchor_while_the_last_one_seen_is_recent() -> None:
    entries(1)
    journal_anchor()
    last = JournalAnchor.objects.order_by("-id").first()
    assert last is not None
    services._remember(last.seq, last.at)  # as after the anchor's commit
    with CaptureQueriesContext(connection) as queries:
        entries(1)
    assert not any(ANCHORS in q["sql"] for q in queries.captured_queries)
    assert JournalAnchor.objects.order_by("-id").first() == last


def test_the_journal_page_warns_when_the_last_anchor_is_old_and_says_whether_the_file_is_configured(
    make_user: Callable[..., Any], settings: Any, tmp_path: Path
) -> None:
    settings.CASEREVIEW_JOURNAL_ANCHOR_AUTOMATIC = False  # anchored by cron, which has stopped
    settings.CASEREVIEW_JOURNAL_ANCHOR_EVERY_MINUTES = 60
    client = verified_client(make_user("administrator", "admin"))
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) - dt.timedelta(minutes=90), tick=False):
        entries(1)
        journal_anchor()
    page = client.get("/journal/").content.decode()
    assert "data-anchor-warning" in page and "older than 60 minutes" in page
    assert "The anchor file is not configured" in page
    settings.CASEREVIEW_JOURNAL_ANCHOR_AUTOMATIC = True
    settings.CASEREVIEW_JOURNAL_ANCHOR_FILE = str(tmp_path / "anchors.txt")
    page = client.get(
        "/journal/"
    ).content.decode()  # reading it journals an entry, which is anchored now
    assert "data-anchor-warning" not in page and "also written to the anchor file" in page
    fresh = JournalAnchor.objects.order_by("-id").first()
    assert fresh is not None and fresh.previous not in ("", GENESIS)  # chained to the old one
