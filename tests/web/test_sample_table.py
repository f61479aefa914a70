"""The lead's inspection as a task list, the inspections list with its stage, the sample as a table (filters,
order, pages, a journaled CSV of the same rows), a disagreement's two reviews side by side beside its
resolution form, and the banner after every action on these pages.

Query counts are pinned at two sample sizes (4 and 24 cases, the worlds of ``test_query_counts``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casereview.domain.grading import ReviewAnswers
from casereview.importing.frameworks import load_framework
from casereview.web.journal.models import JournalEntry
from casereview.web.reviews import lead_selectors
from casereview.web.reviews.models import Assignment, Resolution
from casereview.web.reviews.services import review_save, review_start

from . import factories
from .factories import verified_client
from .test_query_counts import SIZES, assert_flat, page, world

pytestmark = pytest.mark.django_db


def banner(response: Any) -> str:
    """The text of the page's notification banners."""
    html = response.content.decode()
    return " ".join(
        re.sub(r"\s+", " ", m)
        for m in re.findall(r'govuk-notification-banner__heading">(.*?)</p>', html, re.S)
    )


def rows_of(html: str) -> list[str]:
    """The case references of the sample table's rows, in order."""
    return re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>', html)


@pytest.fixture
def made(tmp_path: Path) -> dict[str, Any]:
    factories.body()
    return factories.inspection_world(tmp_path, size=8)


def graded_with_comments(assignment: Assignment, overall: str, comment: str) -> Any:
    """Submit the review with every area graded ``overall`` and ``comment`` on the first area."""
    review = review_start(assignment=assignment)
    areas = [a.slug for a in load_framework(review.framework).areas]
    answers = ReviewAnswers(
        area_grades=dict.fromkeys(areas, overall),
        area_weaknesses={areas[0]: ["W02"]},
        area_comments={areas[0]: comment},
        overall=overall,
        send_back=False,
    )
    return review_save(
        review=review,
        answers=answers,
        base_version=review.version,
        submit=True,
        actor=assignment.inspector,
    )


def disagreement(made: dict[str, Any]) -> tuple[Assignment, Assignment]:
    """ina grades her first case inadequate; ben moderates it good: the lead must resolve it."""
    first = made["assignment"]
    graded_with_comments(first, "inadequate", "No strategy meeting <recorded>")
    seconds = factories.moderated(made["inspection"], [made["ben"]], share=0.0)
    assert [s.sampled_case_id for s in seconds] == [first.sampled_case_id]
    graded_with_comments(seconds[0], "good", "Risk assessed the same day")
    return first, seconds[0]


# The task list and the inspections list ------------------------------------------------------------------------


def test_the_overview_is_a_task_list_whose_statuses_follow_the_inspection(
    made: dict[str, Any],
) -> None:
    lead = verified_client(made["lead"])
    pk = made["inspection"].pk

    def status(step: str) -> str:
        html = lead.get(f"/inspections/{pk}/").content.decode()
        found = re.search(rf'id="task-{step}-status">\s*(.*?)\s*</div>', html, re.S)
        assert found, step
        return re.sub(r"<[^>]+>", "", found.group(1)).strip()

    html = lead.get(f"/inspections/{pk}/").content.decode()
    assert html.count("<h1") == 1 and 'class="govuk-task-list"' in html
    for step in ("seed", "register", "draw", "assign"):
        assert status(step) == "Completed", step
    assert status("review") == "Not yet started"
    assert "0 of 8 submitted" in html
    assert status("publish") == "Cannot start yet"
    # A task that cannot start has no link; one that can links to where it is done.
    assert f'href="/inspections/{pk}/cases/" aria-describedby="task-review-hint' in html
    assert (
        f'href="/reports/inspection/{pk}/"'
        not in html.split('id="task-publish"')[1].split("</li>")[0]
    )
    factories.submitted(made["assignment"])
    assert status("review") == "In progress"
    assert "1 of 8 submitted" in lead.get(f"/inspections/{pk}/").content.decode()
    for assignment in made["assignments"][1:]:
        factories.submitted(assignment)
    assert status("review") == "Completed" and status("report") == "Completed"
    assert status("publish") == "Not yet started"


