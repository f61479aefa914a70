"""The session-timeout warning counts down in Welsh on a Welsh page (issue 25), in Chromium on a controlled
clock: the script takes its words from the page (base.html's ``{% timeout_words %}``), so the countdown and
the live region's announcement are in the page's language, with Welsh's plural forms and mutations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import expect

from .conftest import assigned_case, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def welsh_compiled(welsh: Path) -> None:
    """The committed catalogue, compiled (tests/welsh.py); the live server runs in this process."""


def in_welsh(singular: str, plural: str, n: int) -> str:
    with translation.override("cy"):
        return translation.ngettext(singular, plural, n) % {"count": n}


def test_the_countdown_and_its_announcement_are_in_welsh_on_a_welsh_page(
    live_server: Any, page: Any, tmp_path: Path
) -> None:
    assigned_case(tmp_path)  # ina, an inspector with an authenticator
    page.clock.install()  # the page's clock is the test's: minutes pass in a moment
    page.goto(live_server.url + "/")
    sign_in(page, "ina")
    page.get_by_role("button", name="Cymraeg").click()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    page.wait_for_load_state("load")

    warning = page.locator("#timeout-warning")
    countdown = warning.locator("[data-timeout-countdown]")
    announce = warning.locator("[data-timeout-announce]")
    # Time moves only when the test says (a number is seconds since the epoch to Playwright's Python).
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 1)
    page.clock.run_for("13:10")  # about 1 minute 50 seconds left
    expect(warning).to_be_visible()
    two_minutes = in_welsh("%(count)s minute", "%(count)s minutes", 2)
    assert two_minutes != "2 minutes"
    expect(countdown).to_have_text(two_minutes)  # "2 funud": two takes the soft mutation

    page.clock.run_for("01:00")  # about 50 seconds left, counted in seconds
    left = int(countdown.inner_text().split(" ")[0])
    assert 40 < left < 60
    assert countdown.inner_text() == in_welsh("%(count)s second", "%(count)s seconds", left)
    assert countdown.inner_text() != f"{left} seconds"
    # The live region speaks at each quarter of the last minute: "45 seconds" once 45 or fewer are left.
    page.clock.run_for("00:10")
    with translation.override("cy"):
        said = translation.gettext("You will be signed out in %(time)s.") % {
            "time": translation.ngettext("%(count)s second", "%(count)s seconds", 45)
            % {"count": 45}
        }
    expect(announce).to_have_text(said)
    assert "signed out" not in said
    assert page.console_errors == []
