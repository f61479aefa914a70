from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from casereview.cli import app
from casereview.domain.plans import parse_plan
from casereview.web.inspections.models import Inspection, SampledCase
from casereview.web.inspections.services import (
    InspectionError,
    sample_draw,
    sample_replace,
    seed_commit,
)
from casereview.web.journal.models import JournalEntry
from casereview.web.registers.models import Body, Register
from casereview.web.registers.services import body_add, register_import

from . import factories

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
PLAN = """
size = 60
strata = ["category"]
allocation = "proportional"
minimum_per_stratum = 2
reserve = 3
[frame]
reported_from = 2023-01-01
reported_to = 2024-12-31
"""


def inspection(body: Body) -> Inspection:
    return factories.inspection(body_code=body.code, committed=False)


def test_the_whole_cli_round_trip_verifies_and_a_tampered_manifest_does_not(
    body: Body, register_csv: Callable[..., Path], tmp_path: Path
) -> None:
    made = json.loads(
        runner.invoke(
            app,
            [
                "inspection",
                "create",
                "--body",
                "SYN",
                "--name",
                "Q1 2024",
                "--period-start",
                "01/01/2024",
                "--period-end",
                "31/03/2024",
                "--json",
            ],
        ).stdout
    )
    committed = json.loads(
        runner.invoke(
            app, ["seed", "commit", "--inspection", str(made["inspection_id"]), "--json"]
        ).stdout
    )
    assert re.fullmatch(r"[0-9a-f]{64}", committed["commitment"])
    path = register_csv(rows=800)
    register = register_import(path=path, body_code="SYN")
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN)
    out = tmp_path / "manifest.json"
    drawn = runner.invoke(
        app,
        [
            "sample",
            "draw",
            "--inspection",
            str(made["inspection_id"]),
            "--register",
            str(register.pk),
            "--plan",
            str(plan),
            "--manifest",
            str(out),
            "--json",
        ],
    )
    assert drawn.exit_code == 0, drawn.output
    document = json.loads(drawn.stdout)
    assert document == json.loads(out.read_text())
    assert document["commitment"] == committed["commitment"] and not document["late_commitment"]
    assert set(document) >= {
        "algorithm",
        "seed",
        "commitment",
        "committed_at",
        "register_sha256",
        "register_imported_at",
        "plan",
        "strata",
        "late_commitment",
    }
    assert sum(len(s["sample"]) for s in document["strata"]) == 60
    verified = runner.invoke(
        app, ["sample", "verify", "--manifest", str(out), "--register-file", str(path)]
    )
    assert verified.exit_code == 0 and "verified" in verified.stdout
    # The reference script in docs/sampling.md agrees, using nothing but the standard library.
    script = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "sampling.md").read_text(), re.S)[
        0
    ]
    checker = tmp_path / "check.py"
    checker.write_text(script)
    ref = subprocess.run(
        [sys.executable, "-I", str(checker), str(path), str(out)], capture_output=True, text=True
    )  # noqa: S603
    assert ref.returncode == 0 and ref.stdout.strip() == "verified", ref.stderr
    tampered = dict(document)
    first = dict(tampered["strata"][0])
    first["sample"] = [first["reserve"][0], *first["sample"][1:]]
    tampered["strata"] = [first, *document["strata"][1:]]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(tampered))
    refused = runner.invoke(
        app, ["sample", "verify", "--manifest", str(bad), "--register-file", str(path)]
    )
    assert refused.exit_code == 1
    assert (
        subprocess.run(
            [sys.executable, "-I", str(checker), str(path), str(bad)], capture_output=True
        ).returncode
        != 0
    )  # noqa: S603
    other = register_csv(rows=800, seed=2, name="other.csv")
    assert (
        runner.invoke(
            app, ["sample", "verify", "--manifest", str(out), "--register-file", str(other)]
        ).exit_code
        == 1
    )