def test_a_new_inspection_asks_for_the_seed_first_and_cannot_draw_yet(tmp_path: Path) -> None:
    factories.body()
    lead = factories.user("lead_inspector", "lead")
    inspection = factories.inspection(lead=lead, committed=False)
    html = verified_client(lead).get(f"/inspections/{inspection.pk}/").content.decode()
    seed = html.split('id="task-seed"')[1].split("</li>")[0]
    draw = html.split('id="task-draw"')[1].split("</li>")[0]
    assert f'href="/inspections/{inspection.pk}/sample/#seed"' in seed and "Not yet started" in seed
    assert "Cannot start yet" in draw and "href=" not in draw


def test_the_inspections_list_shows_each_stage_and_filters_and_sorts(tmp_path: Path) -> None:
    factories.body()
    factories.body("OTH", "Other Constabulary")
    lead = factories.user("lead_inspector", "lead")
    factories.inspection(lead=lead, name="Bravo", committed=False)
    drawn = factories.inspection(lead=lead, name="Alpha")
    factories.sample(drawn, factories.register(tmp_path, rows=40), size=3)
    factories.inspection(lead=lead, name="Charlie", body_code="OTH")
    factories.inspection(lead=factories.user("lead_inspector", "other"), name="Not mine")
    client = verified_client(lead)
    html = client.get("/inspections/").content.decode()
    assert "3 inspections match" in html and "Not mine" not in html
    assert "Seed not committed" in html and "Assigning cases" in html
    assert "Waiting for the register" in html  # OTH has no register yet
    only = client.get("/inspections/?stage=assign").content.decode()
    assert "1 inspection matches" in only and ">Alpha</a>" in only and ">Bravo</a>" not in only
    other = client.get("/inspections/?body=OTH").content.decode()
    assert ">Charlie</a>" in other and ">Alpha</a>" not in other
    by_name = client.get("/inspections/?order=name").content.decode()
    assert by_name.index(">Alpha</a>") < by_name.index(">Bravo</a>") < by_name.index(">Charlie</a>")
    ignored = client.get("/inspections/?stage=nonsense&order=%3Cscript%3E")
    assert ignored.status_code == 200 and "3 inspections match" in ignored.content.decode()


# The sample as a table ----------------------------------------------------------------------------------------


def test_the_table_lists_every_case_with_its_people_state_grade_and_send_back(
    made: dict[str, Any],
) -> None:
    first, _ = disagreement(made)
    sent = made["assignments"][1]
    factories.submitted(
        sent, "inadequate", send_back=True, reason="Still at risk", urgency="priority"
    )
    draft = made["assignments"][2]
    review_start(assignment=draft)
    html = (
        verified_client(made["lead"])
        .get(f"/inspections/{made['inspection'].pk}/cases/")
        .content.decode()
    )
    assert html.count("<h1") == 1 and "<title>Cases: Q1 – casereview</title>" in html
    assert "8 cases match" in html and len(rows_of(html)) == 8
    assert f'href="/reviews/{first.pk}/"' in html  # each reviewer links to the review
    assert "Disagreement<span" in html  # unresolved: no final grade
    assert (
        f'href="/inspections/{made["inspection"].pk}/disagreements/{first.sampled_case_id}/"'
        in html
    )
    assert "Opened</span></a>, due " in html or "Opened<span" in html
    assert ">Draft</strong>" in html and ">Not started</strong>" in html
    assert "Inadequate" in html
    assert "_" not in "".join(re.findall(r"<td[^>]*>([^<]*)</td>", html))  # no code in a cell


