"""Who sees which recommendations and plans, the register's rows and their cost, and `recommendations list`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from typer.testing import CliRunner

from casereview.cli import app
from casereview.web.followup.selectors import (
    RegisterFilters,
    action_moves_for,
    action_visible,
    open_recommendations_of_body,
    plan_actions,
    plan_moves_for,
    plan_visible,
    recommendation_visible,
    recommendations_visible,
    register_rows,
)
from casereview.web.followup.services import (
    finding_add,
    plan_save,
    plan_submit,
    recommendation_add,
    recommendation_judge,
    recommendation_withdraw,
)

from . import factories

pytestmark = pytest.mark.django_db
runner = CliRunner()


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Any]:
    """The follow-up world, plus a draft finding with a draft recommendation (R4) and a withdrawn draft (R5),
    another body with its liaison officer and a lead of its own inspection, and a second lead inspector who
    leads the SYN body's next-but-one inspection."""
    made = factories.followup_world(tmp_path)
    lead = made["lead"]
    draft = finding_add(
        inspection=made["inspection"],
        kind="cause_of_concern",
        text="Drafting",
        basis=[],
        actor=lead,
    )
    made["draft"] = recommendation_add(
        finding=draft, text="Not yet", by=None, working_days=10, immediate=False, actor=lead
    )
    dropped = recommendation_add(
        finding=draft, text="Never", by=None, working_days=10, immediate=False, actor=lead
    )
    made["dropped"] = recommendation_withdraw(
        recommendation=dropped, actor=lead, expected_version=dropped.version, reason="No"
    )
    other = factories.body("OTH", "Other Constabulary")
    stranger = factories.user("liaison_officer", "stranger")
    factories.contact(other, stranger)
    other_lead = factories.user("lead_inspector", "otherlead")
    factories.inspection(lead=other_lead, body_code="OTH", name="OTH Q1")
    next_lead = factories.user("lead_inspector", "nextlead")
    factories.inspection(
        lead=next_lead,
        name="Q3",
        period_start=dt.date(2024, 7, 1),
        period_end=dt.date(2024, 9, 30),
    )
    made["people"] = {
        "lead": lead,
        "liaison": made["liaison"],
        "senior": made["senior"],
        "stranger": stranger,
        "inspector": made["ina"],
        "analyst": factories.user("analyst", "ana"),
        "other_lead": other_lead,
        "next_lead": next_lead,
    }
    return made


PUBLISHED = ["R1", "R2", "R3"]
SEES = {
    "lead": ["R1", "R2", "R3", "R4", "R5"],  # drafts (and a withdrawn draft) only to their lead
    "liaison": PUBLISHED,
    "senior": PUBLISHED,
    "stranger": [],  # another body's liaison officer
    "inspector": [],
    "analyst": PUBLISHED,
    "other_lead": [],  # leads only another body's inspection
    "next_lead": PUBLISHED,  # leads a later inspection of the body: sees its published recommendations
}


@pytest.mark.parametrize("who", sorted(SEES))
def test_each_person_sees_only_what_they_may(world: dict[str, Any], who: str) -> None:
    user = world["people"][who]
    seen = sorted(f"R{r.number}" for r in recommendations_visible(user))
    assert seen == SEES[who]
    for rec in [*world["recommendations"], world["draft"], world["dropped"]]:
        found = recommendation_visible(user, rec.pk)
        assert (found is not None) is (rec.label in SEES[who]), rec.label
    plan = world["plan"]
    sees_plan = bool(SEES[who])
    assert (plan_visible(user, plan.pk) is not None) is sees_plan
    rows = register_rows(user)
    assert sorted(r.label for r in rows) == SEES[who]


def test_plan_and_action_moves_follow_the_tables_and_the_person(world: dict[str, Any]) -> None:
    people, plan = world["people"], world["plan"]
    assert plan_moves_for(people["liaison"], plan) == ["save", "submit"]
    assert plan_moves_for(people["senior"], plan) == ["save", "submit"]
    assert plan_moves_for(people["lead"], plan) == []
    assert plan_moves_for(people["analyst"], plan) == []
    plan = plan_save(
        plan=plan,
        actions=[
            {
                "recommendation_id": r.pk,
                "text": "Act",
                "owner": "Someone",
                "target_on": dt.date(2030, 1, 1),
            }
            for r in world["recommendations"]
        ],
        actor=people["liaison"],
        expected_version=plan.version,
    )
    # Before the plan is submitted its actions offer no move (the body changes them by saving the plan).
    assert action_moves_for(people["liaison"], plan_actions(plan)[0]) == []
    assert action_moves_for(people["lead"], plan_actions(plan)[0]) == []
    plan = plan_submit(plan=plan, actor=people["liaison"], expected_version=plan.version)
    assert plan_moves_for(people["lead"], plan) == ["accept", "return"]
    assert plan_moves_for(people["liaison"], plan) == []
    action = plan_actions(plan)[0]
    assert action_moves_for(people["liaison"], action) == ["update", "complete"]
    assert action_moves_for(people["lead"], action) == ["withdraw"]
    assert action_moves_for(people["stranger"], action) == []
    assert action_visible(people["stranger"], action.pk) is None
    assert action_visible(people["liaison"], action.pk) == action


