"""The send-back list and the published reports list, filtered and paged, and a send back's page as the body and
as the inspectorate see it: axe-core finds no serious or critical violation, and at 320 pixels nothing but a
table's own region scrolls sideways.  Screenshots in screenshots/lists/."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import SCREENSHOTS, axe_violations
from .test_reflow_and_no_js import demo, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FOLDER = SCREENSHOTS / "lists"
__all__ = ["demo"]


def paths(demo: dict[str, Any]) -> dict[str, list[str]]:
    return {
        "liaison": [
            "/send-backs/?overdue=yes",
            "/send-backs/?state=open&sort=case",
            f"/send-backs/{demo['send_back']}/",
            "/reports/?q=q",
        ],
        "lead": [
            "/send-backs/?urgency=immediate&sort=newest",
            "/send-backs/?q=no-such-reference",
            f"/send-backs/{demo['send_back']}/",
            "/send-backs/dashboard/",
        ],
        "analyst": ["/reports/", "/reports/?period=1999-01-01&q=nothing"],
    }


@pytest.mark.parametrize("width", [320, 1024])
def test_the_lists_and_a_send_back_read_well_at_any_width(
    live_server: Any, browser: Any, demo: dict[str, Any], width: int
) -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    problems = []
    for username, wanted in paths(demo).items():
        context = signed_in(
            browser,
            live_server.url,
            username,
            viewport={"width": width, "height": 800},
            bypass_csp=True,
        )
        page = context.new_page()
        for path in wanted:
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, (username, path)
            assert page.locator("h1").count() == 1, path
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - window.innerWidth"
            )
            if overflow > 1:
                problems.append(f"{username} {path}: {overflow}px too wide at {width}")
            found = axe_violations(page)
            if found:
                problems.append(f"{username} {path}: {found}")
            name = path.strip("/").replace("/", "-").replace("?", "-").replace("&", "-")
            page.screenshot(path=str(FOLDER / f"{width}-{username}-{name}.png"), full_page=True)
        context.close()
    assert not problems, "\n".join(problems)
