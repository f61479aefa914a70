from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from casereview.cli import app
from casereview.web.inspections.models import Sample, SampledCase
from casereview.web.registers.models import Body, Case
from casereview.web.registers.services import register_import
from casereview.web.reviews.models import Review

from . import factories

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()


def test_reviews_from_a_spreadsheet_become_the_sample_when_none_was_drawn(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path], tmp_path: Path
) -> None:
    make_user("inspector", "ina")
    make_user("inspector", "ben")
    register_import(path=register_csv(rows=50), body_code="SYN")
    refs = list(Case.objects.order_by("case_ref").values_list("case_ref", flat=True)[:3])
    inspection = factories.inspection(committed=False)
    good = tmp_path / "reviews.csv"
    good.write_text(
        "Case Ref,Reviewer,Kind,Overall,area:initial_contact,area:police_detention,Weaknesses,Send back\n"
        f"{refs[0]},ina,first,Good,good,Not applicable,,no\n"
        f"{refs[1]},ina,first,Requires improvement,requires_improvement,,W01;W04,no\n"
        f"{refs[1]},ben,moderation,inadequate,inadequate,,W02,yes\n"
        f"{refs[2]},ben,first,inadequate,,,,yes\n"
    )
    result = runner.invoke(
        app, ["import-reviews", str(good), "--inspection", str(inspection.pk), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"inspection_id": inspection.pk, "reviews": 4}
    sample = Sample.objects.get(inspection=inspection)
    assert (
        sample.algorithm == "imported"
        and sample.manifest["note"] == "the sample was not drawn in casereview"
    )
    assert sorted(
        SampledCase.objects.filter(sample=sample).values_list("case_ref", flat=True)
    ) == sorted(refs)
    second = Review.objects.get(
        assignment__sampled_case__case_ref=refs[1], assignment__kind="first"
    )
    assert second.overall == "requires_improvement" and second.area_weaknesses == {
        "_case": ["W01", "W04"]
    }
    assert Review.objects.filter(state="submitted").count() == 4


def test_a_bad_reviews_file_imports_nothing_and_lists_every_bad_row(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path], tmp_path: Path
) -> None:
    make_user("inspector", "ina")
    make_user("analyst", "ana")
    register_import(path=register_csv(rows=20), body_code="SYN")
    ref = Case.objects.values_list("case_ref", flat=True).first()
    inspection = factories.inspection(committed=False)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "case_ref,reviewer,kind,overall,area:initial_contact,area:made_up,weaknesses,send_back\n"
        f"{ref},ina,first,outstanding,good,,W99,maybe\n"
        f"NOPE,ana,second,good,,good,,no\n"
        f"{ref},ina,first,good,not applicable,,,no\n"
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
    assert result.exit_code == 2
    lines = errors.read_text().splitlines()
    assert lines[0] == "line,column,value,reason"
    got = {(line.split(",")[0], line.split(",")[1]) for line in lines[1:]}
    assert {
        ("2", "overall"),
        ("2", "weaknesses"),
        ("2", "send_back"),
        ("3", "kind"),
        ("3", "area:made_up"),
        ("4", "area:initial_contact"),
    } <= got
    assert not Sample.objects.exists() and not Review.objects.exists()


def test_a_reviews_file_with_more_rows_than_a_reviews_file_may_have_is_refused_before_it_is_kept(
    body: Body, register_csv: Callable[..., Path], tmp_path: Path, settings: Any
) -> None:
    settings.CASEREVIEW_MAX_REVIEW_ROWS = 50
    register_import(path=register_csv(rows=20), body_code="SYN")
    inspection = factories.inspection(committed=False)
    many = tmp_path / "many.csv"
    many.write_text(
        "case_ref,reviewer,kind,overall\n" + "".join(f"X{i},ina,first,good\n" for i in range(51))
    )
    result = runner.invoke(
        app, ["import-reviews", str(many), "--inspection", str(inspection.pk), "--json"]
    )
    assert result.exit_code == 2
    assert "more than 50 rows" in result.stdout and "CASEREVIEW_MAX_REVIEW_ROWS" in result.stdout
    assert not Review.objects.exists()
    exactly = tmp_path / "fifty.csv"
    exactly.write_text(
        "case_ref,reviewer,kind,overall\n" + "".join(f"X{i},ina,first,good\n" for i in range(50))
    )
    within = runner.invoke(
        app, ["import-reviews", str(exactly), "--inspection", str(inspection.pk), "--json"]
    )
    assert (
        within.exit_code == 2 and "CASEREVIEW_MAX_REVIEW_ROWS" not in within.stdout
    )  # refused for its rows' own problems
