"""The report's "Progress against earlier recommendations" section as typed data (issue 24).

One ``ProgressRecommendation`` per recommendation judged at this inspection, or open for the body (from an
earlier inspection) and not yet judged here; each with the evidence of its finding's basis items
(``ProgressItem``: the share then and now with 95% Wilson intervals, the test, the Holm-adjusted p value
over the section's family, the direction); and the count of recommendations per judgement.

``domain.report_progress`` builds it from the follow-up app's facts and the report's own counts, and writes
its published version.  The classes here hold plain values only (so that ``report_model`` can carry the
section without importing the statistics).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from .language import gettext_noop
from .report_model_agreement import flat_fields

#: The section's key in the report's JSON document (present only when the section has something).
SECTION = "progress_against_recommendations"
#: What the section counts: each judgement, and the recommendations not yet judged at this inspection (words
#: marked for the catalogue: a document says them with ``say_word``).
NOT_JUDGED = "not_judged"
TALLY = ("met", "partly_met", "not_met", "no_longer_relevant", NOT_JUDGED)
TALLY_WORDS: Mapping[str, str] = {
    "met": gettext_noop("Met"),
    "partly_met": gettext_noop("Partly met"),
    "not_met": gettext_noop("Not met"),
    "no_longer_relevant": gettext_noop("No longer relevant"),
    NOT_JUDGED: gettext_noop("Not yet judged"),
}


@dataclass(frozen=True)
class ProgressFact:
    """One recommendation as the follow-up app gives it to the report (plain data, no database).

    ``judgement`` is the latest judgement recorded at this inspection by the report's day (None: not yet
    judged here); ``basis`` is the finding's basis as stored (the counts the earlier report gave)."""

    recommendation_id: int
    number: int
    finding_number: int
    finding_kind: str
    text: str
    inspection_id: int
    inspection_name: str
    period: tuple[str, str]
    basis: tuple[Mapping[str, Any], ...] = ()
    immediate: bool = False
    due_on: str | None = None
    judgement: str | None = None
    judged_on: str | None = None
    rationale: str = ""

    def as_input(self) -> dict[str, Any]:
        """JSON-safe, for the report's input digest."""
        return {
            **flat_fields(self),
            "period": list(self.period),
            "basis": [dict(b) for b in self.basis],
        }


@dataclass(frozen=True)
class ProgressItem:
    """One weakness or area a finding rests on, then (the earlier report's counts) and now (this report's).

    ``direction`` is None when the item could not be compared (``why_not`` says why); in a published
    version the figures resting on a hidden count are null and the counts ``[c]``."""

    kind: str  # "weakness" | "area"
    code: str
    title: str
    against: str  # the earlier inspection's name
    count_then: int | str
    total_then: int | str
    share_then: float | None
    ci_low_then: float | None
    ci_high_then: float | None
    count_now: int | str | None
    total_now: int | str | None
    share_now: float | None
    ci_low_now: float | None
    ci_high_now: float | None
    test: str | None
    p_value: float | None
    adjusted_p_value: float | None
    family_tests: int
    direction: str | None
    minimum_detectable_change: float | None
    why_not: str
    words: str
    suppressed: bool = False

    def to_json(self) -> dict[str, Any]:
        out = flat_fields(self)
        if not self.suppressed:
            del out["suppressed"]
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProgressItem:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass(frozen=True)
class ProgressRecommendation:
    """A recommendation of an earlier inspection of the body, and its judgement at this one."""

    number: str  # "R1"
    finding_number: int
    finding_kind: str
    text: str
    immediate: bool
    due_on: str | None
    inspection: Mapping[str, Any]  # {"id", "name", "period": [start, end]}: the earlier inspection
    judgement: str | None  # a Judgement code; None: not yet judged at this inspection
    judged_on: str | None
    rationale: str
    proposal: str | None  # what the numbers propose (domain.followup_evidence.propose)
    proposal_reason: str
    items: tuple[ProgressItem, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            **flat_fields(self),
            "inspection": dict(self.inspection),
            "items": [i.to_json() for i in self.items],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProgressRecommendation:
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        values["inspection"] = dict(data["inspection"])
        values["items"] = tuple(ProgressItem.from_json(i) for i in data["items"])
        return cls(**values)


@dataclass(frozen=True)
class Progress:
    """The section: the recommendations, the count per judgement, and how the evidence was tested."""

    recommendations: tuple[ProgressRecommendation, ...]
    counts: Mapping[str, int]
    family_tests: int
    adjustment: str
    method: str

    def to_json(self) -> dict[str, Any]:
        return {
            "recommendations": [r.to_json() for r in self.recommendations],
            "counts": dict(self.counts),
            "family_tests": self.family_tests,
            "adjustment": self.adjustment,
            "method": self.method,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Progress | None:
        if not data:
            return None
        return cls(
            tuple(ProgressRecommendation.from_json(r) for r in data["recommendations"]),
            dict(data["counts"]),
            int(data["family_tests"]),
            str(data["adjustment"]),
            str(data["method"]),
        )
