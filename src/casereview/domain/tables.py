"""Reports as rows for spreadsheets, every text cell made safe by the one rule (``domain.cells``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from casereview.domain.cells import safe_row

__all__ = ["COLUMNS", "flat_rows"]

COLUMNS = ("section", "row", "measure", "value")


def _interval_rows(
    section: str, row: str, figure: Mapping[str, Any] | None
) -> list[tuple[str, str, str, Any]]:
    if not figure:
        return []
    return [
        (section, row, measure, figure.get(measure))
        for measure in ("count", "total", "share", "ci_low", "ci_high")
        if measure in figure
    ]


def _comparison_rows(
    section: str, row: str, items: Iterable[Mapping[str, Any]]
) -> list[tuple[str, str, str, Any]]:
    out = []
    for c in items:
        name = f"{row} against {c['against']}" if row else f"against {c['against']}"
        for measure in ("period_end", "share_then", "share_now", "test", "p_value", "direction"):
            if measure in c:
                out.append((section, name, measure, c[measure]))
        if c.get("suppressed"):
            out.append((section, name, "suppressed", True))
    return out


def flat_rows(report: Mapping[str, Any]) -> list[tuple[str, str, str, Any]]:
    """The report as (section, row, measure, value) rows, for CSV and spreadsheets."""
    rows: list[tuple[str, str, str, Any]] = [
        ("report", "", "published", report.get("published", False))
    ]
    inspection = report.get("inspection", {})
    rows += [
        ("inspection", "", key, inspection.get(key))
        for key in ("name", "body", "framework", "commitment")
    ]
    rows += [
        ("inspection", "", "period_start", inspection.get("period", ["", ""])[0]),
        ("inspection", "", "period_end", inspection.get("period", ["", ""])[1]),
        ("reviews", "", "count", report.get("reviews")),
    ]
    sample = report.get("sample", {})
    for key in ("frame_size", "drawn_in_casereview", "late_commitment", "algorithm"):
        rows.append(("sample", "", key, sample.get(key)))
    replacements = sample.get("replacements", [])
    rows.append(
        (
            "sample",
            "",
            "replacements",
            len(replacements) if isinstance(replacements, list) else replacements,
        )
    )
    for stratum in sample.get("strata", []):
        rows += [
            ("sample_strata", stratum["label"], "frame_size", stratum["frame_size"]),
            ("sample_strata", stratum["label"], "sampled", stratum["sampled"]),
        ]
    for code, figure in report.get("grades", {}).items():
        rows += _interval_rows("grades", code, figure)
    rows += _interval_rows(
        "grades",
        "requires_improvement_or_inadequate",
        report.get("requires_improvement_or_inadequate"),
    )
    weighted = report.get("design_weighted")
    if weighted:
        rows += [
            ("design_weighted", "requires_improvement_or_inadequate", m, weighted[m])
            for m in ("share", "ci_low", "ci_high")
        ]
    rows += _comparison_rows("comparisons", "", report.get("comparisons", []))
    for key, name in (("by_category", "category"), ("by_unit", "unit")):
        for row in report.get(key, []):
            rows.append((key, row[name], "reviews", row.get("reviews")))
            if "good" in row:
                rows.append((key, row[name], "good", row["good"]))
            for code, figure in row.get("grades", {}).items():
                rows.append((key, row[name], code, figure.get("count")))
            rows += _interval_rows(
                key,
                f"{row[name]}: requires_improvement_or_inadequate",
                row.get("requires_improvement_or_inadequate"),
            )
            rows += _comparison_rows(key, row[name], row.get("comparisons", []))
    for area in report.get("areas", []):
        for code, n in area.get("grades", {}).items():
            rows.append(("areas", area["area"], code, n))
        rows += [
            ("areas", area["area"], "not_applicable", area.get("not_applicable")),
            ("areas", area["area"], "not_graded", area.get("not_graded")),
        ]
    for w in report.get("weaknesses", []):
        rows += _interval_rows("weaknesses", w["code"], w)
        rows.append(("weaknesses", w["code"], "recurring", w.get("recurring")))
        rows += _comparison_rows("weaknesses", w["code"], w.get("recurrence", []))
    send_backs = report.get("send_backs", {})
    for key in ("count", "open", "overdue", "median_days_to_response"):
        rows.append(("send_backs", "", key, send_backs.get(key)))
    for urgency, n in send_backs.get("by_urgency", {}).items():
        rows.append(("send_backs", urgency, "count", n))
    agreement = report.get("agreement", {})
    for key in ("pairs", "percent_agreement", "cohen_kappa", "weighted_kappa_linear"):
        rows.append(("agreement", "team", key, agreement.get(key)))
    for pair in agreement.get("by_pair", []):
        name = " and ".join(pair["raters"])
        for key in ("pairs", "percent_agreement", "cohen_kappa", "weighted_kappa_linear"):
            rows.append(("agreement", name, key, pair.get(key)))
    links = report.get("links") or {}
    for key in (
        "reviewed_cases",
        "with_related_cases",
        "with_related_cases_and_weakness",
        "weakness_without_related_cases",
    ):
        if key in links:
            rows.append(("links", "", key, links[key]))
    for kind, n in links.get("by_kind", {}).items():
        rows.append(("links", kind, "reviewed_cases_with_related", n))
    for key, n in links.get("register", {}).items():
        rows.append(("links_register", "", key, n))
    for key, n in (links.get("frame") or {}).items():
        rows.append(("links_frame", "", key, n))
    for key, value in links.get("rules", {}).items():
        rows.append(
            ("links_rules", "", key, ", ".join(value) if isinstance(value, list) else value)
        )
    volume = report.get("volume") or {}
    for category, counts in volume.get("categories", {}).items():
        rows += [
            ("volume", category, quarter, n)
            for quarter, n in zip(volume.get("quarters", []), counts, strict=True)
        ]
    reproducibility = report.get("reproducibility", {})
    for key in ("input_sha256", "figures_sha256", "software_version"):
        rows.append(("reproducibility", "", key, reproducibility.get(key)))
    rows.append(
        ("reproducibility", "", "as_of", reproducibility.get("parameters", {}).get("as_of"))
    )
    return [(*safe_row(r),) for r in rows]
