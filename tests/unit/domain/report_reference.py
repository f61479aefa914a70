"""Today's report code, kept verbatim as the reference the typed model must match byte for byte.

Copied from ``domain/report.py`` (``build_report`` and its helpers), ``domain/publication.py``
(``published``) and ``domain/tables.py`` (``flat_rows``) as they were before the typed report model
(commit a6a6c53).  Only the imports are adapted, and the publication helpers that share a name with a
report helper carry a ``_p`` prefix; nothing else may change here: ``test_report_model``
builds every report through this code and through the model and compares the JSON.
"""

# ruff: noqa
# mypy: ignore-errors
from __future__ import annotations

import hashlib
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from casereview.domain.agreement import PairAgreement
from casereview.domain.journal import canonical
from casereview.domain.links import links_section
from casereview.domain.statistics import ALPHA, Stratum, compare, stratified_share, wilson

import copy
from casereview.domain.cells import safe_row
from casereview.domain.report import GradedCase, HistoryPoint, SendBackFact, FINAL_GRADE_RULE


def interval(count: int, total: int) -> dict[str, Any]:
    """``{"count", "total", "share", "ci_low", "ci_high"}``; the share and interval are None for no cases."""
    if total <= 0:
        return {"count": count, "total": total, "share": None, "ci_low": None, "ci_high": None}
    s = wilson(count, total)
    return {"count": count, "total": total, "share": s.share, "ci_low": s.low, "ci_high": s.high}


def comparison(
    against: str, kind: str, period_end: str, then: tuple[int, int], now: tuple[int, int]
) -> dict[str, Any] | None:
    """A share now against a share then: the test, its p value and the direction (None without cases)."""
    (count_then, total_then), (count_now, total_now) = then, now
    if total_then <= 0 or total_now <= 0:
        return None
    result = compare(count_now, total_now, count_then, total_then)
    return {
        "against": against,
        "kind": kind,
        "period_end": period_end,
        "count_then": count_then,
        "total_then": total_then,
        "share_then": count_then / total_then,
        "count_now": count_now,
        "total_now": total_now,
        "share_now": count_now / total_now,
        "test": result.test,
        "p_value": result.p_value,
        "direction": result.direction,
        "wording": result.wording,
    }


def _grades(
    cases: Sequence[GradedCase], grades: Sequence[tuple[str, str]]
) -> dict[str, dict[str, Any]]:
    counts = Counter(c.overall for c in cases)
    return {code: {"label": label, **interval(counts[code], len(cases))} for code, label in grades}


def _breakdown(
    cases: Sequence[GradedCase],
    key: str,
    grades: Sequence[tuple[str, str]],
    concern: set[str],
    history: Sequence[HistoryPoint],
) -> list[dict[str, Any]]:
    groups: dict[str, list[GradedCase]] = defaultdict(list)
    for case in cases:
        groups[getattr(case, key)].append(case)
    rows = []
    for name, group in sorted(groups.items()):
        now = (sum(c.overall in concern for c in group), len(group))
        earlier = [
            comparison(
                point.label, point.kind, point.period_end, getattr(point, f"by_{key}")[name], now
            )
            for point in history
            if name in getattr(point, f"by_{key}")
        ]
        rows.append(
            {
                key: name,
                "reviews": len(group),
                "grades": _grades(group, grades),
                "requires_improvement_or_inadequate": interval(*now),
                "comparisons": [c for c in earlier if c is not None],
            }
        )
    return rows


def _weaknesses(
    cases: Sequence[GradedCase],
    titles: Mapping[str, str],
    history: Sequence[HistoryPoint],
) -> tuple[list[dict[str, Any]], str | None]:
    """Weaknesses by frequency, each against every earlier result that recorded weaknesses.

    The recurrence baseline is the earliest such result: a weakness is
    ``recurring`` when it is found now and was found then.  Weaknesses found
    then but not now are listed with a count of 0.
    """
    total = len(cases)
    now = Counter(w for c in cases for w in c.weaknesses)
    recorded = [p for p in history if p.weaknesses is not None and p.total > 0]
    baseline = recorded[0] if recorded else None
    codes = set(now) | (
        set(k for k, v in (baseline.weaknesses or {}).items() if v) if baseline else set()
    )
    rows = []
    for code in codes:
        earlier = [
            comparison(
                p.label,
                p.kind,
                p.period_end,
                ((p.weaknesses or {}).get(code, 0), p.total),
                (now[code], total),
            )
            for p in recorded
        ]
        rows.append(
            {
                "code": code,
                "title": titles.get(code, ""),
                **interval(now[code], total),
                "recurring": None
                if baseline is None
                else bool(now[code] and (baseline.weaknesses or {}).get(code, 0)),
                "recurrence": [c for c in earlier if c is not None],
            }
        )
    rows.sort(key=lambda r: (-r["count"], r["code"]))
    return rows, baseline.label if baseline else None


