"""My cases and the review flow: grouped by inspection (cases to do first, finished inspections last), counted,
searched, filtered and paged; "Case 3 of 18" with the previous and next case; the time a save was made; the next
case after a submission; every refusal of the send-back form at once; an inspector sees only their own cases.
The queries of both pages are pinned at two sizes of data."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casereview.web.reviews import my_cases
from casereview.web.reviews.models import Assignment, Review
from casereview.web.reviews.services import assignments_balance, review_start

from . import factories
from .factories import verified_client

pytestmark = pytest.mark.django_db

SMALL, BIG = 4, 24
SIZES = {"s": ("SML", SMALL), "b": ("BIG", BIG)}


def world(directory: Path, prefix: str = "", code: str = "SYN", size: int = 8) -> dict[str, Any]:
    """ina's cases in two inspections of one body: the current one (Q1 2024: a quarter submitted, a quarter
    drafts, the rest not started) and an older one she finished (Q4 2023, all submitted)."""
    factories.body(code, f"{code} Constabulary")
    made = factories.inspection_world(directory, body_code=code, rows=100, size=size, prefix=prefix)
    current = made["assignments"]
    for a in current[: size // 4]:
        factories.submitted(a, "good")
    for a in current[size // 4 : size // 2]:
        review_start(assignment=a)
    old = factories.inspection(
        lead=made["lead"],
        body_code=code,
        name=f"{prefix}Q4 2023",
        period_start=dt.date(2023, 10, 1),
        period_end=dt.date(2023, 12, 31),
    )
    register = factories.register(
        directory, rows=60, seed=7, name=f"{prefix}old.csv", body_code=code
    )
    factories.sample(old, register, size=size // 2)
    assignments_balance(inspection=old, inspectors=[made["ina"]])
    made["old"] = factories.assignments(old)
    for a in made["old"]:
        factories.submitted(a, "requires_improvement")
    made["old_inspection"] = old
    return made


def state_of(a: Assignment) -> str:
    review = Review.objects.filter(assignment=a).first()
    return "not_started" if review is None else review.state


def listed_refs(html: str) -> list[str]:
    """The case references My cases lists, in order (the links of its tables' rows)."""
    return re.findall(
        r'<td class="govuk-table__cell"><a class="govuk-link" href="/reviews/\d+/">([^<]+)</a>',
        html,
    )


def sample_order(rows: list[Assignment]) -> list[Assignment]:
    """First reviews before moderations, each in the sample's order (stratum, then rank in it)."""
    return sorted(rows, key=lambda a: (a.kind, a.sampled_case.stratum, a.sampled_case.rank))


# Query counts -------------------------------------------------------------------------------------------------


def both(directory: Path, path: Any) -> list[int]:
    """The queries of one page for ina of the small world (built alone) and of the big one (built beside it)."""
    counts = []
    for prefix, (code, size) in SIZES.items():
        made = world(directory, prefix, code, size)
        client = verified_client(made["ina"])
        assert client.get(path(made)).status_code == 200  # the first visit may make a draft
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path(made)).status_code == 200
        counts.append(len(queries))
    return counts


PAGES: dict[str, tuple[int, Any]] = {
    "my cases": (7, lambda w: "/reviews/"),
    "my cases, searched and filtered": (
        7,
        lambda w: f"/reviews/?q=syn&state=to_do&inspection={w['inspection'].pk}&page=1",
    ),
    "my cases, the last page": (7, lambda w: "/reviews/?page=99"),
    "review page": (17, lambda w: f"/reviews/{w['assignment'].pk}/"),
}


@pytest.mark.parametrize("name", PAGES)
def test_my_cases_and_the_review_page_make_as_many_queries_for_24_cases_as_for_4(
    name: str, tmp_path: Path
) -> None:
    bound, path = PAGES[name]
    small, big = both(tmp_path, path)
    print(f"{name}: {small} queries with {SMALL} cases, {big} with {BIG}")
    assert big == small, f"{name}: {small} queries with {SMALL} cases but {big} with {BIG}"
    assert small <= bound, f"{name}: {small} queries, pinned at {bound}"


# My cases -----------------------------------------------------------------------------------------------------


