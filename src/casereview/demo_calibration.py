"""The demo's calibration story (synthetic): the body's own audit of the quarter before last, graded kindly by
its own auditor, and the inspectorate's blind re-grading of a stratified sample of it, completed before last
quarter's inspection opened.

The grades are drawn so that the story matches the domain brief's published case in spirit: the body's audit
calls most of its cases good; the inspectorate, on the same cases, finds most of them requiring improvement or
inadequate.  Every event is dated in the story's order (``at``), like the rest of the demo.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from casereview.domain.plans import SamplePlan
from casereview.web.calibration.services import (
    calibration_complete,
    calibration_create,
    calibration_draw,
)
from casereview.web.core.users import User
from casereview.web.inspections.models import Inspection
from casereview.web.inspections.services import inspection_create, sample_draw, seed_commit
from casereview.web.referrals.services import body_contact_add
from casereview.web.registers.selectors import body_by_code
from casereview.web.registers.services import register_import
from casereview.web.reviews.models import Assignment
from casereview.web.reviews.services import assignments_balance

GRADES = ("good", "requires_improvement", "inadequate")
#: The body's own audit: its grades, kind to itself.
AUDIT_GRADES = (0.65, 0.27, 0.08)
#: The inspectorate's grade of a case, given the body's: mostly one grade worse.
REGRADE = {
    "good": (0.3, 0.5, 0.2),
    "requires_improvement": (0.05, 0.45, 0.5),
    "inadequate": (0.0, 0.1, 0.9),
}
AUDIT_SIZE = 40
CALIBRATION_SIZE = 20


def _firsts(inspection: Inspection) -> list[Assignment]:
    return list(
        Assignment.objects.filter(
            sampled_case__sample__inspection=inspection, kind=Assignment.Kind.FIRST
        )
        .select_related("inspector", "sampled_case")
        .order_by("sampled_case__case_ref")
    )


def calibration_story(
    users: dict[str, User],
    *,
    rng: random.Random,
    register_path: Path,
    write_register: Callable[[Path, dt.date, dt.date, dt.date], None],
    period: tuple[dt.date, dt.date],
    days: Sequence[dt.date],
    at: Callable[[dt.date, int, int], dt.datetime],
    grade_case: Callable[..., Any],
) -> dict[str, Any]:
    """The own audit of ``period`` and its calibration, on the working ``days`` given (at least 30).

    ``write_register(path, start, end, imported)`` writes the body's register for the period; ``grade_case``
    submits one review (the demo's own)."""
    if len(days) < 30:
        raise RuntimeError("The demo's calibration story needs 30 working days")
    start, end = period
    admin, lead, auditor = users["admin"], users["lead"], users["auditor"]
    body_contact_add(
        body=body_by_code("DEMO"),
        user=auditor,
        kind="auditor",
        actor=admin,
        now=at(days[0], 8, 55),
    )
    audit = inspection_create(
        body_code="DEMO",
        name=f"Own audit, {start:%B} to {end:%B %Y}",
        period_start=start,
        period_end=end,
        lead=auditor,
        actor=auditor,
        now=at(days[1], 9, 0),
        kind="own_audit",
    )
    seed_commit(inspection=audit, actor=auditor, now=at(days[1], 9, 10))
    audit.refresh_from_db()
    write_register(register_path, start, end, days[1])
    register = register_import(
        path=register_path, body_code="DEMO", actor=admin, now=at(days[1], 10, 0)
    )
    sample_draw(
        inspection=audit,
        register=register,
        plan=SamplePlan(size=AUDIT_SIZE, reserve=2),
        actor=auditor,
        now=at(days[1], 10, 30),
    )
    assignments_balance(
        inspection=audit, inspectors=[auditor], actor=auditor, now=at(days[1], 11, 0)
    )
    body_grades: dict[str, str] = {}
    for i, assignment in enumerate(_firsts(audit)):
        grade = rng.choices(GRADES, AUDIT_GRADES)[0]
        body_grades[assignment.sampled_case.case_ref] = grade
        grade_case(assignment, grade, at=at(days[2 + i // 4], 9 + i % 4 * 2, 0))
    made = calibration_create(
        own_audit=audit,
        size=CALIBRATION_SIZE,
        stratify=True,
        lead=lead,
        actor=lead,
        now=at(days[14], 9, 0),
    )
    seed_commit(inspection=made.inspection, actor=lead, now=at(days[14], 9, 10))
    made.refresh_from_db()
    made = calibration_draw(calibration=made, actor=lead, now=at(days[14], 9, 20))
    assignments_balance(
        inspection=made.inspection,
        inspectors=[users["inspector1"], users["inspector2"]],
        actor=lead,
        now=at(days[14], 9, 30),
    )
    for i, assignment in enumerate(_firsts(made.inspection)):
        grade = rng.choices(GRADES, REGRADE[body_grades[assignment.sampled_case.case_ref]])[0]
        grade_case(assignment, grade, at=at(days[15 + i // 2], 10 + i % 2 * 3, 0))
    made.refresh_from_db()
    made = calibration_complete(calibration=made, actor=lead, now=at(days[26], 10, 0))
    return {"own_audit": audit.pk, "calibration": made.pk, "inspection": made.inspection_id}
