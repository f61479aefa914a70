"""A whole inspection, through the pages only, as the people who do it: every page checked with axe-core,
the review form completed by keyboard alone, a screenshot of each step in test-results/screenshots/whole-inspection/.

Only the first administrator exists beforehand (as `casereview createuser` would make them); everything
else — the body, the users, their second factors, the inspection, the register, the sample, the reviews,
the moderation, the send back, the resolution, the publication — is done by clicking and typing.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from casereview.domain.file_names import report_stem
from casereview.domain.statistical_workbook import workbook
from casereview.synthetic import write_register_file
from casereview.web.reports.models import PublishedReport
from tests.web import factories
from tests.web.test_statistical_spreadsheets import check_ods, check_xlsx

from .conftest import SCREENSHOTS, axe_violations, loaded, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple 42"
FOLDER = SCREENSHOTS / "whole-inspection"


class Walk:
    """One browser page, signing people in and out, checking and photographing every page it lands on."""

    def __init__(self, page: Any, base: str) -> None:
        self.page, self.base = page, base
        self.keys: dict[str, bytes] = {}
        self.shots = 0
        self.checked: list[str] = []
        FOLDER.mkdir(parents=True, exist_ok=True)
        for old in FOLDER.glob("*.png"):
            old.unlink()

    def check(self, name: str) -> None:
        """No serious or critical axe violation; then a screenshot a person can look at."""
        found = axe_violations(self.page)
        assert not found, f"{name}: {found}"
        self.shots += 1
        self.page.screenshot(path=str(FOLDER / f"{self.shots:02d}-{name}.png"), full_page=True)
        self.checked.append(self.page.url)

    def go(self, path: str, name: str) -> None:
        self.page.goto(self.base + path)
        self.check(name)

    def code(self, username: str) -> str:
        return totp_code(
            TOTPDevice.objects.get(user__username=username, key=self.keys[username].hex())
        )

    def sign_in(self, username: str) -> None:
        page = self.page
        page.goto(self.base + "/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        second_step = page.get_by_role(
            "heading", name=re.compile("^(Set up your authenticator app|Enter your security code)$")
        )
        expect(second_step).to_be_visible()  # the page has arrived: only now decide which one it is
        if second_step.inner_text() == "Set up your authenticator app":
            self.check(f"{username}-sets-up-second-factor")
            secret = page.locator(".cr-secret").inner_text().replace(" ", "")
            self.keys[username] = base64.b32decode(secret + "=" * (-len(secret) % 8))
            page.get_by_label("Code from your app").fill(self.code(username))
            page.get_by_role("button", name="Confirm").click()
            self.check(f"{username}-recovery-codes")
            page.get_by_role("button", name="Continue").click()
        else:
            page.get_by_label("Code").fill(self.code(username))
            page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("button", name=re.compile(f"Sign out {username}"))).to_be_visible()

    def sign_out(self) -> None:
        self.page.get_by_role("button", name=re.compile("^Sign out")).click()


def test_a_whole_inspection_through_the_pages(
    live_server: Any, axe_page: Any, tmp_path: Path
) -> None:
    page = axe_page
    device = factories.authenticator(factories.user("administrator", "admin"))
    walk = Walk(page, live_server.url)
    walk.keys["admin"] = device.bin_key

    # The administrator adds the body and the people.
    walk.sign_in("admin")
    walk.go("/registers/bodies/new/", "admin-add-body")
    page.get_by_label("Short code").fill("WLK")
    page.get_by_label("Name").fill("Walkthrough Constabulary (synthetic)")
    page.get_by_role("button", name="Add the body").click()
    walk.go("/users/", "admin-users")
    for username, role, body in (
        ("lead", "Lead inspector", ""),
        ("ina", "Inspector", ""),
        ("ben", "Inspector", ""),
        ("liaison", "Liaison officer", "WLK"),
        ("ana", "Analyst", ""),
    ):
        page.get_by_label("Username").fill(username)
        page.get_by_label(role, exact=True).check()
        if body:
            page.get_by_label("Body (liaison officers only)").select_option(body)
        page.get_by_label("Initial password").fill(PASSWORD)
        page.get_by_role("button", name="Add the user").click()
        expect(page.get_by_text(f"{username} can now sign in")).to_be_visible()
    walk.check("admin-users-added")
    walk.sign_out()

    # The lead inspector opens the inspection, commits a seed, imports the register (a broken one first).
    walk.sign_in("lead")
    walk.go("/inspections/new/", "lead-new-inspection")
    page.get_by_label("Inspected body").select_option("WLK")
    page.get_by_label("Name").fill("Walkthrough quarter")
    page.get_by_label("First day of the period (dd/mm/yyyy)").fill("01/01/2024")
    page.get_by_label("Last day of the period (dd/mm/yyyy)").fill("31/03/2024")
    page.get_by_role("button", name="Open the inspection").click()
    inspection_url = page.url
    walk.check("lead-inspection-opened")
    # The overview is the inspection's task list: each task links to the page where it is done.
    page.get_by_role("link", name="Commit the seed").click()
    page.get_by_role("button", name="Commit to a seed").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Seed committed")
    walk.check("lead-seed-committed")
    broken = tmp_path / "broken.csv"
    broken.write_text(
        "case_ref,category,reported_on,unit\nA1,Burglary,01/02/2024,North\nA2,CSE,31/02/2024,North\n"
    )
    walk.go("/registers/upload/", "lead-upload")
    page.get_by_label("Inspected body").select_option("WLK")
    page.get_by_label("Register file").set_input_files(str(broken))
    page.get_by_role("button", name="Import register").click()
    expect(page.get_by_role("heading", name="The register was not imported")).to_be_visible()
    expect(page.get_by_role("table").filter(has_text="31/02/2024")).to_be_visible()
    walk.check("lead-broken-register-refused")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the problems as CSV").click()
    assert "31/02/2024" in Path(download.value.path()).read_text()
    register = tmp_path / "register.csv"
    write_register_file(register, rows=200, seed=5)
    page.get_by_label("Inspected body").select_option("WLK")
    page.get_by_label("Register file").set_input_files(str(register))
    page.get_by_role("button", name="Import register").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Register")
    walk.check("lead-register-imported")

    # The sample, and its first reviewers.
    page.goto(inspection_url)
    page.get_by_role("link", name="Draw the sample").click()
    page.get_by_label("Sample size").fill("4")
    page.get_by_role("button", name="Check the margin and allocation").click()
    walk.check("lead-draw-preview")
    page.get_by_role("button", name="Draw the sample").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Sample drawn: 4 cases")
    walk.check("lead-sample-drawn")
    # Each part of the inspection is reached from its overview, and leads back to it.
    page.get_by_role("link", name="Back to the inspection: Walkthrough quarter").click()
    walk.check("lead-task-list")
    page.get_by_role("link", name="Sample", exact=True).click()
    walk.check("lead-sample")
    page.get_by_role("link", name="Back to the inspection: Walkthrough quarter").click()
    page.get_by_role("link", name="People", exact=True).click()
    walk.check("lead-people")
    page.get_by_label("ina", exact=True).check()
    page.get_by_label("ben", exact=True).check()
    page.get_by_role("button", name="Assign first reviews").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "4 cases assigned for first review"
    )
    walk.sign_out()

    # Inspectors review; ina does her first case by keyboard alone and marks it for send back.
    def review_next(
        username: str,
        grade: str,
        *,
        kind: str = "First review",
        send_back: bool = False,
        keyboard: bool = False,
    ) -> str:
        page.goto(walk.base + "/reviews/")
        row = page.locator("tbody tr").filter(has_text=kind).filter(has_not_text="Submitted").first
        row.get_by_role("link").click()
        case_ref = page.get_by_role("heading", level=1).inner_text().removeprefix("Case ").strip()
        if kind == "Moderation":  # blind: nothing of the first review before this one is submitted
            assert loaded(page).get_by_text("The first review").count() == 0
        walk.check(f"{username}-{kind.lower().replace(' ', '-')}-{case_ref}")
        if keyboard:
            fill_by_keyboard(page, grade, send_back)
        else:
            for radio in page.locator(f"input[type=radio][id^='grade-'][value='{grade}']").all():
                radio.check()
            page.locator(f"#overall-{grade}").check()
            page.locator("#send-back-yes" if send_back else "#send-back-no").check()
            if send_back:
                page.locator("#id_send_back_reason").fill(SEND_BACK_REASON)
                page.locator("#send-back-urgency-priority").check()
            page.get_by_role("button", name="Submit review").click()
        expect(page.get_by_role("heading", name="My cases")).to_be_visible()
        expect(
            page.locator("tbody tr").filter(has_text=case_ref).filter(has_text=kind).first
        ).to_contain_text("Submitted")
        return case_ref

    walk.sign_in("ina")
    walk.go("/reviews/", "ina-my-cases")
    sent_back_ref = review_next("ina", "inadequate", send_back=True, keyboard=True)
    # Submitting the yes sent the case back there and then, and the banner says so.
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Case {sent_back_ref} sent back to Walkthrough Constabulary (synthetic), "
        "priority (5 working days), due"
    )
    walk.check("ina-submitted-by-keyboard-and-sent-back")
    review_next("ina", "good")
    walk.sign_out()
    walk.sign_in("ben")
    review_next("ben", "requires_improvement")
    review_next("ben", "good")
    walk.sign_out()

    # Moderation: the lead assigns it; the other inspector marks blind (and disagrees on the case sent back).
    walk.sign_in("lead")
    page.goto(inspection_url)
    page.get_by_role("link", name="People", exact=True).click()
    page.get_by_label("ina", exact=True).check()
    page.get_by_label("ben", exact=True).check()
    page.get_by_role("button", name="Assign moderation").click()
    walk.check("lead-moderation-assigned")
    walk.sign_out()
    for username in ("ben", "ina"):
        walk.sign_in(username)
        page.goto(walk.base + "/reviews/")
        while (
            page.locator("tbody tr")
            .filter(has_text="Moderation")
            .filter(has_not_text="Submitted")
            .count()
        ):
            ref = review_next(username, "requires_improvement", kind="Moderation")
            page.locator("tbody tr").filter(has_text=ref).filter(has_text="Moderation").get_by_role(
                "link"
            ).click()
            expect(
                page.get_by_text("The first review (shown now that yours is submitted)")
            ).to_be_visible()
            page.goto(walk.base + "/reviews/")
        walk.sign_out()

    # The body's liaison officer answers the send back.
    walk.sign_in("liaison")
    walk.go("/send-backs/", "liaison-send-backs")
    page.locator("tbody tr").filter(has_text=sent_back_ref).get_by_role("link").click()
    walk.check("liaison-send-back")
    page.get_by_role("button", name="Acknowledge").click()
    page.get_by_label("What was done").fill(
        "Strategy meeting held on 3 March; the child is safeguarded."
    )
    page.get_by_role("button", name="Submit the response").click()
    walk.check("liaison-responded")
    walk.sign_out()

    # The lead closes it, resolves the disagreement and publishes the report.
    walk.sign_in("lead")
    walk.go("/send-backs/", "lead-send-backs")
    page.locator("tbody tr").filter(has_text=sent_back_ref).get_by_role("link").click()
    page.get_by_role("button", name="Accept and close").click()
    walk.check("lead-send-back-closed")
    page.goto(inspection_url)
    page.get_by_role("link", name="Moderation and disagreements", exact=True).click()
    moderation_url = page.url
    expect(page.get_by_role("heading", name="Disagreements to resolve")).to_be_visible()
    forms = loaded(page).locator("form")  # every form parsed before they are counted
    forms = forms.filter(has=page.get_by_role("button", name="Record the final grade"))
    for i in range(forms.count()):
        forms.nth(i).locator("input[name=final_overall][value=inadequate]").check()
        forms.nth(i).locator("textarea[name=rationale]").fill(
            "The case file shows no strategy discussion: inadequate."
        )
        forms.nth(i).get_by_role("button", name="Record the final grade").click()
        page.goto(moderation_url)
    walk.check("lead-disagreement-resolved")
    page.goto(inspection_url)
    page.get_by_role("link", name="Agreement", exact=True).click()
    walk.check("lead-agreement")
    page.goto(inspection_url)
    page.get_by_role("link", name="Report", exact=True).click()
    walk.check("lead-report")
    page.get_by_role("link", name="Preview the published version").click()
    walk.check("lead-report-preview")
    page.get_by_role("link", name="Show the full version").click()
    page.get_by_role("button", name="Publish the report").click()
    walk.check("lead-report-published")
    walk.sign_out()

    # The analyst reads it and downloads the PDF, the ODS and the XLSX: each is the publication, named
    # for what it is, and each is what the checklist asks of it (the same checks as the formats' own tests).
    walk.sign_in("ana")
    walk.go("/reports/", "analyst-published-reports")
    page.get_by_role("link", name="Walkthrough quarter").click()
    walk.check("analyst-report")
    (publication,) = PublishedReport.objects.filter(inspection__name="Walkthrough quarter")
    book = workbook(publication.data)
    stem = report_stem(publication.data)
    assert stem.endswith("-inspection-report") and "preview" not in stem
    downloaded = {}
    for link, fmt in (
        ("PDF", "pdf"),
        ("Spreadsheet (ODS, OpenDocument)", "ods"),
        ("Spreadsheet (XLSX, Excel)", "xlsx"),
    ):
        with page.expect_download() as download:
            # Offered in English and Welsh: each link's name says its language ("PDF (English)").
            page.get_by_role("link", name=f"{link} (English)", exact=True).click()
        assert download.value.suggested_filename == f"{stem}.{fmt}"
        downloaded[fmt] = Path(download.value.path()).read_bytes()
    check_xlsx(downloaded["xlsx"], book)
    check_ods(downloaded["ods"], book)
    with pikepdf.open(io.BytesIO(downloaded["pdf"])) as pdf:
        assert pdf.Root.MarkInfo.Marked and "/StructTreeRoot" in pdf.Root  # tagged
        assert str(pdf.Root.Lang) == "en-GB"
        assert "Walkthrough quarter" in str(pdf.open_metadata().get("dc:title", ""))
    assert len(list(FOLDER.glob("*.png"))) >= 30


SEND_BACK_REASON = "The child went missing again; no strategy meeting is recorded."


def fill_by_keyboard(page: Any, grade: str, send_back: bool) -> None:
    """Complete the review form with Tab, arrow keys and Space only: no clicks."""
    focus_order = page.evaluate(
        """() => Array.from(document.querySelectorAll('#review-form input, #review-form textarea, #review-form button'))
               .filter(e => e.offsetParent !== null && !e.disabled).map(e => e.id || e.name)"""
    )
    page.locator("#review-form").evaluate("f => f.querySelector('input, textarea, button').focus()")
    wanted_groups = {"grade_", "overall", "send_back"}
    pressed = 0
    while pressed < 400:
        focused = page.evaluate(
            "() => [document.activeElement.name || '', document.activeElement.type || '', document.activeElement.value || '', document.activeElement.textContent.trim()]"
        )
        name, kind, value, text = focused
        if kind == "textarea" and name == "send_back_reason":
            page.keyboard.type(SEND_BACK_REASON)
        if kind == "radio" and any(name.startswith(g) for g in wanted_groups):
            if name == "send_back_urgency":
                target = "priority"
            else:
                target = (
                    "yes"
                    if name == "send_back" and send_back
                    else ("no" if name == "send_back" else grade)
                )
            for _ in range(6):
                if page.evaluate("() => document.activeElement.value") == target:
                    break
                page.keyboard.press("ArrowDown")
            page.keyboard.press("Space")
        if kind == "submit" and text == "Submit review":
            page.keyboard.press("Enter")
            return
        page.keyboard.press("Tab")
        pressed += 1
    raise AssertionError(f"never reached the submit button by Tab; order was {focus_order}")


def test_the_accessibility_check_can_fail(axe_page: Any) -> None:
    axe_page.set_content(
        '<html><body><img src="data:,"><input type="text"><a href="#"></a></body></html>'
    )
    found = {
        v["id"]
        for v in axe_violations(axe_page, impacts=("minor", "moderate", "serious", "critical"))
    }
    assert {"image-alt", "label"} <= found
