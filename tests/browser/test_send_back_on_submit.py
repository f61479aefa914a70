"""In Chromium: a yes reveals the send back's questions, and submitting sends the case back and says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from casereview.importing.frameworks import load_framework
from casereview.web.referrals.models import SendBack
from casereview.web.reviews.models import Assignment
from tests.smtp import Mailbox

from .conftest import assigned_case, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
F = load_framework("child-protection/1")


@pytest.fixture
def case(tmp_path: Path) -> Assignment:
    return assigned_case(tmp_path, liaison_email="liaison@force.example")  # type: ignore[no-any-return]


def open_review(page: Any, base: str, case: Assignment) -> None:
    page.goto(f"{base}/reviews/{case.pk}/")
    sign_in(page, "ina")  # the deep link survives both sign-in steps


def grade_everything(page: Any) -> None:
    for area in F.areas:
        page.locator(f"#grade-{area.slug}-inadequate").check()
    page.locator("#overall-inadequate").check()


def test_a_yes_reveals_the_reason_and_urgency_and_submitting_sends_the_case_back(
    live_server: Any, page: Any, case: Assignment, smtp: Mailbox
) -> None:
    open_review(page, live_server.url, case)
    reason = page.get_by_label("Why the case is sent back (the body's liaison officer reads this)")
    expect(reason).to_be_hidden()
    page.get_by_label("Yes", exact=True).check()
    expect(reason).to_be_visible()
    page.get_by_label("No", exact=True).check()
    expect(reason).to_be_hidden()
    grade_everything(page)
    page.get_by_label("Yes", exact=True).check()
    screenshot(page, "20-review-send-back-revealed")
    # A yes with nothing else: the error summary lists the two answers, and nothing is sent.
    page.get_by_role("button", name="Submit review").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Say why the case is sent back")
    expect(summary).to_contain_text("Choose how urgent the send back is")
    expect(reason).to_be_visible()  # still revealed after the round trip
    reason.fill("The child is still living with the suspect")
    page.get_by_label("Immediate – the same working day").check()
    page.get_by_role("button", name="Submit review").click()
    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_contain_text(
        f"Case {case.sampled_case.case_ref} sent back to Synthetic Constabulary, "
        "immediate (same working day), due "
    )
    screenshot(page, "21-review-sent-back-banner")
    send_back = SendBack.objects.get()
    assert (
        send_back.reason == "The child is still living with the suspect"
        and send_back.review is not None
    )
    message = smtp.wait_for("liaison@force.example")
    assert case.sampled_case.case_ref in message["Subject"] + message.get_payload()
    assert "still living with the suspect" not in message.as_string()


def test_without_javascript_the_questions_are_shown_and_submitting_still_sends_the_case_back(
    live_server: Any, browser: Any, case: Assignment
) -> None:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1200, "height": 900}
    )
    page = context.new_page()
    try:
        open_review(page, live_server.url, case)
        reason = page.get_by_label(
            "Why the case is sent back (the body's liaison officer reads this)"
        )
        expect(reason).to_be_visible()
        grade_everything(page)
        page.get_by_label("Yes", exact=True).check()
        reason.fill("Reopen: no strategy discussion")
        page.get_by_label("Priority – 5 working days").check()
        page.get_by_role("button", name="Submit review").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text(
            "sent back to Synthetic Constabulary, priority (5 working days), due "
        )
        assert SendBack.objects.get().urgency == "priority"
    finally:
        context.close()
