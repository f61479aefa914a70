"""Links between cases on the pages: computed after the draw, shown on the review page, in the report."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Q
from django.utils import timezone
from typer.testing import CliRunner

from casereview.cli import app
from casereview.domain.publication import published
from casereview.web.inspections.links import case_links, links_for, links_refresh
from casereview.web.inspections.models import CaseLinks, RelatedCase, SampledCase, SampleLinks
from casereview.web.inspections.retention import registers_purge_due
from casereview.web.inspections.services import sample_draw
from casereview.web.journal.models import JournalEntry
from casereview.web.registers.models import Body, Case
from casereview.web.registers.services import (
    register_import,
    register_retention_set,
)
from casereview.web.reports.selectors import report_for
from casereview.web.reviews.models import Assignment, Review

from . import factories
from .conftest import latest_seq, verified_client

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()


@pytest.fixture
def drawn(make_user: Callable[..., Any], body: Body, tmp_path: Path) -> dict[str, Any]:
    lead, ina = make_user("lead_inspector", "lead"), make_user("inspector", "ina")
    inspection = factories.inspection(lead=lead)
    register = factories.register(tmp_path, rows=600)
    before = latest_seq()
    sample = factories.sample(inspection, register, size=30, reserve=1)
    factories.assigned(inspection, [ina])
    return {
        "lead": lead,
        "ina": ina,
        "inspection": inspection,
        "register": register,
        "sample": sample,
        "before": before,
    }


def with_related(sample: Any) -> Assignment:
    links = (
        CaseLinks.objects.filter(
            Q(child_cases__gt=0) | Q(place_cases__gt=0),
            sampled_case__sample=sample,
            sampled_case__role=SampledCase.Role.SAMPLE,
        )
        .order_by("id")
        .first()
    )
    assert links is not None, "the synthetic register always links some sampled cases"
    return Assignment.objects.get(sampled_case=links.sampled_case)


def test_the_draw_computes_every_sampled_cases_links_and_journals_a_combination(
    drawn: dict[str, Any],
) -> None:
    sample = drawn["sample"]
    assert SampleLinks.objects.filter(sample=sample).exists()
    sampled = list(SampledCase.objects.filter(sample=sample))
    assert len(sampled) > 30  # the 30 sampled and each stratum's reserve case
    assert CaseLinks.objects.filter(sampled_case__sample=sample).count() == len(sampled)
    # the counts agree with the database asked directly, case by case
    for sc in sampled:
        case = Case.objects.get(pk=sc.case_id)
        links = CaseLinks.objects.get(sampled_case=sc)
        for column, count in (
            ("child_pseudonym", links.child_cases),
            ("suspect_pseudonym", links.suspect_cases),
            ("location_ref", links.place_cases),
        ):
            value = getattr(case, column)
            expected = (
                0
                if value is None
                else Case.objects.filter(register=case.register_id, **{column: value})
                .exclude(pk=case.pk)
                .count()
            )
            assert count == expected, (sc.case_ref, column)
    entry = JournalEntry.objects.get(seq__gt=drawn["before"], action="links_compute")
    assert entry.operation == "combination" and entry.object_id == str(sample.pk)
    assert entry.detail["rules"]["repeat_missing_days"] == 90 and entry.detail["cases"] == len(
        sampled
    )
    text = json.dumps(entry.detail)
    assert (
        "SYNC" not in text and "SYNL" not in text and "SYNS" not in text
    )  # no identifier, no place


def test_the_review_page_lists_related_cases_by_reference_category_and_date_only(
    drawn: dict[str, Any],
) -> None:
    assignment = with_related(drawn["sample"])
    case = Case.objects.get(pk=assignment.sampled_case.case_id)
    client = verified_client(drawn["ina"])
    before = latest_seq()
    html = client.get(f"/reviews/{assignment.pk}/").content.decode()
    panel = html[
        html.index('id="related-cases"') : html.index(
            "</details>", html.index('id="related-cases"')
        )
    ]
    listed = RelatedCase.objects.filter(sampled_case=assignment.sampled_case).select_related("case")
    assert listed.exists()
    for item in listed:
        assert item.case.case_ref in panel
        assert item.case.summary not in html  # the related case's free text never shows
        for secret in (
            item.case.child_pseudonym,
            item.case.suspect_pseudonym,
            item.case.location_ref,
        ):
            assert not secret or secret not in html
    for secret in (case.child_pseudonym, case.suspect_pseudonym, case.location_ref):
        assert not secret or secret not in html
    links = CaseLinks.objects.get(sampled_case=assignment.sampled_case)
    for label, total in (
        ("The same child", links.child_cases),
        ("The same place", links.place_cases),
    ):
        if total:
            assert re.search(
                rf"{label}</dt><dd class=\"govuk-summary-list__value\">{total} other case", panel
            )
    assert "within 90 days" in panel  # the thresholds in use are shown
    actions = dict(JournalEntry.objects.filter(seq__gt=before).values_list("action", "operation"))
    assert actions["case_links"] == "combination" and actions["case_consult"] == "consultation"


def test_w15_is_ticked_from_the_panel_once_and_saved_under_its_area(drawn: dict[str, Any]) -> None:
    assignment = with_related(drawn["sample"])
    client = verified_client(drawn["ina"])
    url = f"/reviews/{assignment.pk}/"
    html = client.get(url).content.decode()
    assert (
        len(re.findall(r'name="weaknesses_assessment_and_help" type="checkbox" value="W15"', html))
        == 1
    )
    panel = html[
        html.index('id="related-cases"') : html.index(
            "</details>", html.index('id="related-cases"')
        )
    ]
    assert 'value="W15"' in panel and "Recorded under assessment and help" in panel
    assert (
        len(re.findall(r'value="W15"', html)) == 7
    )  # the panel's box and one in each of the six other areas
    saved = client.post(
        url, {"version": "0", "action": "save", "weaknesses_assessment_and_help": "W15"}
    )
    assert saved.status_code == 302
    review = Review.objects.get(assignment=assignment)
    assert review.area_weaknesses["assessment_and_help"] == ["W15"]
    assert (
        ' value="W15" aria-describedby="links-weakness-hint" checked'
        in client.get(url).content.decode()
    )


def test_a_sample_without_stored_links_gets_them_when_first_needed(drawn: dict[str, Any]) -> None:
    sample = drawn["sample"]
    RelatedCase.objects.filter(sampled_case__sample=sample).delete()
    CaseLinks.objects.filter(sampled_case__sample=sample).delete()
    SampleLinks.objects.filter(sample=sample).delete()
    assignment = Assignment.objects.order_by("id").first()
    assert assignment is not None
    assert verified_client(drawn["ina"]).get(f"/reviews/{assignment.pk}/").status_code == 200
    assert SampleLinks.objects.filter(sample=sample).count() == 1
    assert (
        CaseLinks.objects.filter(sampled_case__sample=sample).count()
        == SampledCase.objects.filter(sample=sample).count()
    )


def test_reading_a_samples_links_never_computes_them_only_refreshing_does(
    drawn: dict[str, Any],
) -> None:
    sample = drawn["sample"]
    SampleLinks.objects.filter(sample=sample).delete()
    CaseLinks.objects.filter(sampled_case__sample=sample).delete()
    assert links_for(sample) is None
    assert case_links(SampledCase.objects.filter(sample=sample).first()) is None
    assert not SampleLinks.objects.filter(sample=sample).exists()
    assert links_refresh(sample=sample) is True
    computed = links_for(sample)
    assert computed is not None
    assert links_refresh(sample=sample) is True  # already there: kept, not computed again
    assert SampleLinks.objects.get(sample=sample).pk == computed.pk


def test_erasing_the_register_removes_the_listed_cases_and_keeps_the_counts(
    drawn: dict[str, Any],
) -> None:
    assignment = with_related(drawn["sample"])
    counts = CaseLinks.objects.get(sampled_case=assignment.sampled_case)
    register_retention_set(
        register=drawn["register"], until=timezone.localdate() - dt.timedelta(days=1)
    )
    registers_purge_due()
    assert not RelatedCase.objects.filter(sampled_case__sample=drawn["sample"]).exists()
    assert (
        CaseLinks.objects.get(sampled_case=assignment.sampled_case).child_cases
        == counts.child_cases
    )
    html = verified_client(drawn["ina"]).get(f"/reviews/{assignment.pk}/").content.decode()
    assert (
        "erased at the end of its retention period" in html
        and "Related cases in the register" in html
    )
    result = runner.invoke(app, ["links", str(drawn["inspection"].pk), "--recompute"])
    assert result.exit_code == 2 and "erased" in result.stderr


def test_the_report_has_a_links_section_and_its_published_form_names_no_case(
    drawn: dict[str, Any],
) -> None:
    report = report_for(drawn["inspection"])
    section = report["links"]
    assert section["definitions"]["place"].startswith("a place with 3 or more cases")
    assert section["register"]["register_cases"] == 600
    # The volume covers the period (2024 Q1) and the quarters before it, not the register's later cases.
    in_window = Case.objects.filter(
        register=drawn["register"], reported_on__lte=dt.date(2024, 3, 31)
    ).count()
    assert (
        report["volume"]["quarters"][0] == "2023 Q1"
        and report["volume"]["quarters"][-1] == "2024 Q1"
    )
    assert sum(map(sum, report["volume"]["categories"].values())) == in_window < 600
    public = json.dumps(published(report))
    refs = set(Case.objects.filter(register=drawn["register"]).values_list("case_ref", flat=True))
    assert not any(ref in public for ref in refs)
    assert "SYNL" not in public and "SYNC" not in public


def test_the_links_command_prints_counts_and_recomputes(drawn: dict[str, Any]) -> None:
    first = SampleLinks.objects.get(sample=drawn["sample"])
    shown = runner.invoke(app, ["links", str(drawn["inspection"].pk), "--format", "json"])
    assert shown.exit_code == 0
    result = json.loads(shown.stdout)
    assert result["sampled_cases"] == SampledCase.objects.filter(sample=drawn["sample"]).count()
    assert result["register"]["register_cases"] == 600
    assert not re.search(
        r"SYN\d{8}|SYNC|SYNL|SYNS", shown.stdout
    )  # no reference, pseudonym or place
    again = runner.invoke(app, ["links", str(drawn["inspection"].pk), "--recompute"])
    assert again.exit_code == 0 and "sampled cases" in again.stdout
    assert SampleLinks.objects.get(sample=drawn["sample"]).pk != first.pk
    assert runner.invoke(app, ["links", "999999"]).exit_code != 0


def test_the_volume_chart_escapes_labels_and_breaks_lines_at_hidden_counts() -> None:
    from casereview.web.reports.charts import volume_chart

    svg = volume_chart(
        {
            "quarters": ["2024 Q1", "2024 Q2", "2024 Q3", "2024 Q4"],
            "categories": {"neglect": [40, "<5", 30, 31], "other": [2, 2, 2, 2]},
        },
        labels={"neglect": "Neg<script>", "other": "Other"},
        title="Cases <b>",
    )
    assert "<script>" not in svg and "Neg&lt;script&gt;" in svg and "Cases &lt;b&gt;" in svg
    data = re.search(r'<g class="cr-data">(.*?)</g>', svg, re.S)
    assert data is not None
    drawn = data.group(1)
    # Neglect's Q3–Q4 and other's whole line; neglect's Q1 alone is a marker.
    assert drawn.count("<polyline") == 2
    # Every count shown has its series' marker (neglect a circle, other a square), the hidden one none.
    assert drawn.count("<circle") == 3 and drawn.count("<rect") == 4
    assert ">40<" in svg  # a round top for the axis: 40, ticks 0 10 20 30 40


def test_the_frame_summary_follows_the_plans_frame(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path]
) -> None:
    from casereview.domain.plans import parse_plan

    inspection = factories.inspection(
        lead=make_user("lead_inspector", "lead"),
        name="Q3",
        period_start=dt.date(2023, 7, 1),
        period_end=dt.date(2023, 9, 30),
    )
    register = register_import(path=register_csv(rows=600), body_code="SYN")
    plan = parse_plan(
        'size = 10\nreserve = 0\n[frame]\nreported_from = "2023-07-01"\nreported_to = "2023-09-30"\n'
    )
    sample = sample_draw(inspection=inspection, register=register, plan=plan)
    stored = SampleLinks.objects.get(sample=sample)
    in_frame = Case.objects.filter(
        register=register, reported_on__range=(dt.date(2023, 7, 1), dt.date(2023, 9, 30))
    ).count()
    assert (
        stored.frame_summary["cases"] == in_frame < stored.register_summary["register_cases"] == 600
    )
    for key in ("repeat_missing_cases", "place_cluster_cases", "suspect_linked_cases"):
        assert stored.frame_summary[key] <= min(stored.register_summary[key], in_frame)
    assert report_for(inspection)["links"]["frame"] == stored.frame_summary