def test_cases_to_do_come_first_in_sample_order_then_submitted_then_the_finished_inspection(
    tmp_path: Path,
) -> None:
    made = world(tmp_path)
    html = verified_client(made["ina"]).get("/reviews/").content.decode()
    current = sample_order(made["assignments"])
    to_do = [a for a in current if state_of(a) != "submitted"]
    done = [a for a in current if state_of(a) == "submitted"]
    expected = [a.sampled_case.case_ref for a in (*to_do, *done, *sample_order(made["old"]))]
    assert listed_refs(html) == expected
    # Two groups, the current inspection's heading first; the finished one is last whatever its period.
    assert html.index(f"{made['inspection'].name}, SYN Constabulary</h2>") < html.index(
        f"{made['old_inspection'].name}, SYN Constabulary</h2>"
    )


def test_the_counts_say_how_many_cases_are_in_each_state_in_words(tmp_path: Path) -> None:
    made = world(tmp_path)  # 8 current (2 submitted, 2 drafts, 4 not started) and 4 finished
    html = verified_client(made["ina"]).get("/reviews/").content.decode()
    assert "12 cases: 4 not started, 2 drafts, 6 submitted" in html
    assert "8 cases: 4 not started, 2 drafts, 2 submitted." in html  # the current inspection
    assert "4 cases: 0 not started, 0 drafts, 4 submitted." in html  # the finished one
    assert "not_started" not in html.replace('value="not_started"', "")
    assert "(s)" not in html


def test_the_next_case_is_the_first_draft_else_the_first_not_started(tmp_path: Path) -> None:
    made = world(tmp_path)
    client = verified_client(made["ina"])

    def offered() -> str:
        html = client.get("/reviews/").content.decode()
        return html[html.index('id="next-case"') - 200 : html.index('id="next-case"') + 300]

    in_order = sample_order(made["assignments"])
    for a in [a for a in in_order if state_of(a) == "draft"]:
        button = offered()
        assert (
            f'href="/reviews/{a.pk}/"' in button
            and f"Continue case {a.sampled_case.case_ref}" in button
        )
        factories.submitted(a, "good")
    first = next(a for a in in_order if state_of(a) == "not_started")
    button = offered()
    assert (
        f'href="/reviews/{first.pk}/"' in button
        and f"Start case {first.sampled_case.case_ref}" in button
    )


def test_when_everything_is_submitted_my_cases_says_nothing_is_left(tmp_path: Path) -> None:
    made = world(tmp_path)
    for a in made["assignments"]:
        if state_of(a) != "submitted":
            factories.submitted(a, "good")
    html = verified_client(made["ina"]).get("/reviews/").content.decode()
    assert "Nothing is left to do" in html and "Start case" not in html


def test_search_by_reference_ignores_case_and_says_how_many_match(tmp_path: Path) -> None:
    made = world(tmp_path)
    ref = made["assignments"][3].sampled_case.case_ref
    client = verified_client(made["ina"])
    html = client.get("/reviews/", {"q": ref.lower()}).content.decode()
    # The same reference may be sampled in both inspections (a register's references run from 1 each time).
    hits = [a for a in (*made["assignments"], *made["old"]) if a.sampled_case.case_ref == ref]
    assert listed_refs(html) == [ref] * len(hits)
    matches = "1 case matches" if len(hits) == 1 else f"{len(hits)} cases match"
    assert matches in html and f'value="{ref.lower()}"' in html  # the search is kept
    none = client.get("/reviews/", {"q": "no such case"}).content.decode()
    assert "0 cases match" in none and listed_refs(none) == [] and "Show all your cases" in none


@pytest.mark.parametrize(
    ("state", "wanted"),
    [
        ("not_started", {"not_started"}),
        ("draft", {"draft"}),
        ("to_do", {"not_started", "draft"}),
        ("submitted", {"submitted"}),
    ],
)
def test_the_state_filter_lists_only_cases_in_that_state(
    tmp_path: Path, state: str, wanted: set[str]
) -> None:
    made = world(tmp_path)
    mine = [*made["assignments"], *made["old"]]
    html = verified_client(made["ina"]).get("/reviews/", {"state": state}).content.decode()
    refs = listed_refs(html)
    # (A reference may be sampled in both inspections: each draw is seeded afresh.)
    expected = sorted(a.sampled_case.case_ref for a in mine if state_of(a) in wanted)
    assert refs and sorted(refs) == expected
    assert f"{len(expected)} case" in html and "match" in html
    assert f'<option value="{state}" selected>' in html


def test_the_inspection_filter_lists_only_that_inspections_cases(tmp_path: Path) -> None:
    made = world(tmp_path)
    old = made["old_inspection"]
    html = (
        verified_client(made["ina"]).get("/reviews/", {"inspection": str(old.pk)}).content.decode()
    )
    assert sorted(listed_refs(html)) == sorted(a.sampled_case.case_ref for a in made["old"])
    assert (
        f'<option value="{old.pk}" selected>{old.name}, SYN Constabulary (finished)</option>'
        in html
    )


