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
    context = browser.new_context(viewport={"width": 1200, "height": 900}, bypass_csp=True, accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
    """axe-core (from npm, never a CDN) on the page as it is: the serious and critical violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    found = []
    for v in result["violations"]:
        nodes = [n for n in v["nodes"] if not _known_conditional_reveal(v["id"], n)]
        if v["impact"] in impacts and nodes:
            found.append({"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in nodes][:5]})
    return found


def _known_conditional_reveal(rule: str, node: dict[str, Any]) -> bool:
    """GOV.UK Frontend's conditional reveal sets aria-expanded on the radio that reveals the questions.  The
    Design System keeps it on purpose (screen readers announce it; alphagov/govuk-frontend#979 and #1280 list
    axe's aria-allowed-attr finding as a known issue), so that one finding on that one kind of element is
    accepted; every other finding on it, and this finding anywhere else, still fails."""
    html = node.get("html", "")
    return (rule == "aria-allowed-attr" and 'class="govuk-radios__input"' in html and 'aria-expanded=' in html
            and 'aria-controls="conditional-' in html)
