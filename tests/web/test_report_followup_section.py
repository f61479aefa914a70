"""The report's "Progress against earlier recommendations" section (issue 24), in every format.

An inspection of a body whose earlier inspection was published with findings and recommendations: at the
later inspection the lead judges two of them (partly met; no longer relevant) and one stays open.  The
section's figures now are checked against the later inspection's reviews, counted here from the review rows
and tested with statsmodels and scipy (not the report's code); the published version withholds a count now
exactly where its weakness table does.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import fisher_exact
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from casereview.domain.followup_evidence import counts_from_report
from casereview.domain.publication import publish
from casereview.domain.report import build_report
from casereview.domain.report_model import Report
from casereview.domain.report_model_progress import ProgressFact
from casereview.importing.frameworks import load_framework
from casereview.web.followup.evidence import recommendation_evidence
from casereview.web.followup.models import Recommendation
from casereview.web.followup.services import (
    finding_add,
    finding_publish,
    recommendation_add,
    recommendation_judge,
)
from casereview.web.reports.models import PublishedReport
from casereview.web.reports.rendering import render
from casereview.web.reports.selectors import report_for
from casereview.web.reports.services import report_publish
from casereview.web.reviews.models import Assignment, Review
from tests.readers import installed_program

from ..unit.domain.test_publication_leaks import GRADES, MARK, cases_of, derivations, full
from . import factories
from .conftest import verified_client
from .sheets import ods_sheets, xlsx_sheets

pytestmark = pytest.mark.django_db

SECTION = "progress_against_recommendations"
HEADING = "Progress against earlier recommendations"
SHEET = "Progress_on_recommendations"
CONCERN = ("requires_improvement", "inadequate")
LATER_SIZE = 20


def _published_finding(world: dict[str, Any], kind: str, basis: list[dict[str, Any]]) -> Any:
    finding = finding_add(
        inspection=world["inspection"],
        kind=kind,
        text=f"Finding on {basis}",
        basis=basis,
        actor=world["lead"],
    )
    recommendation_add(
        finding=finding,
        text=f"Put right {len(basis)} things",
        by=dt.date(2030, 1, 31),
        working_days=None,
        immediate=False,
        actor=world["lead"],
    )
    return finding_publish(finding=finding, actor=world["lead"], expected_version=finding.version)


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Any]:
    """Q1 published with three findings (R1: W04 and an area; R2: W02; R3: no basis), and Q2 of the same body
    with 20 graded cases: 15 good, 5 inadequate (every area as the overall grade); W04 in 3 of the
    inadequate ones (a count the published weakness table hides), W02 in 12 good ones."""
    made = factories.published_inspection(tmp_path)
    area = load_framework(made["inspection"].framework).areas[0].slug
    _published_finding(
        made,
        "cause_of_concern",
        [
            {"kind": "weakness", "code": "W04", "count": 30, "total": 40},
            {"kind": "area", "code": area, "count": 25, "total": 40},
        ],
    )
    _published_finding(
        made, "cause_of_concern", [{"kind": "weakness", "code": "W02", "count": 10, "total": 40}]
    )
    _published_finding(made, "area_for_improvement", [])
    later = factories.inspection(
        lead=made["lead"],
        name="Q2",
        period_start=dt.date(2024, 4, 1),
        period_end=dt.date(2024, 6, 30),
    )
    drawn = factories.register(tmp_path, rows=80, seed=5, name="q2.csv")
    factories.sample(later, drawn, size=LATER_SIZE)
    firsts = factories.assigned(later, [made["ina"]])
    for n, assignment in enumerate(firsts):
        weaknesses = ("W04",) if n < 3 else ("W02",) if 5 <= n < 17 else ()
        factories.submitted(assignment, "inadequate" if n < 5 else "good", weaknesses=weaknesses)
    r1, r2, r3 = Recommendation.objects.filter(body=made["body"]).order_by("number")
    evidence = recommendation_evidence(later, [r1, r2, r3])
    recommendation_judge(
        recommendation=r1,
        inspection=later,
        judgement="partly_met",
        rationale="RATIONALE-TEXT: supervision is better, children are still not seen",
        proposed=evidence[r1.pk].proposal or "",
        evidence=evidence[r1.pk].as_dict(),
        actor=made["lead"],
        expected_version=r1.version,
    )
    recommendation_judge(
        recommendation=r3,
        inspection=later,
        judgement="no_longer_relevant",
        rationale="RATIONALE-TEXT: the unit was closed",
        proposed="",
        evidence=evidence[r3.pk].as_dict(),
        actor=made["lead"],
        expected_version=r3.version,
    )
    return {**made, "later": later, "area": area, "recommendations": (r1, r2, r3)}


def counted(inspection: Any, area: str) -> dict[tuple[str, str], tuple[int, int]]:
    """(kind, code) -> (count, total) from the inspection's submitted first reviews, counted here."""
    graded = [
        r
        for r in Review.objects.filter(
            assignment__sampled_case__sample__inspection=inspection,
            assignment__kind=Assignment.Kind.FIRST,
            state=Review.State.SUBMITTED,
        )
        if r.overall
    ]

    def showing(code: str) -> int:
        return sum(any(code in codes for codes in r.area_weaknesses.values()) for r in graded)

    in_area = [r.area_grades.get(area) for r in graded]
    return {
        ("weakness", "W04"): (showing("W04"), len(graded)),
        ("weakness", "W02"): (showing("W02"), len(graded)),
        ("area", area): (
            sum(g in CONCERN for g in in_area),
            sum(g in ("good", *CONCERN) for g in in_area),
        ),
    }


