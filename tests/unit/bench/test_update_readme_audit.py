"""The README's report table gains the disclosure audit's rows from bench-report's results, and results from
before the auditor still make a table."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
import update_readme  # noqa: E402


def results(audit: dict[str, Any] | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "measured_at": "2026-12-02T23:00:00Z",
        "machine": "2 cores",
        "database": "sqlite",
        "report": {
            "reviews": 1000,
            "earlier_results": 6,
            "floor_plain_query_s": 0.007,
            "report_for_s": 0.22,
            "ratio_to_floor": 30.5,
            "render_s": {"json": 0.01},
            "cli_json_process_s": 2.86,
            "target_s": 1.0,
            "met": True,
        },
        "national_trend": {
            "bodies": 43,
            "quarters": 40,
            "reviews_per_inspection": 500,
            "reviews": 860_000,
            "national_trend_s": 1.97,
            "ratio_to_floor": 10.1,
            "floor_count_query_s": 0.2,
            "target_s": 5.0,
            "met": True,
            "cli_process_s": 4.4,
        },
    }
    if audit is not None:
        data["audit"] = audit
    return data


def audit(seconds: float, *, passed: bool = True) -> dict[str, Any]:
    return {
        "publish_s": seconds,
        "publish_runs_s": [seconds, seconds + 0.1, seconds - 0.1],
        "hidden_quantities": 1234,
        "passed": passed,
        "cli_process_s": 3.5,
        "ratio_to_target_2s": round(seconds / 2, 3),
        "target_s": 2.0,
        "met": seconds <= 2.0,
    }


def test_the_audit_row_gives_the_median_the_runs_the_ratio_and_the_verdict() -> None:
    table = update_readme.report_table(results(audit(0.8)))
    row = next(line for line in table.splitlines() if line.startswith("| audit of"))
    assert "| 0.80 |" in row and "0.4× the target" in row and "2 s (met)" in row
    assert "1,234 hidden quantities" in row and "runs 0.80, 0.90, 0.70 s" in row
    assert "`casereview report --published --audit --json` as a whole process | 3.50 |" in table


def test_a_slow_or_failing_audit_says_so() -> None:
    row = next(
        line
        for line in update_readme.report_table(results(audit(2.5, passed=False))).splitlines()
        if line.startswith("| audit of")
    )
    assert "2 s (**not met**)" in row and "**failed**" in row


def test_results_from_before_the_auditor_make_the_table_without_it() -> None:
    table = update_readme.report_table(results(None))
    assert "audit" not in table and "national trend" in table
