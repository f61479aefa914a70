"""From findings to change, through the pages only: the lead publishes a finding with two recommendations; the
body's liaison officer submits an action plan and a progress update; at the next inspection of the body the
lead judges one recommendation met and one not met from the evidence the page shows.  Every page is checked with
axe-core; a screenshot of each step in test-results/screenshots/followup/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casereview.web.followup.models import (
    ActionPlan,
    Finding,
    PlanAction,
    ProgressUpdate,
    Recommendation,
    RecommendationJudgement,
)
from tests.web import factories

from .conftest import SCREENSHOTS, axe_violations, loaded
from .test_reflow_and_no_js import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FOLDER = SCREENSHOTS / "followup"


class Walk:
    """Each person's browser context; every page checked and photographed."""

    def __init__(self, browser: Any, base: str) -> None:
        self.browser, self.base, self.shots = browser, base, 0
        self.pages: dict[str, Any] = {}
        self.visited: dict[str, list[str]] = {}
        FOLDER.mkdir(parents=True, exist_ok=True)
        for old in FOLDER.glob("*.png"):
            old.unlink()

    def as_(self, username: str) -> Any:
        if username not in self.pages:
            context = signed_in(
                self.browser,
                self.base,
                username,
                viewport={"width": 1100, "height": 900},
                bypass_csp=True,
            )
            self.pages[username] = context.new_page()
        return self.pages[username]

    def check(self, page: Any, name: str) -> None:
        assert loaded(page).locator("h1").count() == 1, name
        assert page.title().endswith("– casereview"), page.title()
        found = axe_violations(page)
        assert not found, f"{name}: {found}"
        user = next(u for u, p in self.pages.items() if p is page)
        path = page.url.removeprefix(self.base)
        if path not in self.visited.setdefault(user, []):
            self.visited[user].append(path)
        self.shots += 1
        page.screenshot(path=str(FOLDER / f"{self.shots:02d}-{name}.png"), full_page=True)

    def go(self, username: str, path: str, name: str) -> Any:
        page = self.as_(username)
        response = page.goto(self.base + path)
        assert response is not None and response.status == 200, (username, path)
        self.check(page, name)
        return page


def later_inspection(tmp_path: Path, lead: Any, ina: Any) -> Any:
    """The next quarter's inspection of the body: six cases, all graded good, none with a weakness."""
    made = factories.inspection(
        lead=lead, name="Q2", period_start=dt.date(2024, 4, 1), period_end=dt.date(2024, 6, 30)
    )
    factories.sample(made, factories.register(tmp_path, rows=60, seed=7, name="q2.csv"), size=6)
    for assignment in factories.assigned(made, [ina]):
        factories.submitted(assignment, "good")
    return made


