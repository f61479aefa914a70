"""The frame is the inspection's period by default; allocation versions in manifests; declared headlines (issue 21).

Everything here goes through the services, the draw form, the CLI and the report's selectors, with
synthetic registers (their cases reported over 2023-24; the test inspection covers January to March 2024).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from casereview.cli import app
from casereview.domain.allocation import ALLOCATION, ALLOCATION_V1
from casereview.domain.plans import SamplePlan, parse_plan, plan_from_mapping
from casereview.domain.sampling import draw
from casereview.web.inspections.models import Inspection, Sample
from casereview.web.inspections.services import InspectionError, sample_draw
from casereview.web.registers.frames import register_frame
from casereview.web.registers.models import Body
from casereview.web.registers.services import register_import
from casereview.web.reports.selectors import sample_facts

from . import factories
from .conftest import verified_client

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
Q1 = (dt.date(2024, 1, 1), dt.date(2024, 3, 31))


def reported_on(path: Path) -> dict[str, dt.date]:
    """Each case's reported date, read straight from the register file."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {
            row["case_ref"]: dt.datetime.strptime(row["reported_on"], "%d/%m/%Y").date()  # noqa: DTZ007
            for row in csv.DictReader(fh)
        }


def sampled(document: dict[str, Any]) -> list[str]:
    return [ref for s in document["strata"] for ref in s["sample"]]


def verify(manifest: Path, register: Path) -> Any:
    return runner.invoke(
        app, ["sample", "verify", "--manifest", str(manifest), "--register-file", str(register)]
    )


def reference_script(tmp_path: Path) -> Path:
    text = (ROOT / "docs" / "sampling.md").read_text(encoding="utf-8")
    script = re.findall(r"```python\n(.*?)```", text, re.S)[0]
    assert len(script.splitlines()) <= 25
    path = tmp_path / "check.py"
    path.write_text(script)
    return path