def test_the_table_filters_by_reviewer_state_grade_and_flag_and_sorts(
    made: dict[str, Any],
) -> None:
    for assignment in made["assignments"][:3]:
        factories.submitted(assignment, "good")
    factories.submitted(
        made["assignments"][3], "inadequate", send_back=True, reason="r", urgency="routine"
    )
    ben_case = made["assignments"][7].sampled_case.case_ref
    lead = verified_client(made["lead"])
    pk = made["inspection"].pk
    lead.post(f"/inspections/{pk}/move/", {"case_ref": ben_case, "to": "ben"})
    base = f"/inspections/{pk}/cases/"
    assert rows_of(lead.get(base + "?reviewer=ben").content.decode()) == [ben_case]
    submitted = lead.get(base + "?state=submitted").content.decode()
    assert "4 cases match" in submitted and "(of 8 in the sample)" in submitted
    good = rows_of(lead.get(base + "?grade=good").content.decode())
    assert sorted(good) == sorted(a.sampled_case.case_ref for a in made["assignments"][:3])
    none = lead.get(base + "?grade=none").content.decode()
    assert "4 cases match" in none
    sent = rows_of(lead.get(base + "?flag=sent_back").content.decode())
    assert sent == [made["assignments"][3].sampled_case.case_ref]
    by_grade = rows_of(lead.get(base + "?order=grade").content.decode())
    assert (
        by_grade[:3] == sorted(good) and by_grade[3] == sent[0]
    )  # best grade first, then worse, then none
    everything = rows_of(lead.get(base).content.decode())
    assert everything == sorted(everything)
    strata = {a.sampled_case.stratum for a in made["assignments"]}
    one = sorted(strata)[0]
    in_stratum = rows_of(lead.get(base, {"stratum": one}).content.decode())
    assert in_stratum and all(
        a.sampled_case.stratum == one
        for a in made["assignments"]
        if a.sampled_case.case_ref in in_stratum
    )


def test_the_table_pages_with_previous_and_next_keeping_the_filters(
    made: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lead_selectors, "SAMPLE_PAGE_SIZE", 3)
    lead = verified_client(made["lead"])
    base = f"/inspections/{made['inspection'].pk}/cases/"
    first = lead.get(base + "?state=not_started").content.decode()
    assert "8 cases match" in first and len(rows_of(first)) == 3
    assert 'href="?state=not_started&amp;page=2" rel="next"' in first and 'rel="prev"' not in first
    last = lead.get(base + "?state=not_started&page=3").content.decode()
    assert len(rows_of(last)) == 2 and 'rel="next"' not in last
    assert 'href="?state=not_started&amp;page=2" rel="prev"' in last
    pages = [rows_of(lead.get(base, {"page": n}).content.decode()) for n in (1, 2, 3)]
    every = [ref for p in pages for ref in p]
    assert len(every) == 8 == len(set(every))
    beyond = lead.get(base + "?page=99").content.decode()
    assert rows_of(beyond) == pages[2]  # past the end: the last page


