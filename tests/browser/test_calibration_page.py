"""A completed calibration's page, as the body's liaison officer reads it, and its steps as the lead sees them:
axe-core finds no serious or critical violation, at 320 pixels nothing but a table's or a chart's own region
scrolls sideways, and the drift chart is drawn.  Screenshots in screenshots/calibration/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.web import factories
from tests.web.test_calibration_app import BODY_GRADES, regraded

from .conftest import SCREENSHOTS, axe_violations
from .test_reflow_and_no_js import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FOLDER = SCREENSHOTS / "calibration"


@pytest.fixture
def calibrations(tmp_path: Path) -> dict[str, int]:
    """Three own audits of SYN, a quarter apart: two completed calibrations (so the drift has two points, one
    for each audit) and one drawn."""
    from casereview.web.calibration.services import (
        calibration_complete,
        calibration_create,
        calibration_draw,
    )
    from casereview.web.inspections.models import Inspection
    from casereview.web.inspections.services import seed_commit

    syn = factories.body()
    lead = factories.user("lead_inspector", "lead")
    ina = factories.user("inspector", "ina")
    factories.contact(syn, factories.user("liaison_officer", "liaison"))
    ids = {}
    for year, (name, size) in enumerate((("first", 20), ("second", 30), ("open", 8)), start=2022):
        made = factories.own_audit_world(tmp_path, BODY_GRADES, prefix=name, rows=100 + year % 100)
        Inspection.objects.filter(pk=made["audit"].pk).update(
            name=f"SYN own audit {year}",
            period_start=dt.date(year, 1, 1),
            period_end=dt.date(year, 3, 31),
        )
        made["audit"].refresh_from_db()
        calibration = calibration_create(
            own_audit=made["audit"], size=size, stratify=True, lead=lead, actor=lead
        )
        seed_commit(inspection=calibration.inspection, actor=lead)
        calibration = calibration_draw(calibration=calibration, actor=lead)
        if name != "open":
            regraded(calibration, ina)
            calibration_complete(calibration=calibration, actor=lead)
        ids[name] = calibration.pk
    return ids


@pytest.mark.parametrize("width", [320, 1024])
def test_the_calibration_pages_read_well_at_any_width(
    live_server: Any, browser: Any, calibrations: dict[str, int], width: int
) -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    wanted = {
        "liaison": ["/calibrations/", f"/calibrations/{calibrations['second']}/"],
        "lead": [
            "/calibrations/",
            "/calibrations/new/",
            f"/calibrations/{calibrations['open']}/",
            f"/calibrations/{calibrations['second']}/",
        ],
    }
    problems = []
    for username, paths in wanted.items():
        context = signed_in(
            browser,
            live_server.url,
            username,
            viewport={"width": width, "height": 800},
            bypass_csp=True,
        )
        page = context.new_page()
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, (username, path)
            assert page.locator("h1").count() == 1, path
            assert page.title().endswith(" – casereview"), path
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - window.innerWidth"
            )
            if overflow > 1:
                problems.append(f"{username} {path}: {overflow}px too wide at {width}")
            found = axe_violations(page)
            if found:
                problems.append(f"{username} {path}: {found}")
            name = path.strip("/").replace("/", "-") or "index"
            page.screenshot(path=str(FOLDER / f"{width}-{username}-{name}.png"), full_page=True)
        if username == "liaison":
            page.goto(f"{live_server.url}/calibrations/{calibrations['second']}/")
            chart = page.locator("svg.casereview-chart:visible")
            assert chart.count() == 1
            assert chart.locator("circle").count() >= 2  # a point for each completed calibration
        context.close()
    assert not problems, "\n".join(problems)
