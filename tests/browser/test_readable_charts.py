"""Readable charts (issue 23): every chart of the report page (full and published) and of the national trend,
as Chromium draws it at 320, 390 and 1280 CSS pixels.

For each chart: no text is cut (every text's box lies inside its SVG), none overlaps another (the time
axis's dates included), none is drawn under 12 pixels, it is in the page's font; a chart over time has
dates on its time axis; the chart's region takes no keyboard focus (it never scrolls); it has a visible title and the labels of both axes; it is a
<figure> with a <figcaption>, and the next thing after it is a table of its figures.  Screenshots of each
chart at each width go to test-results/screenshots/charts/ for a person to look at.  On a phone the narrow
drawing is shown (the whole chart within the screen), on a wider screen the usual one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.web import factories

from .conftest import SCREENSHOTS
from .test_reflow_and_no_js import demo, signed_in  # noqa: F401  (the demo fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FOLDER = SCREENSHOTS / "charts"
WIDTHS = (320, 390, 1280)

#: What each chart's axes are called (its value axis, its horizontal axis).
AXES = {
    "trend-chart": ("Share of graded cases requiring improvement or inadequate", "Period end"),
    "control-chart": ("Share of graded cases requiring improvement or inadequate", "Period end"),
    "volume-chart": ("Cases recorded", "Quarter"),
    "funnel-chart": ("Share requiring improvement or inadequate", "Cases graded"),
}
AXES |= {f"{chart}-narrow": axes for chart, axes in AXES.items()}

MEASURE = """() => Array.from(document.querySelectorAll('svg.casereview-chart'))
  .filter(svg => svg.checkVisibility()).map(svg => {
  const id = (svg.getAttribute('aria-labelledby') || '').split(' ')[0].replace(/-title$/, '');
  const region = svg.closest('.cr-chart-wrap');
  const frame = svg.getBoundingClientRect();
  const view = svg.viewBox.baseVal;
  const texts = Array.from(svg.querySelectorAll('text')).map(t => {
    const r = t.getBoundingClientRect(), b = t.getBBox();
    return {
      words: t.textContent, cls: t.getAttribute('class') || '',
      rect: [r.left, r.top, r.right, r.bottom],
      inView: b.x >= view.x - 0.5 && b.y >= view.y - 0.5 && b.x + b.width <= view.x + view.width + 0.5
        && b.y + b.height <= view.y + view.height + 0.5,
      size: parseFloat(getComputedStyle(t).fontSize) * svg.getScreenCTM().a,
      font: getComputedStyle(t).fontFamily,
    };
  });
  const figure = svg.closest('figure');
  const after = figure && figure.nextElementSibling;
  return {
    id, fits: region.scrollWidth <= region.clientWidth + 1, focusable: region.hasAttribute('tabindex'), width: svg.viewBox.baseVal.width, frame: [frame.left, frame.top, frame.right, frame.bottom], texts,
    title: (svg.querySelector('title') || {}).textContent || '',
    figcaption: figure && figure.querySelector('figcaption') ? figure.querySelector('figcaption').textContent.trim() : '',
    tableAfter: !!(after && (after.matches('table') || after.querySelector(':scope > table'))),
    tableCaption: after && after.querySelector('caption') ? after.querySelector('caption').textContent.trim() : '',
  };
})"""


def problems_with(charts: list[dict[str, Any]], where: str) -> list[str]:
    found = []
    for chart in charts:
        name = f"{where} {chart['id']}"
        if not chart["fits"]:  # the whole chart is seen without scrolling sideways
            found.append(f"{name}: wider than the page ({chart['width']} drawn)")
        left, top, right, bottom = chart["frame"]
        for t in chart["texts"]:
            x0, y0, x1, y1 = t["rect"]
            inside = (
                x0 >= left - 0.5 and y0 >= top - 0.5 and x1 <= right + 0.5 and y1 <= bottom + 0.5
            )
            if not (inside and t["inView"]):
                found.append(f"{name}: text cut at the chart's edge: {t['words']!r}")
            if t["size"] < 11.95:
                found.append(f"{name}: text drawn at {t['size']:.1f}px: {t['words']!r}")
            if "arial" not in t["font"].lower():
                found.append(f"{name}: text not in the page's font ({t['font']}): {t['words']!r}")
        texts = chart["texts"]
        for i, a in enumerate(texts):
            for c in texts[i + 1 :]:
                ax0, ay0, ax1, ay1 = a["rect"]
                cx0, cy0, cx1, cy1 = c["rect"]
                overlap_x = min(ax1, cx1) - max(ax0, cx0)
                overlap_y = min(ay1, cy1) - max(ay0, cy0)
                if overlap_x > 1 and overlap_y > 3:  # a line's box includes its leading
                    found.append(f"{name}: {a['words']!r} overlaps {c['words']!r}")
        titles = [t["words"] for t in texts if "cr-chart-title" in t["cls"]]
        if not titles or not chart["title"].startswith(titles[0]):
            found.append(f"{name}: no visible title ({titles} for {chart['title']!r})")
        axis_titles = " ".join(t["words"] for t in texts if "cr-axis-title" in t["cls"])
        for axis in AXES[chart["id"]]:
            if axis not in axis_titles:
                found.append(f"{name}: no axis label {axis!r} (has {axis_titles!r})")
        if chart["focusable"]:  # it never scrolls, so it takes no focus of its own
            found.append(f"{name}: the chart's region takes keyboard focus")
        dated = [t["words"] for t in texts if "cr-date-tick" in t["cls"]]
        if chart["id"].removesuffix("-narrow") in ("trend-chart", "control-chart") and not dated:
            found.append(f"{name}: no dates on the time axis")
        if not chart["figcaption"]:
            found.append(f"{name}: not a figure with a figcaption")
        if not chart["tableAfter"]:
            found.append(f"{name}: no table straight after the chart")
    return found


@pytest.fixture
def funnel_bodies(demo: dict[str, Any], tmp_path: Path) -> dict[str, Any]:  # noqa: F811
    """Two more bodies with a graded inspection each, large enough for their latest points to be published,
    so the national trend has a funnel plot."""
    from casereview.web.registers.services import register_import

    lead = factories.user("lead_inspector", "lead-funnel")
    inspector = factories.user("inspector", "inspector-funnel")
    for n, (code, name, bad) in enumerate(
        [("BIG", "Big Constabulary", 10), ("LRG", "Large Constabulary", 7)]
    ):
        factories.body(code, name)
        end = dt.date(2026, 6, 30)
        inspection = factories.inspection(
            lead=lead,
            body_code=code,
            name=f"April to June 2026 ({code})",
            period_start=end - dt.timedelta(days=90),
            period_end=end,
        )
        register = register_import(
            path=factories.register_file(tmp_path, rows=200, seed=40 + n, name=f"{code}.csv"),
            body_code=code,
        )
        grades = ["good"] * (24 - bad) + ["inadequate"] * bad
        factories.sample(inspection, register, size=len(grades), reserve=1)
        for assignment, grade in zip(
            factories.assigned(inspection, [inspector]), grades, strict=True
        ):
            factories.submitted(assignment, grade)
    return demo


def test_every_chart_is_readable_at_every_width(
    live_server: Any, browser: Any, funnel_bodies: dict[str, Any]
) -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    made = funnel_bodies
    pages = [
        ("lead", f"/reports/inspection/{made['current']}/", "report"),
        ("lead", f"/reports/inspection/{made['current']}/?published=1", "report-published-preview"),
        ("analyst", f"/reports/{made['publication']}/", "report-published"),
        ("analyst", "/reports/national-trend/", "national-trend"),
    ]
    problems: list[str] = []
    seen: dict[str, set[str]] = {}
    for username, path, name in pages:
        for width in WIDTHS:
            context = signed_in(
                browser, live_server.url, username, viewport={"width": width, "height": 900}
            )
            page = context.new_page()
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, (username, path)
            charts = page.evaluate(MEASURE)
            seen.setdefault(name, set()).update(c["id"].removesuffix("-narrow") for c in charts)
            # One drawing of each chart is shown: the narrow one on a phone, the wide one else.
            narrow = {c["id"].endswith("-narrow") for c in charts}
            assert narrow == ({True} if width < 720 else {False}), (name, width, narrow)
            problems += problems_with(charts, f"{name} at {width}px")
            for figure in page.locator("figure:has(svg.casereview-chart)").all():
                shown = figure.locator("svg.casereview-chart:visible")
                chart_id = shown.get_attribute("aria-labelledby")
                figure.screenshot(
                    path=str(FOLDER / f"{name}-{(chart_id or '').split('-title')[0]}-{width}.png")
                )
            context.close()
    assert seen["report"] >= {"trend-chart", "control-chart", "volume-chart"}, seen
    assert seen["report-published"] >= {"trend-chart", "volume-chart"}, seen
    assert seen["national-trend"] == {"funnel-chart"}, seen
    assert not problems, "\n".join(problems)
