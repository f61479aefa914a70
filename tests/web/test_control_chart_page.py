"""The p-chart on the report page (issue 21): drawn beside the comparisons, with its text alternative
and a table of the same numbers; in the published version only from the figures it prints."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from casereview.web.registers.models import Body

from .conftest import verified_client
from .test_reports import inspection_with_grades

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path]
) -> dict[str, Any]:
    lead, ina = make_user("lead_inspector", "lead"), make_user("inspector", "ina")
    inspection_with_grades(
        lead,
        ina,
        register_csv(rows=300, seed=1, name="a.csv"),
        name="Q4 2023",
        period_end=dt.date(2023, 12, 31),
        grades=["good"] * 8 + ["inadequate"] * 2,  # 20%: the centre
    )
    now = inspection_with_grades(
        lead,
        ina,
        register_csv(rows=300, seed=2, name="b.csv"),
        name="Q1 2024",
        period_end=dt.date(2024, 3, 31),
        grades=["good"] * 3 + ["requires_improvement"] * 2 + ["inadequate"] * 7,  # 75%
    )
    return {"lead": lead, "now": now}


def test_the_report_page_draws_the_control_chart_with_its_text_alternative(
    two: dict[str, Any],
) -> None:
    client = verified_client(two["lead"])
    page = client.get(f"/reports/inspection/{two['now'].pk}/").content.decode()
    svg = re.search(
        r'<svg[^>]*aria-labelledby="control-chart-title" aria-describedby="control-chart-desc".*?</svg>',
        page,
        re.S,
    )
    assert svg is not None, "the control chart is drawn"
    drawn = svg.group(0)
    assert '<title id="control-chart-title">Control chart (p-chart)' in drawn
    # Centre 2/10 = 20%; for 12 cases the upper limit is 20% + 3 × √(0.2 × 0.8 / 12) = 54.6%, so
    # 75% is above it; the lower limit, 20% − 34.6%, is clipped to 0%.
    desc = re.search(r'<desc id="control-chart-desc">(.*?)</desc>', drawn, re.S)
    assert desc is not None
    # In words to one decimal place, as the table prints them
    assert "Centre line 20.0%" in desc.group(1)
    assert (
        "Q1 2024 (this inspection): 75.0% (limits 0.0% to 54.6%), above its limits" in desc.group(1)
    )
    # The one point outside its limits is a triangle, not a circle; the lower limit, the upper limit
    # and the line joining the shares are three lines (the data drawn, not the legend's samples of them).
    data = re.search(r'<g class="cr-data">(.*?)</g>', drawn, re.S)
    assert data is not None
    assert data.group(1).count("<polygon") == 1 and data.group(1).count("<polyline") == 3
    legend = re.search(r'<g class="cr-legend">(.*?)</g>', drawn, re.S)
    assert legend is not None and "Above its limits" in legend.group(1)
    words = re.search(r'<p class="govuk-body-s" id="control-chart-words">(.*?)</p>', page, re.S)
    assert words is not None and "Q4 2023: 20.0%" in words.group(1)
    assert "above its upper limit (54.6%)" in page
    assert "cannot apply, as the chart has at most 2 points in a row" in page
    table = page[page.index("The control chart's figures") :]
    table = table[: table.index("</table>")]
    assert "54.6%" in table and "Above its limits" in table and "75.0%" in table


def test_the_published_version_draws_no_chart_from_a_withheld_earlier_result(
    two: dict[str, Any],
) -> None:
    client = verified_client(two["lead"])
    preview = client.get(f"/reports/inspection/{two['now'].pk}/?published=1").content.decode()
    # The earlier result's 2 of 10 is never printed, so there is no printed point to centre on.
    assert 'id="control-chart"' not in preview and "control-chart-desc" not in preview
    rows = client.get(f"/reports/inspection/{two['now'].pk}/download/?format=csv").content.decode()
    assert "control_chart,Q1 2024 (2024-03-31),outside,above" in rows


def test_a_published_chart_leaves_a_withheld_result_out_and_the_pdf_carries_it() -> None:
    import io

    from pypdf import PdfReader

    from casereview.domain.publication import published
    from casereview.domain.report import HistoryPoint, build_report
    from casereview.domain.tables import flat_rows
    from casereview.web.reports.rendering import html_document, pdf

    from ..unit.domain.test_control import REPORT, graded

    history = [
        HistoryPoint("2016 inspection", "2016-03-31", "baseline", 74, 100),
        HistoryPoint("Tiny", "2020-03-31", "inspection", 2, 40),  # a count of 2: withheld
        HistoryPoint("Q1 2021", "2021-03-31", "inspection", 80, 100),
    ]
    document = published(build_report(**REPORT, cases=graded(125, 135), history=history))
    page = html_document(document)
    words = re.search(r'id="control-chart-words">(.*?)</p>', page, re.S)
    assert words is not None
    assert "Not plotted (figures hidden, [c]): Tiny." in words.group(1)
    # One decimal place in words, as the table and the signal's words print them (never 93% beside 92.6%)
    assert (
        "Q3 2026 (this inspection): 92.6% (limits 62.7% to 85.3%), above its limits."
        in words.group(1)
    )
    table = page[page.index("The control chart's figures") :]
    table = table[: table.index("</table>")]
    tiny = table[table.index("Tiny") :]
    tiny = tiny[: tiny.index("</tr>")]
    assert tiny.count("[c]") == 5  # count, total, share and both limits
    assert ("control_chart", "Tiny (2020-03-31)", "share", "[c]") in flat_rows(document)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf(document))).pages)
    assert "Control chart: more than chance?" in text
