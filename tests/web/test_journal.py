"""The journal refuses changes, and the verifier catches an attacker who removes that guard."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from typer.testing import CliRunner

from casereview.cli import app
from casereview.domain.journal import Operation
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
TABLE = "journal_journalentry"


def entries(n: int) -> list[JournalEntry]:
    return [
        journal_record(
            actor=None, operation=Operation.ADMINISTRATION, action=f"test_{i}", object_id=i
        )
        for i in range(n)
    ]


def raw(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def drop_guard() -> None:
    """What an attacker with database access does first (undone when the test's transaction rolls back)."""
    if connection.vendor == "postgresql":
        raw(f"DROP TRIGGER journal_no_update_delete ON {TABLE}")
        raw(f"DROP TRIGGER journal_no_truncate ON {TABLE}")
    else:
        raw("DROP TRIGGER journal_no_update")
        raw("DROP TRIGGER journal_no_delete")


@pytest.mark.parametrize(
    "statement", [f"UPDATE {TABLE} SET action = 'x'", f"DELETE FROM {TABLE} WHERE seq > 0"]
)
def test_the_database_refuses_to_change_or_delete_entries(statement: str) -> None:
    entries(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(statement)


def test_emptying_the_table_is_refused() -> None:
    # PostgreSQL's TRUNCATE; SQLite's equivalent is an unqualified DELETE (its truncate optimisation).
    statement = f"TRUNCATE {TABLE}" if connection.vendor == "postgresql" else f"DELETE FROM {TABLE}"
    entries(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(statement)


def test_an_intact_journal_verifies_against_its_anchor() -> None:
    entries(3)
    journal_anchor()
    entries(2)
    assert journal_verify() is None


def test_entries_appended_together_are_chained_in_order_after_the_head(
    make_user: Callable[..., Any],
) -> None:
    inspector = make_user("inspector")
    head = entries(1)[0]
    appended = journal_append(
        actor=inspector,
        records=[
            Record(
                operation=Operation.CONSULTATION,
                action="case_consult",
                object_type="sampled_case",
                object_id=7,
            ),
            Record(
                operation=Operation.COMBINATION,
                action="case_links",
                object_id=7,
                detail={"child_cases": 2},
            ),
        ],
    )
    stored = list(JournalEntry.objects.filter(seq__gt=head.seq).order_by("seq"))
    assert [e.seq for e in stored] == [head.seq + 1, head.seq + 2]
    assert [e.action for e in stored] == ["case_consult", "case_links"]
    assert stored[0].previous == head.digest and stored[1].previous == stored[0].digest
    assert [e.digest for e in stored] == [e.digest for e in appended]
    assert {e.actor_name for e in stored} == {inspector.get_username()} and stored[1].detail == {
        "child_cases": 2
    }
    assert journal_append(actor=inspector, records=[]) == []
    journal_anchor()
    assert journal_verify() is None


def test_an_edited_entry_is_caught() -> None:
    made = entries(3)
    drop_guard()
    raw(f"UPDATE {TABLE} SET object_id = 'changed' WHERE seq = %s", [made[1].seq])
    broken = journal_verify()
    assert broken is not None and broken.seq == made[1].seq


def test_a_deleted_entry_is_caught() -> None:
    made = entries(3)
    drop_guard()
    raw(f"DELETE FROM {TABLE} WHERE seq = %s", [made[1].seq])
    broken = journal_verify()
    assert broken is not None and broken.seq == made[1].seq and "missing" in broken.reason


def test_reordered_entries_are_caught() -> None:
    made = entries(3)
    drop_guard()
    a, b = made[0].seq, made[1].seq
    raw(f"UPDATE {TABLE} SET seq = -1 WHERE seq = %s", [a])
    raw(f"UPDATE {TABLE} SET seq = %s WHERE seq = %s", [a, b])
    raw(f"UPDATE {TABLE} SET seq = %s WHERE seq = -1", [b])
    assert journal_verify() is not None


def test_a_truncated_journal_is_caught_by_the_anchor() -> None:
    entries(3)
    anchor = journal_anchor()
    drop_guard()
    raw(f"DELETE FROM {TABLE} WHERE seq > %s", [anchor.seq - 2])
    broken = journal_verify()
    assert broken is not None and "missing" in broken.reason


def test_a_forged_anchor_is_caught() -> None:
    entries(2)
    anchor = journal_anchor()
    if connection.vendor == "postgresql":
        raw("DROP TRIGGER journal_anchor_no_update_delete ON journal_journalanchor")
    else:
        raw("DROP TRIGGER journal_anchor_no_update")
    JournalAnchor.objects.filter(pk=anchor.pk).update(signature="0" * 64)
    broken = journal_verify()
    assert broken is not None and "signature" in broken.reason


def test_the_cli_anchors_and_verifies_with_exit_status_1_on_a_break() -> None:
    entries(2)
    anchored = runner.invoke(app, ["journal", "anchor"])
    assert anchored.exit_code == 0 and '"signature"' in anchored.stdout
    assert runner.invoke(app, ["journal", "verify"]).exit_code == 0
    printed = (
        anchored.stdout.strip()
    )  # the printout itself is an anchor verify takes, as is its "line"
    assert runner.invoke(app, ["journal", "verify", "--anchor", printed]).exit_code == 0
    assert len(json.loads(printed)["line"].split()) == 5  # SEQ DIGEST SIGNATURE PREVIOUS AT
    drop_guard()
    raw(f"UPDATE {TABLE} SET action = 'edited' WHERE seq = (SELECT min(seq) FROM {TABLE})")
    result = runner.invoke(app, ["journal", "verify", "--json"])
    assert result.exit_code == 1 and '"ok": false' in result.stdout


def test_only_administrators_export_the_journal_and_the_export_is_journaled(
    make_user: Callable[..., Any], tmp_path: Path
) -> None:
    make_user("administrator", "admin")
    make_user("lead_inspector", "lead")
    entries(2)
    today = timezone.localdate().strftime("%d/%m/%Y")
    out = tmp_path / "journal.csv"
    refused = runner.invoke(
        app,
        ["journal", "export", "--from", today, "--to", today, "--user", "lead", "--out", str(out)],
    )
    assert refused.exit_code == 2 and not out.exists()
    done = runner.invoke(
        app,
        ["journal", "export", "--from", today, "--to", today, "--user", "admin", "--out", str(out)],
    )
    assert done.exit_code == 0, done.output
    lines = out.read_text().splitlines()
    assert lines[0].startswith("seq,at,actor_name") and len(lines) >= 3
    assert JournalEntry.objects.filter(action="journal_export", actor_name="admin").exists()


def test_the_journal_page_is_for_administrators_and_its_reading_is_journaled(
    make_user: Callable[..., Any],
) -> None:
    client = verified_client(make_user("administrator", "admin"))
    page = client.get("/journal/")
    assert page.status_code == 200 and b"Latest entries" in page.content
    assert JournalEntry.objects.filter(action="journal_view", actor_name="admin").exists()
    today = timezone.localdate().strftime("%d/%m/%Y")
    download = client.post("/journal/", {"start": today, "end": today, "purpose": "internal_audit"})
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    entry = JournalEntry.objects.filter(action="journal_export").latest("seq")
    assert entry.reason == "internal_audit"
    missing = client.post("/journal/", {"start": "31/02/2026", "end": today})
    assert missing.status_code == 400 and b"There is a problem" in missing.content
