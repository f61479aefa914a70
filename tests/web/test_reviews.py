"""Assignment and the review page: drafts, submission, conflicts, tampering, reopening."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from casereview.cli import app
from casereview.importing.frameworks import load_framework
from casereview.web.journal.models import JournalEntry
from casereview.web.registers.models import Body, Case
from casereview.web.reviews.models import Assignment, Review, ReviewConflict
from casereview.web.reviews.services import assignments_balance, conflict_declare

from . import factories
from .conftest import verified_client

pytestmark = pytest.mark.django_db(transaction=True)
F = load_framework("child-protection/1")
runner = CliRunner()


@pytest.fixture
def setup(make_user: Callable[..., Any], body: Body, tmp_path: Path) -> dict[str, Any]:
    lead = make_user("lead_inspector", "lead")
    ina, ben = make_user("inspector", "ina"), make_user("inspector", "ben")
    inspection = factories.inspection(lead=lead)
    factories.sample(inspection, factories.register(tmp_path, rows=300), size=12, reserve=1)
    return {"lead": lead, "ina": ina, "ben": ben, "inspection": inspection}


def complete_form(version: int, **over: str) -> dict[str, Any]:
    form: dict[str, Any] = {f"grade_{a.slug}": "good" for a in F.areas}
    form.update({"overall": "good", "send_back": "no", "version": str(version), "action": "submit"})
    form.update(over)
    return form


def test_cases_are_balanced_and_never_cross_a_declared_conflict(setup: dict[str, Any]) -> None:
    units = set(Case.objects.values_list("unit", flat=True))
    avoided = sorted(units)[0]
    conflict_declare(inspector=setup["ina"], body=setup["inspection"].body, unit=avoided)
    assert (
        assignments_balance(inspection=setup["inspection"], inspectors=[setup["ina"], setup["ben"]])
        == 12
    )
    for assignment in Assignment.objects.select_related("inspector"):
        unit = Case.objects.get(pk=assignment.sampled_case.case_id).unit
        if unit == avoided:
            assert assignment.inspector.get_username() == "ben"
    counts = [Assignment.objects.filter(inspector=u).count() for u in (setup["ina"], setup["ben"])]
    assert sum(counts) == 12
    assert (
        assignments_balance(inspection=setup["inspection"], inspectors=[setup["ina"], setup["ben"]])
        == 0
    )


def test_the_assign_cli(setup: dict[str, Any]) -> None:
    result = runner.invoke(
        app,
        [
            "assign",
            "--inspection",
            str(setup["inspection"].pk),
            "--inspectors",
            "ina,ben",
            "--json",
        ],
    )
    assert result.exit_code == 0 and '"assigned": 12' in result.stdout
    assert (
        runner.invoke(
            app, ["assign", "--inspection", str(setup["inspection"].pk), "--inspectors", "nobody"]
        ).exit_code
        == 2
    )


def first_assignment(setup: dict[str, Any]) -> Assignment:
    return factories.assigned(setup["inspection"], [setup["ina"]])[0]


def test_a_draft_saves_then_submission_lists_missing_answers_then_submits(
    setup: dict[str, Any],
) -> None:
    assignment = first_assignment(setup)
    client = verified_client(setup["ina"])
    url = f"/reviews/{assignment.pk}/"
    page = client.get(url)
    assert (
        page.status_code == 200
        and b"Initial contact" in page.content
        and b"SYNTHETIC" in page.content
    )
    assert JournalEntry.objects.filter(action="case_consult", reason="case_review").exists()
    draft = client.post(
        url,
        {
            "grade_initial_contact": "good",
            "comment_initial_contact": "Quick <script>",
            "version": "0",
            "action": "save",
        },
    )
    assert draft.status_code == 302
    review = Review.objects.get()
    assert (
        review.version == 1
        and review.area_grades == {"initial_contact": "good"}
        and review.state == "draft"
    )
    assert b"Quick &lt;script&gt;" in client.get(url).content
    missing = client.post(
        url, {"grade_initial_contact": "good", "version": "1", "action": "submit"}
    )
    assert missing.status_code == 400 and b"There is a problem" in missing.content
    assert b'href="#grade_assessment_and_help"' in missing.content
    review.refresh_from_db()
    assert review.state == "draft" and review.version == 2
    rule = complete_form(2, grade_initial_contact="inadequate", overall="requires_improvement")
    departed = client.post(url, rule)
    assert departed.status_code == 400 and b"Give your reason" in departed.content
    done = client.post(url, {**complete_form(3), "departure_reason": ""})
    assert done.status_code == 302
    review.refresh_from_db()
    assert review.state == "submitted" and review.submitted_at is not None
    after = client.post(url, complete_form(4, overall="inadequate"))
    assert after.status_code == 409
    review.refresh_from_db()
    assert review.overall == "good"


def test_a_stale_save_shows_both_versions_and_keeps_both(setup: dict[str, Any]) -> None:
    assignment = first_assignment(setup)
    client = verified_client(setup["ina"])
    url = f"/reviews/{assignment.pk}/"
    assert (
        client.post(url, {"overall": "good", "version": "0", "action": "save"}).status_code == 302
    )
    stale = client.post(url, {"overall": "inadequate", "version": "0", "action": "save"})
    assert stale.status_code == 409 and b"both versions are kept" in stale.content
    review = Review.objects.get()
    assert review.overall == "good"
    kept = ReviewConflict.objects.get(review=review)
    assert kept.attempted["overall"] == "inadequate" and kept.base_version == 0


@pytest.mark.parametrize(
    "tamper",
    [
        {"grade_initial_contact": "excellent"},
        {"weaknesses_initial_contact": "W99"},
        {"overall": "outstanding"},
        {"grade_initial_contact": "not_applicable"},
        {"grade_made_up": "good"},
    ],
)
def test_a_tampered_post_is_refused_and_nothing_is_saved(
    setup: dict[str, Any], tamper: dict[str, str]
) -> None:
    assignment = first_assignment(setup)
    client = verified_client(setup["ina"])
    response = client.post(f"/reviews/{assignment.pk}/", {**complete_form(0), **tamper})
    assert response.status_code == 400
    review = Review.objects.get()
    assert review.version == 0 and review.area_grades == {}


def test_only_the_assigned_inspector_edits_and_only_the_lead_reopens(setup: dict[str, Any]) -> None:
    assignment = first_assignment(setup)
    url = f"/reviews/{assignment.pk}/"
    assert verified_client(setup["ben"]).get(url).status_code == 404
    ina = verified_client(setup["ina"])
    assert ina.post(url, complete_form(0)).status_code == 302
    lead = verified_client(setup["lead"])
    assert lead.get(url).status_code == 200
    assert lead.post(url, complete_form(1)).status_code == 404  # reads, never edits
    assert ina.post(f"/reviews/{assignment.pk}/reopen/").status_code == 404
    assert lead.post(f"/reviews/{assignment.pk}/reopen/").status_code == 302
    review = Review.objects.get()
    assert review.state == "draft" and review.version == 2
    assert JournalEntry.objects.filter(action="review_reopen", object_id=str(review.pk)).exists()


def test_autosave_returns_the_new_version(setup: dict[str, Any]) -> None:
    assignment = first_assignment(setup)
    client = verified_client(setup["ina"])
    response = client.post(
        f"/reviews/{assignment.pk}/autosave/",
        {"grade_investigation": "requires_improvement", "version": "0"},
    )
    assert response.status_code == 200 and response.json()["version"] == 1
    assert re.fullmatch(r"Saved at \d\d:\d\d", response.json()["saved"])  # the page shows it
    assert client.post(f"/reviews/{assignment.pk}/autosave/", {"version": "0"}).status_code == 409


def submit(client: Any, assignment: Assignment, overall: str, send_back: str = "no") -> None:
    review_page = client.get(f"/reviews/{assignment.pk}/")
    assert review_page.status_code == 200
    version = Review.objects.get(assignment=assignment).version
    form = complete_form(version, overall=overall, send_back=send_back)
    if overall == "inadequate":
        form["grade_decision_making"] = "inadequate"
    response = client.post(f"/reviews/{assignment.pk}/", form)
    assert response.status_code == 302, response.content[:2000]


def test_moderation_is_seeded_includes_every_inadequate_case_and_stays_blind(
    setup: dict[str, Any],
) -> None:
    from casereview.web.reviews.services import (
        disagreements,
        moderation_assign,
        moderation_candidates,
        resolution_record,
    )

    inspection = setup["inspection"]
    assignments_balance(inspection=inspection, inspectors=[setup["ina"]])
    ina = verified_client(setup["ina"])
    firsts = list(Assignment.objects.filter(kind="first").order_by("id"))
    submit(ina, firsts[0], "inadequate")
    for a in firsts[1:]:
        submit(ina, a, "good")
    chosen = {c.case_ref for c in moderation_candidates(inspection, 0.10)}
    assert firsts[0].sampled_case.case_ref in chosen  # graded Inadequate: always moderated
    assert len(chosen) in (
        2,
        3,
    )  # ceil(10% of 12) = 2 by the seed, plus the inadequate one unless already picked
    assert chosen == {
        c.case_ref for c in moderation_candidates(inspection, 0.10)
    }  # the seed decides, every time
    assert moderation_assign(inspection=inspection, inspectors=[setup["ina"], setup["ben"]]) == len(
        chosen
    )
    moderations = list(Assignment.objects.filter(kind="moderation"))
    assert {m.inspector.get_username() for m in moderations} == {"ben"}  # never the first reviewer
    ben = verified_client(setup["ben"])
    target = next(m for m in moderations if m.sampled_case_id == firsts[0].sampled_case_id)
    blind = ben.get(f"/reviews/{target.pk}/").content.decode()
    assert "The first review" not in blind
    submit(ben, target, "requires_improvement")
    revealed = ben.get(f"/reviews/{target.pk}/").content.decode()
    assert "The first review" in revealed and "inadequate" in revealed
    found = disagreements(inspection)
    assert [d.sampled_case.case_ref for d in found] == [target.sampled_case.case_ref]
    lead = verified_client(setup["lead"])
    page = (
        lead.get(f"/inspections/{inspection.pk}/moderation/").content.decode()
        + lead.get(f"/inspections/{inspection.pk}/agreement/").content.decode()
    )
    assert "Disagreements to resolve" in page and "Agreement on the overall grade" in page
    assert "inspection by inspection" in page and "ben</td>" in page
    refused = lead.post(
        f"/inspections/{inspection.pk}/resolve/",
        {"sampled_case": target.sampled_case_id, "final_overall": "inadequate", "rationale": ""},
    )
    assert refused.status_code == 400
    done = lead.post(
        f"/inspections/{inspection.pk}/resolve/",
        {
            "sampled_case": target.sampled_case_id,
            "final_overall": "inadequate",
            "rationale": "Risk not assessed",
        },
    )
    assert done.status_code == 302
    from casereview.web.reviews.models import Resolution

    resolution = Resolution.objects.get()
    assert (
        resolution.final_overall == "inadequate"
        and Review.objects.filter(assignment__sampled_case=target.sampled_case).count() == 2
    )
    with pytest.raises(Exception, match="Only a disagreement"):
        agreed = next(m for m in moderations if m.sampled_case_id != firsts[0].sampled_case_id)
        resolution_record(
            sampled_case=agreed.sampled_case,
            final_overall="good",
            rationale="x",
            actor=setup["lead"],
        )


def test_moving_a_case_respects_conflicts(setup: dict[str, Any]) -> None:
    from casereview.web.reviews.services import ReviewError, assignment_move

    assignment = first_assignment(setup)
    unit = Case.objects.get(pk=assignment.sampled_case.case_id).unit
    conflict_declare(inspector=setup["ben"], body=setup["inspection"].body, unit=unit)
    with pytest.raises(ReviewError, match="conflict of interest"):
        assignment_move(assignment=assignment, to=setup["ben"])


def test_the_lead_moves_a_case_from_the_page_and_the_cli(setup: dict[str, Any]) -> None:
    assignment = first_assignment(setup)
    lead = verified_client(setup["lead"])
    inspection = setup["inspection"]
    moved = lead.post(
        f"/inspections/{inspection.pk}/move/",
        {"case_ref": assignment.sampled_case.case_ref, "to": "ben", "kind": "first"},
    )
    assert moved.status_code == 302
    assignment.refresh_from_db()
    assert assignment.inspector.get_username() == "ben"
    back = runner.invoke(
        app,
        [
            "move-case",
            "--inspection",
            str(inspection.pk),
            "--case",
            assignment.sampled_case.case_ref,
            "--to",
            "ina",
        ],
    )
    assert back.exit_code == 0, back.output
    assignment.refresh_from_db()
    assert assignment.inspector.get_username() == "ina"
    assert (
        lead.post(
            f"/inspections/{inspection.pk}/move/", {"case_ref": "NOPE", "to": "ben"}
        ).status_code
        == 400
    )