def test_pages_have_previous_and_next_and_keep_the_filters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(my_cases, "MY_CASES_PAGE", 5)
    made = world(tmp_path)  # 12 cases: pages of 5, 5 and 2
    client = verified_client(made["ina"])
    everything = []
    for number in (1, 2, 3):
        html = client.get("/reviews/", {"page": str(number)}).content.decode()
        everything += listed_refs(html)
        assert f"Page {number} of 3." in html
        assert ('rel="prev"' in html) == (number > 1) and ('rel="next"' in html) == (number < 3)
    whole = [
        a.sampled_case.case_ref
        for a in (
            *[a for a in sample_order(made["assignments"]) if state_of(a) != "submitted"],
            *[a for a in sample_order(made["assignments"]) if state_of(a) == "submitted"],
            *sample_order(made["old"]),
        )
    ]
    assert everything == whole  # every case once, in order, across the pages
    later = client.get("/reviews/", {"page": "99"}).content.decode()
    assert listed_refs(later) == whole[10:]  # past the end: the last page
    filtered = client.get("/reviews/", {"state": "submitted", "page": "1"}).content.decode()
    assert 'href="?state=submitted&amp;page=2"' in filtered  # the next page keeps the filter
    assert client.get("/reviews/", {"page": "x"}).status_code == 200


def test_an_inspector_never_sees_another_inspectors_cases(tmp_path: Path) -> None:
    made = world(tmp_path)
    ben_cases = factories.moderated(made["inspection"], [made["ben"]], share=1.0)
    assert ben_cases and all(a.inspector == made["ben"] for a in ben_cases)
    ina = verified_client(made["ina"])
    for query in ({}, {"q": ben_cases[0].sampled_case.case_ref}, {"state": "not_started"}):
        html = ina.get("/reviews/", query).content.decode()
        assert not any(f'href="/reviews/{a.pk}/"' in html for a in ben_cases)
        assert "Moderation" not in html
    assert ina.get(f"/reviews/{ben_cases[0].pk}/").status_code == 404
    ben = verified_client(made["ben"]).get("/reviews/").content.decode()
    assert set(listed_refs(ben)) == {a.sampled_case.case_ref for a in ben_cases}
    assert "12 cases" not in ben and f"{len(ben_cases)} case" in ben
    # The lead has no cases of their own: none of the inspectors' show under their My cases.
    lead = verified_client(made["lead"]).get("/reviews/").content.decode()
    assert listed_refs(lead) == [] and "No cases are assigned to you" in lead


def test_strata_show_in_words(tmp_path: Path) -> None:
    made = world(tmp_path)
    html = verified_client(made["ina"]).get("/reviews/").content.decode()
    strata = {a.sampled_case.stratum for a in made["assignments"]}
    assert any(s and "_" in s for s in strata)  # the codes have underscores; the page must not
    for s in strata:
        if "_" in s:
            assert f">{s}<" not in html


# The review flow ----------------------------------------------------------------------------------------------


def test_the_review_page_says_which_case_of_how_many_with_previous_and_next(tmp_path: Path) -> None:
    made = world(tmp_path)
    order = [
        *[a for a in sample_order(made["assignments"]) if state_of(a) != "submitted"],
        *[a for a in sample_order(made["assignments"]) if state_of(a) == "submitted"],
    ]
    client = verified_client(made["ina"])
    for n, a in enumerate(order):
        html = client.get(f"/reviews/{a.pk}/").content.decode()
        assert f"Case {n + 1} of {len(order)}</p>" in html
        assert ('rel="prev"' in html) == (n > 0) and ('rel="next"' in html) == (n + 1 < len(order))
        if n > 0:
            assert f'href="/reviews/{order[n - 1].pk}/" rel="prev"' in html
        if n + 1 < len(order):
            assert f'href="/reviews/{order[n + 1].pk}/" rel="next"' in html
        assert "Back to my cases" in html
    # The finished inspection counts its own cases.
    old = sample_order(made["old"])
    html = client.get(f"/reviews/{old[-1].pk}/").content.decode()
    assert f"Case {len(old)} of {len(old)}</p>" in html


def test_the_register_details_are_in_a_collapsed_section_after_the_heading(tmp_path: Path) -> None:
    made = world(tmp_path)
    html = verified_client(made["ina"]).get(f"/reviews/{made['assignment'].pk}/").content.decode()
    details = html.index('<details class="govuk-details" id="case-details">')
    assert html.index("<h1") < details < html.index('id="grade_')
    assert "From the register" in html[details : details + 400]


