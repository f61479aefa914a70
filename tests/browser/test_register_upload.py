from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from casereview.synthetic import write_register_file
from casereview.web.registers.models import Register
from tests.web import factories

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple 42"


def test_a_lead_inspector_signs_in_reads_an_error_report_and_imports_a_register(
    live_server: Any, page: Any, tmp_path: Path
) -> None:
    factories.user("lead_inspector", "lead")
    factories.body()
    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill("lead")
    page.get_by_label("Password").fill(PASSWORD)
    screenshot(page, "01-sign-in")
    page.get_by_role("button", name="Sign in").click()
    # First sign-in: set up the authenticator app, then see the recovery codes once.
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username="lead", confirmed=False)
    page.get_by_label("Code from your app").fill(f"{TOTP(device.bin_key).token():06d}")
    screenshot(page, "01b-two-factor-setup")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".cr-codes li")).to_have_count(10)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    # GOV.UK Frontend's stylesheet and module script loaded under the CSP, in our own font.
    assert (
        "arial"
        in page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily").lower()
    )
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")

    page.get_by_role("button", name="Import a register").click()  # on the start page
    bad = tmp_path / "broken.csv"
    bad.write_text(
        "case_ref,category,reported_on,unit\nA,Burglary,01/02/2024,North\nB,DA,31/02/2024,North\n"
    )
    page.get_by_label("Inspected body").select_option("SYN")
    page.get_by_label("Register file").set_input_files(str(bad))
    page.get_by_role("button", name="Import register").click()
    expect(page.locator(".govuk-error-summary").first).to_contain_text(
        "The register was not imported"
    )
    rows = page.locator("#row-errors ~ .cr-table-wrap table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("31/02/2024")
    screenshot(page, "02-error-report")

    good = tmp_path / "register.csv"
    write_register_file(good, rows=200, seed=9)
    page.get_by_label("Inspected body").select_option("SYN")
    page.get_by_label("Register file").set_input_files(str(good))
    page.get_by_role("button", name="Import register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Register \d+$"))
    register = Register.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Register {register.pk}")
    assert register.sha256 in page.inner_text("main")
    screenshot(page, "03-register")
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []
