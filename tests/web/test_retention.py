from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Count
from django.utils import timezone
from typer.testing import CliRunner

from casereview.cli import app
from casereview.web.journal.models import JournalEntry
from casereview.web.registers.models import Body, Case
from casereview.web.registers.services import register_import, register_retention_set

from .conftest import verified_client

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()


def test_purge_erases_cases_past_retention_keeps_counts_and_is_idempotent(
    body: Body, register_csv: Callable[..., Path], make_user: Callable[..., Any]
) -> None:
    old = register_import(path=register_csv(rows=40, seed=1, name="old.csv"), body_code="SYN")
    kept = register_import(path=register_csv(rows=30, seed=2, name="kept.csv"), body_code="SYN")
    register_retention_set(register=old, until=timezone.localdate() - dt.timedelta(days=1))
    before = dict(
        Case.objects.filter(register=old)
        .values_list("category")
        .annotate(n=Count("id"))
        .values_list("category", "n")
    )
    first = runner.invoke(app, ["purge", "--due", "--json"])
    assert first.exit_code == 0 and '"cases_erased": 40' in first.stdout
    assert Case.objects.filter(register=old).count() == 0
    assert Case.objects.filter(register=kept).count() == 30
    old.refresh_from_db()
    assert old.purged_at is not None and old.category_counts == before and old.rows == 40
    entry = JournalEntry.objects.filter(action="register_purge", object_id=str(old.pk)).latest(
        "seq"
    )
    assert entry.operation == "erasure" and set(entry.detail) == {"cases_erased", "retain_until"}
    second = runner.invoke(app, ["purge", "--due", "--json"])
    assert second.exit_code == 0 and '"purged": []' in second.stdout
    page = verified_client(make_user("administrator")).get(f"/registers/{old.pk}/").content.decode()
    assert "cases erased on" in page and str(max(before.values())) in page