def _agreement(
    pairs: Sequence[PairAgreement], fleiss: tuple[int, float | None] | None
) -> dict[str, Any]:
    def shaped(p: PairAgreement) -> dict[str, Any]:
        return {
            "pairs": p.cases,
            "percent_agreement": 100 * p.agreement,
            "cohen_kappa": p.kappa,
            "weighted_kappa_linear": p.weighted_kappa,
        }

    team = next((p for p in pairs if p.raters == ("team", "")), None)
    out: dict[str, Any] = (
        shaped(team)
        if team
        else {
            "pairs": 0,
            "percent_agreement": None,
            "cohen_kappa": None,
            "weighted_kappa_linear": None,
        }
    )
    out["by_pair"] = [{"raters": list(p.raters), **shaped(p)} for p in pairs if p is not team]
    if fleiss is not None:
        out["fleiss"] = {"cases": fleiss[0], "kappa": fleiss[1]}
    return out


def _send_backs(facts: Sequence[SendBackFact], at_risk_not_sent_back: int) -> dict[str, Any]:
    days = [f.days_to_response for f in facts if f.days_to_response is not None]
    return {
        # Cases a submitted review says are at risk with no send back ever opened: publishing waits for 0.
        "at_risk_not_sent_back": at_risk_not_sent_back,
        "count": len(facts),
        "by_urgency": dict(sorted(Counter(f.urgency for f in facts).items())),
        "open": sum(f.state != "closed" for f in facts),
        "overdue": sum(f.overdue for f in facts),
        "median_days_to_response": statistics.median(days) if days else None,
        "responses": len(days),  # added with issue 20: the published median needs it
    }


def _design_weighted(
    cases: Sequence[GradedCase], strata: Sequence[Mapping[str, Any]], concern: set[str]
) -> dict[str, Any] | None:
    graded = Counter(c.stratum for c in cases)
    if not graded:
        return None
    found = Counter(c.stratum for c in cases if c.overall in concern)
    estimate = stratified_share(
        [
            Stratum(int(s["frame_size"]), graded[str(s["label"])], found[str(s["label"])])
            for s in strata
        ]
    )
    return {
        "share": estimate.share,
        "ci_low": estimate.low,
        "ci_high": estimate.high,
        "standard_error": estimate.standard_error,
        "method": "design weights N_h/n_h, stratified variance with finite population correction",
        # added with issue 20: the counts the estimate is computed from, for the published version
        "strata": [
            {
                "label": str(s["label"]),
                "frame_size": int(s["frame_size"]),
                "graded": graded[str(s["label"])],
                "concern": found[str(s["label"])],
            }
            for s in strata
        ],
    }


def figures_digest(report: Mapping[str, Any]) -> str:
    """SHA-256 of a report's figures: everything but the digest itself."""
    body = {k: v for k, v in report.items() if k != "reproducibility"}
    body["reproducibility"] = {
        k: v for k, v in report.get("reproducibility", {}).items() if k != "figures_sha256"
    }
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


