from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from typer.testing import CliRunner

from casereview.cli import app
from casereview.web.registers.models import Body, Register

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()


def test_import_register_prints_one_json_object(
    body: Body, register_csv: Callable[..., Path]
) -> None:
    result = runner.invoke(
        app, ["import-register", str(register_csv(rows=40)), "--body", "SYN", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    register = Register.objects.get()
    assert data["register_id"] == register.pk and data["body"] == "SYN"
    assert data["rows"] == 40 and data["sha256"] == register.sha256


def test_a_refused_import_exits_2_and_writes_every_problem_to_a_csv(
    body: Body, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "case_ref,category,reported_on,unit\nA,XX,01/02/2024,N\nB,DA,32/01/2024,N\nC,=1+1,01/02/2024,N\n"
    )
    errors = tmp_path / "errors.csv"
    result = runner.invoke(
        app, ["import-register", str(bad), "--body", "SYN", "--errors-csv", str(errors)]
    )
    assert result.exit_code == 2
    assert errors.read_text().splitlines()[:3] == [
        "line,column,value,reason",
        '2,category,XX,"not a known category; use one of child_sexual_exploitation, child_sexual_abuse, missing_child, domestic_abuse, online_abuse, physical_abuse, neglect, child_criminal_exploitation, honour_based_abuse_fgm, children_in_custody, other or a label in the profile"',
        '3,reported_on,32/01/2024,"not a real date in dd/mm/yyyy, dd/mm/yy or yyyy-mm-dd form"',
    ]
    # The body's own text, shown back in a spreadsheet, is never run as a formula.
    assert errors.read_text().splitlines()[3].startswith("4,category,'=1+1,")
    assert Register.objects.count() == 0


def test_registers_and_export_register(
    body: Body, register_csv: Callable[..., Path], tmp_path: Path
) -> None:
    runner.invoke(app, ["import-register", str(register_csv(rows=12)), "--body", "SYN"])
    listed = json.loads(runner.invoke(app, ["registers", "--json"]).stdout)
    assert [(r["body"], r["rows"]) for r in listed] == [("SYN", 12)]
    assert set(listed[0]) >= {"id", "body", "rows", "sha256", "imported_at"}
    out = tmp_path / "export.csv"
    result = runner.invoke(
        app,
        [
            "export-register",
            str(listed[0]["id"]),
            "--csv",
            str(out),
            "--recipient",
            "Synthetic QA team",
            "--reason",
            "audit",
        ],
    )
    assert result.exit_code == 0, result.output
    from casereview.web.journal.models import JournalEntry

    entry = JournalEntry.objects.filter(action="register_export").latest("seq")
    assert (entry.operation, entry.recipient, entry.reason) == (
        "disclosure",
        "Synthetic QA team",
        "audit",
    )
    assert len(out.read_text().splitlines()) == 13


def test_body_add_and_createuser(db: None) -> None:
    assert runner.invoke(app, ["body", "add", "mps", "Synthetic Met"]).exit_code == 0
    assert Body.objects.get().code == "MPS"
    assert runner.invoke(app, ["body", "add", "MPS", "Again"]).exit_code == 2
    ok = runner.invoke(
        app,
        ["createuser", "lead1", "--role", "lead_inspector", "--password-stdin"],
        input="a long enough passphrase\n",
    )
    assert ok.exit_code == 0, ok.output
    user = get_user_model().objects.get(username="lead1")
    assert user.check_password("a long enough passphrase")
    assert list(user.groups.values_list("name", flat=True)) == ["lead_inspector"]
    weak = runner.invoke(
        app, ["createuser", "x", "--role", "analyst", "--password-stdin"], input="short\n"
    )
    assert weak.exit_code == 2
    bad_role = runner.invoke(
        app,
        ["createuser", "y", "--role", "superhero", "--password-stdin"],
        input="a long enough passphrase\n",
    )
    assert bad_role.exit_code == 2


def test_demo_register_is_reproducible_from_its_seed(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    for path, seed in ((a, 5), (b, 5), (c, 6)):
        assert (
            runner.invoke(
                app, ["demo-register", "--rows", "300", "--seed", str(seed), "--out", str(path)]
            ).exit_code
            == 0
        )
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()
    assert all(line.startswith(("case_ref", "SYN")) for line in a.read_text().splitlines())


def test_manage_passes_django_commands_through(db: None) -> None:
    result = runner.invoke(app, ["manage", "check"])
    assert result.exit_code == 0, result.output
    assert "no issues" in result.output
