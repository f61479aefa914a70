"""The follow-up pages, role by role: the register, one recommendation, an inspection's findings, the body's
action plan, an action's progress, and judging at a later inspection.  Each page is reached by the people it is
for, is a 404 for everyone else (another body's liaison officer above all), changes only through its service,
and shows the current state when a change was made on a stale version."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from casereview.domain.followup import rag
from casereview.web.followup.models import (
    ActionPlan,
    Finding,
    PlanAction,
    ProgressUpdate,
    Recommendation,
    RecommendationJudgement,
)
from casereview.web.followup.services import plan_save

from . import factories
from .conftest import latest_seq, verified_client

pytestmark = pytest.mark.django_db


def text_of(response: Any) -> str:
    """The page's text without tags, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def shown_digests(response: Any) -> dict[int, str]:
    """Each judging form's hidden digest of the evidence it showed, by recommendation id."""
    found = re.findall(
        r'name="recommendation" value="(\d+)">.*?name="evidence_sha256" value="([0-9a-f]*)"',
        response.content.decode(),
    )
    return {int(pk): digest for pk, digest in found}


def one_h1(response: Any) -> str:
    html = response.content.decode()
    found = re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert len(found) == 1, found
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title and title.group(1).strip().endswith("– casereview"), title
    return re.sub(r"<[^>]+>", "", found[0]).strip()


def expected_green(recs: list[Any], today: dt.date) -> set[int]:
    return {r.pk for r in recs if rag(r.state, r.due_on, today, r.last_judgement) == "green"}


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Any]:
    made = factories.followup_world(tmp_path)
    other = factories.followup_world(tmp_path, body_code="OTH", prefix="o-")
    return {**made, "other": other, "analyst": factories.user("analyst", "ana")}


# The register --------------------------------------------------------------------------------------------------


def test_the_register_shows_each_reader_only_what_they_may_see(world: dict[str, Any]) -> None:
    mine, theirs = world["recommendations"], world["other"]["recommendations"]

    def listed(user: Any, query: str = "") -> set[int]:
        response = verified_client(user).get(f"/recommendations/{query}")
        assert response.status_code == 200
        assert one_h1(response) == "Recommendations"
        return {
            int(n) for n in re.findall(r'href="/recommendations/(\d+)/"', response.content.decode())
        }

    assert listed(world["liaison"]) == {r.pk for r in mine}
    assert listed(world["other"]["liaison"]) == {r.pk for r in theirs}
    assert listed(world["analyst"]) == {r.pk for r in mine + theirs}
    assert listed(world["lead"]) == {r.pk for r in mine}
    assert listed(world["analyst"], "?body=OTH") == {r.pk for r in theirs}
    # The rating filter keeps exactly the rows the domain's one rule rates so (R1, due in 180 days, is green;
    # R3, immediate, is due at publication: not green).
    today = timezone.localdate()
    for colour in ("green", "amber", "red"):
        expected = {r.pk for r in mine if rag(r.state, r.due_on, today, r.last_judgement) == colour}
        assert listed(world["liaison"], f"?rag={colour}") == expected
    assert mine[0].pk in expected_green(mine, today) and mine[2].pk not in expected_green(
        mine, today
    )
    assert listed(world["liaison"], "?judgement=met") == set()
    assert listed(world["liaison"], "?state=open") == {r.pk for r in mine}
    # A body the reader may not see is no choice: the filter is left out, never widened to it.
    assert listed(world["liaison"], "?body=OTH") == {r.pk for r in mine}
    page = verified_client(world["liaison"]).get("/recommendations/")
    words = text_of(page)
    assert (
        "Open" in words
        and "Not yet judged" in words
        and "open" not in re.findall(r">(\w+)<", page.content.decode())
    )
    for role in ("inspector", "administrator", "body_auditor"):
        assert (
            verified_client(factories.user(role, f"x-{role}")).get("/recommendations/").status_code
            == 404
        )


def test_one_recommendation_is_404_for_another_bodys_officer(world: dict[str, Any]) -> None:
    rec = world["recommendations"][0]
    page = verified_client(world["liaison"]).get(f"/recommendations/{rec.pk}/")
    assert page.status_code == 200
    assert one_h1(page) == f"Recommendation R{rec.number}"
    words = text_of(page)
    assert (
        "Cause of concern" in words and "showed it" in words and "Recommendation published" in words
    )
    assert "cause_of_concern" not in page.content.decode()
    assert (
        verified_client(world["other"]["liaison"]).get(f"/recommendations/{rec.pk}/").status_code
        == 404
    )
    assert (
        verified_client(world["other"]["lead"]).get(f"/recommendations/{rec.pk}/").status_code
        == 404
    )
    assert verified_client(world["analyst"]).get(f"/recommendations/{rec.pk}/").status_code == 200
    assert verified_client(world["ina"]).get(f"/recommendations/{rec.pk}/").status_code == 404


