"""The minimum detectable change on the pages (issue 21): the draw form states what the planned sample could
see against the body's previous result (or against 50% when there is none, saying so), and the report states
it next to each comparison, so that "no statistically significant change" never stands alone."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from casereview.domain.power import planned
from casereview.web.registers.models import Body
from casereview.web.registers.services import register_import
from casereview.web.reports.services import baseline_add

from . import factories
from .conftest import verified_client
from .test_reports import inspection_with_grades

pytestmark = pytest.mark.django_db(transaction=True)


def preview_page(client: Any, inspection: Any, register: Any, size: int) -> str:
    form = {
        "register": register.pk,
        "size": str(size),
        "strata": ["category"],
        "allocation": "proportional",
        "minimum_per_stratum": "0",
        "reported_from": "01/01/2020",
        "reported_to": "31/12/2030",
        "action": "preview",
    }
    response = client.post(f"/inspections/{inspection.pk}/draw/", form)
    assert response.status_code == 200, response.content.decode()[:2000]
    return html.unescape(response.content.decode())


def detectable(page: str) -> str:
    found = re.search(r'<p class="govuk-body" id="detectable-change">(.*?)</p>', page, re.S)
    assert found is not None, "the draw form states the minimum detectable change"
    return found.group(1)


def planned_size(words: str) -> int:
    found = re.search(r"cases before and ([\d,]+) now", words)
    assert found is not None
    return int(found.group(1).replace(",", ""))


def test_the_draw_form_states_it_against_the_latest_earlier_result(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path]
) -> None:
    lead, ina = make_user("lead_inspector", "lead"), make_user("inspector", "ina")
    baseline_add(
        body_code="SYN",
        label="2016 inspection",
        period_end=dt.date(2016, 6, 30),
        total=120,
        ri_or_inadequate=84,
    )
    inspection_with_grades(
        lead,
        ina,
        register_csv(rows=300, seed=1, name="a.csv"),
        name="Q4 2023",
        period_end=dt.date(2023, 12, 31),
        grades=["good"] * 8 + ["inadequate"] * 2,  # 20% of 10: the latest earlier result
    )
    new = factories.inspection(
        lead=lead, name="Q2 2024", period_start=dt.date(2024, 4, 1), period_end=dt.date(2024, 6, 30)
    )
    register = register_import(path=register_csv(rows=300, seed=3, name="c.csv"), body_code="SYN")
    words = detectable(preview_page(verified_client(lead), new, register, 60))
    assert words.startswith("Against Q4 2023: from 20% with 10 cases before and ")
    n = planned_size(words)
    assert 1 <= n <= 60
    # The previous inspection and the baseline are the report's two headline comparisons (Holm).
    expected = planned(n, ("Q4 2023", 0.2, 10), tests=2)
    assert words == expected["words"]
    assert expected["confidence"] == 0.975
    assert "2 headline comparisons" in preview_page(verified_client(lead), new, register, 60)


def test_the_draw_form_says_so_when_there_is_nothing_to_compare_with(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path]
) -> None:
    lead = make_user("lead_inspector", "lead")
    new = factories.inspection(lead=lead, name="Q1 2024")
    register = register_import(path=register_csv(rows=300, seed=3), body_code="SYN")
    words = detectable(preview_page(verified_client(lead), new, register, 135))
    assert words.startswith(
        "There is no earlier inspection or baseline of this body to compare with, so this is against "
        "a share of 50%"
    )
    n = planned_size(words)
    assert words == planned(n, None)["words"]
    assert f"From 50% with {n:,} cases before and {n:,} now" in words


def test_the_report_puts_the_detectable_change_next_to_each_comparison(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path]
) -> None:
    lead, ina = make_user("lead_inspector", "lead"), make_user("inspector", "ina")
    baseline_add(
        body_code="SYN",
        label="2016 inspection",
        period_end=dt.date(2016, 6, 30),
        total=120,
        ri_or_inadequate=84,
    )
    now = inspection_with_grades(
        lead,
        ina,
        register_csv(rows=300, seed=2, name="b.csv"),
        name="Q1 2024",
        period_end=dt.date(2024, 3, 31),
        grades=["good"] * 3 + ["requires_improvement"] * 2 + ["inadequate"] * 7,  # 75% of 12
    )
    page = html.unescape(
        verified_client(lead).get(f"/reports/inspection/{now.pk}/").content.decode()
    )
    table = page[page.index("Requires improvement or inadequate, then and now") :]
    table = table[: table.index("</table>")]
    row = re.search(r"2016 inspection.*?</tr>", table, re.S)
    assert row is not None
    # 75% of 12 against 70% of 120: no statistically significant change, and the reason it proves little
    # stands in the same cell.
    assert "no statistically significant change" in row.group(0)
    assert "From 70% with 120 cases before and 12 now, a change of about" in row.group(
        0
    ) and "a smaller one could well go unnoticed." in row.group(0)
    assert 'id="power"' in page and "power.prop.test" in page
