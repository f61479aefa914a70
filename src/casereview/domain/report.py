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
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from . import domain_estimates, multiplicity, report_words
from .agreement import AreaAgreement, PairAgreement, few_pairs_warning
from .comparisons import comparison_of, interval_of, present
from .control import report_chart
from .journal import canonical
from .language import gettext_noop, say_word
from .links import links_section
from .power import power_section
from .report_model import (
    DESIGN_WEIGHTED_METHOD,
    AreaRow,
    BreakdownRow,
    Comparison,
    DesignWeighted,
    GradeFigure,
    Interval,
    Parameters,
    Report,
    Reproducibility,
    SendBacks,
    StratumCounts,
    TrendPoint,
    WeaknessRow,
)
from .report_model_agreement import (
    Agreement,
    AgreementFigures,
    AreaAgreementFigures,
    Fleiss,
    PairFigures,
)
from .report_model_progress import ProgressFact
from .report_progress import progress_input, with_progress
from .statistics import (
    ALPHA,
    KORN_GRAUBARD,
    Stratum,
    stratified_share,
)

#: The rule for a case's final grade, stated in every report (in its language: ``say_word``).
FINAL_GRADE_RULE = gettext_noop(
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
    #: An earlier inspection drawn out of proportion: its design-weighted share, standard error and
    #: effective sample size.
    estimate: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class SendBackFact:
    urgency: str
    state: str
    overdue: bool
    days_to_response: float | None


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
    sample: Mapping[str, Any] | None = None,
) -> tuple[BreakdownRow, ...]:
    """Each category's or unit's grades and its comparisons with every earlier result that has it.

    Where the sample was drawn out of proportion, a row also has its design-weighted share (a domain
    estimate, ``domain.domain_estimates``) and is compared on it (a Wald test); its counts and Wilson
    interval stay those of the cases as sampled."""
    groups: dict[str, list[GradedCase]] = defaultdict(list)
    for case in cases:
        groups[getattr(case, key)].append(case)
    frames = None if sample is None else domain_estimates.stratum_frames(sample)
    rows = []
    for name, group in sorted(groups.items()):
        now = (sum(c.overall in concern for c in group), len(group))
        estimate = (
            None
            if frames is None
            else domain_estimates.domain_of(
                ((c.stratum, getattr(c, key) == name, c.overall in concern) for c in cases), frames
            )
        )
        earlier = [
            comparison_of(
                point.label,
                point.kind,
                point.period_end,
                getattr(point, f"by_{key}")[name],
                now,
                estimate_now=None if estimate is None else estimate.as_tuple,
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
                comparisons=present(earlier),
                design_weighted=None if estimate is None else domain_estimates.figure_of(estimate),
            )
        )
    return tuple(rows)


def _weaknesses(
    cases: Sequence[GradedCase],
    titles: Mapping[str, str],
    history: Sequence[HistoryPoint],
    sample: Mapping[str, Any] | None = None,
) -> tuple[tuple[WeaknessRow, ...], str | None]:
    """Weaknesses by frequency, each against every earlier result that recorded weaknesses.

    The recurrence baseline is the earliest such result: a weakness is
    ``recurring`` when it is found now and was found then.  Weaknesses found
    then but not now are listed with a count of 0.  A result compares a
    weakness only when it recorded that weakness (its count, 0 or more): one
    it never recorded is "not recorded", never taken for 0.

    Where the sample was drawn out of proportion, a weakness's share is also design-weighted (the whole
    sample as the domain, the weakness as the attribute) and compared on that (a Wald test).
    """
    frames = None if sample is None else domain_estimates.stratum_frames(sample)
    total = len(cases)
    now = Counter(w for c in cases for w in c.weaknesses)
    recorded = [p for p in history if p.weaknesses is not None and p.total > 0]
    baseline = recorded[0] if recorded else None
    then = (baseline.weaknesses or {}) if baseline else {}
    rows = []
    for code in set(now) | {k for k, v in then.items() if v}:
        estimate = (
            None
            if frames is None
            else domain_estimates.domain_of(
                ((c.stratum, True, code in c.weaknesses) for c in cases), frames
            )
        )
        earlier = [
            comparison_of(
                p.label,
                p.kind,
                p.period_end,
                ((p.weaknesses or {})[code], p.total),
                (now[code], total),
                estimate_now=None if estimate is None else estimate.as_tuple,
            )
            for p in recorded
            if code in (p.weaknesses or {})
        ]
        rows.append(
            WeaknessRow(
                code=code,
                title=titles.get(code, ""),
                figure=interval_of(now[code], total),
                recurring=None if baseline is None else bool(now[code] and then.get(code, 0)),
                recurrence=present(earlier),
                recorded_at_baseline=None if baseline is None else code in then,
                design_weighted=None if estimate is None else domain_estimates.figure_of(estimate),
            )
        )
    rows.sort(key=lambda r: (-r.figure.count, r.code))
    return tuple(rows), baseline.label if baseline else None


