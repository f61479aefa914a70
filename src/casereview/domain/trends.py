"""National trends: every body's results over time and each quarter's national estimate.

Each inspection gives a share requires improvement or inadequate with its
Wilson interval, compared with the body's previous inspection by
``statistics.compare``.  A quarter's national figure treats each body as a
stratum: bodies are weighted by the size of the frame their sample was drawn
from (stratified estimate with its variance); when a frame size is unknown
(a sample imported from outside casereview) the quarter falls back to the
pooled share of all reviews, and says so.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .report import comparison, interval
from .statistics import Stratum, stratified_share, wilson


@dataclass(frozen=True)
class InspectionResult:
    body: str
    inspection: str
    period_end: dt.date
    count: int  # requires improvement or inadequate
    total: int  # graded cases
    frame_size: int | None


def quarter(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def national_trend(results: Iterable[InspectionResult]) -> dict[str, Any]:
    by_body: dict[str, list[InspectionResult]] = defaultdict(list)
    for r in results:
        if r.total > 0:
            by_body[r.body].append(r)
    bodies = []
    by_quarter: dict[str, list[InspectionResult]] = defaultdict(list)
    for body, rows in sorted(by_body.items()):
        rows.sort(key=lambda r: (r.period_end, r.inspection))
        series = []
        previous: InspectionResult | None = None
        for r in rows:
            point = {
                "inspection": r.inspection,
                "period_end": r.period_end.isoformat(),
                "quarter": quarter(r.period_end),
                "reviews": r.total,
                **interval(r.count, r.total),
                "change_from_previous": None,
            }
            if previous is not None:
                point["change_from_previous"] = comparison(
                    previous.inspection,
                    "inspection",
                    previous.period_end.isoformat(),
                    (previous.count, previous.total),
                    (r.count, r.total),
                )
            series.append(point)
            by_quarter[quarter(r.period_end)].append(r)
            previous = r
        bodies.append({"body": body, "series": series})
    quarters = []
    for name, rows in sorted(by_quarter.items()):
        reviews = sum(r.total for r in rows)
        found = sum(r.count for r in rows)
        if all(r.frame_size for r in rows):
            e = stratified_share([Stratum(int(r.frame_size or 0), r.total, r.count) for r in rows])
            share, low, high = e.share, e.low, e.high
            method = "bodies weighted by the size of their frames (stratified estimate)"
        else:
            w = wilson(found, reviews)
            share, low, high = w.share, w.low, w.high
            method = "pooled share of all reviews with a Wilson interval (a frame size is unknown)"
        quarters.append(
            {
                "quarter": name,
                "period_end": max(r.period_end for r in rows).isoformat(),
                "bodies": len(rows),
                "reviews": reviews,
                "count": found,
                "share": share,
                "ci_low": low,
                "ci_high": high,
                "method": method,
            }
        )
    return {"quarters": quarters, "bodies": bodies}
