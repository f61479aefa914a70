"""A body's own audit (issue 24): led and graded only by that body's own auditors, never by the inspectorate;
a body auditor never reaches an inspectorate inspection nor another body's audit; own audits stay out of the
inspectorate's figures across bodies."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from casereview.cli import app
from casereview.domain.roles import InspectionKind, Role, may_be_assigned, may_grade, may_lead
from casereview.web.inspections.models import Inspection, Sample
from casereview.web.inspections.selectors import inspections_listed
from casereview.web.inspections.services import inspection_create, seed_commit
from casereview.web.referrals.services import SendBackError, body_contact_remove
from casereview.web.registers.models import Body, Case
from casereview.web.registers.services import register_import
from casereview.web.reports.selectors import (
    OWN_AUDIT_UNPUBLISHED,
    history_for,
    publication_problems,
)
from casereview.web.reports.services import PublishError, report_publish
from casereview.web.reports.trend_selectors import national_trend
from casereview.web.reviews.models import Assignment, Review
from casereview.web.reviews.services import ReviewError, assignment_move, assignments_balance

from . import factories
from .conftest import verified_client
from .test_reviews import complete_form

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()
OPEN = {"name": "Own audit Q1", "period_start": "01/01/2024", "period_end": "31/03/2024"}


def auditor(username: str, body: Body) -> Any:
    """A body auditor who is ``body``'s contact of kind auditor."""
    person = factories.user("body_auditor", username)
    factories.contact(body, person, kind="auditor")
    return person


def own_audit(lead: Any, *, body_code: str = "SYN", name: str = "Own") -> Inspection:
    """An own audit of the body led by ``lead`` (one of its auditors), its seed committed."""
    audit = inspection_create(
        body_code=body_code,
        name=name,
        period_start=factories.PERIOD_START,
        period_end=factories.PERIOD_END,
        lead=lead,
        kind=InspectionKind.OWN_AUDIT,
    )
    seed_commit(inspection=audit)
    audit.refresh_from_db()
    return audit


@pytest.fixture
def people(db: None, body: Body) -> dict[str, Any]:
    other = factories.body("OTH", "Other Constabulary")
    return {
        "aud": auditor("aud", body),
        "aud2": auditor("aud2", body),
        "oth_aud": auditor("oth-aud", other),
        "lead": factories.user("lead_inspector", "lead"),
        "ina": factories.user("inspector", "ina"),
        "other": other,
    }


def test_the_rule_in_the_domain() -> None:
    auditor_roles = {Role.BODY_AUDITOR}
    own, inspection = InspectionKind.OWN_AUDIT, InspectionKind.INSPECTION
    assert may_lead(auditor_roles, own, audits_body=True)
    assert not may_lead(auditor_roles, own, audits_body=False)  # another body's
    assert not may_lead(auditor_roles, inspection, audits_body=True)
    assert not may_lead({Role.LEAD_INSPECTOR}, own, audits_body=False)
    assert may_lead({Role.LEAD_INSPECTOR}, inspection, audits_body=False)
    assert may_grade(auditor_roles, own, audits_body=True)
    assert not may_grade({Role.INSPECTOR}, own, audits_body=False)
    assert not may_grade({Role.LEAD_INSPECTOR}, own, audits_body=False)
    assert not may_grade(auditor_roles, inspection, audits_body=True)
    assert may_grade({Role.INSPECTOR}, inspection, audits_body=False)
    assert not may_be_assigned(auditor_roles, inspection, audits_body=True)
    assert not may_be_assigned({Role.INSPECTOR}, own, audits_body=False)
    assert may_be_assigned({Role.INSPECTOR}, inspection, audits_body=False)


