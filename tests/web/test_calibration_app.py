"""Calibrations (issue 24): the frame fixed before the seed, the draw re-derivable from its manifest, the
re-grading blind to the body's grades, the figures frozen at completion and equal to the statistics computed
here independently from the reviews, and who may see what (404 for everyone else)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from sklearn.metrics import cohen_kappa_score
from typer.testing import CliRunner

from casereview.cli import app
from casereview.domain.calibration import calibrate
from casereview.domain.plans import Frame, SamplePlan
from casereview.domain.sampling import draw
from casereview.importing.frameworks import load_framework
from casereview.web.calibration.models import Calibration
from casereview.web.calibration.selectors import BLIND_LABEL
from casereview.web.calibration.services import (
    CalibrationChanged,
    CalibrationRefused,
    calibration_complete,
    calibration_create,
    calibration_draw,
    calibration_withdraw,
)
from casereview.web.inspections.models import Inspection, Sample, SampledCase
from casereview.web.inspections.services import seed_commit
from casereview.web.journal.models import JournalEntry
from casereview.web.reviews.models import Assignment, Review

from . import factories
from .conftest import latest_seq, verified_client

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()

#: The body's own audit: very kind to itself (30 good, 6 requires improvement, 4 inadequate of 40).
BODY_GRADES = ["good"] * 30 + ["requires_improvement"] * 6 + ["inadequate"] * 4


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Any]:
    """Body SYN with its own audit of 40 graded cases, a lead inspector, inspectors ina and ben, an analyst,
    SYN's liaison officer; and another body OTH with its own liaison officer and auditor."""
    syn = factories.body()
    made = factories.own_audit_world(tmp_path, BODY_GRADES)
    other = factories.body("OTH", "Other Constabulary")
    other_liaison = factories.user("liaison_officer", "oth-liaison")
    factories.contact(other, other_liaison)
    other_auditor = factories.user("body_auditor", "oth-auditor")
    factories.contact(other, other_auditor, kind="auditor")
    liaison = factories.user("liaison_officer", "liaison")
    factories.contact(syn, liaison)
    return {
        **made,
        "tmp": tmp_path,
        "body": syn,
        "lead": factories.user("lead_inspector", "lead"),
        "other_lead": factories.user("lead_inspector", "other-lead"),
        "ina": factories.user("inspector", "ina"),
        "analyst": factories.user("analyst", "analyst"),
        "liaison": liaison,
        "other_liaison": other_liaison,
        "other_auditor": other_auditor,
    }


def body_grades(audit: Inspection) -> dict[str, Review]:
    """The own audit's submitted first reviews by case reference, read straight from the tables."""
    return {
        r.assignment.sampled_case.case_ref: r
        for r in Review.objects.filter(
            assignment__sampled_case__sample__inspection=audit,
            assignment__kind=Assignment.Kind.FIRST,
            state=Review.State.SUBMITTED,
        ).select_related("assignment__sampled_case")
    }


def drawn(world: dict[str, Any], *, size: int = 20, stratify: bool = False) -> Calibration:
    made = calibration_create(
        own_audit=world["audit"],
        size=size,
        stratify=stratify,
        lead=world["lead"],
        actor=world["lead"],
    )
    seed_commit(inspection=made.inspection, actor=world["lead"])
    return calibration_draw(calibration=made, actor=world["lead"])


def inspectorate_grade(body: str, i: int) -> str:
    """The inspectorate, harsher: of the cases the body called good, two in three are not."""
    if body == "good":
        return ("good", "requires_improvement", "inadequate")[i % 3]
    return "inadequate" if i % 2 else body


def regraded(calibration: Calibration, inspector: Any) -> list[Assignment]:
    """Assign the calibration's cases to ``inspector`` and grade each as ``inspectorate_grade`` says."""
    factories.assigned(calibration.inspection, [inspector])
    firsts = factories.assignments(calibration.inspection)
    grades = calibration.frame["grades"]
    for i, a in enumerate(firsts):
        factories.graded_as(a, inspectorate_grade(grades[a.sampled_case.case_ref], i))
    return firsts


def another_audit(
    world: dict[str, Any], prefix: str, year: int, grades: list[str] | None = None
) -> dict[str, Any]:
    """The world with another own audit of SYN in place of its own: the first quarter of ``year``."""
    made = factories.own_audit_world(
        world["tmp"], grades or BODY_GRADES, prefix=prefix, rows=100 + year % 100
    )
    Inspection.objects.filter(pk=made["audit"].pk).update(
        name=f"SYN own audit {year}",
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 3, 31),
    )
    made["audit"].refresh_from_db()
    return {**world, **made}


def completed(world: dict[str, Any], **options: Any) -> Calibration:
    calibration = drawn(world, **options)
    regraded(calibration, world["ina"])
    return calibration_complete(calibration=calibration, actor=world["lead"])


# --- Creating: the frame fixed first ------------------------------------------------------------------


