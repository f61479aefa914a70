"""The demo's follow-up story (synthetic): the earlier quarter's findings and recommendations, the body's action
plan and a progress update, told between the earlier report's publication and the current quarter's opening.

The findings rest on the earlier report's own counts (``followup.evidence.sample_counts``), so the judging page
of the current quarter compares like with like; no recommendation is judged, which the README's tour does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from casereview.web.core.users import User
from casereview.web.followup.evidence import sample_counts
from casereview.web.followup.selectors import plan_actions, plan_for
from casereview.web.followup.services import (
    action_update,
    finding_add,
    finding_publish,
    plan_accept,
    plan_save,
    plan_submit,
    recommendation_add,
)
from casereview.web.inspections.models import Inspection
from casereview.web.reports.selectors import report_published_on

#: (kind, text, weakness codes and areas it rests on, its recommendations: (text, working days, immediate))
FINDINGS: tuple[
    tuple[str, str, tuple[tuple[str, str], ...], tuple[tuple[str, int, bool], ...]], ...
] = (
    (
        "cause_of_concern",
        "Risk to children was often not identified or assessed when the force first responded.",
        (("weakness", "W02"), ("area", "assessment_and_help")),
        (
            (
                "Make sure every child-protection contact has a recorded risk assessment within one working day.",
                40,
                True,
            ),
        ),
    ),
    (
        "area_for_improvement",
        "Suspects were not always arrested or interviewed promptly.",
        (("weakness", "W07"),),
        (
            (
                "Set and check a standard for how soon suspects are arrested or interviewed.",
                60,
                False,
            ),
        ),
    ),
)

#: The body's plan: per recommendation (in order), its actions (text, owner).
PLAN: tuple[tuple[tuple[str, str], ...], ...] = (
    (
        (
            "Add a mandatory risk assessment step to the first-contact record.",
            "Head of public protection",
        ),
        (
            "Audit 20 first contacts a month and report to the chief officer group.",
            "Quality assurance lead",
        ),
    ),
    (("Publish an arrest and interview standard; track it weekly.", "Detective superintendent"),),
)


def findings_story(
    earlier: Inspection,
    users: dict[str, User],
    *,
    at: Callable[[dt.date, int, int], dt.datetime],
    after: Callable[[dt.date, int], dt.date],
    until: dt.date,
) -> dict[str, Any]:
    """Publish the earlier quarter's findings the afternoon its report was published; the body saves and
    submits its plan, the lead accepts it, and the body reports progress on its first action, every step
    before ``until`` (the day the current quarter opens).  ``at`` and ``after`` are the story's clock."""
    published = report_published_on(earlier)
    if published is None:
        raise RuntimeError("The demo's earlier quarter must be published before its findings")
    lead, liaison = users["lead"], users["liaison"]
    counts = sample_counts(earlier)
    recommendations = []
    for n, (kind, text, rests_on, recs) in enumerate(FINDINGS):
        basis = [
            {"kind": k, "code": c, "count": counts[k, c][0], "total": counts[k, c][1]}
            for k, c in rests_on
        ]
        finding = finding_add(
            inspection=earlier,
            kind=kind,
            text=text,
            basis=basis,
            actor=lead,
            now=at(published, 14 + n, 0),
        )
        for rec_text, days, immediate in recs:
            recommendations.append(
                recommendation_add(
                    finding=finding,
                    text=rec_text,
                    by=None,
                    working_days=days,
                    immediate=immediate,
                    actor=lead,
                    now=at(published, 14 + n, 10),
                )
            )
        finding_publish(
            finding=finding,
            actor=lead,
            expected_version=finding.version,
            now=at(published, 14 + n, 20),
        )
    steps = [after(published, n) for n in (4, 7, 9, 15)]
    if steps[-1] >= until:
        raise RuntimeError("The demo's follow-up story does not fit before the current quarter")
    plan = plan_for(earlier, earlier.body)
    assert plan is not None  # noqa: S101 (made by publishing the first recommendation)
    actions = [
        {
            "recommendation_id": rec.pk,
            "text": text,
            "owner": owner,
            "target_on": after(published, 45),
        }
        for rec, planned in zip(recommendations, PLAN, strict=True)
        for text, owner in planned
    ]
    plan = plan_save(
        plan=plan,
        actions=actions,
        actor=liaison,
        expected_version=plan.version,
        now=at(steps[0], 10, 0),
    )
    plan = plan_submit(
        plan=plan, actor=liaison, expected_version=plan.version, now=at(steps[1], 10, 0)
    )
    plan = plan_accept(
        plan=plan, actor=lead, expected_version=plan.version, now=at(steps[2], 11, 0)
    )
    first = plan_actions(plan)[0]
    action_update(
        action=first,
        note="The risk assessment step is live in the first-contact record from this week.",
        evidence="System change note (synthetic); first month's audit of 20 contacts attached to the force's own file.",
        actor=liaison,
        expected_version=first.version,
        now=at(steps[3], 14, 0),
    )
    return {"recommendations": [r.pk for r in recommendations], "plan": plan.pk}