def test_a_body_auditor_opens_commits_draws_assigns_and_grades_their_own_audit(
    people: dict[str, Any], register_csv: Callable[..., Path]
) -> None:
    aud, aud2 = people["aud"], people["aud2"]
    client = verified_client(aud)
    page = client.get("/inspections/new/").content.decode()
    assert "Open an own audit" in page and "SYN" in page and "OTH" not in page
    # Only the bodies they audit: another body's code is refused beside its question.
    refused = client.post("/inspections/new/", {"body": "OTH", **OPEN})
    assert (
        refused.status_code == 400
        and "Choose one of the bodies you audit" in refused.content.decode()
    )
    opened = client.post("/inspections/new/", {"body": "SYN", **OPEN})
    audit = Inspection.objects.get()
    assert opened["Location"] == f"/inspections/{audit.pk}/"
    assert audit.kind == "own_audit" and audit.lead == aud and audit.body.code == "SYN"
    assert client.post(f"/inspections/{audit.pk}/seed/").status_code == 302
    audit.refresh_from_db()
    assert audit.commitment
    overview = client.get(f"/inspections/{audit.pk}/").content.decode()
    # The register's upload is the inspectorate's: the task list does not link a body auditor to it.
    assert "/registers/upload/" not in overview
    register = register_import(path=register_csv(rows=120), body_code="SYN")
    drawn = client.post(
        f"/inspections/{audit.pk}/draw/",
        {
            "register": register.pk,
            "size": "6",
            "strata": ["category"],
            "allocation": "proportional",
            "minimum_per_stratum": "0",
            "reserve": "1",
            "any_date": "on",
            "action": "draw",
        },
    )
    assert drawn.status_code == 302, drawn.content.decode()[:2000]
    assert Sample.objects.filter(inspection=audit).exists()
    # The people page offers the body's own auditors, not the inspectorate's inspectors.
    people_page = client.get(f"/inspections/{audit.pk}/people/").content.decode()
    assert 'value="aud2"' in people_page and 'value="ina"' not in people_page
    assert "The body's own auditors" in people_page
    assigned = client.post(
        f"/inspections/{audit.pk}/assign/", {"inspectors": ["aud", "aud2"], "kind": "first"}
    )
    assert assigned.status_code == 302
    mine = Assignment.objects.filter(inspector=aud, sampled_case__sample__inspection=audit)
    assert mine.exists() and Assignment.objects.filter(inspector=aud2).exists()
    assert not Assignment.objects.exclude(inspector__in=[aud, aud2]).exists()
    listed = client.get("/reviews/").content.decode()
    first = mine.order_by("id").first()
    assert first is not None and f"/reviews/{first.pk}/" in listed
    url = f"/reviews/{first.pk}/"
    assert client.get(url).status_code == 200
    assert client.post(url, complete_form(0)).status_code == 302
    review = Review.objects.get(assignment=first)
    assert review.state == "submitted" and review.overall == "good"
    # Their start page: the own audit they lead (and the body they audit).
    start = client.get("/").content.decode()
    assert "Own audit Q1" in start and 'id="body-SYN"' in start and 'id="body-OTH"' not in start
    # Another auditor of the same body reads neither the case assigned to aud nor the lead's pages.
    other_auditor = verified_client(aud2)
    assert other_auditor.get(url).status_code == 404
    assert other_auditor.get(f"/inspections/{audit.pk}/").status_code == 404
    # Its report: drafted for its lead, never published (the body's, not the inspectorate's statistics).
    draft = client.get(f"/reports/inspection/{audit.pk}/")
    assert draft.status_code == 200 and "Not published" in draft.content.decode()
    assert publication_problems(audit) == [OWN_AUDIT_UNPUBLISHED]
    with pytest.raises(PublishError):
        report_publish(inspection=audit, actor=aud)


