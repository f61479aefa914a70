"""Release practice and the accessibility statement in a real browser: the schedule form (with its errors),
a scheduled publication's status, the published report's pre-announcement, and the statement signed out;
each at 320 CSS pixels without sideways scrolling and with no serious axe-core finding, and the schedule
form working without JavaScript."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import SCREENSHOTS, axe_violations
from .test_reflow_and_no_js import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FOLDER = SCREENSHOTS / "release"


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Any]:
    from casereview.domain.release import release_words
    from casereview.web.reports.release import publication_schedule, publish_due
    from tests.web import factories

    factories.body()
    lead = factories.user("lead_inspector", "lead")
    ina = factories.user("inspector", "ina")
    analyst = factories.user("analyst", "analyst")
    inspections = []
    for seed, name in ((1, "Q1 2024"), (2, "Q2 2024"), (3, "Q3 2024")):
        inspection = factories.inspection(lead=lead, name=name)
        register = factories.register(tmp_path, rows=100, seed=seed, name=f"{seed}.csv")
        factories.sample(inspection, register, size=4)
        for assignment in factories.assigned(inspection, [ina]):
            factories.submitted(assignment, "good")
        inspections.append(inspection)
    past = timezone.now() - dt.timedelta(minutes=1)
    publication_schedule(
        inspection=inspections[0],
        actor=lead,
        release_at=past,
        pre_release_access="Sam Patel, Head of Statistics, Ministry of Justice",
        now=past - dt.timedelta(days=1),
    )
    (released,) = publish_due()
    ahead = publication_schedule(
        inspection=inspections[1],
        actor=lead,
        release_at=timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=3),
        pre_release_access="Jo Bloggs, Press Officer, Home Office\nSam Patel, Statistician, ONS",
    )
    return {
        "lead": lead,
        "analyst": analyst,
        "published": released.publication.pk,  # type: ignore[union-attr]
        "scheduled": inspections[1].pk,
        "when": release_words(ahead.release_at),
        "fresh": inspections[2].pk,  # ready, not scheduled
    }


def _check(page: Any, name: str, problems: list[str]) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 1:
        problems.append(f"{name}: {overflow}px too wide")
    found = axe_violations(page)
    if found:
        problems.append(f"{name}: {found}")
    page.screenshot(path=str(FOLDER / f"{name}.png"), full_page=True)


def test_the_release_pages_and_the_statement_reflow_and_pass_axe(
    live_server: Any, browser: Any, world: dict[str, Any]
) -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    small = {"viewport": {"width": 320, "height": 640}, "bypass_csp": True}

    context = browser.new_context(**small)
    page = context.new_page()
    page.goto(f"{live_server.url}/accessibility/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Accessibility statement for casereview"
    )
    _check(page, "accessibility-signed-out", problems)
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Accessibility statement").click()
    expect(page).to_have_url(f"{live_server.url}/accessibility/")
    context.close()

    context = signed_in(browser, live_server.url, "lead", **small)
    page = context.new_page()
    page.goto(f"{live_server.url}/reports/inspection/{world['scheduled']}/")
    status = page.locator("#scheduled-status")
    expect(status).to_contain_text(f"Scheduled for {world['when']}; ")
    expect(status).to_contain_text("pre-release access: Jo Bloggs (Press Officer, Home Office)")
    _check(page, "draft-scheduled", problems)
    page.goto(f"{live_server.url}/reports/inspection/{world['scheduled']}/schedule/")
    page.get_by_role("button", name="Save the change").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Give the reason for changing the announced publication"
    )
    _check(page, "schedule-change-errors", problems)
    page.goto(f"{live_server.url}/reports/inspection/{world['fresh']}/schedule/")
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2027")
    page.get_by_label("Release time").fill("9h30")
    page.get_by_label("Pre-release access").fill("Sam Patel")
    page.get_by_role("button", name="Schedule the publication").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The release date must be a real date")
    expect(summary).to_contain_text("Enter the release time")
    expect(summary).to_contain_text("Line 1: give the name")
    _check(page, "schedule-errors", problems)
    context.close()

    context = signed_in(browser, live_server.url, "analyst", **small)
    page = context.new_page()
    page.goto(f"{live_server.url}/reports/{world['published']}/")
    expect(page.locator("#pre-announced")).to_contain_text(
        "Pre-release access: Sam Patel (Head of Statistics, Ministry of Justice)."
    )
    _check(page, "published-pre-announced", problems)
    page.goto(f"{live_server.url}/reports/")
    expect(page.get_by_text("Pre-announced for", exact=False)).to_be_visible()
    expect(page.locator("#upcoming-publications")).to_contain_text(world["when"])
    _check(page, "index-pre-announced", problems)
    context.close()
    assert not problems, "\n".join(problems)


def test_scheduling_and_cancelling_work_without_javascript(
    live_server: Any, browser: Any, world: dict[str, Any]
) -> None:
    from casereview.web.reports.models import ScheduledPublication

    context = signed_in(browser, live_server.url, "lead", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/reports/inspection/{world['fresh']}/schedule/")
    day = timezone.localdate() + dt.timedelta(days=20)
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))
    expect(page.get_by_label("Release time")).to_have_value("09:30")
    page.get_by_role("button", name="Schedule the publication").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"is scheduled for publication at 09:30 on {day.day} {day:%B %Y}"
    )
    assert ScheduledPublication.objects.get(inspection_id=world["fresh"]).state == "scheduled"
    page.get_by_role("link", name="Change or cancel the scheduled publication").click()
    page.get_by_role("button", name="Cancel the scheduled publication").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Give the reason for cancelling the announced publication"
    )
    page.get_by_label("Why are you cancelling it?").fill("The inspection is to be reviewed again")
    page.get_by_role("button", name="Cancel the scheduled publication").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is cancelled")
    assert ScheduledPublication.objects.get(inspection_id=world["fresh"]).state == "cancelled"
    context.close()
