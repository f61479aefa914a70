"""Reports as rows for spreadsheets, every text cell made safe by the one rule (``domain.cells``).

``flat_rows`` reads a report's JSON document (``Report.to_json()``, or a published report's
document as stored), so that a full report and a published one give rows of the same shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from casereview.domain.cells import safe_row

__all__ = ["COLUMNS", "flat_rows"]

COLUMNS = ("section", "row", "measure", "value")
Row = tuple[str, str, str, Any]
AGREEMENT = ("pairs", "percent_agreement", "cohen_kappa", "weighted_kappa_linear")
LINK_COUNTS = (
    "reviewed_cases",
    "with_related_cases",
    "with_related_cases_and_weakness",
    "weakness_without_related_cases",
)


def _interval_rows(section: str, row: str, figure: Mapping[str, Any] | None) -> list[Row]:
    if not figure:
        return []
    return [
        (section, row, measure, figure.get(measure))
        for measure in ("count", "total", "share", "ci_low", "ci_high")
        if measure in figure
    ]


def _comparison_rows(section: str, row: str, items: Iterable[Mapping[str, Any]]) -> list[Row]:
    out = []
    for c in items:
        name = f"{row} against {c['against']}" if row else f"against {c['against']}"
        for measure in ("period_end", "share_then", "share_now", "test", "p_value", "direction"):
            if measure in c:
                out.append((section, name, measure, c[measure]))
        if c.get("suppressed"):
            out.append((section, name, "suppressed", True))
    return out


def _inspection_rows(report: Mapping[str, Any]) -> list[Row]:
    inspection = report.get("inspection", {})
    rows: list[Row] = [("report", "", "published", report.get("published", False))]
    rows += [
        ("inspection", "", key, inspection.get(key))
        for key in ("name", "body", "framework", "commitment")
    ]
    return [
        *rows,
        ("inspection", "", "period_start", inspection.get("period", ["", ""])[0]),
        ("inspection", "", "period_end", inspection.get("period", ["", ""])[1]),
        ("reviews", "", "count", report.get("reviews")),
    ]


def _sample_rows(sample: Mapping[str, Any]) -> list[Row]:
    rows: list[Row] = [
        ("sample", "", key, sample.get(key))
        for key in ("frame_size", "drawn_in_casereview", "late_commitment", "algorithm")
    ]
    replacements = sample.get("replacements", [])
    count = len(replacements) if isinstance(replacements, list) else replacements
    rows.append(("sample", "", "replacements", count))
    for stratum in sample.get("strata", []):
        rows += [
            ("sample_strata", stratum["label"], "frame_size", stratum["frame_size"]),
            ("sample_strata", stratum["label"], "sampled", stratum["sampled"]),
        ]
    return rows


def _grade_rows(report: Mapping[str, Any]) -> list[Row]:
    rows: list[Row] = []
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
    return rows + _comparison_rows("comparisons", "", report.get("comparisons", []))


def _breakdown_rows(report: Mapping[str, Any]) -> list[Row]:
    rows: list[Row] = []
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
    return rows


def _area_and_weakness_rows(report: Mapping[str, Any]) -> list[Row]:
    rows: list[Row] = []
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
    return rows


def _send_back_and_agreement_rows(report: Mapping[str, Any]) -> list[Row]:
    send_backs = report.get("send_backs", {})
    rows: list[Row] = [
        ("send_backs", "", key, send_backs.get(key))
        for key in ("count", "open", "overdue", "median_days_to_response")
    ]
    rows += [
        ("send_backs", urgency, "count", n)
        for urgency, n in send_backs.get("by_urgency", {}).items()
    ]
    agreement = report.get("agreement", {})
    rows += [("agreement", "team", key, agreement.get(key)) for key in AGREEMENT]
    for pair in agreement.get("by_pair", []):
        name = " and ".join(pair["raters"])
        rows += [("agreement", name, key, pair.get(key)) for key in AGREEMENT]
    return rows


def _link_and_volume_rows(report: Mapping[str, Any]) -> list[Row]:
    links = report.get("links") or {}
    rows: list[Row] = [("links", "", key, links[key]) for key in LINK_COUNTS if key in links]
    rows += [
        ("links", kind, "reviewed_cases_with_related", n)
        for kind, n in links.get("by_kind", {}).items()
    ]
    rows += [("links_register", "", key, n) for key, n in links.get("register", {}).items()]
    rows += [("links_frame", "", key, n) for key, n in (links.get("frame") or {}).items()]
    rows += [
        ("links_rules", "", key, ", ".join(value) if isinstance(value, list) else value)
        for key, value in links.get("rules", {}).items()
    ]
    volume = report.get("volume") or {}
    for category, counts in volume.get("categories", {}).items():
        rows += [
            ("volume", category, quarter, n)
            for quarter, n in zip(volume.get("quarters", []), counts, strict=True)
        ]
    return rows


def _reproducibility_rows(report: Mapping[str, Any]) -> list[Row]:
    reproducibility = report.get("reproducibility", {})
    rows: list[Row] = [
        ("reproducibility", "", key, reproducibility.get(key))
        for key in ("input_sha256", "figures_sha256", "software_version")
    ]
    as_of = reproducibility.get("parameters", {}).get("as_of")
    return [*rows, ("reproducibility", "", "as_of", as_of)]


def flat_rows(report: Mapping[str, Any]) -> list[Row]:
    """A report's JSON document as (section, row, measure, value) rows, for CSV and spreadsheets."""
    preview = report.get("preview")
    rows = [
        *([("status", "", "preview", preview["label"])] if preview else []),
        *_inspection_rows(report),
        *_sample_rows(report.get("sample", {})),
        *_grade_rows(report),
        *_breakdown_rows(report),
        *_area_and_weakness_rows(report),
        *_send_back_and_agreement_rows(report),
        *_link_and_volume_rows(report),
        *_reproducibility_rows(report),
    ]
    return [(*safe_row(r),) for r in rows]
