from __future__ import annotations

import datetime as dt

import pytest

from casereview.domain.tables import flat_rows
from casereview.domain.trends import InspectionResult, national_trend, quarter


def test_flat_rows_neutralise_user_text_everywhere() -> None:
    report = {
        "inspection": {"name": "=cmd|' /C calc'!A0", "period": ["2024-01-01", "2024-03-31"]},
        "by_category": [
            {
                "category": "@evil",
                "reviews": 3,
                "grades": {},
                "requires_improvement_or_inadequate": None,
                "comparisons": [
                    {"against": "-1 baseline", "period_end": "2023-12-31", "direction": "worse"}
                ],
            }
        ],
    }
    cells = [c for row in flat_rows(report) for c in row if isinstance(c, str)]
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    assert "'=cmd|' /C calc'!A0" in cells and "'@evil" in cells


def test_national_trend_series_quarters_and_weights() -> None:
    results = [
        InspectionResult("AAA", "A Q1", dt.date(2024, 3, 31), 50, 100, 10_000),
        InspectionResult("AAA", "A Q2", dt.date(2024, 6, 30), 80, 100, 10_000),
        InspectionResult("BBB", "B Q1", dt.date(2024, 3, 31), 10, 100, 90_000),
        InspectionResult("CCC", "C Q2", dt.date(2024, 6, 30), 5, 10, None),
    ]
    trend = national_trend(results)
    a = next(b for b in trend["bodies"] if b["body"] == "AAA")["series"]
    assert a[0]["change_from_previous"] is None
    assert (
        a[1]["change_from_previous"]["direction"] == "worse"
        and a[1]["change_from_previous"]["against"] == "A Q1"
    )
    q1, q2 = trend["quarters"]
    assert (q1["quarter"], q1["bodies"], q1["reviews"]) == ("2024-Q1", 2, 200)
    assert q1["share"] == pytest.approx(
        0.1 * 0.5 + 0.9 * 0.1
    )  # weighted by frame, not pooled (0.3)
    assert q1["ci_low"] < q1["share"] < q1["ci_high"]
    assert "pooled" in q2["method"] and q2["share"] == pytest.approx(85 / 110)
    assert quarter(dt.date(2024, 12, 31)) == "2024-Q4" and quarter(dt.date(2025, 1, 1)) == "2025-Q1"
