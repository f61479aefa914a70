"""Each role signs in through the real sign-in, lands on its start page and follows its main link; axe-core on
every page (no serious or critical violation) and a screenshot of each.  At 390 pixels the service navigation
hides behind its menu button until the button is pressed."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import SCREENSHOTS, axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FOLDER = SCREENSHOTS / "start-pages"


@pytest.fixture
def people(tmp_path: Path) -> dict[str, Any]:
    """Every role, each with an authenticator: a lead's spring inspection part-way (ina's first case sent back
    to the body), and last winter's inspection graded and published."""
    from casereview.web.reports.services import report_publish
    from tests.web import factories

    body = factories.body()
    made = {
        "lead": factories.user("lead_inspector", "lead"),
        "ina": factories.user("inspector", "ina"),
        "liaison": factories.user("liaison_officer", "liaison"),
        "ana": factories.user("analyst", "ana"),
        "admin": factories.user("administrator", "admin"),
    }
    for person in made.values():
        factories.authenticator(person)
    factories.contact(body, made["liaison"])
    winter = factories.inspection(
        lead=made["lead"],
        name="Winter quarter",
        period_start=dt.date(2023, 10, 1),
        period_end=dt.date(2023, 12, 31),
    )
    factories.sample(winter, factories.register(tmp_path, rows=40, seed=5, name="w.csv"), size=2)
    for a in factories.assigned(winter, [made["ina"]]):
        factories.submitted(a, "good")
    made["publication"] = report_publish(inspection=winter, actor=made["lead"])
    spring = factories.inspection(lead=made["lead"], name="Spring quarter")
    factories.sample(spring, factories.register(tmp_path, rows=60, seed=3, name="s.csv"), size=3)
    first, second, _ = factories.assigned(spring, [made["ina"]])
    made["send_back"] = factories.submitted(
        first, "inadequate", send_back=True, reason="Still at risk", urgency="priority"
    ).send_backs.get()
    made["spring"], made["next"] = spring, second
    return made


def checked(page: Any, name: str) -> None:
    """No serious or critical axe violation on the page as it is; then a screenshot to look at."""
    found = axe_violations(page)
    assert not found, f"{name}: {found}"
    FOLDER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(FOLDER / f"{name}.png"), full_page=True)


def start(page: Any, base: str, username: str) -> None:
    page.goto(base + "/")
    sign_in(page, username)
    expect(page).to_have_url(base + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    checked(page, f"{username}-start")


def test_an_inspector_starts_the_next_case_from_their_start_page(
    live_server: Any, axe_page: Any, people: dict[str, Any]
) -> None:
    page = axe_page
    start(page, live_server.url, "ina")
    cases = page.locator("#your-cases ~ p[data-counts]").first
    expect(cases).to_have_text("2 not started, 0 drafts, 1 submitted")
    expect(page.get_by_role("link", name="Winter quarter")).to_have_count(0)  # published: done
    page.get_by_role("button", name="Start next case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Case {people['next'].sampled_case.case_ref}"
    )
    checked(page, "ina-next-case")


def test_a_lead_opens_an_inspection_from_their_start_page(
    live_server: Any, axe_page: Any, people: dict[str, Any]
) -> None:
    page = axe_page
    start(page, live_server.url, "lead")
    card = page.locator(".govuk-summary-card").filter(has_text="Spring quarter")
    expect(card.locator(".govuk-summary-list")).to_contain_text("1 of 3 cases submitted")
    expect(card.locator("tbody tr").first).to_contain_text("ina")
    expect(page.locator(".govuk-summary-card").filter(has_text="Winter quarter")).to_have_count(0)
    card.get_by_role("link", name="Open the inspection Spring quarter").click()
    expect(page).to_have_url(f"{live_server.url}/inspections/{people['spring'].pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring quarter")
    checked(page, "lead-inspection")


def test_a_liaison_officer_opens_a_send_back_from_their_start_page(
    live_server: Any, axe_page: Any, people: dict[str, Any]
) -> None:
    page = axe_page
    start(page, live_server.url, "liaison")
    expect(
        page.get_by_role("heading", level=2, name="Send backs to Synthetic Constabulary")
    ).to_be_visible()
    send_back = people["send_back"]
    row = page.locator("tbody tr").filter(has_text=send_back.sampled_case.case_ref)
    expect(row).to_contain_text("Priority (5 working days)")
    row.get_by_role("link", name=send_back.sampled_case.case_ref).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Send back {send_back.pk}: case {send_back.sampled_case.case_ref}"
    )
    checked(page, "liaison-send-back")


def test_an_analyst_reads_a_published_report_and_the_national_trend_from_their_start_page(
    live_server: Any, axe_page: Any, people: dict[str, Any]
) -> None:
    page = axe_page
    start(page, live_server.url, "ana")
    page.get_by_role("link", name="Winter quarter – Synthetic Constabulary").click()
    expect(page).to_have_url(f"{live_server.url}/reports/{people['publication'].pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Winter quarter")
    checked(page, "ana-published-report")
    page.go_back()
    page.get_by_role("link", name="National trend").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("National trend")
    checked(page, "ana-national-trend")


def test_an_administrator_manages_users_from_their_start_page(
    live_server: Any, axe_page: Any, people: dict[str, Any]
) -> None:
    page = axe_page
    start(page, live_server.url, "admin")
    service = page.locator(".govuk-summary-list").first
    expect(service).to_contain_text("5 active")
    expect(service).to_contain_text("casereview journal verify")
    page.get_by_role("link", name="Manage users").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    checked(page, "admin-users")
    page.get_by_role("link", name="Help", exact=True).click()  # the footer's
    expect(page.get_by_role("heading", level=1)).to_have_text("Help")
    page.get_by_role("link", name="The sample and how to check it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The sample and how to check it")
    checked(page, "admin-help-sample")


def test_at_390_pixels_the_navigation_waits_behind_the_menu_button(
    live_server: Any, axe_page: Any, people: dict[str, Any]
) -> None:
    page = axe_page
    page.goto(live_server.url + "/")
    sign_in(page, "lead")  # at desktop width, where sign-in looks for the sign-out button
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    menu = page.get_by_role("button", name="Menu")
    links = page.locator("#navigation")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(links).to_be_hidden()
    expect(
        page.get_by_role("heading", level=1)
    ).to_be_in_viewport()  # the page starts on the first screen
    checked(page, "lead-390-menu-closed")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(links).to_be_visible()
    expect(page.get_by_role("link", name="Inspections", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Sign out lead"))).to_be_visible()
    checked(page, "lead-390-menu-open")
    menu.click()
    expect(links).to_be_hidden()
    # A wide table says that it scrolls sideways (the lead's progress table fits; the registers' does not).
    page.locator("summary").filter(has_text="register").first.click()
    wrap = page.locator("details[open] .cr-table-wrap").first
    expect(wrap).to_have_class(re.compile(r"\bcr-table-wrap--scrolls\b"))
    hint = page.evaluate("(el) => getComputedStyle(el, '::before').content", wrap.element_handle())
    assert "Scroll sideways" in hint
