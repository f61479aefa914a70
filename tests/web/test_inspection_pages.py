from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from casereview.web.inspections.models import Inspection, Sample, SampledCase
from casereview.web.registers.models import Body
from casereview.web.registers.services import register_import

from .conftest import verified_client

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_lead_inspector_opens_commits_previews_draws_downloads_and_replaces(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path]
) -> None:
    lead = make_user("lead_inspector", "lead")
    client = verified_client(lead)
    missing = client.post("/inspections/new/", {"body": "SYN"})
    assert missing.status_code == 400 and b"There is a problem" in missing.content
    opened = client.post(
        "/inspections/new/",
        {
            "body": "SYN",
            "name": "Q1 <b>2024</b>",
            "period_start": "01/01/2024",
            "period_end": "31/03/2024",
        },
    )
    inspection = Inspection.objects.get()
    assert opened["Location"] == f"/inspections/{inspection.pk}/" and inspection.lead == lead
    assert b"Q1 &lt;b&gt;2024&lt;/b&gt;" in client.get(opened["Location"]).content
    client.post(f"/inspections/{inspection.pk}/seed/")
    inspection.refresh_from_db()
    page = client.get(f"/inspections/{inspection.pk}/").content.decode()
    assert inspection.commitment in page and inspection.seed not in page
    register = register_import(path=register_csv(rows=400), body_code="SYN")
    form = {
        "register": register.pk,
        "size": "40",
        "strata": ["category"],
        "allocation": "proportional",
        "minimum_per_stratum": "1",
        "reserve": "2",
    }
    preview = client.post(f"/inspections/{inspection.pk}/draw/", {**form, "action": "preview"})
    assert preview.status_code == 200 and b"margin of error" in preview.content
    assert not Sample.objects.exists()
    drawn = client.post(f"/inspections/{inspection.pk}/draw/", {**form, "action": "draw"})
    assert drawn.status_code == 302
    sample = Sample.objects.get()
    manifest = client.get(f"/inspections/{inspection.pk}/manifest.json")
    assert (
        manifest["Content-Disposition"].startswith("attachment")
        and json.loads(manifest.content) == sample.manifest
    )
    first = sample.manifest["strata"][0]
    assert (
        client.post(
            f"/inspections/{inspection.pk}/replace/",
            {"case_ref": first["sample"][0], "reason": "Adult"},
        ).status_code
        == 302
    )
    assert SampledCase.objects.get(sample=sample, case_ref=first["reserve"][0]).replaces is not None
    assert b"Replacements" in client.get(f"/inspections/{inspection.pk}/sample/").content
    again = client.post(
        f"/inspections/{inspection.pk}/replace/", {"case_ref": "NOPE", "reason": "x"}
    )
    assert again.status_code == 400


def test_another_lead_inspector_cannot_see_or_act_on_the_inspection(
    make_user: Callable[..., Any], body: Body
) -> None:
    owner = verified_client(make_user("lead_inspector", "owner"))
    owner.post(
        "/inspections/new/",
        {"body": "SYN", "name": "Q1", "period_start": "01/01/2024", "period_end": "31/03/2024"},
    )
    inspection = Inspection.objects.get()
    other = verified_client(make_user("lead_inspector", "other"))
    assert other.get(f"/inspections/{inspection.pk}/").status_code == 404
    assert other.post(f"/inspections/{inspection.pk}/seed/").status_code == 404
    inspection.refresh_from_db()
    assert inspection.commitment == ""


def _task_status(page: str, step: str) -> str:
    """The words in a task's status cell on the overview (tags stripped)."""
    import re

    found = re.search(rf'id="task-{step}-status">(.*?)</div>', page, re.S)
    assert found, step
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def test_a_register_imported_before_the_seed_does_not_complete_the_register_step(
    make_user: Callable[..., Any], body: Body, tmp_path: Path
) -> None:
    from . import factories

    lead = make_user("lead_inspector", "lead")
    client = verified_client(lead)
    inspection = factories.inspection(lead=lead, committed=False)
    older = factories.register(tmp_path, rows=60, seed=1, name="older.csv")
    factories.seed_commit(inspection=inspection)
    inspection.refresh_from_db()
    assert older.imported_at < inspection.committed_at
    page = client.get(f"/inspections/{inspection.pk}/").content.decode()
    assert _task_status(page, "register") == "Not yet started"
    assert _task_status(page, "draw") == "Cannot start yet"
    assert "1 older register" in page and "late commitment" in page
    sample_page = client.get(f"/inspections/{inspection.pk}/sample/").content.decode()
    assert 'id="registers-older"' in sample_page and "imported before the commitment" in sample_page
    form = {"register": older.pk, "size": "5", "allocation": "proportional", "any_date": "on"}
    refused = client.post(f"/inspections/{inspection.pk}/draw/", {**form, "action": "draw"})
    assert refused.status_code == 400 and not Sample.objects.exists()

    fresh = factories.register(tmp_path, rows=60, seed=2, name="fresh.csv")
    page = client.get(f"/inspections/{inspection.pk}/").content.decode()
    assert _task_status(page, "register") == "Completed"
    assert _task_status(page, "draw") == "Not yet started"
    sample_page = client.get(f"/inspections/{inspection.pk}/sample/").content.decode()
    assert 'id="registers-older"' not in sample_page
    drawn = client.post(
        f"/inspections/{inspection.pk}/draw/", {**form, "register": fresh.pk, "action": "draw"}
    )
    assert drawn.status_code == 302 and Sample.objects.filter(inspection=inspection).exists()