# An inspection's findings -------------------------------------------------------------------------------------


def test_the_lead_adds_and_publishes_a_finding_with_two_recommendations(tmp_path: Path) -> None:
    made = factories.published_inspection(tmp_path)
    inspection, lead = made["inspection"], made["lead"]
    url = f"/recommendations/inspections/{inspection.pk}/findings/"
    client = verified_client(lead)
    page = client.get(url)
    assert page.status_code == 200 and one_h1(page) == "Findings and recommendations"
    # The counts are the inspection's own (2 cases, both with W04), prefilled.
    assert (
        'name="count-weakness-W04" type="text" inputmode="numeric" value="2"'
        in page.content.decode()
    )
    for user in (made["liaison"], made["ina"], factories.user("lead_inspector", "another")):
        assert verified_client(user).get(url).status_code == 404
        assert verified_client(user).post(url, {"do": "add_finding"}).status_code == 404

    refused = client.post(url, {"do": "add_finding", "kind": "", "text": " "})
    assert refused.status_code == 400
    words = text_of(refused)
    assert "There is a problem" in words and "Write the finding" in words
    assert "Choose at least one weakness or area" in words
    assert Finding.objects.count() == 0

    before = latest_seq()
    added = client.post(
        url,
        {
            "do": "add_finding",
            "kind": "cause_of_concern",
            "text": "Children at risk were not always seen",
            "basis": ["weakness-W04"],
            "count-weakness-W04": "2",
            "total-weakness-W04": "2",
        },
    )
    assert added.status_code == 302
    finding = Finding.objects.get()
    assert finding.basis == [{"kind": "weakness", "code": "W04", "count": 2, "total": 2}]
    assert finding.state == "draft" and latest_seq() > before

    bad_date = client.post(
        url,
        {
            "do": "add_recommendation",
            "finding": finding.pk,
            "text": "See every child",
            "due": "date",
            "due_day": "31",
            "due_month": "2",
            "due_year": "2030",
        },
    )
    assert bad_date.status_code == 400 and "must be a real date" in text_of(bad_date)
    assert f'href="#due-day-{finding.pk}"' in bad_date.content.decode()
    by = timezone.localdate() + dt.timedelta(days=90)
    for data in (
        {
            "due": "date",
            "due_day": by.day,
            "due_month": by.month,
            "due_year": by.year,
            "text": "See every child",
        },
        {
            "due": "working_days",
            "working_days": "20",
            "text": "Record the child's voice",
            "immediate": "on",
        },
    ):
        assert (
            client.post(
                url, {"do": "add_recommendation", "finding": finding.pk, **data}
            ).status_code
            == 302
        )
    first, second = Recommendation.objects.order_by("number")
    assert (first.due_on, first.due_working_days, first.immediate) == (by, None, False)
    assert (second.due_working_days, second.immediate, second.state) == (20, True, "draft")

    # Drafts can be changed: the finding's kind and text, a recommendation's text and due date.
    finding.refresh_from_db()
    page = client.get(url).content.decode()
    assert f'id="recommendation-text-r{first.pk}"' in page and "Change finding 1" in page
    assert (
        f'id="due-day-r{first.pk}" name="due_day" type="text" inputmode="numeric" value="{by.day}"'
        in page
    )
    assert (
        client.post(
            url,
            {
                "do": "edit_finding",
                "finding": finding.pk,
                "version": finding.version,
                "kind": "area_for_improvement",
                "text": "",
            },
        ).status_code
        == 400
    )
    assert (
        client.post(
            url,
            {
                "do": "edit_finding",
                "finding": finding.pk,
                "version": finding.version,
                "kind": "cause_of_concern",
                "text": "Children at risk were not seen",
            },
        ).status_code
        == 302
    )
    assert (
        client.post(
            url,
            {
                "do": "edit_recommendation",
                "recommendation": second.pk,
                "version": second.version,
                "text": "Record the child's voice every time",
                "due": "working_days",
                "working_days": "15",
                "immediate": "on",
            },
        ).status_code
        == 302
    )
    second.refresh_from_db()
    assert (second.text, second.due_working_days) == ("Record the child's voice every time", 15)
    finding.refresh_from_db()
    assert finding.text == "Children at risk were not seen"
    published = client.post(
        url, {"do": "publish_finding", "finding": finding.pk, "version": finding.version}
    )
    assert published.status_code == 302
    assert Finding.objects.get().state == "published"
    assert set(Recommendation.objects.values_list("state", flat=True)) == {"open"}
    assert ActionPlan.objects.filter(inspection=inspection, body=made["body"]).count() == 1
    shown = text_of(client.get(url))
    assert "Published" in shown and "R1" in shown and "R2" in shown
    # A recommendation added later to the published finding is a draft until it is published on its own.
    assert (
        client.post(
            url,
            {
                "do": "add_recommendation",
                "finding": finding.pk,
                "due": "working_days",
                "working_days": "10",
                "text": "Audit supervision",
            },
        ).status_code
        == 302
    )
    third = Recommendation.objects.get(number=3)
    assert third.state == "draft" and "Publish R3" in text_of(client.get(url))
    assert (
        client.post(
            url,
            {"do": "publish_recommendation", "recommendation": third.pk, "version": third.version},
        ).status_code
        == 302
    )
    third.refresh_from_db()
    assert third.state == "open" and third.due_on is not None