def test_creating_fixes_the_frame_as_the_cases_the_own_audit_graded(world: dict[str, Any]) -> None:
    seq = latest_seq()
    made = calibration_create(
        own_audit=world["audit"], size=10, lead=world["lead"], actor=world["lead"]
    )
    graded = body_grades(world["audit"])
    assert made.frame["cases"] == sorted(graded)
    assert made.frame["grades"] == {ref: r.overall for ref, r in graded.items()}
    expected = hashlib.sha256("".join(f"{r}\n" for r in sorted(graded)).encode()).hexdigest()
    assert made.frame["sha256"] == expected
    # The strata (the body's grade of each case) are committed to as well, before the seed.
    lines = "".join(f"{r}\t{graded[r].overall}\n" for r in sorted(graded))
    assert made.frame["strata_sha256"] == hashlib.sha256(lines.encode()).hexdigest()
    assert made.inspection.kind == "calibration" and made.inspection.lead == world["lead"]
    assert made.inspection.commitment == ""  # the seed comes after the frame
    # Its name, which its inspectors read, says nothing of who graded the cases first.
    assert "audit" not in made.inspection.name.lower() and "Synthetic" in made.inspection.name
    entries = list(JournalEntry.objects.filter(seq__gt=seq).order_by("seq"))
    assert [e.action for e in entries] == ["inspection_create", "calibration_create"]
    assert entries[1].detail["strata_sha256"] == made.frame["strata_sha256"]


def test_creating_refuses_what_cannot_be_calibrated(world: dict[str, Any]) -> None:
    audit = world["audit"]
    with pytest.raises(CalibrationRefused, match="from 1 to 40"):
        calibration_create(own_audit=audit, size=41, lead=world["lead"])
    committed = factories.inspection(lead=world["lead"], name="Committed already")
    with pytest.raises(CalibrationRefused, match="already committed to a seed"):
        calibration_create(own_audit=audit, size=5, inspection=committed)
    other = factories.inspection(lead=world["lead"], body_code="OTH", committed=False)
    with pytest.raises(CalibrationRefused, match="another body"):
        calibration_create(own_audit=audit, size=5, inspection=other)
    with pytest.raises(CalibrationRefused, match="not a body's own audit"):
        calibration_create(own_audit=committed, size=5, lead=world["lead"])
    assert not Calibration.objects.exists()


# --- Drawing: the committed seed, the sampling module's ranking, a manifest anyone can re-derive --------


def test_the_draw_waits_for_the_seed(world: dict[str, Any]) -> None:
    made = calibration_create(own_audit=world["audit"], size=5, lead=world["lead"])
    with pytest.raises(CalibrationRefused, match="Commit the calibration's seed first"):
        calibration_draw(calibration=made, actor=world["lead"])
    seed_commit(inspection=made.inspection)
    with pytest.raises(CalibrationRefused, match="Only the lead inspector"):
        calibration_draw(calibration=made, actor=world["other_lead"])
    assert not Sample.objects.filter(inspection=made.inspection).exists()


def test_a_simple_draw_is_the_first_cases_by_the_seeds_keyed_hash(world: dict[str, Any]) -> None:
    calibration = drawn(world, size=12)
    sample = Sample.objects.get(inspection=calibration.inspection)
    seed = bytes.fromhex(sample.manifest["seed"])
    assert hashlib.sha256(seed).hexdigest() == calibration.inspection.commitment
    listed = sample.manifest["listed"]
    assert listed["cases"] == calibration.frame["cases"]
    assert listed["frame_sha256"] == calibration.frame["sha256"]
    # Re-derived here from the manifest alone, with the standard library (the documented algorithm).
    ranked = sorted(
        listed["cases"],
        key=lambda ref: hmac.new(seed, ref.strip().encode(), hashlib.sha256).digest(),
    )
    active = SampledCase.objects.filter(sample=sample, state="active")
    assert {c.case_ref for c in active} == set(ranked[:12])
    reserve = SampledCase.objects.filter(sample=sample, role="reserve").order_by("rank")
    assert [c.case_ref for c in reserve] == ranked[12:24]
    assert set(SampledCase.objects.filter(sample=sample).values_list("stratum", flat=True)) == {
        BLIND_LABEL
    }
    assert calibration.state == "drawn" and calibration.version == 2


def test_a_stratified_draw_is_sealed_until_completion_then_re_derived_from_its_manifest(
    world: dict[str, Any],
) -> None:
    calibration = drawn(world, size=20, stratify=True)
    sample = Sample.objects.get(inspection=calibration.inspection)
    # Before completion the inspection's manifest has the strata's SHA-256 and counts, not the body's grades.
    sealed = sample.manifest
    assert "strata" not in sealed["listed"] and sealed["listed"]["sealed"] is True
    assert sealed["listed"]["strata_sha256"] == calibration.frame["strata_sha256"]
    assert sealed["listed"]["strata_counts"] == {
        "good": {"frame": 30, "sample": 15},
        "requires_improvement": {"frame": 6, "sample": 3},
        "inadequate": {"frame": 4, "sample": 2},
    }
    assert [s["label"] for s in sealed["strata"]] == [BLIND_LABEL]
    regraded(calibration, world["ina"])
    calibration_complete(calibration=calibration, actor=world["lead"])
    sample.refresh_from_db()
    document = sample.manifest
    strata = document["listed"]["strata"]
    assert strata == calibration.frame["grades"]
    cases = pl.DataFrame(
        {
            "case_ref": list(strata),
            "reported_on": pl.Series([None] * len(strata), dtype=pl.Date),
            "category": pl.Series([None] * len(strata), dtype=pl.String),
            "unit": pl.Series([None] * len(strata), dtype=pl.String),
            "listed": list(strata.values()),
        }
    )
    again = draw(
        cases,
        seed=bytes.fromhex(document["seed"]),
        plan=SamplePlan(size=20, strata=("listed",), frame=Frame(any_date=True)),
    )
    assert {s.label: s.sample for s in again} == {
        s["label"]: s["sample"] for s in document["strata"]
    }
    # Proportional: 30, 6 and 4 of 40 give 15, 3 and 2 of 20.
    assert {s["label"]: len(s["sample"]) for s in document["strata"]} == {
        "good": 15,
        "requires_improvement": 3,
        "inadequate": 2,
    }
    rows = SampledCase.objects.filter(sample=sample)
    assert {r.case_ref for r in rows if r.state == "active"} == {
        ref for s in again for ref in s.sample
    }
    assert set(rows.values_list("stratum", flat=True)) == {BLIND_LABEL}


