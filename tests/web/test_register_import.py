from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings

from casereview.domain.pseudonyms import IdentifierKind, derive_key, pseudonym
from casereview.domain.registers import EXPORT_COLUMNS
from casereview.web.journal.models import JournalEntry
from casereview.web.journal.services import journal_verify
from casereview.web.registers.models import Body, Case, Register
from casereview.web.registers.services import RegisterRejected, register_export, register_import

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_register_imports_whole_with_pseudonyms_and_its_fingerprint(
    body: Body, register_csv: Callable[..., Path], settings: object
) -> None:
    path = register_csv(rows=2500)  # crosses the test batch size of 1,000
    start = JournalEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    register = register_import(path=path, body_code="syn")
    assert register.rows == 2500 == Case.objects.filter(register=register).count()
    import hashlib

    assert register.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    with path.open(encoding="utf-8") as fh:
        first = next(csv.DictReader(fh))
    case = Case.objects.get(register=register, case_ref=first["case_ref"])
    key = derive_key(settings.CASEREVIEW_PSEUDONYM_KEY)  # type: ignore[attr-defined]
    assert case.child_pseudonym == pseudonym(first["child_id"], key=key, kind=IdentifierKind.CHILD)
    assert not Case.objects.filter(child_pseudonym__startswith="SYNC").exists()
    assert JournalEntry.objects.filter(action="register_import", seq__gt=start).count() == 1
    assert journal_verify() is None


def test_a_file_with_bad_rows_stores_nothing_and_lists_every_one(
    body: Body, tmp_path: Path
) -> None:
    rows = ["case_ref,category,reported_on,unit,child_age"]
    rows += [f"R{i},DA,01/02/2024,North,5" for i in range(1500)]
    rows += [
        "R9000,burglary,01/02/2024,North,5",
        "R9001,DA,31/02/2024,North,40",
        "R5,DA,01/02/2024,North,5",
    ]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(RegisterRejected) as caught:
        register_import(path=path, body_code="SYN")
    assert [(e.line, e.column) for e in caught.value.errors] == [
        (1502, "category"),
        (1503, "reported_on"),
        (1503, "child_age"),
        (1504, "case_ref"),
    ]
    assert Register.objects.count() == 0 and Case.objects.count() == 0
    assert JournalEntry.objects.filter(action="register_import_refused", detail__errors=4).exists()


def test_a_duplicate_split_across_batches_is_refused_whole(body: Body, tmp_path: Path) -> None:
    rows = (
        ["case_ref,category,reported_on,unit"]
        + [f"R{i},DA,01/02/2024,N" for i in range(2000)]
        + ["R3,DA,01/02/2024,N"]
    )
    path = tmp_path / "dup.csv"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(RegisterRejected) as caught:
        register_import(path=path, body_code="SYN")
    assert [(e.line, e.reason) for e in caught.value.errors] == [
        (2002, "duplicate case_ref; first on line 5")
    ]
    assert Case.objects.count() == 0


def test_the_same_file_twice_is_refused_unless_replaced(
    body: Body, register_csv: Callable[..., Path]
) -> None:
    path = register_csv()
    first = register_import(path=path, body_code="SYN")
    with pytest.raises(RegisterRejected, match="already imported"):
        register_import(path=path, body_code="SYN")
    second = register_import(path=path, body_code="SYN", replace=True)
    first.refresh_from_db()
    assert (first.state, first.replaced_by_id) == (Register.State.REPLACED, second.pk)
    assert second.state == Register.State.LOCKED
    assert (
        Case.objects.filter(register=first).count()
        == Case.objects.filter(register=second).count()
        == 50
    )


def test_an_unknown_body_is_an_error(db: None, register_csv: Callable[..., Path]) -> None:
    with pytest.raises(RegisterRejected, match="No inspected body with code 'NOPE'"):
        register_import(path=register_csv(), body_code="NOPE")


def test_identifiers_are_refused_without_a_pseudonym_key(
    body: Body, register_csv: Callable[..., Path]
) -> None:
    with override_settings(CASEREVIEW_PSEUDONYM_KEY=""), pytest.raises(RegisterRejected) as caught:
        register_import(path=register_csv(), body_code="SYN")
    assert "CASEREVIEW_PSEUDONYM_KEY" in caught.value.errors[0].reason
    assert Case.objects.count() == 0


def test_an_import_inside_an_outer_transaction_is_still_all_or_nothing(
    body: Body, tmp_path: Path
) -> None:
    from django.db import transaction

    good = tmp_path / "g.csv"
    good.write_text("case_ref,category,reported_on,unit\nA,DA,01/02/2024,N\n")
    bad = tmp_path / "b.csv"
    bad.write_text("case_ref,category,reported_on,unit\nA,DA,01/02/2024,N\nB,XX,01/02/2024,N\n")
    with transaction.atomic():
        register_import(path=good, body_code="SYN")
        with pytest.raises(RegisterRejected):
            register_import(path=bad, body_code="SYN")
    assert list(Case.objects.values_list("case_ref", flat=True)) == ["A"]


def test_export_writes_the_canonical_columns_and_never_the_summary(
    body: Body, register_csv: Callable[..., Path], tmp_path: Path
) -> None:
    register = register_import(path=register_csv(rows=30), body_code="SYN")
    out = tmp_path / "out.csv"
    assert register_export(register=register, path=out) == 30
    text = out.read_text(encoding="utf-8")
    header = text.splitlines()[0].split(",")
    assert header == list(EXPORT_COLUMNS)
    assert "SYNTHETIC" not in text and "summary" not in header
    assert "SYNC" not in text  # pseudonyms, not the register's identifiers
    assert JournalEntry.objects.filter(
        action="register_export", object_id=str(register.pk)
    ).exists()


def test_the_database_in_use_is_the_one_configured(db: None) -> None:
    # Guards the PostgreSQL pass: it must really run against PostgreSQL.
    import os

    expected = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    assert connection.vendor == expected
