from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from casereview.web.reviews.models import Review
from tests.web import factories

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple 42"


def test_a_draft_is_saved_when_the_page_is_hidden_without_pressing_save(
    live_server: Any, page: Any, tmp_path: Path
) -> None:
    lead = factories.user("lead_inspector", "lead")
    ina = factories.user("inspector", "ina")
    device = factories.authenticator(ina)
    factories.body("SYN", "Synthetic")
    inspection = factories.inspection(lead=lead)
    register = factories.register(tmp_path, rows=100, seed=3, name="r.csv")
    factories.sample(inspection, register, size=3)
    assignment = factories.assigned(inspection, [ina])[0]

    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("ina")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
    page.get_by_label("Code").fill(f"{TOTP(device.bin_key).token():06d}")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    page.goto(f"{live_server.url}/reviews/{assignment.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Case {assignment.sampled_case.case_ref}"
    )
    page.locator("#grade-initial_contact-requires_improvement").check()
    page.locator("#comment-initial_contact").fill("Typed, never saved by hand")
    screenshot(page, "10-review-page")
    page.evaluate(
        "Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'));"
    )
    # Wait in the browser, not by polling the database: the test's in-memory SQLite shares table locks with the
    # live server's thread, and a read racing the autosave's write would refuse that write.
    expect(page.locator("#review-version")).to_have_value(
        "1"
    )  # the page carries on from the saved version
    review = Review.objects.get(assignment=assignment)
    assert review.version == 1 and review.state == "draft"
    assert review.area_grades == {"initial_contact": "requires_improvement"}
    assert review.area_comments == {"initial_contact": "Typed, never saved by hand"}
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Case {assignment.sampled_case.case_ref}"
    )
    assert (
        Review.objects.get(assignment=assignment).version == 2
    )  # no conflict with its own autosave