def test_a_stale_publish_shows_the_current_state_and_changes_nothing(world: dict[str, Any]) -> None:
    finding = world["findings"][0]
    url = f"/recommendations/inspections/{world['inspection'].pk}/findings/"
    client = verified_client(world["lead"])
    stale = finding.version - 1
    before = Finding.objects.get(pk=finding.pk)
    response = client.post(
        url, {"do": "withdraw_finding", "finding": finding.pk, "version": stale, "reason": "wrong"}
    )
    assert response.status_code == 409
    words = text_of(response)
    assert "Someone else changed this first" in words and "Published" in words
    after = Finding.objects.get(pk=finding.pk)
    assert (after.state, after.version) == (before.state, before.version)
    # Withdrawing needs a reason; with one on the current version it is withdrawn and kept.
    assert (
        client.post(
            url, {"do": "withdraw_finding", "finding": finding.pk, "version": finding.version}
        ).status_code
        == 400
    )
    assert (
        client.post(
            url,
            {
                "do": "withdraw_finding",
                "finding": finding.pk,
                "version": finding.version,
                "reason": "Superseded",
            },
        ).status_code
        == 302
    )
    assert Finding.objects.get(pk=finding.pk).state == "withdrawn"
    # Another inspection's finding posted to this page is not found.
    theirs = world["other"]["findings"][0]
    assert (
        verified_client(world["other"]["lead"])
        .post(url, {"do": "publish_finding", "finding": theirs.pk})
        .status_code
        == 404
    )


# The body's action plan ------------------------------------------------------------------------------------------


def plan_post(
    plan: Any, rows: dict[int, list[tuple[str, str, dt.date]]], **extra: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {"do": "save", "version": plan.version, **extra}
    for rec_id, actions in rows.items():
        for i, (text, owner, day) in enumerate(actions):
            key = f"action-{rec_id}-{i}"
            data |= {
                f"{key}-text": text,
                f"{key}-owner": owner,
                f"{key}-day": day.day,
                f"{key}-month": day.month,
                f"{key}-year": day.year,
            }
    return data


def test_the_liaison_officer_plans_and_submits_and_the_lead_returns_then_accepts(
    world: dict[str, Any],
) -> None:
    plan = ActionPlan.objects.get(pk=world["plan"].pk)
    url = f"/recommendations/plans/{plan.pk}/"
    liaison, lead = verified_client(world["liaison"]), verified_client(world["lead"])
    page = liaison.get(url)
    assert page.status_code == 200 and one_h1(page) == "Action plan"
    assert "Save the plan" in text_of(page)
    assert "Save the plan" not in text_of(lead.get(url))
    for user in (world["other"]["liaison"], world["other"]["lead"], world["ina"]):
        assert verified_client(user).get(url).status_code == 404
        assert (
            verified_client(user).post(url, {"do": "submit", "version": plan.version}).status_code
            == 404
        )
    assert verified_client(world["analyst"]).get(url).status_code == 200

    recs = world["recommendations"]
    target = timezone.localdate() + dt.timedelta(days=60)
    # Nothing planned yet: submitting is refused with the service's reason, on the page.
    early = liaison.post(url, {"do": "submit", "version": plan.version})
    assert early.status_code == 400 and "There is a problem" in text_of(early)
    assert ActionPlan.objects.get(pk=plan.pk).state == "awaiting"
    half = liaison.post(
        url,
        plan_post(
            plan,
            {
                recs[0].pk: [("Train staff", "Head of PPU", target)],
                recs[1].pk: [("", "Someone", target)],
            },
        ),
    )
    assert half.status_code == 400 and "Say what the action is" in text_of(half)
    assert PlanAction.objects.count() == 0
    saved = liaison.post(
        url, plan_post(plan, {r.pk: [(f"Act on R{r.number}", "Head of PPU", target)] for r in recs})
    )
    assert saved.status_code == 302
    assert PlanAction.objects.filter(plan=plan).count() == 3
    plan.refresh_from_db()
    assert plan.state == "draft"
    # A second save keeps the saved actions (their ids ride along) and adds none.
    page = liaison.get(url).content.decode()
    ids = re.findall(r'name="(action-\d+-0-id)" value="(\d+)"', page)
    assert len(ids) == 3
    again = plan_post(
        plan, {r.pk: [(f"Act on R{r.number} at once", "Head of PPU", target)] for r in recs}
    )
    again |= dict(ids)
    del again[f"action-{recs[2].pk}-0-text"], again[f"action-{recs[2].pk}-0-owner"]
    for part in ("day", "month", "year"):
        del again[f"action-{recs[2].pk}-0-{part}"]
    assert liaison.post(url, again).status_code == 302
    kept = dict(PlanAction.objects.filter(plan=plan).values_list("recommendation_id", "state"))
    assert kept == {recs[0].pk: "open", recs[1].pk: "open", recs[2].pk: "withdrawn"}
    assert PlanAction.objects.get(recommendation=recs[0]).text == "Act on R1 at once"
    plan.refresh_from_db()
    refused = liaison.post(url, {"do": "submit", "version": plan.version})
    assert refused.status_code == 400  # R3 has no open action now
    readded = liaison.post(
        url,
        plan_post(plan, {recs[2].pk: [("Supervise", "DCI Hale", target)]})
        | {k: v for k, v in again.items() if not k.startswith(f"action-{recs[2].pk}")}
        | {"version": plan.version},
    )
    assert readded.status_code == 302
    plan.refresh_from_db()
    # Submitting on a stale version shows the current state and submits nothing.
    stale = liaison.post(url, {"do": "submit", "version": plan.version - 1})
    assert stale.status_code == 409 and "Someone else changed this first" in text_of(stale)
    assert ActionPlan.objects.get(pk=plan.pk).state == "draft"
    assert liaison.post(url, {"do": "submit", "version": plan.version}).status_code == 302
    plan.refresh_from_db()
    assert plan.state == "submitted"
    # The body cannot accept its own plan; the lead must say what more is needed to return it.
    assert liaison.post(url, {"do": "accept", "version": plan.version}).status_code == 400
    empty = lead.post(url, {"do": "return", "version": plan.version, "note": " "})
    assert empty.status_code == 400 and "Say what more the plan needs" in text_of(empty)
    assert (
        lead.post(
            url, {"do": "return", "version": plan.version, "note": "Dates for R3"}
        ).status_code
        == 302
    )
    plan.refresh_from_db()
    assert plan.state == "returned"
    assert liaison.post(url, {"do": "submit", "version": plan.version}).status_code == 302
    plan.refresh_from_db()
    assert lead.post(url, {"do": "accept", "version": plan.version}).status_code == 302
    assert ActionPlan.objects.get(pk=plan.pk).state == "accepted"
    history = text_of(lead.get(url))
    assert "Action plan returned to the body" in history and "Dates for R3" in history
    # Dates are UK dates, never ISO (the history's notes included).
    assert not re.search(r"\d{4}-\d{2}-\d{2}", history), history


def _accepted_plan(world: dict[str, Any]) -> Any:
    from casereview.web.followup.services import plan_accept, plan_submit

    plan = ActionPlan.objects.select_related("inspection", "body").get(pk=world["plan"].pk)
    target = timezone.localdate() + dt.timedelta(days=60)
    plan = plan_save(
        plan=plan,
        actions=[
            {
                "recommendation_id": r.pk,
                "text": f"Act on R{r.number}",
                "owner": "Head of PPU",
                "target_on": target,
            }
            for r in world["recommendations"]
        ],
        actor=world["liaison"],
        expected_version=plan.version,
    )
    plan = plan_submit(plan=plan, actor=world["liaison"], expected_version=plan.version)
    return plan_accept(plan=plan, actor=world["lead"], expected_version=plan.version)


def test_progress_updates_and_completion_by_the_body_withdrawal_by_the_lead(
    world: dict[str, Any],
) -> None:
    plan = _accepted_plan(world)
    first, second = PlanAction.objects.filter(plan=plan).order_by("id")[:2]
    url = f"/recommendations/actions/{first.pk}/update/"
    liaison, lead = verified_client(world["liaison"]), verified_client(world["lead"])
    page = liaison.get(url)
    assert page.status_code == 200 and one_h1(page) == "Progress on an action"
    assert "Save the progress update" in text_of(page) and "Withdraw the action" not in text_of(
        page
    )
    assert "Withdraw the action" in text_of(lead.get(url))
    for user in (world["other"]["liaison"], world["other"]["lead"], world["ina"]):
        assert verified_client(user).get(url).status_code == 404
    # An analyst reads it, with nothing to press; a post is refused by the service.
    read = verified_client(world["analyst"]).get(url)
    assert (
        read.status_code == 200
        and "<form" not in read.content.decode().split("<main")[1].split("</main>")[0]
    )
    assert (
        verified_client(world["analyst"])
        .post(url, {"action": "complete", "version": first.version})
        .status_code
        == 400
    )
    empty = liaison.post(url, {"action": "update", "note": "", "version": first.version})
    assert empty.status_code == 400 and "Say what progress has been made" in text_of(empty)
    done = liaison.post(
        url,
        {
            "action": "update",
            "note": "Half the staff trained",
            "evidence": "Training log",
            "version": first.version,
        },
    )
    assert done.status_code == 302
    update = ProgressUpdate.objects.get(action=first)
    assert (update.note, update.evidence) == ("Half the staff trained", "Training log")
    stale = liaison.post(url, {"action": "complete", "version": first.version})
    assert stale.status_code == 409 and "Half the staff trained" in text_of(stale)
    first.refresh_from_db()
    assert first.state == "open"
    assert liaison.post(url, {"action": "complete", "version": first.version}).status_code == 302
    assert PlanAction.objects.get(pk=first.pk).state == "done"
    # The lead withdraws another (a reason needed); the body cannot.
    url2 = f"/recommendations/actions/{second.pk}/update/"
    assert (
        liaison.post(url2, {"do": "withdraw", "version": second.version, "reason": "x"}).status_code
        == 400
    )
    assert lead.post(url2, {"do": "withdraw", "version": second.version}).status_code == 400
    assert (
        lead.post(
            url2, {"do": "withdraw", "version": second.version, "reason": "Merged"}
        ).status_code
        == 302
    )
    assert PlanAction.objects.get(pk=second.pk).state == "withdrawn"
    rec_page = text_of(liaison.get(f"/recommendations/{first.recommendation_id}/"))
    assert "Half the staff trained" in rec_page and "Done" in rec_page


# Judging at a later inspection ---------------------------------------------------------------------------------


def test_the_lead_of_a_later_inspection_judges_with_a_rationale(world: dict[str, Any]) -> None:
    later = world["later"]
    url = f"/recommendations/inspections/{later.pk}/judge/"
    lead = verified_client(world["lead"])
    page = lead.get(url)
    assert page.status_code == 200 and one_h1(page) == "Judge earlier recommendations"
    recs = world["recommendations"]
    for r in recs:
        assert f'id="recommendation-{r.pk}"' in page.content.decode()
    for user in (world["liaison"], world["other"]["lead"], world["analyst"]):
        assert verified_client(user).get(url).status_code == 404
    # The earlier inspection's own page offers nothing to judge (its recommendations are not earlier).
    own = lead.get(f"/recommendations/inspections/{world['inspection'].pk}/judge/")
    assert (
        own.status_code == 200 and f'id="recommendation-{recs[0].pk}"' not in own.content.decode()
    )

    digests = shown_digests(page)
    assert set(digests) == {r.pk for r in recs} and all(len(d) == 64 for d in digests.values())
    missing = lead.post(
        url,
        {
            "recommendation": recs[0].pk,
            "version": recs[0].version,
            "judgement": "met",
            "evidence_sha256": digests[recs[0].pk],
        },
    )
    assert (
        missing.status_code == 400 and f'href="#rationale-{recs[0].pk}"' in missing.content.decode()
    )
    assert (
        lead.post(
            url,
            {
                "recommendation": recs[0].pk,
                "version": recs[0].version,
                "judgement": "met",
                "rationale": "Every child seen in the new sample",
                "evidence_sha256": digests[recs[0].pk],
            },
        ).status_code
        == 302
    )
    assert (
        lead.post(
            url,
            {
                "recommendation": recs[1].pk,
                "version": recs[1].version,
                "judgement": "not_met",
                "rationale": "Still not recorded",
                "evidence_sha256": digests[recs[1].pk],
            },
        ).status_code
        == 302
    )
    assert Recommendation.objects.get(pk=recs[0].pk).state == "met"
    assert Recommendation.objects.get(pk=recs[1].pk).last_judgement == "not_met"
    judged = RecommendationJudgement.objects.get(recommendation_id=recs[0].pk)
    assert (
        judged.inspection_id == later.pk
        and judged.rationale == "Every child seen in the new sample"
    )
    # A stale version: the current state, nothing recorded.
    stale = lead.post(
        url,
        {
            "recommendation": recs[1].pk,
            "version": recs[1].version,
            "judgement": "met",
            "rationale": "x",
            "evidence_sha256": digests[recs[1].pk],
        },
    )
    assert stale.status_code == 409 and "Someone else changed this first" in text_of(stale)
    assert RecommendationJudgement.objects.filter(recommendation_id=recs[1].pk).count() == 1
    # A closed recommendation is shown with its judgement but cannot be judged again.
    shown = lead.get(url)
    assert "You judged it met" in text_of(shown)
    again = lead.post(
        url, {"recommendation": recs[0].pk, "version": 99, "judgement": "met", "rationale": "x"}
    )
    assert again.status_code == 404
    # Another body's recommendation posted here is not found.
    theirs = world["other"]["recommendations"][0]
    assert (
        lead.post(
            url,
            {
                "recommendation": theirs.pk,
                "version": theirs.version,
                "judgement": "met",
                "rationale": "x",
            },
        ).status_code
        == 404
    )
    register = text_of(verified_client(world["liaison"]).get("/recommendations/"))
    assert "Met" in register and "Not met" in register


def test_the_register_and_a_plan_read_a_fixed_number_of_queries(
    world: dict[str, Any], tmp_path: Path
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(user: Any, path: str) -> int:
        client = verified_client(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured.captured_queries)

    register = queries(world["analyst"], "/recommendations/")
    lead_register = queries(world["lead"], "/recommendations/")
    plan_url = f"/recommendations/plans/{world['plan'].pk}/"
    plan = queries(world["lead"], plan_url)
    factories.followup_world(tmp_path, body_code="THR", prefix="t-")
    from casereview.web.followup.services import recommendation_add, recommendation_publish

    more = world["findings"][0]
    for n in range(3):
        made = recommendation_add(
            finding=more,
            text=f"More {n}",
            by=None,
            working_days=5,
            immediate=False,
            actor=world["lead"],
        )
        recommendation_publish(
            recommendation=made, actor=world["lead"], expected_version=made.version
        )
    assert Recommendation.objects.filter(finding=more, state="open").count() == 5
    assert queries(world["analyst"], "/recommendations/") == register
    assert queries(world["lead"], "/recommendations/") == lead_register
    assert queries(world["lead"], plan_url) == plan


# Review fixes (issue 24 follow-up review) ----------------------------------------------------------------------


def test_the_register_title_is_plain_and_a_lead_reaches_findings_and_judging(
    world: dict[str, Any],
) -> None:
    """Must-fix 1: the title holds only words; the register and the inspection's page link to both pages."""
    lead = verified_client(world["lead"])
    page = lead.get("/recommendations/")
    html = page.content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert (
        title and "<" not in title.group(1) and title.group(1).strip().startswith("Recommendations")
    )
    body = html[html.index("<main") :]
    for inspection in (world["inspection"], world["later"]):
        assert f'href="/recommendations/inspections/{inspection.pk}/findings/"' in body
        assert f'href="/recommendations/inspections/{inspection.pk}/judge/"' in body
    detail = lead.get(f"/inspections/{world['later'].pk}/").content.decode()
    assert f'href="/recommendations/inspections/{world["later"].pk}/findings/"' in detail
    assert f'href="/recommendations/inspections/{world["later"].pk}/judge/"' in detail
    # Nobody else is offered them (an analyst's register; another lead's view of the inspection is 404).
    theirs = verified_client(world["analyst"]).get("/recommendations/").content.decode()
    assert "/findings/" not in theirs and "/judge/" not in theirs


def test_a_judgement_is_stored_only_with_the_evidence_the_lead_saw(world: dict[str, Any]) -> None:
    """Must-fix 3: a digest of what the page showed travels with the form; a different one is a 409 showing
    the evidence as it now is, the rationale kept, nothing stored."""
    later, rec = world["later"], world["recommendations"][0]
    url = f"/recommendations/inspections/{later.pk}/judge/"
    lead = verified_client(world["lead"])
    digests = shown_digests(lead.get(url))
    before = latest_seq()
    for digest in ("0" * 64, None):
        data = {
            "recommendation": rec.pk,
            "version": rec.version,
            "judgement": "met",
            "rationale": "RATIONALE-KEPT from what I saw",
        }
        if digest is not None:
            data["evidence_sha256"] = digest
        changed = lead.post(url, data)
        assert changed.status_code == 409
        assert "The evidence changed since you opened the page" in text_of(changed)
        assert "RATIONALE-KEPT from what I saw" in changed.content.decode()
        # The page shows the current evidence's digest, to judge from again.
        assert shown_digests(changed)[rec.pk] == digests[rec.pk]
    assert RecommendationJudgement.objects.count() == 0 and latest_seq() == before
    assert Recommendation.objects.get(pk=rec.pk).state == "open"
    # The digest of what was shown is stored with exactly that evidence.
    done = lead.post(
        url,
        {
            "recommendation": rec.pk,
            "version": rec.version,
            "judgement": "met",
            "rationale": "Seen",
            "evidence_sha256": digests[rec.pk],
        },
    )
    assert done.status_code == 302
    from casereview.domain.followup import evidence_digest

    judged = RecommendationJudgement.objects.get()
    assert evidence_digest(judged.evidence, judged.proposed) == digests[rec.pk]


def test_a_recommendation_judged_here_is_not_offered_again_and_its_history_is_in_words(
    world: dict[str, Any],
) -> None:
    later, rec = world["later"], world["recommendations"][1]
    url = f"/recommendations/inspections/{later.pk}/judge/"
    lead = verified_client(world["lead"])
    digests = shown_digests(lead.get(url))
    data = {
        "recommendation": rec.pk,
        "version": rec.version,
        "judgement": "not_met",
        "rationale": "Still not recorded",
        "evidence_sha256": digests[rec.pk],
    }
    assert lead.post(url, data).status_code == 302
    shown = lead.get(url)
    assert rec.pk not in shown_digests(shown)  # open still, but judged here: no form
    assert f"Record the judgement of R{rec.number}" not in text_of(shown)
    again = lead.post(url, {**data, "version": rec.version + 1, "judgement": "met"})
    assert again.status_code == 400 and "already been judged at this inspection" in text_of(again)
    assert RecommendationJudgement.objects.filter(recommendation_id=rec.pk).count() == 1
    history = text_of(verified_client(world["liaison"]).get(f"/recommendations/{rec.pk}/"))
    assert "Not met" in history and "not_met" not in history


def test_the_findings_page_says_to_publish_the_report_first(tmp_path: Path) -> None:
    """Should-fix 7: before the report is published the page offers no form the service would refuse."""
    lead = factories.user("lead_inspector", "early")
    factories.body("SYN", "Synthetic Constabulary")
    inspection = factories.inspection(lead=lead, name="Unpublished")
    page = verified_client(lead).get(f"/recommendations/inspections/{inspection.pk}/findings/")
    words = text_of(page)
    assert page.status_code == 200 and "Publish the report first" in words
    assert "Add a finding" not in words and 'value="add_finding"' not in page.content.decode()
    assert "findings can be written, but only published" not in words


def test_text_over_the_limit_is_a_form_error_never_cut(world: dict[str, Any]) -> None:
    """Should-fix 9."""
    lead = verified_client(world["lead"])
    long = "x" * 10_001
    findings = f"/recommendations/inspections/{world['inspection'].pk}/findings/"
    refused = lead.post(
        findings,
        {
            "do": "add_finding",
            "kind": "cause_of_concern",
            "text": long,
            "basis": ["weakness-W04"],
            "count-weakness-W04": "2",
            "total-weakness-W04": "2",
        },
    )
    assert refused.status_code == 400
    assert "The finding must be 10,000 characters or fewer" in text_of(refused)
    assert Finding.objects.filter(text__startswith="xxx").count() == 0
    judge = f"/recommendations/inspections/{world['later'].pk}/judge/"
    rec = world["recommendations"][0]
    digests = shown_digests(lead.get(judge))
    too_long = lead.post(
        judge,
        {
            "recommendation": rec.pk,
            "version": rec.version,
            "judgement": "met",
            "rationale": long,
            "evidence_sha256": digests[rec.pk],
        },
    )
    assert too_long.status_code == 400
    assert "The rationale must be 10,000 characters or fewer" in text_of(too_long)
    plan = ActionPlan.objects.get(pk=world["plan"].pk)
    far = timezone.localdate() + dt.timedelta(days=200)
    rows = {r.pk: [("Act", "o" * 201, far)] for r in world["recommendations"]}
    saved = verified_client(world["liaison"]).post(
        f"/recommendations/plans/{plan.pk}/", plan_post(plan, rows)
    )
    assert saved.status_code == 400
    assert "Who owns it must be 200 characters or fewer" in text_of(saved)
    assert ActionPlan.objects.get(pk=plan.pk).version == plan.version


def test_the_plan_keeps_the_actions_of_closed_recommendations(world: dict[str, Any]) -> None:
    """Should-fix 5: a withdrawn recommendation's actions stay on the plan's page, read only."""
    from casereview.web.followup.services import recommendation_withdraw

    plan = ActionPlan.objects.get(pk=world["plan"].pk)
    far = timezone.localdate() + dt.timedelta(days=200)
    rows = {r.pk: [(f"CLOSED-ACTION {r.pk}", "Owner", far)] for r in world["recommendations"]}
    liaison = verified_client(world["liaison"])
    assert (
        liaison.post(f"/recommendations/plans/{plan.pk}/", plan_post(plan, rows)).status_code == 302
    )
    r3 = Recommendation.objects.get(pk=world["recommendations"][2].pk)
    recommendation_withdraw(
        recommendation=r3, actor=world["lead"], expected_version=r3.version, reason="Overtaken"
    )
    page = text_of(verified_client(world["lead"]).get(f"/recommendations/plans/{plan.pk}/"))
    assert "Closed recommendations" in page and f"CLOSED-ACTION {r3.pk}" in page


def test_evidence_that_changes_before_the_post_is_not_stored(
    world: dict[str, Any], tmp_path: Path
) -> None:
    """Must-fix 3, the review's sequence: the lead opens the judging page; another finding of the earlier
    inspection is published (the Holm family grows, so R1's figures change); the lead's post is refused."""
    from casereview.web.followup.services import finding_add, finding_publish, recommendation_add

    lead, rec = world["lead"], world["recommendations"][0]
    later = factories.inspection(
        lead=lead, name="Q3", period_start=dt.date(2024, 7, 1), period_end=dt.date(2024, 9, 30)
    )
    ina = factories.user("inspector", "inb")
    factories.sample(later, factories.register(tmp_path, rows=60, seed=7, name="q3.csv"), size=6)
    for assignment in factories.assigned(later, [ina]):
        factories.submitted(assignment, "good")
    url = f"/recommendations/inspections/{later.pk}/judge/"
    client = verified_client(lead)
    shown = client.get(url)
    digests = shown_digests(shown)
    more = finding_add(
        inspection=world["inspection"],
        kind="cause_of_concern",
        text="Plans were not reviewed",
        basis=[{"kind": "weakness", "code": "W05", "count": 2, "total": 2}],
        actor=lead,
    )
    recommendation_add(
        finding=more, text="Review plans", by=None, working_days=10, immediate=False, actor=lead
    )
    finding_publish(finding=more, actor=lead, expected_version=more.version)
    now = shown_digests(client.get(url))
    assert now[rec.pk] != digests[rec.pk]  # the figures shown for R1 are no longer the same
    posted = client.post(
        url,
        {
            "recommendation": rec.pk,
            "version": rec.version,
            "judgement": "not_met",
            "rationale": "From what I saw",
            "evidence_sha256": digests[rec.pk],
        },
    )
    assert posted.status_code == 409 and "The evidence changed" in text_of(posted)
    assert shown_digests(posted)[rec.pk] == now[rec.pk]
    assert RecommendationJudgement.objects.count() == 0
