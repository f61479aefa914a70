"""A review completed in Welsh, in Chromium (issue 25): the inspector chooses Cymraeg on the sign-in page, signs
in, finds the case on My cases, is told what is missing, grades every area and submits, all in Welsh, with
axe-core finding no serious problem on any page with lang="cy" (screenshots in
test-results/screenshots/welsh-review/).

The Welsh expected is read from the committed catalogue (``cy`` below), never written here, and each must
differ from its English, so the test fails when a string is missing from the catalogue or the page shows the
English.  The framework's own words come from its file's Welsh (docs/frameworks.md).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from casereview.importing.frameworks import load_framework
from casereview.web.reviews.models import Review
from tests.welsh import cy

from .conftest import PASSWORD, SCREENSHOTS, assigned_case, axe_violations, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def look(page: Any, name: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    found = axe_violations(page)
    assert found == [], (name, found)
    (SCREENSHOTS / "welsh-review").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "welsh-review" / f"{name}.png"), full_page=True)


def test_an_inspector_completes_a_review_in_welsh(
    live_server: Any, browser: Any, tmp_path: Path, welsh: Path
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assignment = assigned_case(tmp_path)
    ref = assignment.sampled_case.case_ref
    framework = load_framework(assignment.sampled_case.sample.inspection.framework)
    cymraeg = framework.in_language("cy")
    context = browser.new_context(bypass_csp=True)  # axe is injected as a script tag
    page = context.new_page()

    page.goto(live_server.url + "/login/")
    page.get_by_role("button", name="Cymraeg").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(cy("Sign in"))
    look(page, "1-sign-in")
    page.get_by_label(cy("Username")).fill("ina")
    page.get_by_label(cy("Password")).fill(PASSWORD)
    page.get_by_role("button", name=cy("Sign in"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(cy("Enter your security code"))
    look(page, "2-security-code")
    code = totp_code(TOTPDevice.objects.get(user__username="ina", confirmed=True))
    page.get_by_label(cy("Code"), exact=True).fill(code)
    page.get_by_role("button", name=cy("Continue")).click()
    page.wait_for_load_state("load")

    page.goto(live_server.url + "/reviews/")
    expect(page.get_by_role("heading", level=1)).to_have_text(cy("My cases"))
    look(page, "3-my-cases")
    next_case = page.locator("#next-case")
    expect(next_case).to_have_text(cy("Start case %(ref)s", ref=ref))
    next_case.click()
    look(page, "4-review")
    main = page.locator("main")
    expect(main).to_contain_text(cymraeg.send_back_question)
    for area in cymraeg.areas:
        expect(main).to_contain_text(area.title)

    # Submitted with nothing chosen: what is missing, in Welsh, with the area's Welsh name.
    page.get_by_role("button", name=cy("Submit review")).click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(cy("There is a problem"))
    expect(summary).to_contain_text(cymraeg.areas[0].title)
    assert not re.search(r"\bChoose\b|\bthe\b", summary.inner_text()), summary.inner_text()
    look(page, "5-what-is-missing")

    good = cymraeg.label("good")
    for area in cymraeg.areas:
        expect(page.locator(f"label[for='grade-{area.slug}-good']")).to_have_text(good)
        page.locator(f"#grade-{area.slug}-good").check()
    expect(page.locator("label[for='overall-good']")).to_have_text(good)
    page.locator("#overall-good").check()
    expect(page.locator("label[for='send-back-no']")).to_have_text(cy("No"))
    page.locator("#send-back-no").check()
    page.get_by_role("button", name=cy("Submit review")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(cy("My cases"))
    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(cy("Review submitted"))
    look(page, "6-submitted")
    review = Review.objects.get(assignment=assignment)
    assert review.state == "submitted"
    assert review.overall == "good"  # codes are stored, whatever the language
    context.close()
