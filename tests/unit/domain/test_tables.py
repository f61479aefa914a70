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


def test_the_spreadsheet_rows_read_codes_as_words_and_the_csv_rows_keep_them() -> None:
    report = {
        "inspection": {
            "name": "Q1 2024",
            "body": "SYN",
            "body_name": "Synthetic Constabulary",
            "framework": "child-protection/1",
            "period": ["2024-01-01", "2024-03-31"],
        },
        "sample": {
            "algorithm": "hmac-sha256-rank/1",
            "strata": [
                {"label": "honour_based_abuse_fgm / North", "frame_size": 1200, "sampled": 9}
            ],
        },
        "by_category": [
            {
                "category": "child_criminal_exploitation",
                "reviews": 3,
                "grades": {},
                "requires_improvement_or_inadequate": {"count": 1, "total": 3, "share": 1 / 3},
                "comparisons": [],
            }
        ],
        "send_backs": {"count": 2, "by_urgency": {"routine": 2}},
        "trend": [{"label": "Q4 2023", "period_end": "2023-12-31", "count": 1, "total": 2}],
        "published": True,
        "reproducibility": {"parameters": {"as_of": "2024-04-02"}},
    }
    codes, people = flat_rows(report), flat_rows(report, in_words=True)
    assert len(codes) == len(people)
    assert [r[0] for r in codes] == [r[0] for r in people]  # the same sections and measures
    assert [r[2] for r in codes] == [r[2] for r in people]
    machine = {(r[0], r[2]): r for r in codes}
    read = {(r[0], r[2]): r for r in people}
    assert machine[("inspection", "framework")][3] == "child-protection/1"
    assert read[("inspection", "framework")][3] == "Child protection framework, version 1"
    assert read[("inspection", "body_name")][3] == "Synthetic Constabulary"
    assert read[("sample", "algorithm")][3].startswith("Keyed-hash ranking")
    assert read[("inspection", "period_end")][3] == "31 March 2024"
    assert read[("reproducibility", "as_of")][3] == "2 April 2024"
    names = {r[1] for r in people}
    assert "Honour-based abuse and FGM / North" in names
    assert "Child criminal exploitation" in names
    assert "Child criminal exploitation: requires_improvement_or_inadequate" in names
    assert "Routine (20 working days)" in names and "Q4 2023 (31 December 2023)" in names
    assert not any("child_criminal" in str(c) or c == "2024-03-31" for r in people for c in r)
    assert "child_criminal_exploitation" in {r[1] for r in codes}  # the CSV keeps the code
    assert [r[3] for r in codes if r[2] == "frame_size" and r[0] == "sample_strata"] == [1200]
    assert [r[3] for r in people if r[2] == "frame_size" and r[0] == "sample_strata"] == [1200]