def test_the_csv_holds_the_same_filtered_rows_in_words_and_is_journaled(
    made: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        lead_selectors, "SAMPLE_PAGE_SIZE", 2
    )  # the CSV is every matching row, not a page
    for assignment in made["assignments"][:5]:
        factories.submitted(assignment, "requires_improvement")
    lead = verified_client(made["lead"])
    pk = made["inspection"].pk
    page_html = lead.get(
        f"/inspections/{pk}/cases/?state=submitted&order=reviewer"
    ).content.decode()
    assert f'href="/inspections/{pk}/cases.csv?state=submitted&amp;order=reviewer"' in page_html
    before = JournalEntry.objects.filter(action="sample_export").count()
    response = lead.get(f"/inspections/{pk}/cases.csv?state=submitted&order=reviewer&page=2")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="sample-inspection-{pk}.csv"'
    table = list(csv.reader(io.StringIO(response.content.decode())))
    assert table[0] == list(
        (
            "Reference",
            "Stratum",
            "First reviewer",
            "State",
            "Moderator",
            "Moderation",
            "Final grade",
            "Send back",
        )
    )
    assert sorted(r[0] for r in table[1:]) == sorted(
        a.sampled_case.case_ref for a in made["assignments"][:5]
    )
    assert {r[3] for r in table[1:]} == {"Submitted"} and {r[6] for r in table[1:]} == {
        "Requires improvement"
    }
    assert all("_" not in r[1] for r in table[1:])  # strata in words
    entries = JournalEntry.objects.filter(action="sample_export")
    assert entries.count() == before + 1
    entry = entries.order_by("-seq").first()
    assert entry is not None and entry.object_id == str(pk) and entry.operation == "disclosure"
    assert entry.detail == {"rows": 5, "filters": {"state": "submitted", "order": "reviewer"}}


def test_every_csv_cell_goes_through_the_safe_cell_rule(made: dict[str, Any]) -> None:
    """A reviewer whose name a spreadsheet would read as a formula (usernames allow = + - @)."""
    odd = factories.user("inspector", "+cmd")
    lead = verified_client(made["lead"])
    pk = made["inspection"].pk
    case_ref = made["assignment"].sampled_case.case_ref
    assert (
        lead.post(
            f"/inspections/{pk}/move/", {"case_ref": case_ref, "to": odd.get_username()}
        ).status_code
        == 302
    )
    text = lead.get(f"/inspections/{pk}/cases.csv?reviewer=%2Bcmd").content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2 and rows[1][2] != "+cmd" and rows[1][2].endswith("+cmd")


def test_the_table_and_its_csv_are_the_lead_of_that_inspection_s_only(made: dict[str, Any]) -> None:
    pk = made["inspection"].pk
    first, _ = disagreement(made)
    before = JournalEntry.objects.filter(action="sample_export").count()
    for who in (factories.user("lead_inspector", "other"), made["ina"], made["liaison"]):
        client = verified_client(who)
        for path in (
            f"/inspections/{pk}/cases/",
            f"/inspections/{pk}/cases.csv",
            f"/inspections/{pk}/disagreements/{first.sampled_case_id}/",
        ):
            assert client.get(path).status_code == 404, (who, path)
    assert JournalEntry.objects.filter(action="sample_export").count() == before


def test_an_inspection_without_a_sample_says_so(tmp_path: Path) -> None:
    factories.body()
    lead = factories.user("lead_inspector", "lead")
    inspection = factories.inspection(lead=lead)
    client = verified_client(lead)
    html = client.get(f"/inspections/{inspection.pk}/cases/").content.decode()
    assert "No sample has been drawn yet" in html
    assert client.get(f"/inspections/{inspection.pk}/cases.csv").status_code == 404


# A disagreement, side by side ----------------------------------------------------------------------------------


def test_a_disagreement_shows_both_reviews_area_by_area_beside_its_form(
    made: dict[str, Any],
) -> None:
    first, second = disagreement(made)
    pk, case = made["inspection"].pk, first.sampled_case
    lead = verified_client(made["lead"])
    moderation = lead.get(f"/inspections/{pk}/moderation/").content.decode()
    assert f'href="/inspections/{pk}/disagreements/{case.pk}/"' in moderation
    html = lead.get(f"/inspections/{pk}/disagreements/{case.pk}/").content.decode()
    assert html.count("<h1") == 1 and f"Disagreement on case {case.case_ref}" in html
    assert f'href="/reviews/{first.pk}/"' in html and f'href="/reviews/{second.pk}/"' in html
    assert "No strategy meeting &lt;recorded&gt;" in html and "Risk assessed the same day" in html
    framework = load_framework(made["inspection"].framework)
    for area in framework.areas:
        assert area.title in html, area.title
    assert html.count("Grades differ") == len(framework.areas)
    assert "W02: " in html  # the weakness in words, with its code
    assert 'name="final_overall"' in html and 'value="disagreement"' in html


