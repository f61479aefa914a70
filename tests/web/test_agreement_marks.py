"""Agreement from (first mark, second mark) pairs through the shell, and self-moderation refused everywhere."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from typer.testing import CliRunner

from casereview.cli import app
from casereview.web.inspections.models import SampledCase
from casereview.web.registers.models import Body, Case
from casereview.web.reports.selectors import report_for
from casereview.web.reviews.models import Assignment, Review
from casereview.web.reviews.selectors import agreement_for
from casereview.web.reviews.services import ReviewError, assignment_move, assignments_balance

from . import factories

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()

GRADES = ("good", "requires_improvement", "inadequate")


def moderated_world(tmp_path: Path, size: int = 10) -> dict[str, Any]:
    """An inspection whose every case has a first review (ina or cat) and a moderation (ben, or another)."""
    factories.body()
    made = factories.inspection_world(tmp_path, rows=100, size=size)
    cat = factories.user("inspector", "cat")
    firsts = factories.assignments(made["inspection"])
    for i, a in enumerate(firsts):
        if i % 2:
            assignment_move(assignment=a, to=cat)
    for i, a in enumerate(factories.assignments(made["inspection"])):
        factories.submitted(a, GRADES[i % 3])
    seconds = factories.moderated(made["inspection"], [made["ina"], made["ben"], cat], share=1.0)
    for i, a in enumerate(seconds):
        factories.submitted(a, GRADES[(i * 2) % 3] if i % 4 else GRADES[i % 3])
    return {**made, "cat": cat, "firsts": firsts, "seconds": seconds}


def test_the_team_figure_is_the_same_when_inspectors_are_renamed_or_swap_who_marked_first(
    tmp_path: Path,
) -> None:
    world = moderated_world(tmp_path)
    inspection = world["inspection"]
    before = agreement_for(inspection)
    team = before["pairs"][0]
    assert team.raters == ("team", "") and team.cases == before["marked_twice"] == 10
    assert team.interval_method == "bootstrap" and team.kappa_ci is not None
    # Rename every inspector, reversing the order of their names.
    for person, new in ((world["ina"], "zz-ina"), (world["ben"], "aa-ben"), (world["cat"], "mm")):
        get_user_model().objects.filter(pk=person.pk).update(username=new)
    renamed = agreement_for(inspection)
    assert dataclasses.astuple(renamed["pairs"][0]) == dataclasses.astuple(team)
    assert {r.raters for r in renamed["pairs"][1:]} != {r.raters for r in before["pairs"][1:]}
    # Swap who marked first: each case's first reviewer becomes its moderator and the other way round,
    # every grade staying with its mark.
    for case_id in Assignment.objects.values_list("sampled_case_id", flat=True).distinct():
        first = Assignment.objects.get(sampled_case_id=case_id, kind="first")
        second = Assignment.objects.get(sampled_case_id=case_id, kind="moderation")
        a, b = first.inspector_id, second.inspector_id
        Assignment.objects.filter(pk=first.pk).update(inspector_id=b)
        Assignment.objects.filter(pk=second.pk).update(inspector_id=a)
    swapped = agreement_for(inspection)
    assert dataclasses.astuple(swapped["pairs"][0]) == dataclasses.astuple(team)


def test_the_report_gives_each_statistic_with_its_interval_each_area_and_the_warning(
    tmp_path: Path,
) -> None:
    world = moderated_world(tmp_path, size=8)
    report = report_for(world["inspection"])
    agreement = report["agreement"]
    assert agreement["pairs"] == 8
    assert "fleiss" not in agreement
    for key in (
        "cohen_kappa_ci_low",
        "cohen_kappa_ci_high",
        "weighted_kappa_linear_ci_low",
        "gwet_ac1",
        "gwet_ac1_ci_low",
        "krippendorff_alpha_ordinal",
        "prevalence_index",
        "bias_index",
    ):
        assert key in agreement, key
    assert agreement["interval_method"] == "bootstrap"
    assert agreement["few_pairs"] is True and "Only 8 cases" in agreement["warning"]
    areas = {a["area"]: a for a in agreement["by_area"]}
    assert "initial_contact" in areas
    assert areas["initial_contact"]["pairs"] + areas["initial_contact"]["skipped"] == 8
    assert all(p["raters"][0] != "team" for p in agreement["by_pair"])

    lead = factories.verified_client(world["lead"])
    page = lead.get(f"/reports/inspection/{world['inspection'].pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Only 8 cases were marked twice" in text
    assert "Gwet" in text and "Krippendorff" in text
    assert "Fleiss" not in text
    lead_page = lead.get(f"/inspections/{world['inspection'].pk}/agreement/").content.decode()
    assert "Only 8 cases were marked twice" in lead_page and "Gwet" in lead_page
    assert "Fleiss" not in lead_page


# -- self-moderation -----------------------------------------------------------------------------------


def test_an_imported_moderation_by_the_first_reviewer_is_refused_with_every_bad_row(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path], tmp_path: Path
) -> None:
    from casereview.web.registers.services import register_import

    make_user("inspector", "ina")
    make_user("inspector", "ben")
    register_import(path=register_csv(rows=30), body_code="SYN")
    refs = list(Case.objects.order_by("case_ref").values_list("case_ref", flat=True)[:3])
    inspection = factories.inspection(committed=False)
    bad = tmp_path / "reviews.csv"
    bad.write_text(
        "case_ref,reviewer,kind,overall\n"
        f"{refs[0]},ina,first,good\n"
        f"{refs[0]},ina,moderation,good\n"  # line 3: ina second-marks her own case
        f"{refs[1]},ben,moderation,inadequate\n"  # line 4: ben moderates the case he first-marks
        f"{refs[1]},ben,first,inadequate\n"  # line 5: ... and is refused on both rows
        f"{refs[2]},ina,first,good\n"
        f"{refs[2]},ben,moderation,good\n"  # a proper pair
    )
    errors = tmp_path / "errors.csv"
    result = runner.invoke(
        app,
        [
            "import-reviews",
            str(bad),
            "--inspection",
            str(inspection.pk),
            "--errors-csv",
            str(errors),
        ],
    )
    assert result.exit_code == 2, result.output
    rows = [line.split(",") for line in errors.read_text().splitlines()[1:]]
    refused = {(r[0], r[1]) for r in rows if "their own case" in r[3]}
    assert refused == {("2", "reviewer"), ("3", "reviewer"), ("4", "reviewer"), ("5", "reviewer")}
    assert not Review.objects.exists() and not Assignment.objects.exists()


def test_an_imported_moderation_by_the_case_s_assigned_first_reviewer_is_refused(
    tmp_path: Path,
) -> None:
    factories.body()
    world = factories.inspection_world(tmp_path, rows=100, size=4)
    case_ref = world["assignment"].sampled_case.case_ref  # ina's first review, in casereview
    bad = tmp_path / "reviews.csv"
    bad.write_text(f"case_ref,reviewer,kind,overall\n{case_ref},ina,moderation,good\n")
    result = runner.invoke(
        app, ["import-reviews", str(bad), "--inspection", str(world["inspection"].pk), "--json"]
    )
    assert result.exit_code == 2
    assert "their own case" in result.stdout
    assert not Review.objects.exists()
    good = tmp_path / "good.csv"
    good.write_text(f"case_ref,reviewer,kind,overall\n{case_ref},ben,moderation,good\n")
    result = runner.invoke(
        app, ["import-reviews", str(good), "--inspection", str(world["inspection"].pk)]
    )
    assert result.exit_code == 0, result.output


def test_moving_a_mark_to_the_holder_of_the_other_mark_is_refused(tmp_path: Path) -> None:
    factories.body()
    world = factories.inspection_world(tmp_path, rows=100, size=4)
    first = world["assignment"]
    moderation = next(
        a
        for a in factories.moderated(world["inspection"], [world["ina"], world["ben"]], share=1.0)
        if a.sampled_case_id == first.sampled_case_id
    )
    assert moderation.inspector == world["ben"]
    with pytest.raises(ReviewError, match="own case"):
        assignment_move(assignment=moderation, to=world["ina"])
    with pytest.raises(ReviewError, match="own case"):
        assignment_move(assignment=Assignment.objects.get(pk=first.pk), to=world["ben"])
    moderation.refresh_from_db()
    assert moderation.inspector == world["ben"]


def test_a_case_moderated_first_never_gets_its_moderator_as_first_reviewer(tmp_path: Path) -> None:
    factories.body()
    lead = factories.user("lead_inspector", "lead")
    ben = factories.user("inspector", "ben")
    inspection = factories.inspection(lead=lead)
    drawn_from = factories.register(tmp_path, rows=60)
    factories.sample(inspection, drawn_from, size=2)
    refs = sorted(
        SampledCase.objects.filter(
            sample__inspection=inspection, role=SampledCase.Role.SAMPLE
        ).values_list("case_ref", flat=True)
    )
    imported = tmp_path / "moderation.csv"
    imported.write_text(f"case_ref,reviewer,kind,overall\n{refs[0]},ben,moderation,good\n")
    result = runner.invoke(
        app, ["import-reviews", str(imported), "--inspection", str(inspection.pk)]
    )
    assert result.exit_code == 0, result.output
    with pytest.raises(ReviewError, match="reviewed it first"):
        assignments_balance(inspection=inspection, inspectors=[ben])
    assert not Assignment.objects.filter(kind="first").exists()
    ina = factories.user("inspector", "ina")
    assert assignments_balance(inspection=inspection, inspectors=[ben, ina]) == 2
    first = Assignment.objects.get(sampled_case__case_ref=refs[0], kind="first")
    assert first.inspector == ina