def p_of(now: tuple[int, int], then: tuple[int, int]) -> float:
    """Two-proportion z-test, Fisher's exact test when an expected count is under 5 (statsmodels, scipy)."""
    table = [[now[0], now[1] - now[0]], [then[0], then[1] - then[0]]]
    pooled = (now[0] + then[0]) / (now[1] + then[1])
    expected = [n * s for n in (now[1], then[1]) for s in (pooled, 1 - pooled)]
    if min(expected) < 5:
        return float(fisher_exact(table)[1])
    return float(proportions_ztest([now[0], then[0]], [now[1], then[1]])[1])


def items_of(section: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {
        (r["number"], i["kind"], i["code"]): i
        for r in section["recommendations"]
        for i in r["items"]
    }


def test_the_report_states_each_recommendation_its_judgement_and_the_evidence_from_the_reviews(
    world: dict[str, Any],
) -> None:
    report = report_for(world["later"])
    section = report[SECTION]
    rows = section["recommendations"]
    assert [(r["number"], r["judgement"]) for r in rows] == [
        ("R1", "partly_met"),
        ("R2", None),
        ("R3", "no_longer_relevant"),
    ]
    assert section["counts"] == {
        "met": 0,
        "partly_met": 1,
        "not_met": 0,
        "no_longer_relevant": 1,
        "not_judged": 1,
    }
    assert rows[0]["rationale"].startswith("RATIONALE-TEXT") and rows[1]["rationale"] == ""
    assert all(r["inspection"]["name"] == "Q1" for r in rows)
    assert [r["finding_kind"] for r in rows] == [
        "cause_of_concern",
        "cause_of_concern",
        "area_for_improvement",
    ]
    assert rows[2]["items"] == []
    # The figures now, from the reviews counted here; then, from the finding; tested here.
    now = counted(world["later"], world["area"])
    assert now[("weakness", "W04")] == (3, LATER_SIZE) and now[("weakness", "W02")] == (
        12,
        LATER_SIZE,
    )
    then = {
        ("weakness", "W04"): (30, 40),
        ("area", world["area"]): (25, 40),
        ("weakness", "W02"): (10, 40),
    }
    items = items_of(section)
    keys = {("R1", "weakness", "W04"), ("R1", "area", world["area"]), ("R2", "weakness", "W02")}
    assert set(items) == keys
    raw = {k: p_of(now[k[1:]], then[k[1:]]) for k in sorted(keys)}
    holm = dict(zip(raw, multipletests(list(raw.values()), method="holm")[1], strict=True))
    assert section["family_tests"] == 3
    for key, item in items.items():
        (c_now, n_now), (c_then, n_then) = now[key[1:]], then[key[1:]]
        assert (item["count_now"], item["total_now"]) == (c_now, n_now)
        assert (item["count_then"], item["total_then"]) == (c_then, n_then)
        assert item["share_now"] == pytest.approx(c_now / n_now)
        low, high = proportion_confint(c_now, n_now, method="wilson")
        assert (item["ci_low_now"], item["ci_high_now"]) == (
            pytest.approx(low),
            pytest.approx(high),
        )
        low, high = proportion_confint(c_then, n_then, method="wilson")
        assert (item["ci_low_then"], item["ci_high_then"]) == (
            pytest.approx(low),
            pytest.approx(high),
        )
        assert item["p_value"] == pytest.approx(raw[key], rel=1e-6)
        assert item["adjusted_p_value"] == pytest.approx(holm[key], rel=1e-6)
        expected = (
            "no significant change"
            if holm[key] >= 0.05
            else "better"
            if c_now / n_now < c_then / n_then
            else "worse"
        )
        assert item["direction"] == expected
    # W04: 75% then, 15% now, significantly better; the same shares the report's weakness table gives.
    assert items[("R1", "weakness", "W04")]["direction"] == "better"
    w04 = next(w for w in report["weaknesses"] if w["code"] == "W04")
    assert (w04["count"], w04["total"]) == (3, LATER_SIZE)
    assert (
        counts_from_report(Report.from_json(report))[("area", world["area"])]
        == now[("area", world["area"])]
    )


def test_the_section_is_in_the_html_pdf_json_csv_xlsx_and_ods(
    world: dict[str, Any], tmp_path: Path
) -> None:
    report = report_for(world["later"])
    page = verified_client(world["lead"]).get(f"/reports/inspection/{world['later'].pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<h2 class="govuk-heading-m" id="progress">{HEADING}</h2>' in html
    assert "0 met, 1 partly met, 0 not met, 1 no longer relevant and 1 not yet judged" in html
    assert "Put right 2 things" in html and "RATIONALE-TEXT: the unit was closed" in html
    assert "15.0% of 20 now" in html and "75.0% of 40 then" in html  # W04 (R1)
    assert "Partly met" in html and "Not yet judged" in html

    # The PDF is the same body (reports/_report.html): its text has the section's heading and a figure.
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render(report, "pdf").content)
    words = " ".join(
        subprocess.run(
            [installed_program("pdftotext", "poppler-utils"), "-layout", str(pdf), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
    )
    assert HEADING in words and "Not yet judged" in words

    parsed = json.loads(render(report, "json").content)
    assert parsed[SECTION] == report[SECTION]

    rows = list(csv.reader(io.StringIO(render(report, "csv").content.decode("utf-8-sig"))))
    mine = {(r[1], r[2]): r[3] for r in rows[1:] if r[0] == "progress"}
    assert mine[("", "recommendations_partly_met")] == "1"
    assert mine[("", "recommendations_not_judged")] == "1"
    assert mine[("Q1 R1", "judgement")] == "partly_met"
    assert mine[("Q1 R1 weakness W04", "count_now")] == "3"
    assert mine[("Q1 R2 weakness W02", "count_then")] == "10"

    for sheets in (
        [(s.name, s.rows) for s in xlsx_sheets(render(report, "xlsx").content)],
        ods_sheets(render(report, "ods").content),
    ):
        table = dict(sheets)[SHEET]
        assert str(table[0][0]).startswith(HEADING)  # its title in A1
        header = next(i for i, row in enumerate(table) if row and row[0] == "Recommendation")
        columns = [str(c) for c in table[header]]
        body = [
            dict(zip(columns, row, strict=False)) for row in table[header + 1 :] if row and row[0]
        ]
        assert [r["Recommendation"] for r in body] == ["R1", "R1", "R2", "R3"]
        assert [r["Judgement at this inspection"] for r in body] == [
            "Partly met",
            "Partly met",
            "Not yet judged",
            "No longer relevant",
        ]
        w04 = body[0]
        assert w04["Weakness or area"].startswith("Weakness W04")
        assert [
            str(w04[c]) for c in ("Cases now", "Of cases now", "Cases then", "Of cases then")
        ] == [
            "3",
            "20",
            "30",
            "40",
        ]
        assert "Rationale" in columns
        assert any("partly met 1" in str(row[0]) for row in table if row)


def test_the_published_version_hides_a_count_now_where_the_weakness_table_does(
    world: dict[str, Any],
) -> None:
    report_publish(inspection=world["later"], actor=world["lead"])
    stored = PublishedReport.objects.get(inspection=world["later"])
    document = stored.data
    assert stored.audit.get("passed", True) and document["disclosure"]["audit"]["passed"]
    w04 = next(w for w in document["weaknesses"] if w["code"] == "W04")
    assert w04["count"] == MARK  # 3 cases: the table hides it
    items = items_of(document[SECTION])
    hidden = items[("R1", "weakness", "W04")]
    assert hidden["count_now"] == MARK and hidden["suppressed"] is True
    assert hidden["share_now"] is None and "p_value" not in hidden and hidden["direction"] is None
    assert hidden["total_now"] == document["reviews"] == LATER_SIZE
    assert (hidden["count_then"], hidden["total_then"]) == (30, 40)  # already published
    # Every weakness's count now is the weakness table's, [c] where it prints [c] (W02 is hidden here too, to
    # protect W04 and the grades); every area's is a sum of the area table's cells, [c] when any is.
    table = {w["code"]: w["count"] for w in document["weaknesses"]}
    for (_, kind, code), item in items.items():
        if kind == "weakness":
            assert item["count_now"] == table[code]
        else:
            row = next(a for a in document["areas"] if a["area"] == code)
            assert MARK in row["grades"].values() and item["count_now"] == MARK
        assert (item["share_now"] is None) == (item["count_now"] == MARK)
    printed = sum(i.get("p_value") is not None for i in items.values())
    assert document[SECTION]["printed_tests"] == printed and document[SECTION]["family_tests"] == 3
    assert not derivations(document)
    # No rationale, no proposal (free text and a figure of every item) in the published version.
    text = json.dumps(document[SECTION])
    assert "RATIONALE-TEXT" not in text and "proposal" not in text
    # Every format prints [c] for it and never its 3.
    html = render(document, "html").content.decode()
    assert HEADING in html and "[c] of 20 now" in html and "RATIONALE-TEXT" not in html
    rows = list(csv.reader(io.StringIO(render(document, "csv").content.decode("utf-8-sig"))))
    mine = {(r[1], r[2]): r[3] for r in rows[1:] if r[0] == "progress"}
    assert mine[("Q1 R1 weakness W04", "count_now")] == MARK
    assert mine[("Q1 R1 weakness W04", "share_now")] == MARK
    sheet = dict((s.name, s.rows) for s in xlsx_sheets(render(document, "xlsx").content))[SHEET]
    header = next(i for i, row in enumerate(sheet) if row and row[0] == "Recommendation")
    assert "Rationale" not in sheet[header]
    first = dict(zip(sheet[header], sheet[header + 1], strict=False))
    assert first["Cases now"] == MARK and first["Share now"] == MARK


def test_a_report_of_a_day_before_the_judgements_and_an_inspection_with_none_have_no_section(
    world: dict[str, Any],
) -> None:
    # The earlier inspection's own report: no recommendation came before it.
    earlier = report_for(world["inspection"])
    assert SECTION not in earlier
    page = verified_client(world["lead"]).get(f"/reports/inspection/{world['inspection'].pk}/")
    assert HEADING not in page.content.decode()
    # As of yesterday nothing was published or judged: the section is not there (the report is as of a day).
    yesterday = report_for(world["later"], as_of=timezone.localdate() - dt.timedelta(days=1))
    assert SECTION not in yesterday
    today = report_for(world["later"])
    assert SECTION in today
    # A judgement changes the figures (and so their digest), and the input they were made from.
    assert (
        today["reproducibility"]["figures_sha256"] != yesterday["reproducibility"]["figures_sha256"]
    )


def test_the_section_is_as_big_as_its_recommendations(world: dict[str, Any]) -> None:
    """The size pin (as ``test_report_bounds``): bounded by the recommendations and their basis items, each
    a fixed shape, never by the register or the cases."""
    section = report_for(world["later"])[SECTION]
    assert len(section["recommendations"]) == Recommendation.objects.count() == 3
    for rec in section["recommendations"]:
        fixed = {k: v for k, v in rec.items() if k not in ("items", "text", "rationale")}
        assert len(json.dumps(fixed)) < 1_500
        assert all(len(json.dumps(i)) < 2_000 for i in rec["items"])


def test_a_count_now_the_tables_print_is_printed_and_tested_again_over_the_printed_family() -> None:
    cases = cases_of(
        [(20, "good", "neglect", "North"), (12, "inadequate", "neglect", "South")],
        frozenset({"W01"}),
    )
    cases += cases_of([(8, "requires_improvement", "missing_child", "North")], frozenset({"W02"}))
    basis = (
        {"kind": "weakness", "code": "W01", "count": 10, "total": 40},
        {"kind": "area", "code": "a", "count": 30, "total": 40},
        {"kind": "weakness", "code": "W03", "count": 3, "total": 40},  # small then: hidden
    )
    fact = ProgressFact(
        1, 1, 1, "cause_of_concern", "Do better", 7, "Earlier", ("2023-01-01", "2023-03-31"), basis
    )
    report = full(
        cases, followup=[fact], weakness_titles={"W01": "One", "W02": "Two", "W03": "Three"}
    )
    publication = publish(report)
    assert publication.audit.passed and not derivations(publication.document)
    out = publication.document
    full_items = {i["code"]: i for i in report[SECTION]["recommendations"][0]["items"]}
    items = {i["code"]: i for i in out[SECTION]["recommendations"][0]["items"]}
    w01 = next(w for w in out["weaknesses"] if w["code"] == "W01")
    assert items["W01"]["count_now"] == w01["count"] == 32 and items["W01"]["total_now"] == 40
    area = next(a for a in out["areas"] if a["area"] == "a")
    assert (
        items["a"]["count_now"]
        == area["grades"]["requires_improvement"] + area["grades"]["inadequate"]
        == 20
    )
    assert items["W03"]["count_then"] == MARK and items["W03"]["share_then"] is None
    assert items["W03"]["count_now"] == 0 and "p_value" not in items["W03"]  # none now: 0 of 40
    # Two comparisons printed of three; the hidden one counts as p = 1 (never below the full report's).
    printed = [full_items[c]["p_value"] for c in ("W01", "a")]
    holm = multipletests([*printed, 1.0], method="holm")[1][:2]
    for code, q in zip(("W01", "a"), holm, strict=True):
        assert items[code]["adjusted_p_value"] == pytest.approx(q)
        assert items[code]["adjusted_p_value"] >= full_items[code]["adjusted_p_value"] - 1e-12
    assert items["W01"]["direction"] == "worse" and items["a"]["direction"] == "better"


# -- the auditor and the leak checks with the section present (domain: any inspection) ------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(1, 12),
            st.sampled_from([g for g, _ in GRADES]),
            st.sampled_from(["neglect", "missing_child"]),
            st.sets(st.sampled_from(["W01", "W02"])),
        ),
        min_size=1,
        max_size=6,
    ),
    st.lists(
        st.tuples(
            st.sampled_from(["W01", "W02", "W03", "a"]), st.integers(1, 60), st.integers(0, 60)
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_any_inspection_with_recommendations_publishes_a_section_its_tables_cover(
    spec: list[tuple[int, str, str, set[str]]], bases: list[tuple[str, int, int]]
) -> None:
    cases = [c for n, g, cat, w in spec for c in cases_of([(n, g, cat, "North")], frozenset(w))]
    facts = [
        ProgressFact(
            recommendation_id=i,
            number=i,
            finding_number=i,
            finding_kind="cause_of_concern",
            text=f"Recommendation {i}",
            inspection_id=99,
            inspection_name="Earlier",
            period=("2023-01-01", "2023-03-31"),
            basis=(
                {
                    "kind": "area" if code == "a" else "weakness",
                    "code": code,
                    "count": min(c, t),
                    "total": t,
                },
            ),
            judgement="not_met" if i % 2 else None,
            rationale="free text",
        )
        for i, (code, t, c) in enumerate(bases, start=1)
    ]
    titles = {"W01": "One", "W02": "Two", "W03": "Three"}
    report = full(cases, followup=facts, weakness_titles=titles)
    publication = publish(report)
    assert publication.audit.passed, publication.audit.reasons()
    out = publication.document
    assert not derivations(out)
    weaknesses = {w["code"]: w for w in out["weaknesses"]}
    area = next(a for a in out["areas"] if a["area"] == "a")
    for rec in out[SECTION]["recommendations"]:
        assert "rationale" not in rec
        for item in rec["items"]:
            count, total = item["count_now"], item["total_now"]
            if item["kind"] == "weakness" and item["code"] in weaknesses:
                # Never a count the weakness table hides, always the one it prints.
                assert count == weaknesses[item["code"]]["count"] or count == MARK
            if item["kind"] == "area" and MARK in area["grades"].values():
                assert count == MARK or count == 0
            if isinstance(count, int) and isinstance(total, int):
                assert count not in range(1, 5) or item["share_now"] is None
                if item["share_now"] is not None:
                    assert total - count not in range(1, 5)
            else:
                assert item["share_now"] is None and item.get("p_value") is None
    # The full report's own figures still rest on the cases as they always did.
    again = build_report(
        inspection={"id": 1, "name": "Q", "period": ["2024-01-01", "2024-03-31"]},
        grades=GRADES,
        areas=[("a", "Area")],
        cases=cases,
        sample=report["sample"],
        weakness_titles=titles,
    ).to_json()
    assert SECTION not in again
    assert {k: v for k, v in again.items() if k != "reproducibility"} == {
        k: v for k, v in report.items() if k not in ("reproducibility", SECTION)
    }