def test_a_refused_resolution_keeps_the_chosen_grade_and_the_rationale(
    made: dict[str, Any],
) -> None:
    first, _ = disagreement(made)
    pk, case = made["inspection"].pk, first.sampled_case_id
    lead = verified_client(made["lead"])
    refused = lead.post(
        f"/inspections/{pk}/resolve/",
        {
            "sampled_case": str(case),
            "final_overall": "requires_improvement",
            "rationale": " ",
            "from": "disagreement",
        },
    )
    html = refused.content.decode()
    assert refused.status_code == 400 and "<title>Error: Disagreement on case" in html
    assert 'href="#id_rationale">Give the rationale for the final grade' in html
    assert (
        'id="final-requires_improvement" name="final_overall" type="radio" value="requires_improvement" checked'
        in html
    )
    both_missing = lead.post(
        f"/inspections/{pk}/resolve/",
        {"sampled_case": str(case), "rationale": "Kept text", "from": "disagreement"},
    ).content.decode()
    assert 'href="#id_final_overall">Choose one of the framework' in both_missing
    assert ">Kept text</textarea>" in both_missing
    assert not Resolution.objects.exists()
    done = lead.post(
        f"/inspections/{pk}/resolve/",
        {
            "sampled_case": str(case),
            "final_overall": "requires_improvement",
            "rationale": "Weighed both",
            "from": "disagreement",
        },
        follow=True,
    )
    assert banner(done) == (
        f"Disagreement on case {first.sampled_case.case_ref} resolved: final grade Requires improvement."
    )
    table = lead.get(f"/inspections/{pk}/cases/?grade=requires_improvement").content.decode()
    assert rows_of(table) == [first.sampled_case.case_ref]


def test_a_case_that_is_no_disagreement_has_no_disagreement_page(made: dict[str, Any]) -> None:
    pk = made["inspection"].pk
    other = made["assignments"][1].sampled_case_id
    assert (
        verified_client(made["lead"]).get(f"/inspections/{pk}/disagreements/{other}/").status_code
        == 404
    )


# Banners and counts --------------------------------------------------------------------------------------------


def test_committing_drawing_assigning_moving_and_replacing_each_say_what_they_did(
    tmp_path: Path,
) -> None:
    factories.body()
    lead_user = factories.user("lead_inspector", "lead")
    factories.user("inspector", "ina")
    factories.user("inspector", "ben")
    inspection = factories.inspection(lead=lead_user, committed=False)
    lead = verified_client(lead_user)
    pk = inspection.pk
    committed = lead.post(f"/inspections/{pk}/seed/", follow=True)
    assert banner(committed).startswith("Seed committed.")
    register = factories.register(tmp_path, rows=200)  # after the commitment, as it should arrive
    refused = lead.post(
        f"/inspections/{pk}/draw/",
        {"register": register.pk, "size": "x", "allocation": "proportional", "reserve": "-1"},
    )
    html = refused.content.decode()
    assert refused.status_code == 400 and 'href="#id_size"' in html and 'href="#id_reserve"' in html
    assert 'value="x"' in html  # all errors at once, the values kept
    drawn = lead.post(
        f"/inspections/{pk}/draw/",
        {
            "register": register.pk,
            "size": "6",
            "allocation": "proportional",
            "any_date": "on",
            "reserve": "3",
            "action": "draw",
        },
        follow=True,
    )
    assert (
        banner(drawn)
        == f"Sample drawn: 6 cases from register {register.pk}. Next, assign the cases."
    )
    assigned = lead.post(
        f"/inspections/{pk}/assign/", {"inspectors": ["ina"], "kind": "first"}, follow=True
    )
    assert banner(assigned) == "6 cases assigned for first review (inspectors: ina)."
    people = assigned.content.decode()
    assert "6 cases assigned for first review" in people
    case_ref = factories.assignments(inspection)[0].sampled_case.case_ref
    moved = lead.post(f"/inspections/{pk}/move/", {"case_ref": case_ref, "to": "ben"}, follow=True)
    assert banner(moved) == f"The first review of case {case_ref} moved to ben."
    replaced = lead.post(
        f"/inspections/{pk}/replace/", {"case_ref": case_ref, "reason": "An adult"}, follow=True
    )
    assert banner(replaced).startswith(f"Case {case_ref} is out of scope: replaced by case ")


