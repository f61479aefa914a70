"""The report as typed data: one frozen dataclass per section, and one ``to_json`` per class.

``Report.to_json()`` is the report's JSON document, whose keys, key order and
values are public interface (docs/reports.md): stored publications and their
``figures_sha256`` rest on it, so each ``to_json`` writes its keys in exactly
the order the report has always had.  ``Report.from_json`` reads such a
document back (a full report, not a published one: a published report is a
document of its own, see ``domain.publication``).

The sections the report takes from elsewhere as they are (the inspection and
sample facts the shell collects, ``domain.links.links_section``, the volume
by quarter) stay plain mappings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

DESIGN_WEIGHTED_METHOD = (
    "design weights N_h/n_h, stratified variance with finite population correction"
)


def _flat(item: Any) -> dict[str, Any]:
    """A dataclass of plain values as a dict, in the order of its fields."""
    return {f.name: getattr(item, f.name) for f in fields(item)}


@dataclass(frozen=True)
class Interval:
    """``count`` of ``total`` with its share and 95% Wilson interval (None for no cases)."""

    count: int
    total: int
    share: float | None
    ci_low: float | None
    ci_high: float | None

    def to_json(self) -> dict[str, Any]:
        return _flat(self)

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
    """A share now against a share then (``against``, an earlier result): the test, p value, direction."""

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

    def to_json(self) -> dict[str, Any]:
        return _flat(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Comparison:
        return cls(**{f.name: data[f.name] for f in fields(cls)})


@dataclass(frozen=True)
class TrendPoint:
    """An earlier result or the inspection itself (``now``) on the trend of requires improvement or inadequate."""

    label: str
    kind: str
    period_end: str
    now: bool
    figure: Interval

    def to_json(self) -> dict[str, Any]:
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
            data["label"], data["kind"], data["period_end"], data["now"], Interval.from_json(data)
        )


@dataclass(frozen=True)
class BreakdownRow:
    """One category's (``key`` "category") or unit's (``key`` "unit") grades and comparisons."""

    key: str
    name: str
    reviews: int
    grades: Mapping[str, GradeFigure]
    requires_improvement_or_inadequate: Interval
    comparisons: tuple[Comparison, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            self.key: self.name,
            "reviews": self.reviews,
            "grades": {code: g.to_json() for code, g in self.grades.items()},
            "requires_improvement_or_inadequate": self.requires_improvement_or_inadequate.to_json(),
            "comparisons": [c.to_json() for c in self.comparisons],
        }

    @classmethod
    def from_json(cls, key: str, data: Mapping[str, Any]) -> BreakdownRow:
        return cls(
            key,
            data[key],
            data["reviews"],
            {code: GradeFigure.from_json(g) for code, g in data["grades"].items()},
            Interval.from_json(data["requires_improvement_or_inadequate"]),
            tuple(Comparison.from_json(c) for c in data["comparisons"]),
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
        return {**_flat(self), "grades": dict(self.grades)}

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

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            **self.figure.to_json(),
            "recurring": self.recurring,
            "recurrence": [c.to_json() for c in self.recurrence],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WeaknessRow:
        return cls(
            data["code"],
            data["title"],
            Interval.from_json(data),
            data["recurring"],
            tuple(Comparison.from_json(c) for c in data["recurrence"]),
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
        return {**_flat(self), "by_urgency": dict(self.by_urgency)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SendBacks:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass(frozen=True)
class AgreementFigures:
    """Agreement between two sets of marks: cases marked twice, percent agreement, kappas."""

    pairs: int
    percent_agreement: float | None
    cohen_kappa: float | None
    weighted_kappa_linear: float | None

    def to_json(self) -> dict[str, Any]:
        return _flat(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AgreementFigures:
        return cls(**{f.name: data[f.name] for f in fields(cls)})


@dataclass(frozen=True)
class PairFigures:
    """Agreement between two named inspectors."""

    raters: tuple[str, ...]
    figures: AgreementFigures

    def to_json(self) -> dict[str, Any]:
        return {"raters": list(self.raters), **self.figures.to_json()}


@dataclass(frozen=True)
class Fleiss:
    cases: int
    kappa: float | None


@dataclass(frozen=True)
class Agreement:
    """The team's agreement (``team``), each pair's, and Fleiss' kappa where cases had three marks or more."""

    team: AgreementFigures
    by_pair: tuple[PairFigures, ...] = ()
    fleiss: Fleiss | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            **self.team.to_json(),
            "by_pair": [p.to_json() for p in self.by_pair],
        }
        if self.fleiss is not None:
            out["fleiss"] = _flat(self.fleiss)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Agreement:
        fleiss = data.get("fleiss")
        return cls(
            AgreementFigures.from_json(data),
            tuple(
                PairFigures(tuple(p["raters"]), AgreementFigures.from_json(p))
                for p in data["by_pair"]
            ),
            None if fleiss is None else Fleiss(fleiss["cases"], fleiss["kappa"]),
        )


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

    def to_json(self) -> dict[str, Any]:
        return {**_flat(self), "strata": [_flat(s) for s in self.strata]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DesignWeighted:
        values = {f.name: data[f.name] for f in fields(cls) if f.name != "strata"}
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

    def to_json(self) -> dict[str, Any]:
        return {**_flat(self), "concern_grades": list(self.concern_grades)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Parameters:
        values = {f.name: data[f.name] for f in fields(cls)}
        return cls(**{**values, "concern_grades": tuple(values["concern_grades"])})


@dataclass(frozen=True)
class Reproducibility:
    """SHA-256 of the report's input and of its figures (everything but this digest), and the software."""

    parameters: Parameters
    input_sha256: str
    software_version: str
    figures_sha256: str = ""

    def to_json(self) -> dict[str, Any]:
        return {**_flat(self), "parameters": self.parameters.to_json()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reproducibility:
        return cls(
            Parameters.from_json(data["parameters"]),
            data["input_sha256"],
            data["software_version"],
            data["figures_sha256"],
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
    published: bool = field(
        default=False, init=False
    )  # a published report is a document of its own

    def to_json(self) -> dict[str, Any]:
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
        )