def test_the_same_seed_and_frame_draw_the_same_cases(world: dict[str, Any]) -> None:
    first = drawn(world, size=10)
    calibration_withdraw(calibration=first, reason="Testing the draw again", actor=world["lead"])
    second = calibration_create(own_audit=world["audit"], size=10, lead=world["lead"])
    # The second calibration's inspection takes the first's seed: the draw depends on nothing else.
    Inspection.objects.filter(pk=second.inspection_id).update(
        seed=first.inspection.seed,
        commitment=first.inspection.commitment,
        committed_at=first.inspection.committed_at,
    )
    second.refresh_from_db()
    calibration_draw(calibration=second)
    a, b = (
        sorted(
            SampledCase.objects.filter(
                sample__inspection_id=c.inspection_id, state="active"
            ).values_list("case_ref", flat=True)
        )
        for c in (first, second)
    )
    assert a == b and len(a) == 10


# --- Blind ---------------------------------------------------------------------------------------------


def test_the_inspectors_pages_show_nothing_of_the_bodys_grades(world: dict[str, Any]) -> None:
    calibration = drawn(world, size=8, stratify=True)
    firsts = factories.assigned(calibration.inspection, [world["ina"]])
    client = verified_client(world["ina"])
    body = body_grades(world["audit"])
    mine = client.get("/reviews/").content.decode()
    for a in firsts:
        page = client.get(f"/reviews/{a.pk}/").content.decode()
        assert "Body audit note" not in page
        # No answer is filled in: not one radio or box checked (the body's grades are nowhere).
        assert " checked" not in page
        assert a.sampled_case.case_ref in mine
    assert "Body audit note" not in mine
    assert BLIND_LABEL in mine
    for grade in ("requires_improvement", "inadequate"):
        assert grade not in mine
    # The body's own reviews of the same cases stay out of reach.
    audit_assignment = next(
        r.assignment for ref, r in body.items() if ref == firsts[0].sampled_case.case_ref
    )
    assert client.get(f"/reviews/{audit_assignment.pk}/").status_code == 404
    # The same page for the body's auditor shows the body's answers: the checks above could see them.
    theirs = verified_client(world["auditor"]).get(f"/reviews/{audit_assignment.pk}/")
    assert theirs.status_code == 200
    assert "Body audit note" in theirs.content.decode() and " checked" in theirs.content.decode()


# --- Completing: the figures frozen, equal to the statistics of the pairs read here ----------------------


def pairs_read_here(calibration: Calibration) -> dict[str, Any]:
    """The pairs, read here from the review tables (first reviews: no moderation in these tests)."""
    framework = load_framework(calibration.own_audit.framework)
    scale = framework.grade_codes
    body = body_grades(calibration.own_audit)
    ours = body_grades(calibration.inspection)
    refs = sorted(ours)
    by_area = {
        a.slug: [
            (body[r].area_grades[a.slug], ours[r].area_grades[a.slug])
            for r in refs
            if body[r].area_grades.get(a.slug) in scale and ours[r].area_grades.get(a.slug) in scale
        ]
        for a in framework.areas
    }
    return {
        "by_area": by_area,
        "overall": [(body[r].overall, ours[r].overall) for r in refs],
        "body_all": Counter(r.overall for r in body.values()),
        "scale": scale,
        "labels": {g.code: g.label for g in framework.grades},
    }


def test_completing_freezes_the_figures_of_the_pairs(world: dict[str, Any]) -> None:
    calibration = drawn(world, size=30, stratify=True)
    with pytest.raises(CalibrationRefused, match="not yet re-graded"):
        calibration_complete(calibration=calibration, actor=world["lead"])
    regraded(calibration, world["ina"])
    with pytest.raises(CalibrationChanged):
        calibration_complete(calibration=calibration, actor=world["lead"], expected_version=1)
    seq = latest_seq()
    done = calibration_complete(
        calibration=calibration, actor=world["lead"], expected_version=calibration.version
    )
    here = pairs_read_here(done)
    expected = calibrate(
        here["by_area"],
        here["overall"],
        here["scale"],
        body_all=dict(here["body_all"]),
        favourable="good",
        body="Synthetic Constabulary",
        labels=here["labels"],
    ).as_dict()
    assert done.result is not None
    assert done.result["figures"] == json.loads(json.dumps(expected))
    # Independent of the statistics module too: sklearn's kappa on the overall pairs.
    body, insp = zip(*here["overall"], strict=True)
    assert done.result["figures"]["overall"]["agreement"]["kappa"] == pytest.approx(
        cohen_kappa_score(body, insp)
    )
    # The body is more favourable: its share good less the inspectorate's, as counted here.
    n = len(here["overall"])
    difference = sum(b == "good" for b in body) / n - sum(i == "good" for i in insp) / n
    assert done.result["figures"]["overall"]["bias"]["difference"] == pytest.approx(difference)
    assert difference > 0.3
    assert list(JournalEntry.objects.filter(seq__gt=seq).values_list("action", flat=True)) == [
        "calibration_complete"
    ]
    # Frozen: a later change to a review does not move them.
    frozen = done.result
    Review.objects.filter(assignment__sampled_case__sample__inspection=done.inspection).update(
        overall="good"
    )
    done.refresh_from_db()
    assert done.result == frozen
    with pytest.raises(CalibrationRefused, match="already complete"):
        calibration_complete(calibration=done, actor=world["lead"])