def test_the_people_page_counts_each_inspector_s_cases_by_state(made: dict[str, Any]) -> None:
    factories.submitted(made["assignments"][0])
    review_start(assignment=made["assignments"][1])
    html = (
        verified_client(made["lead"])
        .get(f"/inspections/{made['inspection'].pk}/people/")
        .content.decode()
    )
    row = html.split('<td class="govuk-table__cell">ina</td>')[1].split("</tr>")[0]
    cells = re.findall(r">(\d+)</td>", row)
    # first reviews, moderation, not started, draft, submitted
    assert cells == ["8", "0", "6", "1", "1"]


# Query counts --------------------------------------------------------------------------------------------------


def test_the_lead_s_new_pages_do_not_grow_with_the_sample(tmp_path: Path) -> None:
    """The overview (task list), the sample table (plain and filtered), its CSV and a disagreement's page."""

    def disagreement_page(m: dict[str, Any]) -> str:
        found = lead_selectors.disagreements(m["inspection"])
        return f"/inspections/{m['inspection'].pk}/disagreements/{found[0].sampled_case.pk}/"

    asks = {
        "overview": (15, lambda m: f"/inspections/{m['inspection'].pk}/"),
        "sample table": (12, lambda m: f"/inspections/{m['inspection'].pk}/cases/"),
        "sample table, filtered": (
            12,
            lambda m: f"/inspections/{m['inspection'].pk}/cases/?flag=sent_back&order=grade",
        ),
        "sample CSV": (18, lambda m: f"/inspections/{m['inspection'].pk}/cases.csv"),
        "disagreement": (
            13,
            disagreement_page,
        ),  # its consultation journaled (PostgreSQL: + the journal lock)
    }
    counts: dict[str, list[int]] = {name: [] for name in asks}
    for prefix in SIZES:
        made = world(tmp_path, prefix)
        for name, (_, path) in asks.items():
            ask = page("lead", path)
            ask(made)
            with CaptureQueriesContext(connection) as queries:
                ask(made)
            counts[name].append(len(queries))
    for name, (bound, _) in asks.items():
        assert_flat(bound, counts[name], name)


def test_the_inspections_list_does_not_grow_with_the_inspections(tmp_path: Path) -> None:
    small = world(tmp_path, "s")
    admin = verified_client(small["admin"])
    admin.get("/inspections/")
    with CaptureQueriesContext(connection) as one:
        assert "1 inspection matches" in admin.get("/inspections/").content.decode()
    world(tmp_path, "b")
    for n in range(3):
        factories.inspection(lead=small["lead"], body_code="SML", name=f"more {n}")
    with CaptureQueriesContext(connection) as five:
        assert "5 inspections match" in admin.get("/inspections/").content.decode()
    print(f"inspections list: {len(one)} queries for 1 inspection, {len(five)} for 5")
    assert len(five) == len(one) <= 14


