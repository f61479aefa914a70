"""The report as typed data: one frozen dataclass per section, and one ``to_json`` per class.

``Report.to_json()`` is the report's JSON document, whose keys, key order and
values are public interface (docs/reports.md): stored publications and their
``figures_sha256`` rest on it, so each ``to_json`` writes its keys in exactly
the order the report has always had.  ``Report.from_json`` reads such a
document back (a full report, not a published one: a published report is a
document of its own, see ``domain.publication``).

The sections the report takes from elsewhere as they are (the inspection and
sample facts the shell collects, ``domain.links.links_section``, the volume
by quarter) stay plain mappings.  The agreement section's classes are in
``report_model_agreement``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from .language import gettext_noop
from .report_model_agreement import Agreement, flat_fields
from .report_model_progress import SECTION as PROGRESS_SECTION
from .report_model_progress import Progress

#: The design-weighted share's method: words of the report (``domain.report`` says it in the report's
#: language; a document read back keeps what it says).
DESIGN_WEIGHTED_METHOD = gettext_noop(
    "design weights N_h/n_h, stratified variance with finite population correction"
)


@dataclass(frozen=True)
class Interval:
    """``count`` of ``total`` with its share and 95% Wilson interval (None for no cases)."""

    count: int
    total: int
    share: float | None
    ci_low: float | None
    ci_high: float | None

    def to_json(self) -> dict[str, Any]:
        return flat_fields(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Interval:
        return cls(data["count"], data["total"], data["share"], data["ci_low"], data["ci_high"])


@dataclass(frozen=True)
class GradeFigure:
    """One grade's cases among the reviews: its label and its interval."""

    label: str
    figure: Interval

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, **self.figure.to_json()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GradeFigure:
        return cls(data["label"], Interval.from_json(data))