# --- Pages: who sees what -------------------------------------------------------------------------------


def status(person: Any, path: str) -> int:
    return int(verified_client(person).get(path).status_code)


def test_before_completion_only_its_lead_sees_the_calibration(world: dict[str, Any]) -> None:
    calibration = drawn(world, size=6)
    path = f"/calibrations/{calibration.pk}/"
    assert status(world["lead"], path) == 200
    for name in ("other_lead", "analyst", "auditor", "liaison", "ina", "other_liaison"):
        assert status(world[name], path) == 404, name
    page = verified_client(world["lead"]).get(path).content.decode()
    assert "0 of 6 cases re-graded" in page
    assert "Cohen" not in page  # no figure before completion
    listed = verified_client(world["analyst"]).get("/calibrations/").content.decode()
    assert f"Calibration {calibration.pk}" not in listed


def test_after_completion_the_bodys_people_and_analysts_see_it_and_nobody_else(
    world: dict[str, Any],
) -> None:
    calibration = completed(world, size=24)
    path = f"/calibrations/{calibration.pk}/"
    for name in ("lead", "analyst", "auditor", "liaison"):
        assert status(world[name], path) == 200, name
        assert f"Calibration {calibration.pk}" in (
            verified_client(world[name]).get("/calibrations/").content.decode()
        )
    for name in ("other_lead", "ina", "other_liaison", "other_auditor"):
        assert status(world[name], path) == 404, name
    page = verified_client(world["liaison"]).get(path).content.decode()
    assert page.count("<h1") == 1 and "Calibration" in page.split("<title>")[1].split("</title>")[0]
    assert "Cohen&#x27;s kappa" in page or "Cohen's kappa" in page
    assert "Stuart–Maxwell" in page and "McNemar" in page
    assert 'class="govuk-table__caption' in page and "Body: Good" in page
    assert "Drift over this body" in page and 'role="img"' in page
    assert calibration.result is not None
    assert calibration.result["figures"]["overall"]["sentence"].replace("'", "&#x27;") in page


def test_the_lead_walks_the_steps_on_the_pages(world: dict[str, Any]) -> None:
    lead = verified_client(world["lead"])
    page = lead.get("/calibrations/new/")
    assert page.status_code == 200 and world["audit"].name in page.content.decode()
    refused = lead.post("/calibrations/new/", {"own_audit": world["audit"].pk, "size": "99"})
    assert refused.status_code == 400 and "from 1 to 40" in refused.content.decode()
    assert 'href="#id_size"' in refused.content.decode()  # the summary links to the field
    empty = lead.post("/calibrations/new/", {"size": "6"})
    assert empty.status_code == 400 and 'href="#own_audit"' in empty.content.decode()
    made = lead.post(
        "/calibrations/new/", {"own_audit": world["audit"].pk, "size": "6", "stratify": "on"}
    )
    calibration = Calibration.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/calibrations/{calibration.pk}/"
    assert calibration.stratify and calibration.inspection.lead == world["lead"]
    other = verified_client(world["other_lead"])
    assert other.post(f"/calibrations/{calibration.pk}/seed/", {"version": "1"}).status_code == 404
    assert lead.post(f"/calibrations/{calibration.pk}/draw/", {"version": "1"}).status_code == 400
    assert lead.post(f"/calibrations/{calibration.pk}/seed/", {"version": "1"}).status_code == 302
    assert lead.post(f"/calibrations/{calibration.pk}/draw/", {"version": "1"}).status_code == 302
    stale = lead.post(f"/calibrations/{calibration.pk}/complete/", {"version": "1"})
    assert stale.status_code == 409 and "Someone changed" in stale.content.decode()
    calibration.refresh_from_db()
    regraded(calibration, world["ina"])
    done = lead.post(f"/calibrations/{calibration.pk}/complete/", {"version": "2"})
    assert done.status_code == 302
    calibration.refresh_from_db()
    assert calibration.state == "complete"


def test_the_results_page_reads_the_same_number_of_queries_however_many_calibrations(
    world: dict[str, Any],
) -> None:
    first = completed(world, size=10)
    client = verified_client(world["analyst"])
    client.get(f"/calibrations/{first.pk}/")  # the session's first reads out of the way

    def queries(calibration: Calibration) -> int:
        with CaptureQueriesContext(connection) as read:
            assert client.get(f"/calibrations/{calibration.pk}/").status_code == 200
        return len(read)

    one = queries(first)
    second = completed(another_audit(world, "b", 2023), size=12)
    third = completed(another_audit(world, "c", 2022), size=14)
    assert queries(third) == one and queries(second) == one
    assert one <= 6, one  # session, user, second factor, roles, the calibration, the drift


# --- The command line ------------------------------------------------------------------------------------


