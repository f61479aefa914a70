"""The report's ``agreement`` section as typed data: agreement between first and second marks.

The team's figures, each pair of inspectors', each framework area's, and (in old documents only) Fleiss'
kappa; each ``to_json`` writes its keys in the order the report has always had (``report_model``).
``flat_fields``, a dataclass as a dict in the order of its fields, lives here for every class of the report model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


def flat_fields(item: Any) -> dict[str, Any]:
    """A dataclass of plain values as a dict, in the order of its fields."""
    return {f.name: getattr(item, f.name) for f in fields(item)}


@dataclass(frozen=True)
class AgreementFigures:
    """Agreement between two sets of marks: cases marked twice, percent agreement, kappas.

    Every figure rests on (first mark, second mark) pairs (``domain.agreement``).  The fields after
    ``weighted_kappa_linear`` came with issue 21: 95% intervals (``interval_method`` "analytic" or
    "bootstrap"), Gwet's AC1, Krippendorff's alpha (ordinal), and Byrt, Bishop & Carlin's prevalence
    and bias indices; a document written before them reads back with them None.
    """

    pairs: int
    percent_agreement: float | None
    cohen_kappa: float | None
    weighted_kappa_linear: float | None
    cohen_kappa_ci_low: float | None = None
    cohen_kappa_ci_high: float | None = None
    weighted_kappa_linear_ci_low: float | None = None
    weighted_kappa_linear_ci_high: float | None = None
    gwet_ac1: float | None = None
    gwet_ac1_ci_low: float | None = None
    gwet_ac1_ci_high: float | None = None
    krippendorff_alpha_ordinal: float | None = None
    prevalence_index: float | None = None
    bias_index: float | None = None
    interval_method: str | None = None

    def to_json(self) -> dict[str, Any]:
        return flat_fields(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AgreementFigures:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass(frozen=True)
class PairFigures:
    """Agreement between two named inspectors."""

    raters: tuple[str, ...]
    figures: AgreementFigures

    def to_json(self) -> dict[str, Any]:
        return {"raters": list(self.raters), **self.figures.to_json()}


@dataclass(frozen=True)
class AreaAgreementFigures:
    """Agreement on one framework area's grades, over the pairs where both marks graded it."""

    area: str
    title: str
    figures: AgreementFigures
    #: pairs left out: either mark "not applicable" or left ungraded
    skipped: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "title": self.title,
            **self.figures.to_json(),
            "skipped": self.skipped,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AreaAgreementFigures:
        return cls(
            data["area"],
            data.get("title", data["area"]),
            AgreementFigures.from_json(data),
            data.get("skipped", 0),
        )


@dataclass(frozen=True)
class Fleiss:
    """Fleiss' kappa: only where cases had three marks or more, which casereview never has (a case
    has a first review and at most one moderation).  Kept so that old documents still read."""

    cases: int
    kappa: float | None


@dataclass(frozen=True)
class Agreement:
    """The team's agreement (``team``, from every (first, second) pair), each pair's, each area's.

    ``few_pairs`` and ``warning`` say when the team's figure rests on fewer than 20 pairs; ``fleiss``
    appears only in documents written before issue 21 that had it.
    """

    team: AgreementFigures
    by_pair: tuple[PairFigures, ...] = ()
    fleiss: Fleiss | None = None
    by_area: tuple[AreaAgreementFigures, ...] = ()
    few_pairs: bool = False
    warning: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            **self.team.to_json(),
            "by_pair": [p.to_json() for p in self.by_pair],
        }
        if self.fleiss is not None:
            out["fleiss"] = flat_fields(self.fleiss)
        out["by_area"] = [a.to_json() for a in self.by_area]
        out["few_pairs"] = self.few_pairs
        out["warning"] = self.warning
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Agreement:
        fleiss = data.get("fleiss")
        return cls(
            AgreementFigures.from_json(data),
            tuple(
                PairFigures(tuple(p["raters"]), AgreementFigures.from_json(p))
                for p in data.get("by_pair", ())
            ),
            None if fleiss is None else Fleiss(fleiss["cases"], fleiss["kappa"]),
            tuple(AreaAgreementFigures.from_json(a) for a in data.get("by_area", ())),
            bool(data.get("few_pairs", False)),
            data.get("warning"),
        )