def test_findings_to_judgement_through_the_pages(
    live_server: Any, browser: Any, tmp_path: Path
) -> None:
    made = factories.published_inspection(tmp_path, size=2, overall="inadequate")
    inspection = made["inspection"]
    walk = Walk(browser, live_server.url)

    # The lead reaches the findings from the register (never by typing an address) ...
    page = walk.go("lead", "/recommendations/", "lead-register")
    assert "<" not in page.title()
    page.locator(f'a[href="/recommendations/inspections/{inspection.pk}/findings/"]').click()
    walk.check(page, "lead-findings")
    # ... and writes the finding (the counts come prefilled from the report's own rule) ...
    page.get_by_label("Cause of concern").check()
    page.locator("#finding-text").fill("Children at risk were not always seen and spoken to")
    expect(page.locator("#count-weakness-W04")).to_have_value("2")
    page.locator("#basis-weakness-W04").check()
    page.get_by_role("button", name="Add the finding").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Finding added")
    walk.check(page, "lead-finding-added")
    finding = Finding.objects.get(inspection=inspection)

    # ... adds two recommendations, one due by a date and one in working days ...
    due = timezone.localdate() + dt.timedelta(days=120)
    for text, how in (
        ("See and speak to every child at risk", "date"),
        ("Record the child's voice", "days"),
    ):
        page.get_by_text(f"Add a recommendation to finding {finding.number}").click()
        page.locator(f"#recommendation-text-{finding.pk}").fill(text)
        if how == "date":
            page.locator(f"#due-date-{finding.pk}").check()
            page.locator(f"#due-day-{finding.pk}").fill(str(due.day))
            page.locator(f"#due-month-{finding.pk}").fill(str(due.month))
            page.locator(f"#due-year-{finding.pk}").fill(str(due.year))
        else:
            page.locator(f"#due-days-{finding.pk}").check()
            page.locator(f"#working-days-{finding.pk}").fill("20")
        page.get_by_role("button", name="Add the recommendation").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("Recommendation added")
    walk.check(page, "lead-two-recommendations")

    # ... and publishes it: the body's plan is now awaited.
    page.get_by_role("button", name=f"Publish finding {finding.number}").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("published")
    walk.check(page, "lead-published")
    first, second = Recommendation.objects.filter(finding=finding).order_by("number")
    assert (first.state, second.state) == ("open", "open")
    plan = ActionPlan.objects.get(inspection=inspection)

    # The liaison officer finds them in the register, reads one, and plans an action for each.
    page = walk.go("liaison", "/recommendations/", "liaison-register")
    page.get_by_role("link", name="R1").first.click()
    walk.check(page, "liaison-recommendation")
    page.get_by_role("link", name="See the action plan").click()
    walk.check(page, "liaison-plan-empty")
    target = timezone.localdate() + dt.timedelta(days=60)
    for rec, text in (
        (first, "Train every officer in the child's voice"),
        (second, "Audit recording monthly"),
    ):
        key = f"action-{rec.pk}-0"
        page.locator(f"#{key}-text").fill(text)
        page.locator(f"#{key}-owner").fill("Head of Public Protection")
        page.locator(f"#{key}-day").fill(str(target.day))
        page.locator(f"#{key}-month").fill(str(target.month))
        page.locator(f"#{key}-year").fill(str(target.year))
    page.get_by_role("button", name="Save the plan").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Action plan saved")
    walk.check(page, "liaison-plan-saved")
    page.get_by_role("button", name="Submit the plan").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("submitted")
    walk.check(page, "liaison-plan-submitted")
    assert ActionPlan.objects.get(pk=plan.pk).state == "submitted"

    # A progress update on the first action.
    page.get_by_role("link", name="Report progress on action 1 for R1").click()
    walk.check(page, "liaison-action")
    page.get_by_label("What has been done").fill(
        "Half the officers trained by the end of the month"
    )
    page.get_by_label("Evidence (optional)").fill("Training register, public protection unit")
    page.get_by_role("button", name="Save the progress update").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Progress update saved")
    walk.check(page, "liaison-progress-saved")
    action = PlanAction.objects.get(recommendation=first)
    assert ProgressUpdate.objects.get(action=action).evidence.startswith("Training register")

    # The lead accepts the plan.
    page = walk.go("lead", f"/recommendations/plans/{plan.pk}/", "lead-plan")
    page.get_by_role("button", name="Accept the plan").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("accepted")
    walk.check(page, "lead-plan-accepted")

    # The next inspection: the evidence from its sample, the proposal, and the lead's judgements.
    later = later_inspection(tmp_path, made["lead"], made["ina"])
    page = walk.go("lead", f"/inspections/{later.pk}/", "lead-later-inspection")
    page.locator(f'a[href="/recommendations/inspections/{later.pk}/judge/"]').click()
    walk.check(page, "lead-judge")
    card = page.locator(f"#recommendation-{first.pk}")
    expect(card).to_contain_text("Proposed:")
    expect(card).to_contain_text("(W04)")
    page.locator(f"#judgement-{first.pk}-met").check()
    card.get_by_label("Why").fill("No child unseen in the new sample of six")
    card.get_by_role("button", name="Record the judgement of R1").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("judged met")
    walk.check(page, "lead-judged-met")
    card = page.locator(f"#recommendation-{second.pk}")
    page.locator(f"#judgement-{second.pk}-not_met").check()
    card.get_by_label("Why").fill("The child's voice is still not recorded in the files read")
    card.get_by_role("button", name="Record the judgement of R2").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("judged not met")
    walk.check(page, "lead-judged-not-met")
    assert Recommendation.objects.get(pk=first.pk).state == "met"
    assert Recommendation.objects.get(pk=second.pk).state == "open"
    assert Recommendation.objects.get(pk=second.pk).last_judgement == "not_met"
    met = RecommendationJudgement.objects.get(recommendation=first)
    assert met.evidence["items"] and met.inspection_id == later.pk

    # The register, as the body sees it now.
    page = walk.go("liaison", "/recommendations/", "liaison-register-after")
    expect(page.locator("table")).to_contain_text("Not met")
    page = walk.go("liaison", f"/recommendations/{second.pk}/", "liaison-recommendation-judged")
    expect(page.locator("main")).to_contain_text("The child's voice is still not recorded")
    for p in walk.pages.values():
        p.context.close()

    # Every page the walk reached, again at 320 CSS pixels (400% zoom): only a table's own region may scroll.
    problems = []
    for username, paths in walk.visited.items():
        context = signed_in(
            browser,
            live_server.url,
            username,
            viewport={"width": 320, "height": 640},
            bypass_csp=True,
        )
        narrow = context.new_page()
        for path in paths:
            response = narrow.goto(live_server.url + path)
            assert response is not None and response.status == 200, (username, path)
            overflow = narrow.evaluate(
                "() => document.documentElement.scrollWidth - window.innerWidth"
            )
            if overflow > 1:
                problems.append(f"{username} {path}: {overflow}px too wide at 320")
            found = axe_violations(narrow)
            if found:
                problems.append(f"{username} {path} at 320: {found}")
            name = path.strip("/").replace("/", "-") or "home"
            narrow.screenshot(path=str(FOLDER / f"320-{username}-{name}.png"), full_page=True)
        context.close()
    assert sum(len(p) for p in walk.visited.values()) >= 7
    assert not problems, "\n".join(problems)
