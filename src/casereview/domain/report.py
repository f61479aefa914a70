"""An inspection's report as data: every figure with its interval, nothing invented.

``build_report`` takes plain data (the shell collects it) and returns a
``Report`` (``domain.report_model``) whose JSON document, ``to_json()``, has
keys that are public interface (see docs/reports.md).  The same input always gives the same output: the report
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
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from .agreement import PairAgreement
from .journal import canonical
from .links import links_section
from .report_model import (
    Agreement,
    AgreementFigures,
    AreaRow,
    BreakdownRow,
    Comparison,
    DesignWeighted,
    Fleiss,
    GradeFigure,
    Interval,
    PairFigures,
    Parameters,
    Report,
    Reproducibility,
    SendBacks,
    StratumCounts,
    TrendPoint,
    WeaknessRow,
)
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


def interval_of(count: int, total: int) -> Interval:
    """``count`` of ``total`` with its share and interval; the share and interval are None for no cases."""
    if total <= 0:
        return Interval(count, total, None, None, None)
    s = wilson(count, total)
    return Interval(count, total, s.share, s.low, s.high)


def interval(count: int, total: int) -> dict[str, Any]:
    """``{"count", "total", "share", "ci_low", "ci_high"}``; the share and interval are None for no cases."""
    return interval_of(count, total).to_json()


def comparison_of(
    against: str, kind: str, period_end: str, then: tuple[int, int], now: tuple[int, int]
) -> Comparison | None:
    """A share now against a share then: the test, its p value and the direction (None without cases)."""
    (count_then, total_then), (count_now, total_now) = then, now
    if total_then <= 0 or total_now <= 0:
        return None
    result = compare(count_now, total_now, count_then, total_then)
    return Comparison(
        against=against,
        kind=kind,
        period_end=period_end,
        count_then=count_then,
        total_then=total_then,
        share_then=count_then / total_then,
        count_now=count_now,
        total_now=total_now,
        share_now=count_now / total_now,
        test=result.test,
        p_value=result.p_value,
        direction=result.direction,
        wording=result.wording,
    )


def comparison(
    against: str, kind: str, period_end: str, then: tuple[int, int], now: tuple[int, int]
) -> dict[str, Any] | None:
    """``comparison_of`` as its JSON object (None without cases)."""
    found = comparison_of(against, kind, period_end, then, now)
    return None if found is None else found.to_json()


def _present(items: Iterable[Comparison | None]) -> tuple[Comparison, ...]:
    return tuple(c for c in items if c is not None)


def _grades(
    cases: Sequence[GradedCase], grades: Sequence[tuple[str, str]]
) -> dict[str, GradeFigure]:
    counts = Counter(c.overall for c in cases)
    return {
        code: GradeFigure(label, interval_of(counts[code], len(cases))) for code, label in grades
    }


def _breakdown(
    cases: Sequence[GradedCase],
    key: str,
    grades: Sequence[tuple[str, str]],
    concern: set[str],
    history: Sequence[HistoryPoint],
) -> tuple[BreakdownRow, ...]:
    groups: dict[str, list[GradedCase]] = defaultdict(list)
    for case in cases:
        groups[getattr(case, key)].append(case)
    rows = []
    for name, group in sorted(groups.items()):
        now = (sum(c.overall in concern for c in group), len(group))
        earlier = [
            comparison_of(
                point.label, point.kind, point.period_end, getattr(point, f"by_{key}")[name], now
            )
            for point in history
            if name in getattr(point, f"by_{key}")
        ]
        rows.append(
            BreakdownRow(
                key=key,
                name=name,
                reviews=len(group),
                grades=_grades(group, grades),
                requires_improvement_or_inadequate=interval_of(*now),
                comparisons=_present(earlier),
            )
        )
    return tuple(rows)


def _weaknesses(
    cases: Sequence[GradedCase],
    titles: Mapping[str, str],
    history: Sequence[HistoryPoint],
) -> tuple[tuple[WeaknessRow, ...], str | None]:
    """Weaknesses by frequency, each against every earlier result that recorded weaknesses.

    The recurrence baseline is the earliest such result: a weakness is
    ``recurring`` when it is found now and was found then.  Weaknesses found
    then but not now are listed with a count of 0.
    """
    total = len(cases)
    now = Counter(w for c in cases for w in c.weaknesses)
    recorded = [p for p in history if p.weaknesses is not None and p.total > 0]
    baseline = recorded[0] if recorded else None
    then = (baseline.weaknesses or {}) if baseline else {}
    rows = []
    for code in set(now) | {k for k, v in then.items() if v}:
        earlier = [
            comparison_of(
                p.label,
                p.kind,
                p.period_end,
                ((p.weaknesses or {}).get(code, 0), p.total),
                (now[code], total),
            )
            for p in recorded
        ]
        rows.append(
            WeaknessRow(
                code=code,
                title=titles.get(code, ""),
                figure=interval_of(now[code], total),
                recurring=None if baseline is None else bool(now[code] and then.get(code, 0)),
                recurrence=_present(earlier),
            )
        )
    rows.sort(key=lambda r: (-r.figure.count, r.code))
    return tuple(rows), baseline.label if baseline else None


def _agreement(
    pairs: Sequence[PairAgreement], fleiss: tuple[int, float | None] | None
) -> Agreement:
    def shaped(p: PairAgreement) -> AgreementFigures:
        return AgreementFigures(p.cases, 100 * p.agreement, p.kappa, p.weighted_kappa)

    team = next((p for p in pairs if p.raters == ("team", "")), None)
    return Agreement(
        team=shaped(team) if team else AgreementFigures(0, None, None, None),
        by_pair=tuple(PairFigures(tuple(p.raters), shaped(p)) for p in pairs if p is not team),
        fleiss=None if fleiss is None else Fleiss(fleiss[0], fleiss[1]),
    )


def _send_backs(facts: Sequence[SendBackFact], at_risk_not_sent_back: int) -> SendBacks:
    days = [f.days_to_response for f in facts if f.days_to_response is not None]
    return SendBacks(
        # Cases a submitted review says are at risk with no send back ever opened: publishing waits for 0.
        at_risk_not_sent_back=at_risk_not_sent_back,
        count=len(facts),
        by_urgency=dict(sorted(Counter(f.urgency for f in facts).items())),
        open=sum(f.state != "closed" for f in facts),
        overdue=sum(f.overdue for f in facts),
        median_days_to_response=statistics.median(days) if days else None,
        responses=len(days),
    )


def _design_weighted(
    cases: Sequence[GradedCase], sample: Mapping[str, Any], concern: set[str]
) -> DesignWeighted | None:
    """Only for a disproportionate sample with strata; None when no case is graded."""
    strata: Sequence[Mapping[str, Any]] = list(sample.get("strata", []))
    graded = Counter(c.stratum for c in cases)
    if sample.get("proportional", True) or not strata or not graded:
        return None
    found = Counter(c.stratum for c in cases if c.overall in concern)
    counts = tuple(
        StratumCounts(
            str(s["label"]), int(s["frame_size"]), graded[str(s["label"])], found[str(s["label"])]
        )
        for s in strata
    )
    estimate = stratified_share([Stratum(c.frame_size, c.graded, c.concern) for c in counts])
    return DesignWeighted(
        estimate.share, estimate.low, estimate.high, estimate.standard_error, strata=counts
    )


def _areas(
    cases: Sequence[GradedCase], areas: Sequence[tuple[str, str]], codes: Sequence[str]
) -> tuple[AreaRow, ...]:
    rows = []
    for slug, title in areas:
        given = Counter(c.area_grades.get(slug, "") for c in cases)
        rows.append(
            AreaRow(
                area=slug,
                title=title,
                grades={code: given[code] for code in codes},
                not_applicable=given.get("not_applicable", 0),
                not_graded=given.get("", 0),
            )
        )
    return tuple(rows)


def _trend(
    inspection: Mapping[str, Any], ordered: Sequence[HistoryPoint], now: Interval
) -> tuple[TrendPoint, ...]:
    """Every earlier result in time order, then the inspection itself."""
    earlier = [
        TrendPoint(p.label, p.kind, p.period_end, False, interval_of(p.count, p.total))
        for p in ordered
    ]
    current = TrendPoint(
        label=str(inspection.get("name", "")),
        kind="inspection",
        period_end=str((inspection.get("period") or ["", ""])[1]),
        now=True,
        figure=now,
    )
    return (*earlier, current)


def _parameters(as_of: str, concern: set[str]) -> Parameters:
    return Parameters(
        as_of=as_of,
        confidence=1 - ALPHA,
        interval="Wilson score",
        alpha=ALPHA,
        comparison_tests="two-proportion z-test; Fisher's exact test when an expected count is under 5",
        final_grade=FINAL_GRADE_RULE,
        concern_grades=tuple(sorted(concern)),
    )


def _links_input(links: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if links is None:
        return None
    return {
        "rules": links["rules"].as_dict(),
        "related": dict(links["related"]),
        "register": dict(links["register"]),
        "frame": links.get("frame"),
        "weakness": links.get("weakness"),
    }


def _input_digest(
    *,
    inspection: Mapping[str, Any],
    sample: Mapping[str, Any],
    cases: Sequence[GradedCase],
    facts: Sequence[SendBackFact],
    at_risk_not_sent_back: int,
    history: Sequence[HistoryPoint],
    agreement: Sequence[PairAgreement],
    fleiss: tuple[int, float | None] | None,
    parameters: Parameters,
    links: Mapping[str, Any] | None,
    volume: Mapping[str, Any] | None,
) -> str:
    """SHA-256 of everything the report was made from (its inputs and parameters)."""
    payload = {
        "inspection": dict(inspection),
        "sample": dict(sample),
        "cases": [
            asdict(c) | {"weaknesses": sorted(c.weaknesses), "area_grades": dict(c.area_grades)}
            for c in sorted(cases, key=lambda c: c.case_ref)
        ],
        "send_backs": [asdict(f) for f in facts],
        "at_risk_not_sent_back": at_risk_not_sent_back,
        "history": [asdict(h) for h in history],
        "agreement": [asdict(p) for p in agreement],
        "fleiss": fleiss,
        "parameters": parameters.to_json(),
        "links": _links_input(links),
        "volume": volume,
    }
    return hashlib.sha256(canonical(payload).encode("utf-8")).hexdigest()


def _links_section(
    cases: Sequence[GradedCase], links: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    if links is None:
        return None
    return links_section(
        [(c.case_ref, c.weaknesses) for c in cases],
        links["related"],
        links["register"],
        links["rules"],
        weakness=links.get("weakness") or "W15",
        frame=links.get("frame"),
    )


def _comparisons(ordered: Sequence[HistoryPoint], now: tuple[int, int]) -> tuple[Comparison, ...]:
    """Requires improvement or inadequate now against every earlier result, in time order."""
    return _present(
        comparison_of(p.label, p.kind, p.period_end, (p.count, p.total), now) for p in ordered
    )


def _with_figures_digest(report: Report) -> Report:
    figures = replace(report.reproducibility, figures_sha256=figures_digest(report.to_json()))
    return replace(report, reproducibility=figures)


def figures_digest(report: Mapping[str, Any]) -> str:
    """SHA-256 of a report's figures (its JSON document): everything but the digest itself."""
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
    sample: Mapping[str, Any],  # frame_size, plan, strata [{label, frame_size, sampled}], …
    send_backs: Iterable[SendBackFact] = (),
    at_risk_not_sent_back: int = 0,
    agreement: Sequence[PairAgreement] = (),
    fleiss: tuple[int, float | None] | None = None,
    history: Sequence[HistoryPoint] = (),
    weakness_titles: Mapping[str, str] | None = None,
    as_of: str = "",
    software_version: str = "",
    # {"rules": LinkRules, "related": {case_ref: {kind: n}}, "register": {...}, "frame": …, "weakness": code}
    links: Mapping[str, Any] | None = None,
    volume: Mapping[str, Any] | None = None,  # domain.links.volume_by_quarter of the register
) -> Report:
    concern = {code for code, _ in grades[1:]}  # everything worse than the best grade
    now = (sum(c.overall in concern for c in cases), len(cases))
    ordered = sorted(history, key=lambda h: (h.period_end, h.label))
    weaknesses, weakness_baseline = _weaknesses(cases, weakness_titles or {}, ordered)
    facts = list(send_backs)
    parameters = _parameters(as_of, concern)
    digest = _input_digest(
        inspection=inspection,
        sample=sample,
        cases=cases,
        facts=facts,
        at_risk_not_sent_back=at_risk_not_sent_back,
        history=ordered,
        agreement=agreement,
        fleiss=fleiss,
        parameters=parameters,
        links=links,
        volume=volume,
    )
    report = Report(
        inspection=dict(inspection),
        reviews=len(cases),
        sample=dict(sample),
        grades=_grades(cases, grades),
        requires_improvement_or_inadequate=interval_of(*now),
        design_weighted=_design_weighted(cases, sample, concern),
        comparisons=_comparisons(ordered, now),
        trend=_trend(inspection, ordered, interval_of(*now)),
        by_category=_breakdown(cases, "category", grades, concern, ordered),
        by_unit=_breakdown(cases, "unit", grades, concern, ordered),
        areas=_areas(cases, areas, [code for code, _ in grades]),
        weaknesses=weaknesses,
        weakness_baseline=weakness_baseline,
        send_backs=_send_backs(facts, at_risk_not_sent_back),
        agreement=_agreement(agreement, fleiss),
        links=_links_section(cases, links),
        volume=None if volume is None else dict(volume),
        reproducibility=Reproducibility(parameters, digest, software_version),
    )
    return _with_figures_digest(report)