def _agreement_figures(p: PairAgreement) -> AgreementFigures:
    def bound(ci: tuple[float, float] | None, i: int) -> float | None:
        return None if ci is None else ci[i]

    return AgreementFigures(
        p.cases,
        100 * p.agreement,
        p.kappa,
        p.weighted_kappa,
        cohen_kappa_ci_low=bound(p.kappa_ci, 0),
        cohen_kappa_ci_high=bound(p.kappa_ci, 1),
        weighted_kappa_linear_ci_low=bound(p.weighted_kappa_ci, 0),
        weighted_kappa_linear_ci_high=bound(p.weighted_kappa_ci, 1),
        gwet_ac1=p.ac1,
        gwet_ac1_ci_low=bound(p.ac1_ci, 0),
        gwet_ac1_ci_high=bound(p.ac1_ci, 1),
        krippendorff_alpha_ordinal=p.alpha_ordinal,
        prevalence_index=p.prevalence_index,
        bias_index=p.bias_index,
        interval_method=p.interval_method,
    )


def _agreement(
    pairs: Sequence[PairAgreement],
    fleiss: tuple[int, float | None] | None,
    by_area: Sequence[AreaAgreement] = (),
) -> Agreement:
    """The team's figure (raters ("team", "")), each named pair's, each area's, and the warning under
    20 pairs.  ``fleiss`` is shown only when given (cases with three marks or more; casereview never
    passes it)."""
    team = next((p for p in pairs if p.raters == ("team", "")), None)
    shown = _agreement_figures(team) if team else AgreementFigures(0, None, None, None)
    warning = few_pairs_warning(shown.pairs)
    return Agreement(
        team=shown,
        by_pair=tuple(
            PairFigures(tuple(p.raters), _agreement_figures(p)) for p in pairs if p is not team
        ),
        fleiss=None if fleiss is None or not fleiss[0] else Fleiss(fleiss[0], fleiss[1]),
        by_area=tuple(
            AreaAgreementFigures(a.area, a.title, _agreement_figures(a.figures), a.skipped)
            for a in by_area
        ),
        few_pairs=warning is not None,
        warning=warning,
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
        estimate.share,
        estimate.low,
        estimate.high,
        estimate.standard_error,
        method=say_word(DESIGN_WEIGHTED_METHOD),
        strata=counts,
        interval=say_word(KORN_GRAUBARD),
        # A census of every stratum is known exactly: no finite effective size (JSON has no infinity).
        effective_n=None if math.isinf(estimate.effective_n) else estimate.effective_n,
        covered_frame=estimate.covered_frame,
        frame=estimate.frame,
        strata_ungraded=estimate.strata_ungraded,
        single_case_strata=estimate.single_case_strata,
        coverage=report_words.coverage(
            estimate.covered_frame, estimate.frame, estimate.strata_ungraded
        ),
    )


def design_estimate(
    cases: Sequence[GradedCase], sample: Mapping[str, Any], concern: set[str]
) -> tuple[float, float, float] | None:
    """(share, standard error, effective size) of a disproportionate sample's design-weighted estimate;
    None otherwise.  What an earlier inspection contributes to a later report's comparisons
    (``HistoryPoint.estimate``)."""
    weighted = _design_weighted(cases, sample, concern)
    return None if weighted is None else _as_estimate(weighted, len(cases))


def _as_estimate(weighted: DesignWeighted, graded: int) -> tuple[float, float, float]:
    """(share, standard error, effective size): a census's size is the cases graded."""
    return (weighted.share, weighted.standard_error, float(weighted.effective_n or graded))


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
    inspection: Mapping[str, Any],
    ordered: Sequence[HistoryPoint],
    now: Interval,
    weighted: DesignWeighted | None,
) -> tuple[TrendPoint, ...]:
    """Every earlier result in time order, then the inspection itself (design-weighted where drawn so)."""
    earlier = [
        TrendPoint(p.label, p.kind, p.period_end, False, interval_of(p.count, p.total))
        for p in ordered
    ]
    if weighted is not None:
        now = Interval(now.count, now.total, weighted.share, weighted.ci_low, weighted.ci_high)
    current = TrendPoint(
        label=str(inspection.get("name", "")),
        kind="inspection",
        period_end=str((inspection.get("period") or ["", ""])[1]),
        now=True,
        figure=now,
        estimate=None if weighted is None else "design-weighted",
    )
    return (*earlier, current)