def test_a_plan_without_dates_draws_the_inspections_period_and_says_so(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path], tmp_path: Path
) -> None:
    """The finding: a sample for a quarter drew cases reported in other years when the plan had no dates."""
    inspection = factories.inspection(lead=make_user("lead_inspector", "lead"))
    path = register_csv(rows=1200)
    register = register_import(path=path, body_code="SYN")
    plan = parse_plan('size = 40\nstrata = ["category"]\nheadline = ["unit:Ashgrove"]\n')
    sample = sample_draw(inspection=inspection, register=register, plan=plan)
    document = sample.manifest
    dates = reported_on(path)
    in_q1 = [ref for ref, day in dates.items() if Q1[0] <= day <= Q1[1]]
    assert 40 <= len(in_q1) < len(dates)  # the register runs over two years
    assert sum(s["frame_size"] for s in document["strata"]) == len(in_q1)
    assert len(sampled(document)) == 40
    assert all(Q1[0] <= dates[ref] <= Q1[1] for ref in sampled(document))
    assert document["frame_dates"] == {"from": "2024-01-01", "to": "2024-03-31", "default": True}
    assert document["plan"]["frame"] == {"reported_from": "2024-01-01", "reported_to": "2024-03-31"}
    assert document["plan"]["headline"] == ["unit:Ashgrove"] == sample.plan["headline"]
    assert document["allocation"] == ALLOCATION
    facts = sample_facts(inspection, sample)
    assert facts["frame_dates"] == {
        "from": "2024-01-01",
        "to": "2024-03-31",
        "default": True,
        "words": "cases reported 1 January to 31 March 2024",
    }
    lead = verified_client(inspection.lead)
    report = lead.get(f"/reports/inspection/{inspection.pk}/").content.decode()
    assert "The frame: cases reported 1 January to 31 March 2024." in report
    # Anyone can check it: casereview, and the standard-library script in docs/sampling.md.
    out = tmp_path / "manifest.json"
    out.write_text(json.dumps(document))
    assert verify(out, path).exit_code == 0
    checked = subprocess.run(  # noqa: S603
        [sys.executable, "-I", str(reference_script(tmp_path)), str(path), str(out)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0 and checked.stdout.strip() == "verified", checked.stderr


def test_other_dates_are_an_explicit_choice_recorded_and_reported(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path]
) -> None:
    lead = make_user("lead_inspector", "lead")
    every = factories.inspection(lead=lead, name="Every date")
    path = register_csv(rows=300)
    register = register_import(path=path, body_code="SYN")
    sample = sample_draw(
        inspection=every,
        register=register,
        plan=parse_plan("size = 10\n[frame]\nany_date = true\n"),
        allow_late_commitment=True,
    )
    assert sum(s["frame_size"] for s in sample.manifest["strata"]) == 300
    assert sample.manifest["frame_dates"] == {"from": None, "to": None, "default": False}
    facts = sample_facts(every, sample)["frame_dates"]
    assert facts["words"] == "cases reported on any date" and facts["default"] is False
    report = verified_client(lead).get(f"/reports/inspection/{every.pk}/").content.decode()
    assert (
        "The frame: cases reported on any date, chosen instead of the inspection's period."
        in report
    )
    later = factories.inspection(lead=lead, name="From July")
    chosen = sample_draw(
        inspection=later,
        register=register,
        plan=parse_plan("size = 10\n[frame]\nreported_from = 2023-07-01\n"),
        allow_late_commitment=True,
    )
    assert chosen.manifest["frame_dates"] == {
        "from": "2023-07-01",
        "to": "2024-03-31",
        "default": False,
    }
    page = verified_client(lead).get(f"/inspections/{later.pk}/sample/").content.decode()
    assert "cases reported 1 July 2023 to 31 March 2024" in page
    assert "instead of the inspection's period" in page
    wrong = factories.inspection(lead=lead, name="Backwards")
    with pytest.raises(InspectionError, match="give both dates"):
        sample_draw(
            inspection=wrong,
            register=register,
            plan=parse_plan("size = 10\n[frame]\nreported_from = 2024-06-01\n"),
            allow_late_commitment=True,
        )


def test_the_draw_form_shows_the_frame_and_takes_other_dates_and_headlines(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path]
) -> None:
    lead = make_user("lead_inspector", "lead")
    client = verified_client(lead)
    inspection = factories.inspection(lead=lead)
    register = register_import(path=register_csv(rows=400), body_code="SYN")
    url = f"/inspections/{inspection.pk}/draw/"
    # The draw form is on the sample page (the overview is the task list).
    page = client.get(f"/inspections/{inspection.pk}/sample/").content.decode()
    assert "empty: 01/01/2024" in page and "empty: 31/03/2024" in page
    form = {"register": register.pk, "size": "20", "strata": ["category"]}
    form["allocation"] = "proportional"
    preview = client.post(url, {**form, "action": "preview"}).content.decode()
    assert "The frame: cases reported 1 January to 31 March 2024 (the inspection's period)" in (
        preview
    )
    assert "allocation-rules/2" in preview
    wide = client.post(url, {**form, "any_date": "on", "action": "preview"}).content.decode()
    assert "cases reported on any date (your choice, not the inspection's period), 400" in wide
    bad = client.post(url, {**form, "headline": "area:x\ncategory:burglary", "action": "draw"})
    assert bad.status_code == 400 and not Sample.objects.exists()
    text = bad.content.decode()
    assert "&#x27;area:x&#x27;" in text and "&#x27;burglary&#x27; is not a category" in text
    drawn = client.post(
        url,
        {
            **form,
            "headline": "category:missing_child, unit:Ashgrove\nweakness:W02",
            "any_date": "on",
            "action": "draw",
        },
    )
    assert drawn.status_code == 302
    sample = Sample.objects.get()
    assert sample.manifest["plan"]["headline"] == [
        "category:missing_child",
        "unit:Ashgrove",
        "weakness:W02",
    ]
    assert sample.manifest["frame_dates"]["default"] is False
    shown = client.get(f"/inspections/{inspection.pk}/sample/").content.decode()
    assert "category:missing_child, unit:Ashgrove, weakness:W02" in shown
    assert "allocation <code>allocation-rules/2</code>" in shown


