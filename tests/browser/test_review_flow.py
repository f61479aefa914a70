"""The review flow in Chromium: My cases, the next case, "Case 1 of 4", Save and continue with the time saved
(with the page's autosave and after the POST), the next case, back to My cases, and on from a submission;
axe-core on every page and a screenshot of each."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from casereview.web.reviews.models import Assignment, Review
from tests.web import factories

from .conftest import axe_violations, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SAVED = re.compile(r"Saved at \d\d:\d\d")


def in_order(assignments: list[Assignment]) -> list[Assignment]:
    """My cases' order while nothing is submitted: the sample's."""
    return sorted(assignments, key=lambda a: (a.sampled_case.stratum, a.sampled_case.rank))


def checked(page: Any, name: str) -> None:
    """axe-core finds no serious or critical problem on the page as it is; a full-page screenshot."""
    assert axe_violations(page) == [], name
    screenshot(page, f"review-flow-{name}")


def test_an_inspector_goes_from_my_cases_through_a_case_to_the_next_and_back(
    live_server: Any, axe_page: Any, tmp_path: Path
) -> None:
    page = axe_page
    lead = factories.user("lead_inspector", "lead")
    ina = factories.user("inspector", "ina")
    factories.authenticator(ina)
    factories.body()
    inspection = factories.inspection(lead=lead)
    register = factories.register(tmp_path, rows=80, seed=3, name="r.csv")
    factories.sample(inspection, register, size=4)
    cases = in_order(factories.assigned(inspection, [ina]))
    first, second = cases[0], cases[1]

    page.goto(live_server.url + "/reviews/")
    sign_in(page, "ina")  # the sign-in follows the address asked for
    expect(page.get_by_role("heading", level=1)).to_have_text("My cases")
    expect(page.locator("#my-cases-counts")).to_have_text(
        "4 cases: 4 not started, 0 drafts, 0 submitted"
    )
    checked(page, "1-my-cases")

    # The next case is the first not started: start it.
    page.get_by_role("button", name=f"Start case {first.sampled_case.case_ref}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {first.sampled_case.case_ref}")
    expect(page.locator("#case-position")).to_have_text("Case 1 of 4")
    expect(page.get_by_role("link", name="Previous case")).to_have_count(0)
    # The grading form comes before the register's details, which are folded away until asked for.
    details = page.locator("#case-details")
    expect(details).not_to_have_attribute("open", "")
    expect(page.locator("#grade_initial_contact")).to_be_visible()
    checked(page, "2-case-1-of-4")
    details.locator("summary").first.click()
    expect(details.get_by_role("term").filter(has_text="Category")).to_be_visible()

    # Without waiting for JavaScript: Save and continue posts, and the page after it says when.
    page.locator("#grade-initial_contact-requires_improvement").check()
    page.get_by_role("button", name="Save and continue").click()
    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_contain_text(SAVED)
    expect(page.locator("#save-status")).to_have_text(SAVED)
    expect(page.locator("#grade-initial_contact-requires_improvement")).to_be_checked()
    checked(page, "3-saved")

    # The page's autosave (when it is hidden) saves and says when too, and the page carries on from it.
    page.evaluate("document.getElementById('save-status').textContent = ''")
    page.locator("#comment-initial_contact").fill("Saved by the page itself")
    page.evaluate(
        "Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'));"
    )
    expect(page.locator("#save-status")).to_have_text(SAVED)
    expect(page.locator("#review-version")).to_have_value("2")
    review = Review.objects.get(assignment=first)
    assert review.version == 2 and review.area_comments == {
        "initial_contact": "Saved by the page itself"
    }

    # On to the next case, then back to My cases: two drafts now (opening a case starts it).
    page.get_by_role("link", name=re.compile("^Next case")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Case {second.sampled_case.case_ref}"
    )
    expect(page.locator("#case-position")).to_have_text("Case 2 of 4")
    checked(page, "4-case-2-of-4")
    page.get_by_role("link", name="Previous case").click()
    expect(page.locator("#case-position")).to_have_text("Case 1 of 4")
    page.locator("nav.cr-case-nav").get_by_role("link", name="Back to my cases").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My cases")
    expect(page.locator("#my-cases-counts")).to_have_text(
        "4 cases: 2 not started, 2 drafts, 0 submitted"
    )
    expect(page.locator("tbody tr").first).to_contain_text("Draft")
    checked(page, "5-back-to-my-cases")

    # Submitting: a banner, and the next case to do offered on My cases.
    page.get_by_role("button", name=f"Continue case {first.sampled_case.case_ref}").click()
    for radio in page.locator("input[type=radio][id^='grade-'][value='good']").all():
        radio.check()
    page.locator("#overall-good").check()
    page.locator("#send-back-no").check()
    page.get_by_role("button", name="Submit review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My cases")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Review submitted")
    expect(page.locator("#my-cases-counts")).to_have_text(
        "4 cases: 2 not started, 1 draft, 1 submitted"
    )
    checked(page, "6-submitted")
    page.get_by_role("button", name=f"Continue case {second.sampled_case.case_ref}").click()
    expect(page.locator("#case-position")).to_have_text(
        "Case 1 of 4"
    )  # the submitted one went last
    assert Review.objects.get(assignment=first).state == "submitted"


def test_my_cases_search_and_filters_work_in_the_browser(
    live_server: Any, axe_page: Any, tmp_path: Path
) -> None:
    page = axe_page
    ina = factories.user("inspector", "ina")
    factories.authenticator(ina)
    factories.body()
    inspection = factories.inspection(lead=factories.user("lead_inspector", "lead"))
    register = factories.register(tmp_path, rows=80, seed=3, name="r.csv")
    factories.sample(inspection, register, size=4)
    cases = in_order(factories.assigned(inspection, [ina]))
    factories.submitted(cases[0], "good")

    page.goto(live_server.url + "/reviews/")
    sign_in(page, "ina")
    page.get_by_label("State").select_option(label="Submitted")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#my-cases-matching")).to_contain_text("1 case matches")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text(cases[0].sampled_case.case_ref)
    checked(page, "7-filtered")
    page.get_by_role("link", name="Clear the search and filters").click()
    page.get_by_label("Case reference").fill(cases[2].sampled_case.case_ref.lower())
    page.get_by_role("button", name="Search").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text(cases[2].sampled_case.case_ref)
