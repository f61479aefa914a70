"""An inspection's report as data: every figure with its interval, nothing invented.

``build_report`` takes plain data (the shell collects it) and returns a
JSON-serialisable dictionary; the same input always gives the same output,
and the output carries a SHA-256 of its input so a regenerated report can be
shown to rest on the same data.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .journal import canonical
from .statistics import Stratum, compare, stratified_share, wilson


@dataclass(frozen=True)
class GradedCase:
    case_ref: str
    stratum: str
    category: str
    unit: str
    overall: str  # the final overall grade (a resolution where marks disagreed)
    area_grades: Mapping[str, str] = field(default_factory=dict)
    weaknesses: frozenset[str] = frozenset()


@dataclass(frozen=True)
class HistoryPoint:
    """An earlier result for the same body: an inspection in casereview, or a published baseline."""

    label: str
    period_end: str
    kind: str  # "inspection" or "baseline"
    count: int  # requires improvement or inadequate
    total: int


@dataclass(frozen=True)
class SendBackFact:
    urgency: str
    state: str
    overdue: bool
    days_to_response: float | None


def _share(count: int, total: int) -> dict[str, Any] | None:
    if total == 0:
        return None
    s = wilson(count, total)
    return {"count": count, "total": total, "share": s.share, "ci95": [s.low, s.high]}


def _grouped(cases: Sequence[GradedCase], key: str, concern: set[str]) -> list[dict[str, Any]]:
    groups: dict[str, list[GradedCase]] = defaultdict(list)
    for case in cases:
        groups[getattr(case, key)].append(case)
    return [
        {key: name, "cases": len(group), "requires_improvement_or_inadequate": _share(sum(c.overall in concern for c in group), len(group))}
        for name, group in sorted(groups.items())
    ]


def build_report(
    *,
    inspection: Mapping[str, Any],
    grades: Sequence[tuple[str, str]],  # (code, label), best first
    areas: Sequence[tuple[str, str]],  # (slug, title)
    cases: Sequence[GradedCase],
    strata: Sequence[Mapping[str, Any]],  # label, frame_size, sampled
    proportional: bool,
    send_backs: Iterable[SendBackFact] = (),
    agreement: Sequence[Mapping[str, Any]] = (),
    history: Sequence[HistoryPoint] = (),
    software_version: str = "",
) -> dict[str, Any]:
    codes = [c for c, _ in grades]
    concern = set(codes[1:])  # everything worse than the best grade
    total = len(cases)
    counts = Counter(c.overall for c in cases)
    overall = [{"grade": code, "label": label, **(_share(counts[code], total) or {"count": 0, "total": 0})} for code, label in grades]
    combined = _share(sum(counts[c] for c in concern), total)
    weighted = None
    if not proportional and strata:
        concern_by_stratum = Counter(c.stratum for c in cases if c.overall in concern)
        graded_by_stratum = Counter(c.stratum for c in cases)
        estimate = stratified_share(
            [Stratum(int(s["frame_size"]), graded_by_stratum[str(s["label"])], concern_by_stratum[str(s["label"])]) for s in strata]
        )
        weighted = {"share": estimate.share, "ci95": [estimate.low, estimate.high], "standard_error": estimate.standard_error,
                    "method": "design weights N_h/n_h, stratified variance with finite population correction"}
    area_rows = []
    for slug, title in areas:
        given = Counter(c.area_grades.get(slug, "") for c in cases)
        area_rows.append({"area": slug, "title": title, "grades": {code: given[code] for code in codes},
                          "not_applicable": given.get("not_applicable", 0), "not_graded": given.get("", 0)})
    weakness_counts = Counter(w for c in cases for w in c.weaknesses)
    facts = list(send_backs)
    concern_now = sum(counts[c] for c in concern)
    trends = []
    for point in sorted(history, key=lambda h: (h.period_end, h.label)):
        row: dict[str, Any] = {"label": point.label, "period_end": point.period_end, "kind": point.kind,
                               **(_share(point.count, point.total) or {"count": point.count, "total": point.total})}
        if total and point.total:
            result = compare(concern_now, total, point.count, point.total)
            row["change_to_now"] = {"test": result.test, "p_value": result.p_value, "direction": result.direction,
                                    "wording": result.wording}
        trends.append(row)
    days = [f.days_to_response for f in facts if f.days_to_response is not None]
    input_digest = hashlib.sha256(
        canonical({"inspection": dict(inspection), "cases": [c.__dict__ | {"weaknesses": sorted(c.weaknesses), "area_grades": dict(c.area_grades)} for c in sorted(cases, key=lambda c: c.case_ref)],
                   "strata": [dict(s) for s in strata], "send_backs": [f.__dict__ for f in facts],
                   "history": [h.__dict__ for h in history]}).encode()
    ).hexdigest()
    return {
        "inspection": dict(inspection),
        "graded_cases": total,
        "overall": overall,
        "requires_improvement_or_inadequate": combined,
        "design_weighted": weighted,
        "by_category": _grouped(cases, "category", concern),
        "by_unit": _grouped(cases, "unit", concern),
        "areas": area_rows,
        "weaknesses": [{"code": code, "cases": n, "share_of_graded": n / total if total else None}
                       for code, n in sorted(weakness_counts.items(), key=lambda kv: (-kv[1], kv[0]))],
        "send_backs": {
            "total": len(facts),
            "by_urgency": dict(sorted(Counter(f.urgency for f in facts).items())),
            "open": sum(f.state != "closed" for f in facts),
            "overdue": sum(f.overdue for f in facts),
            "median_days_to_response": statistics.median(days) if days else None,
        },
        "agreement": list(agreement),
        "trends": trends,
        "reproducibility": {"input_sha256": input_digest, "software_version": software_version,
                            "intervals": "95% Wilson score", "strata": list(strata)},
    }


def published(report: Mapping[str, Any]) -> dict[str, Any]:
    """The report for publication: small numbers suppressed (see ``disclosure``), nothing that names a case.

    Breakdown tables (category, unit) are suppressed as two-column tables
    (requires improvement or inadequate / the rest) with complementary cells,
    so no suppressed count can be worked back from the totals.
    """
    from .disclosure import suppress

    out = dict(report)
    for key, name in (("by_category", "category"), ("by_unit", "unit")):
        rows = list(report.get(key, []))
        table = []
        for row in rows:
            combined = row["requires_improvement_or_inadequate"] or {"count": 0}
            table.append([combined["count"], row["cases"] - combined["count"]])
        hidden = suppress(table) if table else None
        published_rows = []
        for i, row in enumerate(rows):
            concern_hidden = hidden is not None and (i, 0) in hidden.cells
            rest_hidden = hidden is not None and (i, 1) in hidden.cells
            total_hidden = hidden is not None and i in hidden.row_totals
            published_rows.append({
                name: row[name],
                "cases": None if total_hidden or (concern_hidden != rest_hidden) else row["cases"],
                "requires_improvement_or_inadequate": None if concern_hidden else row["requires_improvement_or_inadequate"],
                "suppressed": bool(concern_hidden or rest_hidden or total_hidden),
            })
        out[key] = published_rows
    out["weaknesses"] = [w if w["cases"] >= 5 else {"code": w["code"], "cases": None, "share_of_graded": None, "suppressed": True}
                         for w in report.get("weaknesses", [])]
    inspection = dict(report.get("inspection", {}))
    inspection.pop("register_sha256", None)
    out["inspection"] = inspection
    out["published"] = True
    out["suppression"] = "counts of 1 to 4 and complementary cells are suppressed"
    return out


def flat_rows(report: Mapping[str, Any]) -> list[tuple[str, str, str, Any]]:
    """The report as (section, row, measure, value) rows, for CSV and spreadsheets."""
    rows: list[tuple[str, str, str, Any]] = []
    for g in report.get("overall", []):
        rows += [("overall", g["grade"], "count", g.get("count")), ("overall", g["grade"], "share", g.get("share"))]
        if g.get("ci95"):
            rows += [("overall", g["grade"], "ci95_low", g["ci95"][0]), ("overall", g["grade"], "ci95_high", g["ci95"][1])]
    combined = report.get("requires_improvement_or_inadequate")
    if combined:
        rows += [("overall", "requires_improvement_or_inadequate", m, v) for m, v in
                 (("count", combined["count"]), ("total", combined["total"]), ("share", combined["share"]),
                  ("ci95_low", combined["ci95"][0]), ("ci95_high", combined["ci95"][1]))]
    for key, name in (("by_category", "category"), ("by_unit", "unit")):
        for row in report.get(key, []):
            combined = row.get("requires_improvement_or_inadequate")
            rows.append((key, row[name], "cases", row.get("cases")))
            rows.append((key, row[name], "requires_improvement_or_inadequate", combined["count"] if combined else None))
    for w in report.get("weaknesses", []):
        rows.append(("weaknesses", w["code"], "cases", w.get("cases")))
    for t in report.get("trends", []):
        rows.append(("trends", t["label"], "share", t.get("share")))
        if t.get("change_to_now"):
            rows.append(("trends", t["label"], "change_to_now", t["change_to_now"]["wording"]))
    return rows