def _parameters(as_of: str, concern: set[str]) -> Parameters:
    return Parameters(
        as_of=as_of,
        confidence=1 - ALPHA,
        interval=say_word(report_words.INTERVAL_METHODS),
        alpha=ALPHA,
        comparison_tests=say_word(report_words.COMPARISON_TESTS),
        final_grade=say_word(FINAL_GRADE_RULE),
        concern_grades=tuple(sorted(concern)),
        adjustment=say_word(report_words.ADJUSTMENTS),
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
    agreement_by_area: Sequence[AreaAgreement] = (),
    parameters: Parameters,
    links: Mapping[str, Any] | None,
    volume: Mapping[str, Any] | None,
    followup: Sequence[ProgressFact] = (),
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
        **(
            {"agreement_by_area": [asdict(a) for a in agreement_by_area]}
            if agreement_by_area
            else {}
        ),
        "parameters": parameters.to_json(),
        "links": _links_input(links),
        "volume": volume,
        **progress_input(followup),
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


def _comparisons(
    ordered: Sequence[HistoryPoint], now: tuple[int, int], weighted: DesignWeighted | None
) -> tuple[Comparison, ...]:
    """Requires improvement or inadequate now against every earlier result, in time order.

    Design-weighted where either side was drawn out of proportion (a Wald test on the difference)."""
    estimate_now = None if weighted is None else _as_estimate(weighted, now[1])
    return present(
        comparison_of(
            p.label,
            p.kind,
            p.period_end,
            (p.count, p.total),
            now,
            estimate_then=p.estimate,
            estimate_now=estimate_now,
        )
        for p in ordered
    )


def _with_figures_digest(report: Report) -> Report:
    figures = replace(report.reproducibility, figures_sha256=figures_digest(report.to_json()))
    return replace(report, reproducibility=figures)


def figures_digest(report: Mapping[str, Any]) -> str:
    """SHA-256 of a report's figures (its JSON document): everything but the digest itself."""
    body = {k: v for k, v in report.items() if k != "reproducibility"}
    # The commit and library versions say where the figures were made, not what they are: a report
    # regenerated after an upgrade that leaves every figure alone still checks (``report --check``).
    body["reproducibility"] = {
        k: v
        for k, v in report.get("reproducibility", {}).items()
        if k not in ("figures_sha256", "commit", "versions")
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
    agreement: Sequence[PairAgreement] = (),  # domain.agreement.agreement_of: the team first
    fleiss: tuple[int, float | None] | None = None,  # only where cases have three marks or more
    agreement_by_area: Sequence[AreaAgreement] = (),  # domain.agreement.agreement_by_area
    history: Sequence[HistoryPoint] = (),
    weakness_titles: Mapping[str, str] | None = None,
    as_of: str = "",
    software_version: str = "",
    environment: Mapping[str, str] | None = None,  # {"commit": …, "python": …, "django": …, …}
    # {"rules": LinkRules, "related": {case_ref: {kind: n}}, "register": {...}, "frame": …, "weakness": code}
    links: Mapping[str, Any] | None = None,
    volume: Mapping[str, Any] | None = None,  # domain.links.volume_by_quarter of the register
    followup: Sequence[ProgressFact] = (),  # earlier recommendations (domain.report_progress)
) -> Report:
    concern = {code for code, _ in grades[1:]}  # everything worse than the best grade
    now = (sum(c.overall in concern for c in cases), len(cases))
    ordered = sorted(history, key=lambda h: (h.period_end, h.label))
    weaknesses, weakness_baseline = _weaknesses(cases, weakness_titles or {}, ordered, sample)
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
        agreement_by_area=agreement_by_area,
        parameters=parameters,
        links=links,
        volume=volume,
        followup=followup,
    )
    weighted = _design_weighted(cases, sample, concern)
    comparisons, breakdowns, weaknesses, tests = multiplicity.adjusted_report(
        [(p.label, p.kind, p.period_end) for p in ordered],
        sample.get("plan"),
        _comparisons(ordered, now, weighted),
        {
            "category": _breakdown(cases, "category", grades, concern, ordered, sample),
            "unit": _breakdown(cases, "unit", grades, concern, ordered, sample),
        },
        weaknesses,
    )
    report = Report(
        inspection=dict(inspection),
        reviews=len(cases),
        sample=report_words.sample_in_words(sample),
        grades=_grades(cases, grades),
        requires_improvement_or_inadequate=interval_of(*now),
        design_weighted=weighted,
        comparisons=comparisons,
        trend=_trend(inspection, ordered, interval_of(*now), weighted),
        by_category=breakdowns["category"],
        by_unit=breakdowns["unit"],
        areas=_areas(cases, areas, [code for code, _ in grades]),
        weaknesses=weaknesses,
        weakness_baseline=weakness_baseline,
        send_backs=_send_backs(facts, at_risk_not_sent_back),
        agreement=_agreement(agreement, fleiss, agreement_by_area),
        links=_links_section(cases, links),
        volume=None if volume is None else dict(volume),
        reproducibility=Reproducibility(
            parameters,
            digest,
            software_version,
            commit=(environment or {}).get("commit", ""),
            versions={k: v for k, v in (environment or {}).items() if k != "commit"},
        ),
        headline=report_words.report_headline(
            grades, interval_of(*now), weighted, comparisons, [(p.label, p.kind) for p in ordered]
        ),
        multiplicity=tests,
        control_chart=report_chart(ordered, now, inspection, weighted),
        power=power_section(
            now[1], comparisons, effective_now=None if weighted is None else weighted.effective_n
        ),
    )
    report = with_progress(
        report, followup, grades=grades, areas=areas, weakness_titles=weakness_titles or {}
    )
    return _with_figures_digest(report)