def test_a_body_auditor_reaches_no_inspectorate_inspection_and_no_other_bodys_audit(
    people: dict[str, Any], register_csv: Callable[..., Path]
) -> None:
    aud, lead, ina = people["aud"], people["lead"], people["ina"]
    inspection = factories.inspection(lead=lead, name="Inspectorate Q1")
    register = register_import(path=register_csv(rows=60), body_code="SYN")
    factories.sample(inspection, register, size=2)
    inspectorate_case = factories.assigned(inspection, [ina])[0]
    elsewhere = own_audit(people["oth_aud"], body_code="OTH", name="Other body's own audit")
    client = verified_client(aud)
    for target in (inspection, elsewhere):
        for path in (
            "",
            "sample/",
            "people/",
            "cases/",
            "moderation/",
            "agreement/",
            "manifest.json",
        ):
            assert client.get(f"/inspections/{target.pk}/{path}").status_code == 404, (target, path)
        assert client.post(f"/inspections/{target.pk}/seed/").status_code == 404
        assert client.get(f"/reports/inspection/{target.pk}/").status_code == 404
    assert client.get(f"/reviews/{inspectorate_case.pk}/").status_code == 404
    listed = client.get("/inspections/").content.decode()
    assert "Inspectorate Q1" not in listed and "Other body&#x27;s own audit" not in listed
    assert list(inspections_listed(aud)) == []
    # A body auditor named the lead of an inspectorate inspection still cannot work on it.
    led_by_auditor = factories.inspection(lead=aud, name="Misled")
    assert client.get(f"/inspections/{led_by_auditor.pk}/").status_code == 404
    # A body auditor cannot open an audit of a body they do not audit, nor lead one for someone else.
    result = runner.invoke(
        app,
        [
            "inspection", "create", "--body", "OTH", "--name", "X", "--period-start", "01/01/2024",
            "--period-end", "31/03/2024", "--lead", "aud", "--own-audit",
        ],
    )  # fmt: skip
    assert result.exit_code != 0 and "own auditors" in result.output


def test_the_inspectorate_does_not_see_lead_or_grade_a_bodys_own_audit(
    people: dict[str, Any], register_csv: Callable[..., Path]
) -> None:
    aud, lead, ina = people["aud"], people["lead"], people["ina"]
    audit = own_audit(aud)
    register = register_import(path=register_csv(rows=60), body_code="SYN")
    factories.sample(audit, register, size=3)
    for person in (lead, ina):
        client = verified_client(person)
        assert client.get(f"/inspections/{audit.pk}/").status_code == 404
        assert client.get(f"/reports/inspection/{audit.pk}/").status_code == 404
        assert audit not in inspections_listed(person)
    assert "Own" not in verified_client(lead).get("/inspections/").content.decode()
    # An inspector cannot be given its cases; nor can another body's auditor; its own auditors can.
    with pytest.raises(ReviewError, match="own auditors"):
        assignments_balance(inspection=audit, inspectors=[ina])
    with pytest.raises(ReviewError, match="own auditors"):
        assignments_balance(inspection=audit, inspectors=[aud, people["oth_aud"]])
    assert not Assignment.objects.exists()
    assert assignments_balance(inspection=audit, inspectors=[aud]) == 3
    moved = Assignment.objects.order_by("id").first()
    assert moved is not None
    with pytest.raises(ReviewError):
        assignment_move(assignment=moved, to=ina)
    assert assignment_move(assignment=moved, to=people["aud2"]).inspector == people["aud2"]
    # An assignment made anyway (straight into the table) opens for nobody of the inspectorate.
    stray = Assignment.objects.create(
        sampled_case=moved.sampled_case,
        inspector=ina,
        kind="moderation",
        assigned_at=moved.assigned_at,
    )
    assert verified_client(ina).get(f"/reviews/{stray.pk}/").status_code == 404
    assert f"/reviews/{stray.pk}/" not in verified_client(ina).get("/reviews/").content.decode()
    # A body auditor is never given an inspectorate inspection's cases.
    inspection = factories.inspection(lead=lead, name="Inspectorate")
    factories.sample(
        inspection, register_import(path=register_csv(rows=61), body_code="SYN"), size=2
    )
    with pytest.raises(ReviewError, match="does not grade the inspectorate"):
        assignments_balance(inspection=inspection, inspectors=[ina, aud])
    result = runner.invoke(app, ["assign", "--inspection", str(audit.pk), "--inspectors", "ina"])
    assert result.exit_code != 0


def test_taking_someone_off_the_bodys_auditors_takes_the_audit_away(
    people: dict[str, Any], register_csv: Callable[..., Path]
) -> None:
    aud = people["aud"]
    audit = own_audit(aud)
    factories.sample(audit, register_import(path=register_csv(rows=40), body_code="SYN"), size=2)
    first = factories.assigned(audit, [aud])[0]
    client = verified_client(aud)
    assert client.get(f"/inspections/{audit.pk}/").status_code == 200
    assert client.get(f"/reviews/{first.pk}/").status_code == 200
    body_contact_remove(body=audit.body, user=aud, kind="auditor")
    client = verified_client(aud)
    assert client.get(f"/inspections/{audit.pk}/").status_code == 404
    assert client.get(f"/reviews/{first.pk}/").status_code == 404


def test_only_a_body_auditor_is_named_a_bodys_auditor(people: dict[str, Any]) -> None:
    with pytest.raises(SendBackError, match="body auditor role"):
        factories.contact(people["other"], people["ina"], kind="auditor")
    refused = runner.invoke(
        app, ["body", "contact", "--body", "OTH", "--user", "ina", "--kind", "auditor"]
    )
    assert refused.exit_code != 0
    factories.user("body_auditor", "newcomer")
    made = runner.invoke(
        app, ["body", "contact", "--body", "OTH", "--user", "newcomer", "--kind", "auditor"]
    )
    assert made.exit_code == 0, made.output
    result = runner.invoke(
        app,
        [
            "inspection", "create", "--body", "OTH", "--name", "Audit", "--period-start", "01/01/2024",
            "--period-end", "31/03/2024", "--lead", "newcomer", "--own-audit", "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["kind"] == "own_audit"
    assert Inspection.objects.get(name="Audit").kind == "own_audit"


def test_own_audits_stay_out_of_the_inspectorates_figures_across_bodies(
    people: dict[str, Any], register_csv: Callable[..., Path]
) -> None:
    aud, lead, ina = people["aud"], people["lead"], people["ina"]
    earlier = factories.inspection(
        lead=lead,
        name="Inspectorate earlier",
        period_start=factories.PERIOD_START.replace(year=2023),
        period_end=factories.PERIOD_END.replace(year=2023),
    )
    audit = own_audit(aud, name="Own audit graded")
    later = factories.inspection(
        lead=lead,
        name="Inspectorate later",
        period_start=factories.PERIOD_START.replace(year=2025),
        period_end=factories.PERIOD_END.replace(year=2025),
    )
    register = register_import(path=register_csv(rows=60), body_code="SYN")
    for inspection, grader in ((earlier, ina), (audit, aud)):
        factories.sample(inspection, register, size=3)
        for assignment in factories.assigned(inspection, [grader]):
            factories.submitted(assignment, overall="inadequate")
    trend = national_trend()
    names = {p["inspection"] for b in trend["bodies"] for p in b["series"]}
    assert "Inspectorate earlier" in names and "Own audit graded" not in names
    # The later inspection compares with the inspectorate's earlier one, never with the body's own audit.
    assert [p.label for p in history_for(later)] == ["Inspectorate earlier"]
    assert history_for(audit) == []  # an own audit's history is the body's own earlier audits: none


def test_reviews_imported_into_an_own_audit_name_its_own_auditors(
    people: dict[str, Any], register_csv: Callable[..., Path], tmp_path: Path
) -> None:
    audit = own_audit(people["aud"])
    register_import(path=register_csv(rows=50), body_code="SYN")
    refs = list(Case.objects.order_by("case_ref").values_list("case_ref", flat=True)[:2])
    header = "Case Ref,Reviewer,Kind,Overall,Send back\n"
    wrong = tmp_path / "wrong.csv"
    wrong.write_text(header + f"{refs[0]},ina,first,Good,no\n{refs[1]},oth-aud,first,Good,no\n")
    refused = runner.invoke(app, ["import-reviews", str(wrong), "--inspection", str(audit.pk)])
    assert refused.exit_code != 0
    assert len(re.findall(r"not one of this body's own auditors", refused.output)) == 2
    assert not Review.objects.exists()
    good = tmp_path / "good.csv"
    good.write_text(header + f"{refs[0]},aud,first,Good,no\n{refs[1]},aud2,first,Inadequate,no\n")
    result = runner.invoke(
        app, ["import-reviews", str(good), "--inspection", str(audit.pk), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"inspection_id": audit.pk, "reviews": 2}
    assert Review.objects.filter(assignment__sampled_case__sample__inspection=audit).count() == 2
