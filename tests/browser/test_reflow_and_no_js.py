"""The demo's pages at 320 CSS pixels (what 400% zoom of a 1280-pixel window gives), and with JavaScript off.

WCAG 1.4.10 (reflow): nothing but data tables may need scrolling in two directions, and those scroll inside
their own focusable region, never the page.  Without JavaScript every page still works: forms post,
links go; only progressive enhancements (autosave) are missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect

from casereview.demo import load_demo

from .conftest import SCREENSHOTS, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FOLDER = SCREENSHOTS / "reflow"


@pytest.fixture
def demo(tmp_path: Path) -> dict[str, Any]:
    from casereview.web.inspections.models import Inspection
    from casereview.web.referrals.models import SendBack
    from casereview.web.registers.models import Register
    from casereview.web.reports.models import PublishedReport
    from casereview.web.reviews.models import Assignment
    from casereview.web.reviews.selectors import disagreements

    made = load_demo(tmp_path, rows=600)
    current = Inspection.objects.get(pk=made["inspections"][1])
    return {
        "current": current.pk,
        "assignment": Assignment.objects.filter(
            sampled_case__sample__inspection=current,
            inspector__username="inspector1",
            review__isnull=True,
        )
        .order_by("id")
        .first()
        .pk,  # type: ignore[union-attr]
        "send_back": SendBack.objects.order_by("id").first().pk,  # type: ignore[union-attr]
        "register": Register.objects.order_by("-id").first().pk,  # type: ignore[union-attr]
        "publication": PublishedReport.objects.get().pk,
        "disagreement": disagreements(current)[0].sampled_case.pk,
    }


def signed_in(browser: Any, base: str, username: str, **options: Any) -> Any:
    """A browser context holding a verified session of the demo user (as if they had signed in with both factors)."""
    from django.contrib.auth import get_user_model

    from tests.web.conftest import verified_client

    client = verified_client(get_user_model().objects.get(username=username))
    context = browser.new_context(**options)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base,
            }
        ]
    )
    return context


def pages(demo: dict[str, Any]) -> dict[str, list[str]]:
    return {
        "lead": [
            "/",
            "/inspections/",
            f"/inspections/{demo['current']}/",
            f"/inspections/{demo['current']}/sample/",
            f"/inspections/{demo['current']}/people/",
            f"/inspections/{demo['current']}/moderation/",
            f"/inspections/{demo['current']}/agreement/",
            f"/inspections/{demo['current']}/cases/",
            f"/inspections/{demo['current']}/cases/?flag=at_risk&order=grade",
            f"/inspections/{demo['current']}/disagreements/{demo['disagreement']}/",
            f"/reports/inspection/{demo['current']}/",
            f"/reports/inspection/{demo['current']}/?published=1",
            f"/reports/inspection/{demo['current']}/schedule/",
            "/send-backs/",
            "/send-backs/dashboard/",
            f"/registers/{demo['register']}/",
            "/registers/upload/",
            "/reports/",
            "/inspections/new/",
            "/calibrations/",
            "/calibrations/new/",
            "/recommendations/",
            f"/recommendations/inspections/{demo['current']}/findings/",
            f"/recommendations/inspections/{demo['current']}/judge/",
        ],
        "inspector1": [
            "/",
            "/reviews/",
            f"/reviews/{demo['assignment']}/",
            "/users/tokens/",
            "/help/",
            "/help/grades/",
        ],
        "liaison": [
            "/",
            "/send-backs/",
            f"/send-backs/{demo['send_back']}/",
            "/help/send-backs/",
            "/recommendations/",
        ],
        "analyst": [
            "/",
            "/reports/",
            f"/reports/{demo['publication']}/",
            "/help/sample/",
            "/reports/national-trend/",
            "/accessibility/",
            "/calibrations/",
            "/recommendations/",
        ],
        "admin": [
            "/",
            "/users/",
            "/journal/",
            "/journal/?action=login&start=1/1/2020",
            f"/registers/{demo['register']}/cases/?unit=ashgrove",
            "/registers/bodies/new/",
            "/users/locked/",
        ],
    }


def test_every_page_reflows_at_320_pixels(
    live_server: Any, browser: Any, demo: dict[str, Any]
) -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    problems = []
    chart_texts = 0
    for username, paths in pages(demo).items():
        context = signed_in(
            browser,
            live_server.url,
            username,
            viewport={"width": 320, "height": 640},
            bypass_csp=True,
        )
        page = context.new_page()
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, (username, path)
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - window.innerWidth"
            )
            if overflow > 1:
                wide = page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
                    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.cr-table-wrap, .cr-chart-wrap'))
                    .slice(0, 3).map(e => e.tagName + '.' + e.className)""")
                problems.append(f"{username} {path}: {overflow}px too wide ({wide})")
            # Chart text as drawn on the screen (its font size times the SVG's scale), never under 12 px.
            small = page.evaluate("""() => Array.from(document.querySelectorAll('svg.casereview-chart text'))
                .filter(t => t.ownerSVGElement.checkVisibility())  // the drawing shown at this width
                .map(t => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a)
                .filter(size => size < 11.95)""")
            if small:
                problems.append(f"{username} {path}: chart text {min(small):.1f}px at 320 px wide")
            chart_texts += page.locator("svg.casereview-chart:visible text").count()
            found = axe_violations(page)
            if found:
                problems.append(f"{username} {path}: {found}")
            page.screenshot(
                path=str(
                    FOLDER
                    / f"{username}-{path.strip('/').replace('/', '-').replace('?', '-') or 'home'}.png"
                ),
                full_page=True,
            )
        context.close()
    assert chart_texts > 0, "no page measured had a chart"
    assert not problems, "\n".join(problems)


def test_the_pages_work_without_javascript(
    live_server: Any, browser: Any, demo: dict[str, Any]
) -> None:
    from casereview.web.referrals.models import SendBack
    from casereview.web.reviews.models import Review

    context = signed_in(browser, live_server.url, "inspector1", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/reviews/{demo['assignment']}/")
    for radio in page.locator("input[type=radio][id^='grade-'][value='good']").all():
        radio.check()
    page.locator("#overall-good").check()
    page.locator("#send-back-no").check()
    page.get_by_role("button", name="Save and continue").click()
    assert Review.objects.get(assignment_id=demo["assignment"]).state == "draft"
    page.get_by_role("button", name="Submit review").click()
    expect(
        page.get_by_role("heading", name="My cases")
    ).to_be_visible()  # waits for the page; is_visible() would not
    assert Review.objects.get(assignment_id=demo["assignment"]).state == "submitted"
    context.close()

    context = signed_in(browser, live_server.url, "liaison", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/send-backs/{demo['send_back']}/")
    page.get_by_role("button", name="Acknowledge").click()
    assert SendBack.objects.get(pk=demo["send_back"]).state == "acknowledged"
    context.close()

    context = signed_in(
        browser, live_server.url, "analyst", java_script_enabled=False, accept_downloads=True
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/reports/{demo['publication']}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF (English)", exact=True).click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    context.close()