def test_a_manifest_issued_before_allocation_versions_still_verifies(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path], tmp_path: Path
) -> None:
    inspection = factories.inspection(lead=make_user("lead_inspector", "lead"))
    path = register_csv(rows=2000)
    register = register_import(path=path, body_code="SYN")
    plan = parse_plan('size = 80\nstrata = ["category"]\nminimum_per_stratum = 5\nreserve = 2\n')
    current = sample_draw(inspection=inspection, register=register, plan=plan).manifest
    new = tmp_path / "new.json"
    new.write_text(json.dumps(current))
    assert verify(new, path).exit_code == 0
    # The same draw as a manifest issued before version 2: the old counts, no "allocation" key.
    cases = register_frame(register, ("case_ref", "category", "reported_on", "unit"))
    seed = bytes.fromhex(current["seed"])
    settled = plan_from_mapping(current["plan"])
    strata = draw(cases, seed=seed, plan=settled, allocation=ALLOCATION_V1)
    assert [len(s.sample) for s in strata] != [len(s["sample"]) for s in current["strata"]]
    issued = {k: v for k, v in current.items() if k not in ("allocation", "frame_dates")}
    issued["strata"] = [
        {**theirs, "allocated": s.allocated, "sample": s.sample, "reserve": s.reserve}
        for s, theirs in zip(strata, current["strata"], strict=True)
    ]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(issued))
    assert verify(old, path).exit_code == 0
    checked = subprocess.run(  # noqa: S603
        [sys.executable, "-I", str(reference_script(tmp_path)), str(path), str(old)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    # Labelled as version 2, the old counts are caught.
    relabelled = tmp_path / "relabelled.json"
    relabelled.write_text(json.dumps({**issued, "allocation": ALLOCATION}))
    refused = verify(relabelled, path)
    assert refused.exit_code == 1 and "should" in refused.output


def test_the_cli_draw_states_the_frame_allocation_and_headline(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path], tmp_path: Path
) -> None:
    inspection = factories.inspection(lead=make_user("lead_inspector", "lead"))
    register = register_import(path=register_csv(rows=600), body_code="SYN")
    plan = tmp_path / "plan.toml"
    plan.write_text('size = 12\nheadline = ["weakness:W07"]\n')
    drawn = runner.invoke(
        app,
        ["sample", "draw", "--inspection", str(inspection.pk), "--register", str(register.pk)]
        + ["--plan", str(plan)],
    )
    assert drawn.exit_code == 0, drawn.output
    text = " ".join(drawn.stdout.split())
    assert "Frame: cases reported 1 January to 31 March 2024 (the inspection's period)" in text
    assert "Allocation: allocation-rules/2" in text
    assert "Headline comparison declared: weakness:W07" in text
    bad = tmp_path / "bad.toml"
    bad.write_text('size = 12\nheadline = ["kind:x"]\n')
    other = factories.inspection(lead=Inspection.objects.get().lead, name="Other")
    refused = runner.invoke(
        app,
        ["sample", "draw", "--inspection", str(other.pk), "--register", str(register.pk)]
        + ["--plan", str(bad)],
    )
    assert refused.exit_code != 0 and "kind:x" in refused.output


def test_the_test_worlds_draw_every_date_on_purpose(body: Body, tmp_path: Path) -> None:
    """The factories' registers span 2023-24, so their samples choose every date explicitly."""
    made = factories.inspection_world(tmp_path, rows=60, size=10)
    sample = Sample.objects.get(inspection=made["inspection"])
    assert sample.manifest["frame_dates"] == {"from": None, "to": None, "default": False}
    assert SamplePlan(size=1).frame.any_date is False  # a plan's own default stays the period