def test_a_lead_reading_someone_elses_review_gets_no_case_position(tmp_path: Path) -> None:
    made = world(tmp_path)
    html = verified_client(made["lead"]).get(f"/reviews/{made['assignment'].pk}/").content.decode()
    assert "Case 1 of" not in html and 'rel="next"' not in html


def test_save_and_continue_confirms_with_the_time_saved(tmp_path: Path) -> None:
    from django.utils import timezone

    made = world(tmp_path)
    a = next(a for a in sample_order(made["assignments"]) if state_of(a) == "not_started")
    client = verified_client(made["ina"])
    client.get(f"/reviews/{a.pk}/")
    page = client.post(
        f"/reviews/{a.pk}/",
        {"grade_initial_contact": "good", "version": "0", "action": "save"},
        follow=True,
    )
    html = page.content.decode()
    review = Review.objects.get(assignment=a)
    shown = f"Saved at {timezone.localtime(review.updated_at):%H:%M}"
    assert page.redirect_chain[-1][0] == f"/reviews/{a.pk}/" and review.version == 1
    assert "govuk-notification-banner" in html and shown in html
    assert (
        f'<p class="govuk-body-s cr-save-status" id="save-status" role="status">{shown}</p>' in html
    )
    assert (
        'id="grade-initial_contact-good" name="grade_initial_contact" type="radio" value="good" checked'
        in html
    )


def test_after_a_submission_my_cases_offers_the_next_case(tmp_path: Path) -> None:
    from .test_reviews import complete_form

    made = world(tmp_path)
    to_do = [a for a in sample_order(made["assignments"]) if state_of(a) != "submitted"]
    client = verified_client(made["ina"])
    client.get(f"/reviews/{to_do[0].pk}/")
    page = client.post(f"/reviews/{to_do[0].pk}/", complete_form(0), follow=True)
    html = page.content.decode()
    assert page.redirect_chain[-1][0] == "/reviews/"
    assert "Review submitted" in html and "govuk-notification-banner" in html
    drafts = [a for a in to_do[1:] if state_of(a) == "draft"]
    offered = (drafts or to_do[1:])[0]
    button = html[html.index('id="next-case"') - 200 :]
    assert f'href="/reviews/{offered.pk}/"' in button[:400]
    # The submitted case's own page offers the case to do after it.
    again = client.get(f"/reviews/{to_do[0].pk}/").content.decode()
    assert f'id="next-to-do" href="/reviews/{to_do[1].pk}/"' in again


def test_the_send_back_form_reports_every_missing_answer_at_once_and_keeps_the_values(
    tmp_path: Path,
) -> None:
    made = world(tmp_path)
    a = made["assignments"][-1]
    factories.submitted(a, "inadequate", send_back=False)
    Review.objects.filter(assignment=a).update(send_back=True)  # a yes with no send back
    client = verified_client(made["ina"])
    page = client.post(f"/send-backs/from-review/{a.pk}/", {"reason": "", "urgency": ""})
    html = page.content.decode()
    assert page.status_code == 400
    summary = html[
        html.index("govuk-error-summary") : html.index("</ul>", html.index("govuk-error-summary"))
    ]
    assert "Say why the case is sent back" in summary and "Choose the urgency" in summary
    assert html.count('class="govuk-error-message"') >= 2
    kept = client.post(
        f"/send-backs/from-review/{a.pk}/", {"reason": "Child still at risk", "urgency": "x"}
    )
    text = kept.content.decode()
    assert kept.status_code == 400 and "Child still at risk</textarea>" in text
    assert "Say why the case is sent back" not in text and "Choose the urgency" in text


def test_the_conflict_page_shows_grades_in_words(tmp_path: Path) -> None:
    made = world(tmp_path)
    a = next(a for a in sample_order(made["assignments"]) if state_of(a) == "not_started")
    client = verified_client(made["ina"])
    client.get(f"/reviews/{a.pk}/")
    form = {"grade_initial_contact": "requires_improvement", "version": "0", "action": "save"}
    assert client.post(f"/reviews/{a.pk}/", form).status_code == 302
    stale = client.post(f"/reviews/{a.pk}/", {**form, "grade_initial_contact": "inadequate"})
    html = stale.content.decode()
    assert stale.status_code == 409 and "both versions are kept" in html
    table = html[html.index("<tbody") : html.index("</tbody>")]
    assert "Requires improvement" in table and "Inadequate" in table
    assert "requires_improvement" not in table
