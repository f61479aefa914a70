"""In Chromium: a yes reveals the send back's questions, and submitting sends the case back and says so."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from casereview.domain.sampling import SamplePlan
from casereview.importing.frameworks import load_framework
from casereview.synthetic import write_register_file
from casereview.web.accounts.services import user_create
from casereview.web.inspections.services import inspection_create, sample_draw, seed_commit
from casereview.web.referrals.models import SendBack
from casereview.web.referrals.services import body_contact_add
from casereview.web.registers.models import Body
from casereview.web.registers.services import body_add, register_import
from casereview.web.reviews.models import Assignment
from casereview.web.reviews.services import assignments_balance
from tests.smtp import Mailbox

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple 42"
F = load_framework("child-protection/1")


@pytest.fixture
def case(tmp_path: Path) -> Iterator[Assignment]:
    lead = user_create(username="lead", role="lead_inspector", password=PASSWORD)
    ina = user_create(username="ina", role="inspector", password=PASSWORD)
    liaison = user_create(username="liaison", role="liaison_officer", password=PASSWORD, email="liaison@force.example")
    TOTPDevice.objects.create(user=ina, name="authenticator", confirmed=True)
    body_add(code="SYN", name="Synthetic Constabulary")
    body_contact_add(body=Body.objects.get(code="SYN"), user=liaison, kind="liaison")
    inspection = inspection_create(body_code="SYN", name="Q1", period_start=dt.date(2024, 1, 1),
                                   period_end=dt.date(2024, 3, 31), lead=lead)
    seed_commit(inspection=inspection)
    inspection.refresh_from_db()
    path = tmp_path / "r.csv"
    write_register_file(path, rows=100, seed=3)
    sample_draw(inspection=inspection, register=register_import(path=path, body_code="SYN"), plan=SamplePlan(size=2))
    assignments_balance(inspection=inspection, inspectors=[ina])
    assignment = Assignment.objects.order_by("id").first()
    assert assignment is not None
    yield assignment


def sign_in(page: Any, base: str, username: str, next_path: str) -> None:
    device = TOTPDevice.objects.get(user__username=username)
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
    page.get_by_label("Code").fill(f"{TOTP(device.bin_key).token():06d}")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("main")).to_be_visible()
    page.goto(base + next_path)


def grade_everything(page: Any) -> None:
    for area in F.areas:
        page.locator(f"#grade-{area.slug}-inadequate").check()
    page.locator("#overall-inadequate").check()


def test_a_yes_reveals_the_reason_and_urgency_and_submitting_sends_the_case_back(
    live_server: Any, page: Any, case: Assignment, smtp: Mailbox
) -> None:
    sign_in(page, live_server.url, "ina", f"/reviews/{case.pk}/")
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
    expect(banner).to_contain_text(f"Case {case.sampled_case.case_ref} sent back to SYN, immediate, due ")
    screenshot(page, "21-review-sent-back-banner")
    send_back = SendBack.objects.get()
    assert send_back.reason == "The child is still living with the suspect" and send_back.review is not None
    message = smtp.wait_for("liaison@force.example")
    assert case.sampled_case.case_ref in message["Subject"] + message.get_payload()
    assert "still living with the suspect" not in message.as_string()


def test_without_javascript_the_questions_are_shown_and_submitting_still_sends_the_case_back(
    live_server: Any, browser: Any, case: Assignment
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "ina", f"/reviews/{case.pk}/")
        reason = page.get_by_label("Why the case is sent back (the body's liaison officer reads this)")
        expect(reason).to_be_visible()
        grade_everything(page)
        page.get_by_label("Yes", exact=True).check()
        reason.fill("Reopen: no strategy discussion")
        page.get_by_label("Priority – 5 working days").check()
        page.get_by_role("button", name="Submit review").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("sent back to SYN, priority, due ")
        assert SendBack.objects.get().urgency == "priority"
    finally:
        context.close()