def test_a_register_imported_before_the_commitment_is_refused_unless_allowed(
    body: Body, register_csv: Callable[..., Path]
) -> None:
    register = register_import(path=register_csv(rows=200), body_code="SYN")
    early = inspection(body)
    seed_commit(inspection=early)
    early.refresh_from_db()
    with pytest.raises(InspectionError, match="imported before the seed was committed"):
        sample_draw(inspection=early, register=register, plan=parse_plan(PLAN))
    sample = sample_draw(
        inspection=early, register=register, plan=parse_plan(PLAN), allow_late_commitment=True
    )
    assert sample.late_commitment and sample.manifest["late_commitment"] is True


def test_a_draw_needs_a_commitment_and_the_inspected_bodys_register(
    body: Body, register_csv: Callable[..., Path]
) -> None:
    fresh = inspection(body)
    register = register_import(path=register_csv(rows=50), body_code="SYN")
    with pytest.raises(InspectionError, match="Commit to a seed first"):
        sample_draw(inspection=fresh, register=register, plan=parse_plan(PLAN))
    seed_commit(inspection=fresh)
    with pytest.raises(InspectionError, match="already committed"):
        seed_commit(inspection=fresh)
    body_add(code="OTH", name="Other")
    other = inspection(Body.objects.get(code="OTH"))
    seed_commit(inspection=other)
    other.refresh_from_db()
    with pytest.raises(InspectionError, match="another body"):
        sample_draw(inspection=other, register=register, plan=parse_plan(PLAN))


def test_out_of_scope_cases_are_replaced_from_the_reserve_in_order(
    body: Body, register_csv: Callable[..., Path]
) -> None:
    insp = inspection(body)
    seed_commit(inspection=insp)
    insp.refresh_from_db()
    register = register_import(path=register_csv(rows=300), body_code="SYN")
    sample = sample_draw(inspection=insp, register=register, plan=parse_plan(PLAN))
    stratum = sample.manifest["strata"][0]
    start = JournalEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    first = sample_replace(
        inspection=insp, case_ref=stratum["sample"][0], reason="Adult, not a child"
    )
    second = sample_replace(
        inspection=insp, case_ref=stratum["sample"][1], reason="Duplicate of another case"
    )
    assert [first.case_ref, second.case_ref] == stratum["reserve"][:2]
    original = SampledCase.objects.get(sample=sample, case_ref=stratum["sample"][0])
    assert original.state == SampledCase.State.OUT_OF_SCOPE and first.replaces_id == original.pk
    actions = list(JournalEntry.objects.filter(seq__gt=start).values_list("action", flat=True))
    assert actions == ["sample_case_out_of_scope", "sample_case_replacement"] * 2
    with pytest.raises(InspectionError, match="not an active case"):
        sample_replace(inspection=insp, case_ref=stratum["sample"][0], reason="again")
    weights = set(
        SampledCase.objects.filter(sample=sample, stratum=stratum["label"]).values_list(
            "design_weight", flat=True
        )
    )
    assert weights == {stratum["design_weight"]}


def test_sample_size_cli(db: None) -> None:
    result = runner.invoke(
        app,
        [
            "sample-size",
            "--margin",
            "0.05",
            "--confidence",
            "0.95",
            "--proportion",
            "0.5",
            "--population",
            "10000",
            "--json",
        ],
    )
    assert result.exit_code == 0 and json.loads(result.stdout)["size"] == 370


def test_register_imported_at_is_after_commit_in_the_manifest(
    body: Body, register_csv: Callable[..., Path]
) -> None:
    insp = inspection(body)
    seed_commit(inspection=insp)
    insp.refresh_from_db()
    register = register_import(path=register_csv(rows=100), body_code="SYN")
    sample = sample_draw(inspection=insp, register=register, plan=parse_plan(PLAN))
    assert sample.manifest["committed_at"] < sample.manifest["register_imported_at"]
    assert Register.objects.get(pk=register.pk).imported_at <= timezone.now()
