"""Playwright driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


def chromium_path() -> str | None:
    configured = os.environ.get("CASEREVIEW_CHROMIUM")
    if configured and Path(configured).exists():
        return configured
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))  # type: ignore[attr-defined]
    yield page
    context.close()


@pytest.fixture
def axe_page(browser: Any) -> Iterator[Any]:
    """A page for axe-core runs: axe is injected as a script tag, which the app's CSP (rightly) forbids,
    so this context alone bypasses CSP; the other browser tests keep it."""
    context = browser.new_context(
        viewport={"width": 1200, "height": 900}, bypass_csp=True, accept_downloads=True
    )
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def loaded(page: Any) -> Any:
    """``page`` once its load event has fired.  A click that navigates returns once the next page is
    committed, before it is parsed, and a count or a "not there" on it would read a half-read page (a loaded
    CI machine once found no h1 yet); every check that does not wait by itself waits here first."""
    page.wait_for_load_state("load")
    return page


def axe_violations(
    page: Any, impacts: tuple[str, ...] = ("serious", "critical")
) -> list[dict[str, Any]]:
    """axe-core (from npm, never a CDN) on the page once ``loaded``: the serious and critical violations."""
    loaded(page)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    found = []
    for v in result["violations"]:
        nodes = [n for n in v["nodes"] if not _known_conditional_reveal(v["id"], n)]
        if v["impact"] in impacts and nodes:
            found.append(
                {
                    "id": v["id"],
                    "impact": v["impact"],
                    "help": v["help"],
                    "nodes": [n["target"] for n in nodes][:5],
                }
            )
    return found


def _known_conditional_reveal(rule: str, node: dict[str, Any]) -> bool:
    """GOV.UK Frontend's conditional reveal sets aria-expanded on the radio that reveals the questions.  The
    Design System keeps it on purpose (screen readers announce it; alphagov/govuk-frontend#979 and #1280 list
    axe's aria-allowed-attr finding as a known issue), so that one finding on that one kind of element is
    accepted; every other finding on it, and this finding anywhere else, still fails."""
    html = node.get("html", "")
    return (
        rule == "aria-allowed-attr"
        and 'class="govuk-radios__input"' in html
        and "aria-expanded=" in html
        and 'aria-controls="conditional-' in html
    )


PASSWORD = "correct horse battery staple 42"


def totp_code(device: Any) -> str:
    """The code an authenticator app shows now or, when this time step was used already, the next one's.

    django-otp refuses a step at or before the last one used (the device's ``last_t``) and accepts one within
    ``tolerance`` steps of now plus the device's ``drift``, which follows the last step used; so the step after
    the last one used is always accepted, however often a person signs in: no waiting for the next window.
    """
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now = totp.t()
    step = max(now, device.last_t + 1)
    assert step <= now + device.tolerance, f"step {step} is beyond the device's tolerance"
    totp.drift += step - now
    return f"{totp.token():0{device.digits}d}"


def sign_in(page: Any, username: str) -> None:
    """Both steps, from the sign-in page wherever it was reached (so its `next` is followed)."""
    import re

    from django_otp.plugins.otp_totp.models import TOTPDevice
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
    page.get_by_label("Code").fill(
        totp_code(TOTPDevice.objects.get(user__username=username, confirmed=True))
    )
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name=re.compile(f"Sign out {username}"))).to_be_visible()
    page.wait_for_load_state("load")  # the page's scripts (deferred modules) have run


def assigned_case(tmp_path: Path, *, liaison_email: str = "") -> Any:
    """A lead, an inspector `ina` (with an authenticator) and a liaison officer `liaison` for body SYN; an
    inspection with a drawn sample of 2 assigned to ina; returns ina's first assignment."""
    from tests.web import factories

    lead = factories.user("lead_inspector", "lead")
    ina = factories.user("inspector", "ina")
    liaison = factories.user("liaison_officer", "liaison", email=liaison_email)
    factories.authenticator(ina)
    factories.contact(factories.body(), liaison)
    inspection = factories.inspection(lead=lead)
    register = factories.register(tmp_path, rows=60, seed=3, name="r.csv")
    factories.sample(inspection, register, size=2)
    return factories.assigned(inspection, [ina])[0]
