"""The recommendations through the API: scoped as the web register is (a liaison officer sees only their body's;
another body's recommendation is a 404), the keys the issue names, filters and paging, and a bounded number
of queries whatever the number of recommendations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casereview.domain.followup import rag
from casereview.web.api.services import token_create
from casereview.web.followup.models import ActionPlan, Recommendation
from casereview.web.followup.services import (
    action_update,
    plan_save,
    plan_submit,
    recommendation_judge,
)

from . import factories

pytestmark = pytest.mark.django_db

KEYS = {
    "id",
    "number",
    "body",
    "inspection_id",
    "finding",
    "text",
    "state",
    "immediate",
    "due_on",
    "rag",
    "age_days",
    "last_judgement",
    "judged_at",
    "plan_state",
    "actions",
}


def api(user: Any, path: str, scopes: tuple[str, ...] = ("read",)) -> Any:
    token = token_create(user=user, name="t", scopes=list(scopes), rate_per_minute=10_000).secret
    return Client().get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Any]:
    made = factories.followup_world(tmp_path)
    other = factories.followup_world(tmp_path, body_code="OTH", prefix="o-")
    return {**made, "other": other, "analyst": factories.user("analyst", "ana")}


def _planned_and_judged(world: dict[str, Any]) -> None:
    """The body plans an action per recommendation and submits; one update; R1 judged met at Q2."""
    plan = ActionPlan.objects.select_related("inspection", "body").get(pk=world["plan"].pk)
    target = timezone.localdate() + dt.timedelta(days=30)
    plan = plan_save(
        plan=plan,
        actions=[
            {
                "recommendation_id": r.pk,
                "text": f"Act on R{r.number}",
                "owner": "DCI Hale",
                "target_on": target,
            }
            for r in world["recommendations"]
        ],
        actor=world["liaison"],
        expected_version=plan.version,
    )
    plan_submit(plan=plan, actor=world["liaison"], expected_version=plan.version)
    first = plan.actions.select_related("plan__inspection", "plan__body").order_by("id").first()
    assert first is not None
    action_update(
        action=first,
        note="Staff trained",
        evidence="Log",
        actor=world["liaison"],
        expected_version=first.version,
    )
    rec = Recommendation.objects.select_related("finding__inspection").get(
        pk=world["recommendations"][0].pk
    )
    recommendation_judge(
        recommendation=rec,
        inspection=world["later"],
        judgement="met",
        rationale="Seen in the new sample",
        proposed="",
        evidence={},
        actor=world["lead"],
        expected_version=rec.version,
    )


def test_a_liaison_officer_sees_only_their_bodys_recommendations(world: dict[str, Any]) -> None:
    mine = {r.pk for r in world["recommendations"]}
    theirs = {r.pk for r in world["other"]["recommendations"]}
    got = api(world["liaison"], "/recommendations")
    assert got.status_code == 200
    assert {r["id"] for r in got.json()} == mine
    assert {r["id"] for r in api(world["other"]["liaison"], "/recommendations").json()} == theirs
    assert {r["id"] for r in api(world["analyst"], "/recommendations").json()} == mine | theirs
    assert api(factories.user("inspector", "x"), "/recommendations").json() == []
    one_of_theirs = world["other"]["recommendations"][0].pk
    missing = api(world["liaison"], f"/recommendations/{one_of_theirs}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert api(world["other"]["liaison"], f"/recommendations/{one_of_theirs}").status_code == 200
    # A token without the read scope is refused, whatever its user may see.
    refused = api(world["liaison"], "/recommendations", scopes=("send_back_response",))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "scope_missing"


def test_the_keys_are_the_issues_and_keep_codes(world: dict[str, Any]) -> None:
    _planned_and_judged(world)
    rows = api(world["liaison"], "/recommendations").json()
    assert all(set(r) >= KEYS for r in rows)
    first = next(r for r in rows if r["id"] == world["recommendations"][0].pk)
    assert first["number"] == "R1" and first["body"] == "SYN"
    assert first["inspection_id"] == world["inspection"].pk
    assert first["finding"] == {
        "number": 1,
        "kind": "cause_of_concern",
        "text": "Children at risk were not always seen and spoken to",
        "basis": [{"kind": "weakness", "code": "W04", "count": 2, "total": 2}],
    }
    assert (first["state"], first["last_judgement"], first["rag"]) == ("met", "met", "green")
    assert first["judged_at"] is not None and first["plan_state"] == "submitted"
    assert [a["state"] for a in first["actions"]] == ["open"]
    assert first["actions"][0]["owner"] == "DCI Hale"
    assert first["actions"][0]["updates"][0]["note"] == "Staff trained"
    assert first["judgements"][0]["judgement"] == "met"
    assert first["judgements"][0]["inspection_id"] == world["later"].pk
    one = api(world["liaison"], f"/recommendations/{first['id']}").json()
    assert one == first
    today = timezone.localdate()
    for r in rows:
        rec = Recommendation.objects.get(pk=r["id"])
        assert r["rag"] == rag(rec.state, rec.due_on, today, rec.last_judgement)
        assert r["due_on"] == (rec.due_on.isoformat() if rec.due_on else None)


def test_filters_and_paging(world: dict[str, Any]) -> None:
    _planned_and_judged(world)
    analyst = world["analyst"]
    every = api(analyst, "/recommendations").json()
    assert len(every) == 6
    assert {r["body"] for r in api(analyst, "/recommendations?body=OTH").json()} == {"OTH"}
    assert [r["id"] for r in api(analyst, "/recommendations?state=met").json()] == [
        world["recommendations"][0].pk
    ]
    assert [r["id"] for r in api(analyst, "/recommendations?judgement=met").json()] == [
        world["recommendations"][0].pk
    ]
    assert len(api(analyst, "/recommendations?judgement=none").json()) == 5
    for colour in ("red", "amber", "green"):
        assert [r["id"] for r in api(analyst, f"/recommendations?rag={colour}").json()] == [
            r["id"] for r in every if r["rag"] == colour
        ]
    inspection = world["other"]["inspection"].pk
    assert {
        r["inspection_id"]
        for r in api(analyst, f"/recommendations?inspection_id={inspection}").json()
    } == {inspection}
    paged = [r["id"] for r in api(analyst, "/recommendations?limit=2&offset=1").json()]
    assert paged == [r["id"] for r in every][1:3]
    bad = api(analyst, "/recommendations?rag=purple")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"
    assert (
        api(analyst, "/recommendations?colour=red").status_code == 422
    )  # a misspelt filter is refused


def test_the_list_reads_a_fixed_number_of_queries(world: dict[str, Any], tmp_path: Path) -> None:
    _planned_and_judged(world)

    def queries() -> int:
        token = token_create(
            user=world["analyst"], name="q", scopes=["read"], rate_per_minute=10_000
        ).secret
        client = Client()
        with CaptureQueriesContext(connection) as captured:
            assert (
                client.get(
                    "/api/v1/recommendations", HTTP_AUTHORIZATION=f"Bearer {token}"
                ).status_code
                == 200
            )
        return len(captured.captured_queries)

    small = queries()
    factories.followup_world(tmp_path, body_code="THR", prefix="t-")
    assert len(api(world["analyst"], "/recommendations").json()) == 9
    assert queries() == small
