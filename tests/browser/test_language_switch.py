"""English | Cymraeg in Chromium: the switch on the sign-in page, the choice kept through sign-in and into a
new browser, and no serious accessibility problem with lang="cy" (screenshots in
test-results/screenshots/language/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web import factories
from tests.welsh import cy

from .conftest import PASSWORD, SCREENSHOTS, axe_violations, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WELSH_PO = Path(__file__).resolve().parents[2] / "src/casereview/locale/cy/LC_MESSAGES/django.po"


@pytest.fixture(autouse=True)
def welsh_compiled(welsh: Path) -> None:
    """The committed catalogue, compiled (tests/welsh.py); the live server runs in this process."""


def sign_in_by_hand(page: Any, username: str) -> None:
    """Both steps, by the words each page shows in its language (the second step is in the person's stored
    language as soon as the password is accepted)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def words(english: str) -> str:
        return cy(english) if page.locator("html").get_attribute("lang") == "cy" else english

    page.get_by_label(words("Username")).fill(username)
    page.get_by_label(words("Password")).fill(PASSWORD)
    page.get_by_role("button", name=words("Sign in"), exact=True).click()
    page.get_by_label(words("Code"), exact=True).fill(
        totp_code(TOTPDevice.objects.get(user__username=username))
    )
    page.get_by_role("button", name=words("Continue")).click()
    page.wait_for_load_state("load")


def look(page: Any, name: str) -> None:
    found = axe_violations(page)
    assert found == [], found
    (SCREENSHOTS / "language").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "language" / f"{name}.png"), full_page=True)


def test_a_person_chooses_cymraeg_before_sign_in_and_keeps_it_in_a_new_browser(
    live_server: Any, browser: Any
) -> None:
    from playwright.sync_api import expect

    person = factories.user("inspector", "ina")
    factories.authenticator(person)
    first = browser.new_context(bypass_csp=True)  # axe is injected as a script tag
    page = first.new_page()
    page.goto(live_server.url + "/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    cymraeg = page.get_by_role("button", name="Cymraeg")
    cymraeg.focus()  # GOV.UK's focus style, as on a link: the yellow background
    background = cymraeg.evaluate("b => getComputedStyle(b).backgroundColor")
    assert background == "rgb(255, 221, 0)", background
    cymraeg.click()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    assert page.url == live_server.url + "/login/"
    expect(page.locator(".govuk-skip-link")).to_have_text("Neidio i'r prif gynnwys")
    expect(page.locator(".cr-language-switch [aria-current]")).to_have_text("Cymraeg")
    look(page, "sign-in-cy")

    sign_in_by_hand(page, "ina")
    expect(page.get_by_role("heading", level=1)).to_have_text("Eich gwaith")
    expect(page.get_by_role("button", name="Allgofnodi ina")).to_be_visible()
    look(page, "home-cy")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    page.get_by_role("button", name="Cymraeg").click()  # stored now: ina is past the second factor
    expect(page.get_by_role("heading", level=1)).to_have_text("Eich gwaith")
    first.close()

    elsewhere = browser.new_context()  # another browser: no cookie, English until ina signs in
    page = elsewhere.new_page()
    page.goto(live_server.url + "/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    sign_in_by_hand(page, "ina")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.get_by_role("heading", level=1)).to_have_text("Eich gwaith")
    elsewhere.close()