def test_the_commands_create_draw_complete_and_show(world: dict[str, Any]) -> None:
    inspection = factories.inspection(lead=world["lead"], name="Calibration", committed=False)
    made = runner.invoke(
        app,
        [
            "calibration",
            "create",
            "--own-audit",
            str(world["audit"].pk),
            "--inspection",
            str(inspection.pk),
            "--size",
            "8",
            "--stratify",
            "--json",
        ],
    )
    assert made.exit_code == 0, made.output
    found = json.loads(made.stdout)
    assert found["frame"] == 40 and found["stratify"] is True
    number = str(found["id"])
    refused = runner.invoke(app, ["calibration", "draw", number])
    assert refused.exit_code == 2 and "Commit" in refused.output
    assert runner.invoke(app, ["seed", "commit", "--inspection", str(inspection.pk)]).exit_code == 0
    assert runner.invoke(app, ["calibration", "draw", number]).exit_code == 0
    regraded(Calibration.objects.get(pk=found["id"]), world["ina"])
    assert runner.invoke(app, ["calibration", "complete", number]).exit_code == 0
    seq = latest_seq()
    shown = runner.invoke(app, ["calibration", "show", number, "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["state"] == "complete"
    assert set(data["figures"]) >= {"scale", "favourable", "overall", "areas", "corrected"}
    assert set(data["figures"]["overall"]) >= {"agreement", "table", "bias", "stuart_maxwell"}
    assert list(JournalEntry.objects.filter(seq__gt=seq).values_list("action", flat=True)) == [
        "calibration_export"
    ]
    seq = latest_seq()
    plain = runner.invoke(app, ["calibration", "show", number])
    assert plain.exit_code == 0 and ": Complete" in plain.stdout
    # The statistics module's own sentences, as it words them (the console may wrap the lines).
    printed = " ".join(plain.stdout.split())
    assert " ".join(data["figures"]["overall"]["sentence"].split()) in printed
    assert " ".join(data["figures"]["corrected"]["sentence"].split()) in printed
    assert list(JournalEntry.objects.filter(seq__gt=seq).values_list("action", flat=True)) == [
        "calibration_export"
    ]


# --- Review 24b: blind for everyone who grades, moderates or resolves (must 1) ---------------------------


def test_before_completion_the_lead_reads_no_body_grade_of_any_case(world: dict[str, Any]) -> None:
    calibration = drawn(world, size=20, stratify=True)
    lead = verified_client(world["lead"])
    pk = calibration.inspection_id
    document = json.loads(lead.get(f"/inspections/{pk}/manifest.json").content)
    assert "strata" not in document["listed"]
    assert {s["label"] for s in document["strata"]} == {BLIND_LABEL}
    # Nothing in it pairs a case with the body's grade: each grade code appears only as a count's key.
    text = json.dumps(document)
    for grade in ("requires_improvement", "inadequate"):
        assert text.count(f'"{grade}"') == 1, grade
    for path in (f"/inspections/{pk}/sample/", reverse("reports:draft", args=[pk])):
        page = lead.get(path)
        assert page.status_code == 200, path
        body = page.content.decode()
        assert BLIND_LABEL in body, path
        # No stratum of the body's grades (as codes, as the reviewer found them, or as counts).
        for words in ("requires_improvement", "inadequate 4", "good 30"):
            assert words not in body, (path, words)
    sample_page = lead.get(f"/inspections/{pk}/sample/").content.decode()
    for words in ("Requires improvement", "Inadequate", ">inadequate<", ">good<"):
        assert words not in sample_page, words
    # Once complete, the manifest has the strata: the body's grade of each case, as the frame fixed it.
    regraded(calibration, world["ina"])
    calibration_complete(calibration=calibration, actor=world["lead"])
    after = json.loads(lead.get(f"/inspections/{pk}/manifest.json").content)
    assert after["listed"]["strata"] == calibration.frame["grades"]


def test_the_lead_and_the_bodys_contacts_are_never_given_the_cases(world: dict[str, Any]) -> None:
    from casereview.web.reviews.services import ReviewError

    calibration = drawn(world, size=6)
    with pytest.raises(ReviewError, match="re-graded blind"):
        factories.assigned(calibration.inspection, [world["lead"]])
    # An inspector who is also a contact of the body (and so may read its grades) is refused too.
    both = factories.user("inspector", "insider")
    factories.contact(world["body"], both)
    with pytest.raises(ReviewError, match="insider"):
        factories.assigned(calibration.inspection, [world["ina"], both])
    assert not Assignment.objects.filter(sampled_case__sample__inspection=calibration.inspection)
    firsts = factories.assigned(calibration.inspection, [world["ina"]])
    assert len(firsts) == 6
    for a in firsts:
        factories.graded_as(a, "good")
    # Nor second marks: the lead resolves disagreements, and marks none.
    with pytest.raises(ReviewError, match="re-graded blind"):
        factories.moderated(calibration.inspection, [world["lead"]], share=1.0)
    ben = factories.user("inspector", "ben")
    assert len(factories.moderated(calibration.inspection, [ben], share=1.0)) > 0


# --- Completion by cases, never by counts; no replacement (must 2) ---------------------------------------


def test_completion_needs_every_active_case_and_never_replaces_one(world: dict[str, Any]) -> None:
    from casereview.web.inspections.services import InspectionError, sample_replace

    calibration = drawn(world, size=6)
    firsts = regraded(calibration, world["ina"])
    graded_ref = firsts[0].sampled_case.case_ref
    with pytest.raises(InspectionError, match="never replaced"):
        sample_replace(inspection=calibration.inspection, case_ref=graded_ref, reason="File lost")
    # A sample changed under it (a graded case out, a reserve case in): six graded, but not the six active.
    sample = Sample.objects.get(inspection=calibration.inspection)
    SampledCase.objects.filter(sample=sample, case_ref=graded_ref).update(state="out_of_scope")
    reserve = SampledCase.objects.filter(sample=sample, role="reserve").order_by("rank").first()
    assert reserve is not None
    SampledCase.objects.filter(pk=reserve.pk).update(state="active")
    with pytest.raises(CalibrationRefused, match=reserve.case_ref):
        calibration_complete(calibration=calibration, actor=world["lead"])
    # A case that cannot be re-graded is reported as missing, never silently left out.
    done = calibration_complete(calibration=calibration, actor=world["lead"], with_missing=True)
    assert done.result is not None
    assert done.result["inputs"]["missing"] == 1 and done.result["inputs"]["regraded"] == 5
    # the out-of-scope case's pair is not in
    assert len(done.result["inputs"]["overall_pairs"]) == 5
    page = verified_client(world["liaison"]).get(f"/calibrations/{done.pk}/").content.decode()
    assert "1 case of the 6 cases drawn could not be re-graded" in page


def test_the_complete_button_shows_only_when_every_case_is_re_graded(world: dict[str, Any]) -> None:
    calibration = drawn(world, size=4)
    lead = verified_client(world["lead"])
    page = lead.get(f"/calibrations/{calibration.pk}/").content.decode()
    assert (
        "Complete the calibration</button>" not in page and "4 cases still to be re-graded" in page
    )
    regraded(calibration, world["ina"])
    page = lead.get(f"/calibrations/{calibration.pk}/").content.decode()
    assert "Complete the calibration</button>" in page and "still to be re-graded" not in page


# --- The body's side as the frame fixed it (must 3) -------------------------------------------------------


def test_the_bodys_grades_are_read_as_the_frame_fixed_them(world: dict[str, Any]) -> None:
    from casereview.domain.grading import ReviewAnswers
    from casereview.web.reviews.services import review_reopen, review_save

    calibration = drawn(world, size=10)
    firsts = regraded(calibration, world["ina"])
    ref = next(
        a.sampled_case.case_ref
        for a in firsts
        if calibration.frame["grades"][a.sampled_case.case_ref] == "good"
    )
    expected = pairs_read_here(calibration)  # the body's reviews as they stand: as at the frame
    # The body's auditor moves a drawn case's grades towards the inspectorate's after the draw...
    review = body_grades(world["audit"])[ref]
    reopened = review_reopen(review=review, actor=world["auditor"])
    review_save(
        review=reopened,
        answers=ReviewAnswers(
            area_grades=dict.fromkeys(reopened.area_grades, "inadequate"),
            area_comments={},
            overall="inadequate",
            send_back=False,
        ),
        base_version=reopened.version,
        submit=True,
        actor=world["auditor"],
    )
    assert body_grades(world["audit"])[ref].overall == "inadequate"
    # ... and grades a case it had not graded when the frame was fixed.
    extra = SampledCase.objects.filter(
        sample__inspection=world["audit"], role="reserve", state="unused"
    ).first()
    assert extra is not None
    SampledCase.objects.filter(pk=extra.pk).update(state="active")
    from casereview.web.reviews.services import assignments_balance

    assignments_balance(inspection=world["audit"], inspectors=[world["auditor"]])
    new = Assignment.objects.get(sampled_case=extra, kind="first")
    factories.graded_as(new, "good", actor=world["auditor"])
    done = calibration_complete(calibration=calibration, actor=world["lead"])
    assert done.result is not None
    inputs = done.result["inputs"]
    assert inputs["body_all"] == dict(expected["body_all"])  # 30, 6, 4: the frame's own counts
    assert inputs["overall_pairs"] == sorted(map(list, expected["overall"]))
    assert inputs["pairs_by_area"] == {
        a: sorted(map(list, p)) for a, p in expected["by_area"].items()
    }


# --- One calibration per own audit; withdrawn with a reason (must 4) --------------------------------------


def test_an_own_audit_is_calibrated_once_and_a_withdrawn_one_stays_listed(
    world: dict[str, Any],
) -> None:
    first = drawn(world, size=6)
    with pytest.raises(CalibrationRefused, match=f"already has calibration {first.pk}"):
        calibration_create(own_audit=world["audit"], size=6, lead=world["lead"])
    with pytest.raises(CalibrationRefused, match="Say why"):
        calibration_withdraw(calibration=first, reason="  ", actor=world["lead"])
    with pytest.raises(CalibrationRefused, match="Only the lead inspector"):
        calibration_withdraw(calibration=first, reason="x", actor=world["other_lead"])
    # The lead withdraws it on its page, saying why; a stale version shows it as it stands.
    lead = verified_client(world["lead"])
    path = f"/calibrations/{first.pk}/withdraw/"
    empty = lead.post(path, {"version": first.version, "reason": ""})
    assert empty.status_code == 400 and 'href="#id_reason"' in empty.content.decode()
    assert lead.post(path, {"version": 1, "reason": "Stale"}).status_code == 409
    seq = latest_seq()
    assert (
        lead.post(path, {"version": first.version, "reason": "Drawn in error"}).status_code == 302
    )
    first.refresh_from_db()
    assert first.state == "withdrawn" and first.withdrawn_reason == "Drawn in error"
    entries = list(JournalEntry.objects.filter(seq__gt=seq))
    assert [e.action for e in entries] == ["calibration_withdraw"]
    assert entries[0].reason == "Drawn in error"
    with pytest.raises(CalibrationRefused, match="withdrawn"):
        calibration_complete(calibration=first, actor=world["lead"])
    # The body's people and analysts see it listed as withdrawn, with the reason, and no figure.
    for name in ("liaison", "auditor", "analyst"):
        listed = verified_client(world[name]).get("/calibrations/").content.decode()
        assert f"Calibration {first.pk}" in listed and "Withdrawn" in listed, name
        page = verified_client(world[name]).get(f"/calibrations/{first.pk}/").content.decode()
        assert "Drawn in error" in page and "Cohen" not in page, name
    assert status(world["other_liaison"], f"/calibrations/{first.pk}/") == 404
    # Now the own audit can be calibrated again, once; a completed calibration is never withdrawn.
    second = completed(world, size=6)
    with pytest.raises(CalibrationRefused, match="never withdrawn"):
        calibration_withdraw(calibration=second, reason="Did not like it", actor=world["lead"])
    new_page = lead.get("/calibrations/new/").content.decode()
    assert f'value="{world["audit"].pk}"' not in new_page  # no longer offered


# --- The strata committed at creation; the manifest for those who may read it (should 5) ----------------


def test_the_manifest_with_the_strata_is_downloadable_once_complete(world: dict[str, Any]) -> None:
    calibration = drawn(world, size=10, stratify=True)
    path = f"/calibrations/{calibration.pk}/manifest.json"
    assert status(world["lead"], path) == 404  # sealed until completion, even for the lead
    regraded(calibration, world["ina"])
    calibration_complete(calibration=calibration, actor=world["lead"])
    for name in ("lead", "liaison", "auditor", "analyst"):
        seq = latest_seq()
        response = verified_client(world[name]).get(path)
        assert response.status_code == 200, name
        assert "attachment" in response["Content-Disposition"]
        document = json.loads(response.content)
        strata = document["listed"]["strata"]
        lines = "".join(f"{r}\t{strata[r]}\n" for r in sorted(strata))
        # The strata are those committed to before the seed (the page shows the same SHA-256).
        assert hashlib.sha256(lines.encode()).hexdigest() == calibration.frame["strata_sha256"]
        actions = JournalEntry.objects.filter(seq__gt=seq).values_list("action", flat=True)
        assert "manifest_download" in list(actions), name
    page = verified_client(world["liaison"]).get(f"/calibrations/{calibration.pk}/")
    assert calibration.frame["strata_sha256"] in page.content.decode()
    for name in ("other_liaison", "other_auditor", "ina", "other_lead"):
        assert status(world[name], path) == 404, name


# --- Never an ordinary inspection (6, 7) -------------------------------------------------------------------


def test_a_calibrations_inspection_is_never_history_trend_or_published(
    world: dict[str, Any],
) -> None:
    from casereview.web.reports.selectors import (
        CALIBRATION_UNPUBLISHED,
        history_for,
        publication_problems,
    )
    from casereview.web.reports.trend_selectors import national_trend

    calibration = completed(world, size=10)
    later = factories.inspection(
        lead=world["lead"],
        name="Later inspection",
        period_start=dt.date(2024, 7, 1),
        period_end=dt.date(2024, 9, 30),
    )
    assert calibration.inspection.name not in [p.label for p in history_for(later)]
    assert calibration.inspection.name not in json.dumps(national_trend(), default=str)
    assert publication_problems(calibration.inspection) == [CALIBRATION_UNPUBLISHED]


def test_the_ordinary_draw_refuses_a_calibrations_inspection(world: dict[str, Any]) -> None:
    from casereview.domain.plans import SamplePlan as Plan
    from casereview.web.inspections.services import InspectionError, sample_draw

    made = calibration_create(own_audit=world["audit"], size=6, lead=world["lead"])
    seed_commit(inspection=made.inspection, actor=world["lead"])
    made.inspection.refresh_from_db()
    with pytest.raises(InspectionError, match="calibration's page"):
        sample_draw(
            inspection=made.inspection,
            register=world["register"],
            plan=Plan(size=6),
            allow_late_commitment=True,
        )
    assert not Sample.objects.filter(inspection=made.inspection).exists()
    # Its inspection's overview and sample pages point to the calibration.
    lead = verified_client(world["lead"])
    for path in (
        f"/inspections/{made.inspection_id}/",
        f"/inspections/{made.inspection_id}/sample/",
    ):
        assert f'href="/calibrations/{made.pk}/"' in lead.get(path).content.decode(), path
    # the calibration's own draw still works
    calibration_draw(calibration=made, actor=world["lead"])


# --- Finding the pages (8) ----------------------------------------------------------------------------------


def test_the_navigation_offers_calibrations_to_those_who_may_see_some(
    world: dict[str, Any],
) -> None:
    link = 'href="/calibrations/">Calibrations</a>'
    for name in ("lead", "analyst", "auditor", "liaison"):
        assert link in verified_client(world[name]).get("/").content.decode(), name
    assert link not in verified_client(world["ina"]).get("/").content.decode()


# --- Drift: one point per own audit, at its period's end, named by it (9) ----------------------------------


def test_the_drift_has_one_point_per_own_audit_at_its_period_end(world: dict[str, Any]) -> None:
    # The later audit is calibrated first; the earlier one's calibration completes after it.
    later = completed(world, size=12)
    earlier_world = another_audit(world, "e", 2023)
    earlier = completed(earlier_world, size=12)
    page = verified_client(world["analyst"]).get(f"/calibrations/{later.pk}/").content.decode()
    table = page.split("one for each own audit")[1]
    assert table.index("SYN own audit 2023") < table.index("SYN own audit<")
    assert "31 March 2023" in table and "31 March 2024" in table
    assert "Calibration " + str(earlier.pk) not in table
    # The earlier audit's page has only its own point: the later audit's period is after its own.
    first = verified_client(world["analyst"]).get(f"/calibrations/{earlier.pk}/").content.decode()
    assert "SYN own audit 2023" in first.split("one for each own audit")[1]
    assert "31 March 2024" not in first.split("one for each own audit")[1]


# --- The results page (10) -----------------------------------------------------------------------------------


def test_the_results_page_summarises_first_and_names_mcnemars_discordant_cases(
    world: dict[str, Any],
) -> None:
    calibration = completed(world, size=24)
    page = (
        verified_client(world["liaison"]).get(f"/calibrations/{calibration.pk}/").content.decode()
    )
    assert calibration.result is not None
    figures = calibration.result["figures"]
    summary = page.index("Agreement and bias, area by area")
    first_area = page.index('id="area-overall"')
    assert summary < first_area
    assert page.count('class="govuk-details"') == 1 + len(figures["areas"])
    bias = figures["overall"]["bias"]
    assert (
        f"{bias['body_only']} cases graded good by the body only, "
        f"{bias['inspectorate_only']} by the inspectorate only" in page
    )
    assert "95% interval" not in page and "95% CI" in page


# --- Small notes: the create page, the seed twice, the period --------------------------------------------


def test_the_create_page_fits_the_audit_and_the_period_must_match(world: dict[str, Any]) -> None:
    page = verified_client(world["lead"]).get("/calibrations/new/").content.decode()
    assert "40 cases graded" in page and 'value="40"' in page  # 60 asked for by default, 40 graded
    other = factories.inspection(
        lead=world["lead"], name="Other period", committed=False, period_end=dt.date(2024, 6, 30)
    )
    with pytest.raises(CalibrationRefused, match="another period"):
        calibration_create(own_audit=world["audit"], size=5, inspection=other)


def test_the_seed_committed_in_another_tab_is_a_conflict(world: dict[str, Any]) -> None:
    made = calibration_create(own_audit=world["audit"], size=6, lead=world["lead"])
    seed_commit(inspection=made.inspection, actor=world["lead"])  # the other tab
    again = verified_client(world["lead"]).post(f"/calibrations/{made.pk}/seed/", {"version": "1"})
    assert again.status_code == 409 and "Someone committed the seed first" in again.content.decode()


def test_reviews_are_never_imported_into_a_calibration(
    world: dict[str, Any], tmp_path: Path
) -> None:
    from casereview.web.reviews.spreadsheets import ReviewsRejected, reviews_import

    calibration = drawn(world, size=6)
    sheet = tmp_path / "reviews.csv"
    sheet.write_text("case_ref,reviewer,overall\n", encoding="utf-8")
    with pytest.raises(ReviewsRejected, match="re-graded in casereview"):
        reviews_import(inspection=calibration.inspection, path=sheet)


def test_the_inspectorates_final_grade_is_the_leads_resolution_of_a_disagreement(
    world: dict[str, Any],
) -> None:
    from casereview.web.reviews.services import resolution_record

    calibration = drawn(world, size=6)
    firsts = factories.assigned(calibration.inspection, [world["ina"]])
    for a in firsts:
        factories.graded_as(a, "good")
    ben = factories.user("inspector", "ben")
    seconds = factories.moderated(calibration.inspection, [ben], share=1.0)
    for a in seconds:
        factories.graded_as(a, "inadequate")
    # The lead resolves each disagreement: requires improvement (neither mark).
    for a in seconds:
        resolution_record(
            sampled_case=a.sampled_case,
            final_overall="requires_improvement",
            rationale="Weighed both marks",
            actor=world["lead"],
        )
    done = calibration_complete(calibration=calibration, actor=world["lead"])
    assert done.result is not None
    resolved = {a.sampled_case.case_ref for a in seconds}
    grades = calibration.frame["grades"]
    expected = sorted(
        [grades[a.sampled_case.case_ref], "requires_improvement" if ref in resolved else "good"]
        for a in firsts
        for ref in [a.sampled_case.case_ref]
    )
    assert resolved and done.result["inputs"]["overall_pairs"] == expected


def test_two_completions_at_once_one_wins(world: dict[str, Any]) -> None:
    import threading

    calibration = drawn(world, size=6)
    regraded(calibration, world["ina"])
    results: list[str] = []
    barrier = threading.Barrier(2)

    def act() -> None:
        try:
            barrier.wait()
            found = Calibration.objects.get(pk=calibration.pk)
            calibration_complete(
                calibration=found, actor=world["lead"], expected_version=calibration.version
            )
            results.append("won")
        except CalibrationChanged:
            results.append("lost")
        except Exception as exc:  # SQLite may refuse the second writer outright
            results.append(f"refused: {type(exc).__name__}")
        finally:
            connection.close()

    threads = [threading.Thread(target=act) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("won") == 1, results
    stored = Calibration.objects.get(pk=calibration.pk)
    assert stored.state == "complete" and stored.version == calibration.version + 1
    completions = JournalEntry.objects.filter(
        action="calibration_complete", object_id=str(calibration.pk)
    )
    assert completions.count() == 1