@dataclass(frozen=True)
class Comparison:
    """A share now against a share then (``against``, an earlier result): the test, p value, direction.

    ``p_value`` is the test's own; ``adjusted_p_value`` is after the adjustment of its family of tests
    (``family`` "headline", adjusted with Holm, or "exploratory", adjusted with Benjamini–Hochberg, among
    ``family_tests`` tests), and ``direction`` and ``wording`` follow the adjusted value.  A comparison
    made alone (the national trend, an old document) has no family and is decided on its own p value.
    """

    against: str
    kind: str
    period_end: str
    count_then: int
    total_then: int
    share_then: float
    count_now: int
    total_now: int
    share_now: float
    test: str
    p_value: float
    direction: str
    wording: str
    family: str | None = None
    adjustment: str | None = None
    family_tests: int | None = None
    adjusted_p_value: float | None = None

    def to_json(self) -> dict[str, Any]:
        return flat_fields(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Comparison:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass(frozen=True)
class TrendPoint:
    """An earlier result or the inspection itself (``now``) on the trend of requires improvement or inadequate."""

    label: str
    kind: str
    period_end: str
    now: bool
    figure: Interval
    #: "design-weighted" when the point is the design-weighted share (its interval Korn–Graubard).
    estimate: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = self._head()
        return out if self.estimate is None else {**out, "estimate": self.estimate}

    def _head(self) -> dict[str, Any]:
        # The current point has always listed ``now`` before ``period_end``; the earlier ones after it.
        if self.now:
            head = {
                "label": self.label,
                "kind": self.kind,
                "now": True,
                "period_end": self.period_end,
            }
        else:
            head = {
                "label": self.label,
                "kind": self.kind,
                "period_end": self.period_end,
                "now": False,
            }
        return {**head, **self.figure.to_json()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TrendPoint:
        return cls(
            data["label"],
            data["kind"],
            data["period_end"],
            data["now"],
            Interval.from_json(data),
            data.get("estimate"),
        )


@dataclass(frozen=True)
class DomainStratumCounts:
    """One stratum's graded cases, those of them in a row (a domain), and those of the row with its
    attribute (of concern; with the weakness)."""

    label: str
    graded: int
    in_domain: int
    attribute: int


@dataclass(frozen=True)
class DomainFigure:
    """A row's design-weighted share (a disproportionate sample): its linearised standard error, effective
    sample size and interval (``interval``, Wilson on the effective size).

    ``strata`` are the per-stratum counts it rests on: no cells of the published tables, so the published
    version uses them to decide whether it may print the figure, and never prints them."""

    share: float
    standard_error: float
    effective_n: float
    ci_low: float
    ci_high: float
    interval: str = ""
    strata: tuple[DomainStratumCounts, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {**flat_fields(self), "strata": [flat_fields(s) for s in self.strata]}

    def published(self) -> dict[str, Any]:
        """What a published version prints: everything but the per-stratum counts."""
        return {k: v for k, v in self.to_json().items() if k != "strata"}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> DomainFigure | None:
        """None for a row without one (a proportional sample, or a report made before there were any)."""
        if not data:
            return None
        values = {
            f.name: data[f.name] for f in fields(cls) if f.name != "strata" and f.name in data
        }
        strata = tuple(DomainStratumCounts(**s) for s in data.get("strata", ()))
        return cls(**values, strata=strata)


@dataclass(frozen=True)
class BreakdownRow:
    """One category's (``key`` "category") or unit's (``key`` "unit") grades and comparisons."""

    key: str
    name: str
    reviews: int
    grades: Mapping[str, GradeFigure]
    requires_improvement_or_inadequate: Interval
    comparisons: tuple[Comparison, ...] = ()
    #: A disproportionate sample's design-weighted share of the row (``domain.domain_estimates``); its
    #: comparisons are Wald tests on it.  None (and no key in the JSON) for a proportional sample.
    design_weighted: DomainFigure | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
            self.key: self.name,
            "reviews": self.reviews,
            "grades": {code: g.to_json() for code, g in self.grades.items()},
            "requires_improvement_or_inadequate": self.requires_improvement_or_inadequate.to_json(),
            "comparisons": [c.to_json() for c in self.comparisons],
        }
        if self.design_weighted is not None:
            out["design_weighted"] = self.design_weighted.to_json()
        return out

    @classmethod
    def from_json(cls, key: str, data: Mapping[str, Any]) -> BreakdownRow:
        return cls(
            key,
            data[key],
            data["reviews"],
            {code: GradeFigure.from_json(g) for code, g in data["grades"].items()},
            Interval.from_json(data["requires_improvement_or_inadequate"]),
            tuple(Comparison.from_json(c) for c in data["comparisons"]),
            DomainFigure.from_json(data.get("design_weighted")),
        )


@dataclass(frozen=True)
class AreaRow:
    """How many cases an area was given each grade, not applicable, or no grade."""

    area: str
    title: str
    grades: Mapping[str, int]
    not_applicable: int
    not_graded: int

    def to_json(self) -> dict[str, Any]:
        return {**flat_fields(self), "grades": dict(self.grades)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AreaRow:
        return cls(
            data["area"],
            data["title"],
            dict(data["grades"]),
            data["not_applicable"],
            data["not_graded"],
        )


@dataclass(frozen=True)
class WeaknessRow:
    """Cases with a weakness, whether it recurs (None: nothing earlier recorded weaknesses), and its comparisons."""

    code: str
    title: str
    figure: Interval
    recurring: bool | None
    recurrence: tuple[Comparison, ...] = ()
    #: Whether the recurrence baseline recorded this weakness at all (None: no baseline recorded any).
    recorded_at_baseline: bool | None = None
    #: As ``BreakdownRow.design_weighted``: the share of cases with the weakness, design-weighted.
    design_weighted: DomainFigure | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
            "code": self.code,
            "title": self.title,
            **self.figure.to_json(),
            "recurring": self.recurring,
            "recurrence": [c.to_json() for c in self.recurrence],
            "recorded_at_baseline": self.recorded_at_baseline,
        }
        if self.design_weighted is not None:
            out["design_weighted"] = self.design_weighted.to_json()
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WeaknessRow:
        return cls(
            data["code"],
            data["title"],
            Interval.from_json(data),
            data["recurring"],
            tuple(Comparison.from_json(c) for c in data["recurrence"]),
            data.get("recorded_at_baseline"),
            DomainFigure.from_json(data.get("design_weighted")),
        )


@dataclass(frozen=True)
class SendBacks:
    """Send backs opened by the report's date; ``at_risk_not_sent_back``: publishing waits for 0."""

    at_risk_not_sent_back: int
    count: int
    by_urgency: Mapping[str, int]
    open: int
    overdue: int
    median_days_to_response: float | None
    responses: int = 0  # send backs the body has answered: the median is of these

    def to_json(self) -> dict[str, Any]:
        return {**flat_fields(self), "by_urgency": dict(self.by_urgency)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SendBacks:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass(frozen=True)
class StratumCounts:
    """One stratum's frame size and graded cases, and how many of them gave cause for concern."""

    label: str
    frame_size: int
    graded: int
    concern: int


@dataclass(frozen=True)
class DesignWeighted:
    """The share requires improvement or inadequate estimated with design weights (a disproportionate sample).

    ``strata`` are the counts it is computed from: the published version needs them to decide whether the
    estimate may be shown (it prints the estimate only, never these counts)."""

    share: float
    ci_low: float
    ci_high: float
    standard_error: float
    method: str = DESIGN_WEIGHTED_METHOD
    strata: tuple[StratumCounts, ...] = ()
    #: The interval's method (Korn–Graubard), the effective sample size it rests on, and what it covers:
    #: ``covered_frame`` of ``frame`` cases, in the strata with a graded case (``strata_ungraded`` have none).
    interval: str = ""
    effective_n: float | None = None
    covered_frame: int | None = None
    frame: int | None = None
    strata_ungraded: int = 0
    single_case_strata: int = 0
    coverage: str = ""

    def to_json(self) -> dict[str, Any]:
        return {**flat_fields(self), "strata": [flat_fields(s) for s in self.strata]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DesignWeighted:
        values = {
            f.name: data[f.name] for f in fields(cls) if f.name != "strata" and f.name in data
        }
        strata = tuple(StratumCounts(**s) for s in data.get("strata", ()))
        return cls(**values, strata=strata)


@dataclass(frozen=True)
class Parameters:
    """What the figures were made with, stated in every report."""

    as_of: str
    confidence: float
    interval: str
    alpha: float
    comparison_tests: str
    final_grade: str
    concern_grades: tuple[str, ...]
    adjustment: str = ""

    def to_json(self) -> dict[str, Any]:
        return {**flat_fields(self), "concern_grades": list(self.concern_grades)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Parameters:
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        return cls(**{**values, "concern_grades": tuple(values["concern_grades"])})


@dataclass(frozen=True)
class Reproducibility:
    """SHA-256 of the report's input and of its figures (everything but this digest), and the software."""

    parameters: Parameters
    input_sha256: str
    software_version: str
    figures_sha256: str = ""
    #: The commit of casereview's source ("unknown" when it could not be told), and the versions of Python,
    #: Django, scipy, statsmodels and polars; empty in documents made before they were recorded.
    commit: str = ""
    versions: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = {
            **flat_fields(self),
            "parameters": self.parameters.to_json(),
            "versions": dict(self.versions),
        }
        # A document made before the environment was recorded reads back to the same keys (and digest).
        return {k: v for k, v in out.items() if k not in ("commit", "versions") or v}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reproducibility:
        return cls(
            Parameters.from_json(data["parameters"]),
            data["input_sha256"],
            data["software_version"],
            data["figures_sha256"],
            data.get("commit", ""),
            dict(data.get("versions") or {}),
        )


@dataclass(frozen=True)
class Report:
    """An inspection's full (unpublished) report; ``to_json()`` is its JSON document."""

    inspection: Mapping[str, Any]
    reviews: int
    sample: Mapping[str, Any]
    grades: Mapping[str, GradeFigure]
    requires_improvement_or_inadequate: Interval
    design_weighted: DesignWeighted | None
    comparisons: tuple[Comparison, ...]
    trend: tuple[TrendPoint, ...]
    by_category: tuple[BreakdownRow, ...]
    by_unit: tuple[BreakdownRow, ...]
    areas: tuple[AreaRow, ...]
    weaknesses: tuple[WeaknessRow, ...]
    weakness_baseline: str | None
    send_backs: SendBacks
    agreement: Agreement
    links: Mapping[str, Any] | None
    volume: Mapping[str, Any] | None
    reproducibility: Reproducibility
    #: The plain-English headline sentence at the top of every report.
    headline: str | None = None
    #: How many tests the report ran, in which families, and how each family was adjusted.
    multiplicity: Mapping[str, Any] | None = None
    #: The p-chart of the combined share over the body's inspections and baselines (domain.control).
    control_chart: Mapping[str, Any] | None = None
    #: The smallest change each headline comparison could detect (domain.power).
    power: Mapping[str, Any] | None = None
    #: Progress against the body's earlier recommendations (issue 24); None, and no key in the JSON, when
    #: no recommendation was judged at this inspection or is open for the body.
    progress: Progress | None = None
    published: bool = field(
        default=False, init=False
    )  # a published report is a document of its own

    def to_json(self) -> dict[str, Any]:
        out = self._json()
        if self.progress is None:
            return out
        # After ``power``: a report with no such section keeps the keys (and digest) it always had.
        at = list(out).index("power") + 1
        items = list(out.items())
        return dict([*items[:at], (PROGRESS_SECTION, self.progress.to_json()), *items[at:]])

    def _json(self) -> dict[str, Any]:
        return {
            "inspection": dict(self.inspection),
            "reviews": self.reviews,
            "sample": dict(self.sample),
            "grades": {code: g.to_json() for code, g in self.grades.items()},
            "requires_improvement_or_inadequate": self.requires_improvement_or_inadequate.to_json(),
            "design_weighted": None
            if self.design_weighted is None
            else self.design_weighted.to_json(),
            "comparisons": [c.to_json() for c in self.comparisons],
            "trend": [p.to_json() for p in self.trend],
            "by_category": [r.to_json() for r in self.by_category],
            "by_unit": [r.to_json() for r in self.by_unit],
            "areas": [a.to_json() for a in self.areas],
            "weaknesses": [w.to_json() for w in self.weaknesses],
            "weakness_baseline": self.weakness_baseline,
            "send_backs": self.send_backs.to_json(),
            "agreement": self.agreement.to_json(),
            "links": None if self.links is None else dict(self.links),
            "volume": None if self.volume is None else dict(self.volume),
            "headline": self.headline,
            "multiplicity": None if self.multiplicity is None else dict(self.multiplicity),
            "control_chart": None if self.control_chart is None else dict(self.control_chart),
            "power": None if self.power is None else dict(self.power),
            "published": self.published,
            "reproducibility": self.reproducibility.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Report:
        """A full report's document read back; a published one is refused (it is not this shape)."""
        if data.get("published"):
            raise ValueError("a published report is a document of its own, not a full report")
        weighted = data["design_weighted"]
        return cls(
            inspection=dict(data["inspection"]),
            reviews=data["reviews"],
            sample=dict(data["sample"]),
            grades={code: GradeFigure.from_json(g) for code, g in data["grades"].items()},
            requires_improvement_or_inadequate=Interval.from_json(
                data["requires_improvement_or_inadequate"]
            ),
            design_weighted=None if weighted is None else DesignWeighted.from_json(weighted),
            comparisons=tuple(Comparison.from_json(c) for c in data["comparisons"]),
            trend=tuple(TrendPoint.from_json(p) for p in data["trend"]),
            by_category=tuple(BreakdownRow.from_json("category", r) for r in data["by_category"]),
            by_unit=tuple(BreakdownRow.from_json("unit", r) for r in data["by_unit"]),
            areas=tuple(AreaRow.from_json(a) for a in data["areas"]),
            weaknesses=tuple(WeaknessRow.from_json(w) for w in data["weaknesses"]),
            weakness_baseline=data["weakness_baseline"],
            send_backs=SendBacks.from_json(data["send_backs"]),
            agreement=Agreement.from_json(data["agreement"]),
            links=data["links"],
            volume=data["volume"],
            reproducibility=Reproducibility.from_json(data["reproducibility"]),
            headline=data.get("headline"),
            multiplicity=data.get("multiplicity"),
            control_chart=data.get("control_chart"),
            power=data.get("power"),
            progress=Progress.from_json(data.get(PROGRESS_SECTION)),
        )
