"""Data that cannot make a report explode: implausible register dates are refused, and every report section
is as big as the inspection makes it, not as big as the register is or as far apart as its dates lie."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from casereview.web.registers.models import Body, Register
from casereview.web.registers.services import RegisterRejected, register_import
from casereview.web.reports.selectors import report_for

from . import factories
from .conftest import verified_client

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "case_ref,category,reported_on,unit,closed_on\n"


def refused(path: Path) -> RegisterRejected:
    with pytest.raises(RegisterRejected) as caught:
        register_import(path=path, body_code="SYN")
    assert not Register.objects.exists()
    return caught.value


def range_now(years_after: int = 1) -> str:
    today = timezone.localdate()
    return f"from 01/01/1990 to {today.replace(year=today.year + years_after):%d/%m/%Y}"


def test_cases_dated_0001_9999_or_excel_serial_minus_1_are_refused_naming_column_value_and_range(
    body: Body,
    tmp_path: Path,
) -> None:
    csv = tmp_path / "register.csv"
    csv.write_text(
        HEADER + "A1,neglect,01/01/0001,North,\n"
        "A2,neglect,31/12/9999,North,\n"
        "A3,neglect,01/02/2024,North,31/12/9999\n"
        "A4,neglect,01/02/2024,North,\n",
        encoding="utf-8",
    )
    rejection = refused(csv)
    assert rejection.kind == "bad_rows"
    reason = f"outside the plausible range of dates: must be {range_now()}"
    assert [(e.line, e.column, e.value, e.reason) for e in rejection.errors] == [
        (2, "reported_on", "01/01/0001", reason),
        (3, "reported_on", "31/12/9999", reason),
        (4, "closed_on", "31/12/9999", reason),
    ]


def test_excel_date_cells_of_serial_minus_1_and_0_are_refused(body: Body, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["case_ref", "category", "reported_on", "unit"])
    for ref, serial in (("X1", -1), ("X2", 0), ("X3", 45323)):  # 45323 is 1 February 2024
        sheet.append([ref, "neglect", serial, "North"])
        sheet.cell(row=sheet.max_row, column=3).number_format = "dd/mm/yyyy"
    path = tmp_path / "register.xlsx"
    book.save(path)
    rejection = refused(path)
    assert [(e.line, e.column) for e in rejection.errors] == [
        (2, "reported_on"),
        (3, "reported_on"),
    ]
    for error in rejection.errors:
        assert len(error.value) <= 40
        assert range_now() in error.reason or error.reason.startswith("not a real date")
    assert (
        range_now() in rejection.errors[0].reason
    )  # serial -1 is a date Excel shows as 29/12/1899


@override_settings(CASEREVIEW_EARLIEST_DATE=dt.date(2024, 1, 1), CASEREVIEW_LATEST_DATE_YEARS=0)
def test_the_range_comes_from_the_settings(body: Body, tmp_path: Path) -> None:
    ahead = timezone.localdate() + dt.timedelta(days=1)
    csv = tmp_path / "register.csv"
    csv.write_text(
        HEADER + f"A1,neglect,31/12/2023,North,\nA2,neglect,01/01/2024,North,\n"
        f"A3,neglect,{ahead:%d/%m/%Y},North,\n",
        encoding="utf-8",
    )
    rejection = refused(csv)
    assert [(e.line, e.value) for e in rejection.errors] == [
        (2, "31/12/2023"),
        (4, f"{ahead:%d/%m/%Y}"),
    ]
    assert f"from 01/01/2024 to {timezone.localdate():%d/%m/%Y}" in rejection.errors[0].reason


SECTIONS = (
    "inspection",
    "sample",
    "grades",
    "comparisons",
    "trend",
    "by_category",
    "by_unit",
    "areas",
    "weaknesses",
    "send_backs",
    "agreement",
    "links",
    "volume",
    # Issue 24: only when earlier recommendations are judged or open (here none: absent from both reports;
    # tests/web/test_report_followup_section.py pins its size to its recommendations).
    "progress_against_recommendations",
)


def graded_report(
    lead: Any, ina: Any, tmp_path: Path, *, code: str, rows: int
) -> tuple[dict[str, Any], int]:
    """A register of ``rows`` synthetic cases (2023-2024) plus one dated 1 January 1990 and one dated almost a
    year ahead, an inspection of 2024 Q1 with 12 graded cases: its report and the length of its page."""
    factories.body(code, f"Body {code}")
    path = factories.register_file(tmp_path, rows=rows, seed=3, name=f"{code}.csv")
    ahead = timezone.localdate() + dt.timedelta(days=360)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(
            f"OLD1,neglect,01/01/1990,North,,,,,,open,,,\nNEW1,neglect,{ahead:%d/%m/%Y},North,,,,,,open,,,\n"
        )
    inspection = factories.inspection(lead=lead, body_code=code, name=f"{code} 2024 Q1")
    register = register_import(path=path, body_code=code)
    assert register.rows == rows + 2
    factories.sample(inspection, register, size=12, reserve=1)
    grades = ["good"] * 6 + ["requires_improvement"] * 3 + ["inadequate"] * 3
    for assignment, grade in zip(factories.assigned(inspection, [ina]), grades, strict=True):
        factories.submitted(assignment, grade, weaknesses=("W02",) if grade == "inadequate" else ())
    page = verified_client(lead).get(f"/reports/inspection/{inspection.pk}/")
    assert page.status_code == 200
    return report_for(inspection), len(page.content)


def test_every_report_section_is_the_same_size_for_a_register_of_100_or_2000_cases_spanning_1990_to_next_year(
    make_user: Callable[..., Any],
    tmp_path: Path,
) -> None:
    lead, ina = make_user("lead_inspector", "lead"), make_user("inspector", "ina")
    small, small_page = graded_report(lead, ina, tmp_path, code="SML", rows=100)
    large, large_page = graded_report(lead, ina, tmp_path, code="LRG", rows=2000)
    for report in (small, large):
        # The period (2024 Q1) and the 12 quarters before it: not 1990 Q1 to next year's quarters.
        assert (
            report["volume"]["quarters"][0] == "2021 Q1"
            and report["volume"]["quarters"][-1] == "2024 Q1"
        )
        assert len(report["volume"]["quarters"]) == 13
        assert all(len(counts) == 13 for counts in report["volume"]["categories"].values())
    counted = [sum(map(sum, report["volume"]["categories"].values())) for report in (small, large)]
    assert counted[1] > 5 * counted[0]  # the same quarters, twenty times the cases
    for section in SECTIONS:
        if section == "by_unit":
            # Bounded by the sample, not the register: one row per unit among the reviewed cases, each row a
            # fixed shape.  (Which units a draw meets differs between registers, so its size is not compared.)
            for report in (small, large):
                rows = report["by_unit"]
                assert len(rows) <= report["reviews"] and all(
                    len(json.dumps(r)) < 2_000 for r in rows
                )
            continue
        small_size, large_size = (
            len(json.dumps(small.get(section))),
            len(json.dumps(large.get(section))),
        )
        # Counts gain digits; nothing else may grow with the register.
        assert large_size <= small_size * 1.25 + 200, (section, small_size, large_size)
    # About 45 KB either way (the whole span 1990 to next year would make it over 150 KB).
    assert large_page <= small_page * 1.25 + 5_000 and large_page < 100_000, (
        small_page,
        large_page,
    )
