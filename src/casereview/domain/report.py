"""An inspection's report as data: every figure with its interval, nothing invented.

``build_report`` takes plain data (the shell collects it) and returns a
JSON-serialisable dictionary whose keys are public interface (see
docs/reports.md).  The same input always gives the same output: the report
carries a SHA-256 of its input and one of its own figures, so a regenerated
report can be shown to rest on the same data and to say the same thing.

Shares are fractions from 0 to 1 with their 95% Wilson interval
(``ci_low``, ``ci_high``); ``percent_agreement`` is a percentage.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .agreement import PairAgreement
from .journal import canonical
from .links import links_section
from .statistics import ALPHA, Stratum, compare, stratified_share, wilson

#: The rule for a case's final grade, stated in every report.
FINAL_GRADE_RULE = (
    "the lead inspector's resolution where first and second marks disagreed, else the first review"
)


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
    """An earlier result for the same body: an inspection in casereview, or a published baseline.

    ``count`` is requires improvement or inadequate, of ``total`` graded
    cases.  Breakdowns are (requires improvement or inadequate, graded) per
    category or unit; ``weaknesses`` is cases per weakness code, or None when
    the result did not record weaknesses.
    """

    label: str
    period_end: str
    kind: str  # "inspection" or "baseline"
    count: int
    total: int
    by_category: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    by_unit: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    weaknesses: Mapping[str, int] | None = None


@dataclass(frozen=True)
class SendBackFact:
    urgency: str
    state: str
    overdue: bool
    days_to_response: float | None


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