def test_the_lead_s_inspections_list_does_not_grow_with_the_inspections(tmp_path: Path) -> None:
    """The lead's list counts each of their inspections' progress: the same queries for 1 as for 30 (two
    pages), whatever their reviews."""
    small = world(tmp_path, "s")
    lead = verified_client(small["lead"])
    lead.get("/inspections/?order=stage")
    with CaptureQueriesContext(connection) as one:
        assert "1 inspection matches" in lead.get("/inspections/?order=stage").content.decode()
    big = world(tmp_path, "b")
    for n in range(29):
        factories.inspection(lead=small["lead"], body_code="SML", name=f"more {n}")
    big["inspection"].lead = small["lead"]
    big["inspection"].save(update_fields=["lead"])
    with CaptureQueriesContext(connection) as many:
        html = lead.get("/inspections/?order=stage").content.decode()
        assert "31 inspections match" in html and "Page 1 of 2" in html
    print(f"lead's inspections list: {len(one)} queries for 1 inspection, {len(many)} for 31")
    assert len(many) == len(one) <= 16


# The task list agrees with publishing -------------------------------------------------------------------------


def _statuses(client: Any, pk: int) -> dict[str, str]:
    html = client.get(f"/inspections/{pk}/").content.decode()
    found = re.findall(r'id="task-([a-z_]+)-status">(.*?)</div>', html, re.S)
    return {step: re.sub(r"<[^>]+>", "", words).strip() for step, words in found}


def _agrees(client: Any, inspection: Any) -> bool:
    """The task list says the report is ready (or the publish step available) exactly when nothing stands
    between the inspection and publishing; returns whether it can be published."""
    from casereview.web.reports.selectors import publication_problems

    got = _statuses(client, inspection.pk)
    problems = publication_problems(inspection)
    ready = got["report"] == "Completed" or got["publish"] in ("Not yet started", "Completed")
    if ready:
        assert problems == [], (got, problems)
    if problems:
        assert got["publish"] != "Completed" and got["report"] != "Completed", (got, problems)
        assert got["publish"] == "Cannot start yet", (got, problems)
    return not problems


def test_the_task_list_says_publish_exactly_when_publication_problems_has_nothing(
    made: dict[str, Any],
) -> None:
    from casereview.web.referrals.models import SendBack
    from casereview.web.reviews.services import resolution_record

    lead = verified_client(made["lead"])
    inspection = made["inspection"]
    assert not _agrees(lead, inspection)  # drawn and assigned, nothing reviewed
    first, _ = disagreement(made)  # ina inadequate, ben good: open disagreement
    for assignment in made["assignments"][1:-1]:
        factories.submitted(assignment)
    assert not _agrees(lead, inspection)  # one case unreviewed, a disagreement open
    # The last case: a review says the child is at risk, and no send back covers it (the only send back of
    # the case was closed before the yes was given: ``referrals.selectors.covers``).
    review = factories.submitted(
        made["assignments"][-1], "inadequate", send_back=True, reason="At risk", urgency="routine"
    )
    closed = SendBack.objects.filter(sampled_case=made["assignments"][-1].sampled_case)
    assert closed.update(state="closed", closed_at=review.submitted_at - dt.timedelta(days=1)) == 1
    assert not _agrees(lead, inspection)
    resolution_record(
        sampled_case=first.sampled_case,
        final_overall="requires_improvement",
        rationale="Both read again",
        actor=made["lead"],
    )
    assert not _agrees(lead, inspection)  # still: the case at risk is not sent back
    factories.sent_back(made["assignments"][-1])
    assert _agrees(lead, inspection)
    assert _statuses(lead, inspection.pk)["publish"] == "Not yet started"


# Administrators see metadata only; the list is paged -----------------------------------------------------------


def test_an_administrator_sees_no_review_progress_on_the_inspections_list(
    made: dict[str, Any],
) -> None:
    factories.submitted(made["assignment"])
    admin = verified_client(factories.user("administrator", "admin"))
    html = admin.get("/inspections/").content.decode()
    assert "1 inspection matches" in html and made["inspection"].name in html
    for progress in ("Reviews submitted", "Disagreements open", "Send backs open", 'id="f-stage"'):
        assert progress not in html, progress
    assert "Reviewing" not in html and "1 of 8" not in html
    # A stage asked for anyway is ignored (it would tell which inspections are at that stage).
    asked = admin.get("/inspections/?stage=assign").content.decode()
    assert "1 inspection matches" in asked
    assert 'value="stage"' not in asked  # no order by stage either
    lead = verified_client(made["lead"]).get("/inspections/").content.decode()
    assert "Reviews submitted" in lead and "1 of 8" in lead and 'id="f-stage"' in lead


