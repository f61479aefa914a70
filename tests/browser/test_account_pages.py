"""The account pages as people see them: no serious accessibility problem, no sideways scrolling at 320 pixels,
and a screenshot of each (test-results/screenshots/accounts/)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from tests.web import factories

from .conftest import SCREENSHOTS, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FOLDER = SCREENSHOTS / "accounts"


def signed_in_context(browser: Any, base: str, user: Any, **options: Any) -> Any:
    from django.conf import settings

    from tests.web.conftest import verified_client

    client = verified_client(user)
    context = browser.new_context(bypass_csp=True, **options)  # axe is injected as a script tag
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base,
            }
        ]
    )
    return context


@override_settings(
    CASEREVIEW_LOCKOUT_IP_FAILURES=5, CASEREVIEW_SUPPORT_CONTACT="Service desk\n0100 000 0000"
)
def test_the_account_pages_are_accessible_and_reflow(live_server: Any, browser: Any) -> None:
    factories.body()
    factories.user("inspector", "ina")
    admin = factories.user("administrator", "admin")
    for n in range(5):  # an address lock, and a username lock
        Client(REMOTE_ADDR="10.7.7.7").post(
            "/login/", {"username": f"guess{n}", "password": "wrong password entirely"}
        )
    for _ in range(5):
        Client(REMOTE_ADDR="10.7.7.8").post(
            "/login/", {"username": "ina", "password": "wrong password entirely"}
        )
    FOLDER.mkdir(parents=True, exist_ok=True)
    problems = []
    for width in (1200, 320):
        visitor = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 800})
        signed_in = signed_in_context(
            browser, live_server.url, admin, viewport={"width": width, "height": 800}
        )
        for context, path in [
            (visitor, "/login/"),
            (visitor, "/users/sign-in-help/"),
            (signed_in, "/users/user/ina/"),
            (signed_in, "/users/user/ina/deactivate/"),
            (signed_in, "/users/confirm-it-is-you/"),
            (signed_in, "/users/locked/"),
            (signed_in, "/users/"),
        ]:
            page = context.new_page()
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, path
            if width == 320:
                overflow = page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
                    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.cr-table-wrap, .cr-chart-wrap'))
                    .length""")
                if overflow:
                    problems.append(f"{path}: wider than 320 pixels")
            found = axe_violations(page)
            if found:
                problems.append(f"{path}: {found}")
            page.screenshot(
                path=str(FOLDER / f"{width}-{path.strip('/').replace('/', '-')}.png"),
                full_page=True,
            )
            page.close()
        visitor.close()
        signed_in.close()
    assert not problems, "\n".join(problems)