def test_open_recommendations_of_the_body_before_a_later_inspection(world: dict[str, Any]) -> None:
    body, later = world["body"], world["later"]
    assert [r.label for r in open_recommendations_of_body(body, later.period_end)] == PUBLISHED
    assert open_recommendations_of_body(body, world["inspection"].period_end) == []
    r1 = world["recommendations"][0]
    recommendation_judge(
        recommendation=r1,
        inspection=later,
        judgement="met",
        rationale="Seen",
        proposed="met",
        evidence={"sentence": "better"},
        actor=world["lead"],
        expected_version=r1.version,
    )
    assert [r.label for r in open_recommendations_of_body(body, later.period_end)] == ["R2", "R3"]


def test_the_register_rows_carry_state_age_rag_judgement_and_plan(world: dict[str, Any]) -> None:
    analyst, lead = world["people"]["analyst"], world["lead"]
    today = timezone.localdate()
    rows = {r.label: r for r in register_rows(analyst, today=today)}
    assert [rows[k].rag for k in PUBLISHED] == ["green", "green", "amber"]  # R3: immediate, due now
    assert {r.plan_state for r in rows.values()} == {"awaiting"}
    assert all(r.age_days == 0 and r.body_code == "SYN" for r in rows.values())
    r1, r2, _ = world["recommendations"]
    recommendation_judge(
        recommendation=r2,
        inspection=world["later"],
        judgement="not_met",
        rationale="No change",
        proposed="",
        evidence={"sentence": "no change"},
        actor=lead,
        expected_version=r2.version,
    )
    later = today + dt.timedelta(days=10)
    rows = {r.label: r for r in register_rows(analyst, today=later)}
    assert rows["R2"].rag == "red" and rows["R2"].last_judgement == "not_met"
    assert rows["R2"].judged_at is not None and rows["R2"].judgement_evidence == {
        "sentence": "no change"
    }
    assert rows["R2"].judged_by_inspection_id == world["later"].pk
    assert rows["R1"].age_days == 10 and rows["R1"].last_judgement == ""
    assert rows["R2"].as_dict()["number"] == "R2"
    assert json.loads(json.dumps(rows["R2"].as_dict()))["last_judgement"] == "not_met"
    # Filters narrow, within what the person may see.
    labels = lambda f: [r.label for r in register_rows(analyst, f, today=later)]  # noqa: E731
    assert labels(RegisterFilters(rag="red")) == [
        "R2",
        "R3",
    ]  # judged not met; overdue (due on publication)
    assert labels(RegisterFilters(rag="green")) == ["R1"]
    assert labels(RegisterFilters(judgement="not_met")) == ["R2"]
    assert labels(RegisterFilters(judgement="none")) == ["R1", "R3"]
    assert labels(RegisterFilters(state="met")) == []
    assert labels(RegisterFilters(body="OTH")) == []
    assert labels(RegisterFilters(inspection_id=world["inspection"].pk)) == PUBLISHED
    assert [
        r.label for r in register_rows(world["people"]["stranger"], RegisterFilters(body="SYN"))
    ] == []


def _grow(world: dict[str, Any], tmp_path: Path) -> None:
    """More of everything: a second body's published findings, judgements, and a plan with actions."""
    made = factories.followup_world(tmp_path, body_code="OTH", prefix="o")
    for rec in made["recommendations"][:2]:
        recommendation_judge(
            recommendation=rec,
            inspection=made["later"],
            judgement="partly_met",
            rationale="Some",
            proposed="",
            evidence={},
            actor=made["lead"],
            expected_version=rec.version,
        )
    plan = made["plan"]
    plan_save(
        plan=plan,
        actions=[
            {
                "recommendation_id": r.pk,
                "text": "Act",
                "owner": "X",
                "target_on": dt.date(2030, 1, 1),
            }
            for r in made["recommendations"]
            for _ in range(2)
        ],
        actor=made["liaison"],
        expected_version=plan.version,
    )


def test_the_register_costs_the_same_queries_at_two_sizes(
    world: dict[str, Any], tmp_path: Path, django_assert_num_queries: Any
) -> None:
    users = get_user_model()
    analyst_id = world["people"]["analyst"].pk
    # The roles (1), the recommendations with their finding, inspection and body (1), their judgements (1),
    # their actions (1), the plans (1).
    expected = 5
    analyst = _fresh(users, analyst_id)
    with django_assert_num_queries(expected):
        small = register_rows(analyst)
    assert len(small) == 3
    _grow(world, tmp_path)
    analyst = _fresh(users, analyst_id)
    with django_assert_num_queries(expected):
        large = register_rows(analyst)
    assert len(large) == 6
    assert sum(r.actions_open for r in large) == 6
    assert sum(bool(r.last_judgement) for r in large) == 2


def _fresh(users: Any, pk: int) -> Any:
    """The user as a page gets it, read outside the measured block (its roles not yet read)."""
    return users.objects.get(pk=pk)


def test_the_list_command_gives_every_published_recommendation_as_json(
    world: dict[str, Any],
) -> None:
    result = runner.invoke(app, ["recommendations", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["number"], r["body"], r["state"]) for r in rows] == [
        ("R1", "SYN", "open"),
        ("R2", "SYN", "open"),
        ("R3", "SYN", "open"),
    ]
    assert {"rag", "due_on", "age_days", "last_judgement", "plan_state"} <= set(rows[0])
    amber = runner.invoke(app, ["recommendations", "list", "--rag", "amber", "--json"])
    assert [r["number"] for r in json.loads(amber.stdout)] == ["R3"]
    words = runner.invoke(app, ["recommendations", "list"])
    assert words.exit_code == 0 and "3 recommendations" in words.stdout
    bad = runner.invoke(app, ["recommendations", "list", "--state", "closed"])
    assert bad.exit_code == 2