def build_report(
    *,
    inspection: Mapping[str, Any],
    grades: Sequence[tuple[str, str]],  # (code, label), best first
    areas: Sequence[tuple[str, str]],  # (slug, title)
    cases: Sequence[GradedCase],
    sample: Mapping[
        str, Any
    ],  # frame_size, plan, strata [{label, frame_size, sampled}], proportional, …
    send_backs: Iterable[SendBackFact] = (),
    at_risk_not_sent_back: int = 0,
    agreement: Sequence[PairAgreement] = (),
    fleiss: tuple[int, float | None] | None = None,
    history: Sequence[HistoryPoint] = (),
    weakness_titles: Mapping[str, str] | None = None,
    as_of: str = "",
    software_version: str = "",
    links: Mapping[str, Any]
    | None = None,  # {"rules": LinkRules, "related": {case_ref: {kind: n}}, "register": {...}, "weakness": code}
    volume: Mapping[str, Any] | None = None,  # domain.links.volume_by_quarter of the register
) -> dict[str, Any]:
    codes = [c for c, _ in grades]
    concern = set(codes[1:])  # everything worse than the best grade
    total = len(cases)
    concern_now = sum(c.overall in concern for c in cases)
    strata = list(sample.get("strata", []))
    weighted = (
        None
        if sample.get("proportional", True) or not strata
        else _design_weighted(cases, strata, concern)
    )
    area_rows = []
    for slug, title in areas:
        given = Counter(c.area_grades.get(slug, "") for c in cases)
        area_rows.append(
            {
                "area": slug,
                "title": title,
                "grades": {code: given[code] for code in codes},
                "not_applicable": given.get("not_applicable", 0),
                "not_graded": given.get("", 0),
            }
        )
    ordered = sorted(history, key=lambda h: (h.period_end, h.label))
    comparisons = [
        comparison(p.label, p.kind, p.period_end, (p.count, p.total), (concern_now, total))
        for p in ordered
    ]
    trend = [
        {
            "label": p.label,
            "kind": p.kind,
            "period_end": p.period_end,
            "now": False,
            **interval(p.count, p.total),
        }
        for p in ordered
    ]
    trend.append(
        {
            "label": str(inspection.get("name", "")),
            "kind": "inspection",
            "now": True,
            "period_end": str((inspection.get("period") or ["", ""])[1]),
            **interval(concern_now, total),
        }
    )
    weaknesses, weakness_baseline = _weaknesses(cases, weakness_titles or {}, ordered)
    facts = list(send_backs)
    parameters = {
        "as_of": as_of,
        "confidence": 1 - ALPHA,
        "interval": "Wilson score",
        "alpha": ALPHA,
        "comparison_tests": "two-proportion z-test; Fisher's exact test when an expected count is under 5",
        "final_grade": FINAL_GRADE_RULE,
        "concern_grades": sorted(concern),
    }
    input_digest = hashlib.sha256(
        canonical(
            {
                "inspection": dict(inspection),
                "sample": dict(sample),
                "cases": [
                    asdict(c)
                    | {"weaknesses": sorted(c.weaknesses), "area_grades": dict(c.area_grades)}
                    for c in sorted(cases, key=lambda c: c.case_ref)
                ],
                "send_backs": [asdict(f) for f in facts],
                "at_risk_not_sent_back": at_risk_not_sent_back,
                "history": [asdict(h) for h in ordered],
                "agreement": [asdict(p) for p in agreement],
                "fleiss": fleiss,
                "parameters": parameters,
                "links": None
                if links is None
                else {
                    "rules": links["rules"].as_dict(),
                    "related": dict(links["related"]),
                    "register": dict(links["register"]),
                    "frame": links.get("frame"),
                    "weakness": links.get("weakness"),
                },
                "volume": volume,
            }
        ).encode("utf-8")
    ).hexdigest()
    report: dict[str, Any] = {
        "inspection": dict(inspection),
        "reviews": total,
        "sample": dict(sample),
        "grades": _grades(cases, grades),
        "requires_improvement_or_inadequate": interval(concern_now, total),
        "design_weighted": weighted,
        "comparisons": [c for c in comparisons if c is not None],
        "trend": trend,
        "by_category": _breakdown(cases, "category", grades, concern, ordered),
        "by_unit": _breakdown(cases, "unit", grades, concern, ordered),
        "areas": area_rows,
        "weaknesses": weaknesses,
        "weakness_baseline": weakness_baseline,
        "send_backs": _send_backs(facts, at_risk_not_sent_back),
        "agreement": _agreement(agreement, fleiss),
        "links": None
        if links is None
        else links_section(
            [(c.case_ref, c.weaknesses) for c in cases],
            links["related"],
            links["register"],
            links["rules"],
            weakness=links.get("weakness") or "W15",
            frame=links.get("frame"),
        ),
        "volume": None if volume is None else dict(volume),
        "published": False,
        "reproducibility": {
            "parameters": parameters,
            "input_sha256": input_digest,
            "software_version": software_version,
        },
    }
    report["reproducibility"]["figures_sha256"] = figures_digest(report)
    return report


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