def test_the_inspections_list_pages_25_at_a_time_keeping_the_filters(tmp_path: Path) -> None:
    factories.body()
    lead = factories.user("lead_inspector", "lead")
    for n in range(27):
        factories.inspection(lead=lead, name=f"Inspection {n:02d}", committed=False)
    client = verified_client(lead)
    first = client.get("/inspections/?order=name").content.decode()
    assert "27 inspections match" in first and "Page 1 of 2" in first
    assert first.count('class="govuk-table__row"') == 1 + 25
    assert 'href="?order=name&amp;page=2"' in first and 'rel="prev"' not in first
    second = client.get("/inspections/?order=name&page=2").content.decode()
    assert second.count('class="govuk-table__row"') == 1 + 2
    assert ">Inspection 25</a>" in second and ">Inspection 24</a>" not in second
    assert 'href="?order=name&amp;page=1"' in second and 'rel="next"' not in second
    staged = client.get("/inspections/?stage=seed&page=2").content.decode()
    assert "27 inspections match" in staged and 'href="?stage=seed&amp;page=1"' in staged
    assert client.get("/inspections/?page=%C2%B2").status_code == 200


# Filters are the table's choices; the disagreement page is journaled --------------------------------------------


def test_a_filter_the_table_does_not_offer_is_ignored_and_not_journaled(
    made: dict[str, Any],
) -> None:
    lead = verified_client(made["lead"])
    pk = made["inspection"].pk
    html = lead.get(f"/inspections/{pk}/cases/?stratum=%3Cx%3E&reviewer=nobody&grade=zz").content
    assert len(rows_of(html.decode())) == 8
    response = lead.get(f"/inspections/{pk}/cases.csv?stratum=nope&reviewer=nobody&grade=zz")
    assert len(list(csv.reader(io.StringIO(response.content.decode())))) == 1 + 8
    entry = JournalEntry.objects.filter(action="sample_export").order_by("-seq").first()
    assert entry is not None and entry.detail == {"rows": 8, "filters": {}}
    kept = lead.get(f"/inspections/{pk}/cases.csv?reviewer=ina")
    assert len(list(csv.reader(io.StringIO(kept.content.decode())))) == 1 + 8
    entry = JournalEntry.objects.filter(action="sample_export").order_by("-seq").first()
    assert entry is not None and entry.detail["filters"] == {"reviewer": "ina"}


def test_reading_a_disagreement_is_journaled_as_a_consultation(made: dict[str, Any]) -> None:
    first, _ = disagreement(made)
    pk, case = made["inspection"].pk, first.sampled_case
    before = JournalEntry.objects.filter(action="case_consult").count()
    verified_client(made["lead"]).get(f"/inspections/{pk}/disagreements/{case.pk}/")
    entries = JournalEntry.objects.filter(action="case_consult")
    assert entries.count() == before + 1
    entry = entries.order_by("-seq").first()
    assert entry is not None and entry.object_type == "sampled_case"
    assert entry.object_id == str(case.pk) and entry.operation == "consultation"


def test_a_kept_resolution_naming_no_ascii_number_is_dropped() -> None:
    from django.http import QueryDict

    from casereview.web.reviews.lead_views import _kept_resolution

    assert _kept_resolution(QueryDict("sampled_case=%C2%B2")) is None
    assert _kept_resolution(QueryDict("sampled_case=12"))["sampled_case"] == "12"  # type: ignore[index]
