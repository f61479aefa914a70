"""The evidence for judging a recommendation at a later inspection, and the judgement the numbers propose.

A finding rests on weaknesses and areas, each with the counts the earlier report gave (its ``basis``):

* ``{"kind": "weakness", "code": "W04", "count": 55, "total": 135}``: 55 of the 135 graded cases showed
  weakness W04;
* ``{"kind": "area", "code": "initial_contact", "count": 80, "total": 130}``: 80 of the 130 cases where the
  area applied (was given a grade) were graded requires improvement or inadequate in it.

At a later inspection of the body, the new sample is counted by the same rules as the report
(``counts_from_report``: a weakness is cases showing it, of the graded cases; an area is cases graded worse
than the best grade in it, of the cases graded in it). For each basis item the evidence gives:

* the share then and now, each with its 95% Wilson interval (``statistics.wilson``);
* the comparison of the two (``statistics.compare``: a two-proportion z-test, Fisher's exact test when an
  expected count is under 5) and its own p value;
* that p value adjusted with Holm's method (``statistics.adjusted``) over **the family**: every distinct
  comparison of every recommendation judged at that inspection (recommendations of one finding share their
  basis, and a comparison made twice is one test). Holm keeps the chance of any false "better" or "worse"
  among them at 5% or less, as for the report's headline comparisons (``domain.multiplicity``);
* the direction, decided on the adjusted p value: **better** when the share of cases showing the weakness
  (or graded requires improvement or inadequate in the area) fell and the adjusted p is under 0.05,
  **worse** when it rose so, otherwise no statistically significant change;
* the smallest change the new sample could detect from the share then (``power.power_section``, at the
  strictest level Holm may use, α divided by the tests in the family): "no statistically significant
  change" never implies that a smaller change was ruled out;
* a sentence a lead can read.

The proposal (``propose``: met, partly met, not met, or none, and why) and each item's sentence are
``domain.followup_proposal``'s; the basis and its check (``check_basis``) and the shapes of the evidence are
``domain.followup_basis``'s; the new sample's counts (``counts_from_report``, ``weighted_shares``) are
``domain.followup_counts``'s.  Every name is importable from here.

Design weights: when the new sample was drawn out of proportion, the share now of each item is the
design-weighted one (``weighted_shares``: the report's domain estimates, ``domain.domain_estimates``), with
its linearised standard error; then and now are compared by the report's Wald test with its variance floor
(``comparisons.comparison_of``), the interval is Wilson on the effective size, and the smallest detectable
change and the power use the effective size. The counts now stay those of the cases as sampled. (The share
then is the finding's counts as given: a finding made from a disproportionate sample should give its
weighted counts.)
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from . import domain_estimates
from .comparisons import comparison_of
from .followup_basis import (
    ADJUSTMENT,
    AREA,
    BETTER,
    CONCERN,
    KINDS,
    MET,
    METHOD,
    NEEDED_FALL,
    NO_PROPOSAL,
    NOT_MET,
    PARTLY_MET,
    POWER_TO_TELL,
    PROPOSAL_WORDS,
    PROPOSALS,
    UNREADABLE_BASIS,
    UNWEIGHTED,
    WEAKNESS,
    WORSE,
    BasisItem,
    Counts,
    Evidence,
    EvidenceError,
    ItemEvidence,
    Key,
    Weighted,
    check_basis,
    item_name,
)
from .followup_counts import concern_of, counts_from_report, titles_of, weighted_shares
from .followup_proposal import (
    NO_CASE_NOW,
    NO_CASES_THEN,
    NOT_RECORDED,
    NOT_WEIGHTED,
    propose,
    why_not_words,
    with_words,
)
from .language import gettext_lazy, say
from .power import power_section, power_to_detect
from .statistics import ALPHA, adjusted, compare, direction_of, wilson

__all__ = [
    "ADJUSTMENT",
    "AREA",
    "BETTER",
    "CONCERN",
    "KINDS",
    "MET",
    "METHOD",
    "NEEDED_FALL",
    "NOT_MET",
    "NO_PROPOSAL",
    "PARTLY_MET",
    "POWER_TO_TELL",
    "PROPOSALS",
    "PROPOSAL_WORDS",
    "UNREADABLE_BASIS",
    "UNWEIGHTED",
    "WEAKNESS",
    "WORSE",
    "BasisItem",
    "Counts",
    "Evidence",
    "EvidenceError",
    "ItemEvidence",
    "Key",
    "TestKey",
    "Weighted",
    "check_basis",
    "concern_of",
    "counts_from_report",
    "evidence_for",
    "evidence_for_all",
    "propose",
    "titles_of",
    "weighted_shares",
]

K = TypeVar("K", bound=Hashable)


# --- The evidence -----------------------------------------------------------------------------------


TestKey = tuple[
    str, str, int, int
]  # kind, code, count then, total then: one comparison of the family


@dataclass(frozen=True)
class _Raw:
    item: BasisItem
    now: tuple[int, int] | None
    why_not: str
    test: str | None = None
    p_value: float | None = None
    #: (share, standard error, effective size) now, when design-weighted.
    estimate: tuple[float, float, float] | None = None

    @property
    def key(self) -> TestKey:
        return (self.item["kind"], self.item["code"], self.item["count"], self.item["total"])


def _raw(
    item: BasisItem,
    now: Counts,
    title: str,
    weighted: Weighted | None = None,
    disproportionate: bool = False,
) -> _Raw:
    key = (item["kind"], item["code"])
    found = now.get(key)
    name = item_name(item["kind"], item["code"], title)
    if item["total"] < 1:
        return _Raw(item, found, why_not_words(NO_CASES_THEN, item["kind"], name))
    if found is None:
        return _Raw(item, None, why_not_words(NOT_RECORDED, item["kind"], name))
    if found[1] < 1:
        return _Raw(item, found, why_not_words(NO_CASE_NOW, item["kind"], name))
    estimate = None if weighted is None else weighted.get(key)
    if estimate is None and (disproportionate or weighted is not None):
        return _Raw(item, found, why_not_words(NOT_WEIGHTED, item["kind"], name))
    if estimate is not None:
        # The report's comparison of a design-weighted share: a Wald test with its variance floor.
        made = comparison_of(
            "then", "finding", "", (item["count"], item["total"]), found, estimate_now=estimate
        )
        if made is None:  # pragma: no cover - both totals are at least 1 here
            said = say(gettext_lazy("the new sample has no case for %(name)s", name=name))
            return _Raw(item, found, said)
        return _Raw(item, found, "", made.test, made.p_value, estimate)
    plain_test = compare(found[0], found[1], item["count"], item["total"])
    return _Raw(item, found, "", plain_test.test, plain_test.p_value)


@dataclass(frozen=True)
class _Then:
    """What ``power.power_section`` needs of an earlier result (``power.EarlierResult``)."""

    against: str
    share_then: float
    total_then: int
    family_tests: int | None


def _family(raws: Sequence[_Raw], hidden: int = 0) -> tuple[dict[TestKey, float], int]:
    """Each distinct comparison's Holm-adjusted p value, and the family's size (``hidden`` more tests not
    given count as p = 1: never lower than the whole family would give)."""
    distinct: dict[TestKey, float] = {}
    for r in raws:
        if r.p_value is not None:
            distinct.setdefault(r.key, r.p_value)
    values = adjusted([*distinct.values(), *([None] * hidden)], "holm")
    return (
        {k: float(v) for k, v in zip(distinct, values, strict=False) if v is not None},
        len(distinct) + hidden,
    )


def _item(
    raw: _Raw, title: str, concern: str, adjusted_p: float | None, tests: int
) -> ItemEvidence:
    item = raw.item
    then = wilson(item["count"], item["total"]) if item["total"] >= 1 else None
    now = wilson(*raw.now) if raw.now is not None and raw.now[1] >= 1 else None
    share_now = None if now is None else now.share
    low_now, high_now = (None, None) if now is None else (now.low, now.high)
    effective: float | None = None
    if raw.estimate is not None and now is not None:
        share_now, _, effective = raw.estimate
        low_now, high_now = domain_estimates.wilson_interval(share_now, effective)
    direction = None
    detectable: dict[str, Any] | None = None
    halve: float | None = None
    inconclusive = False
    met_count: int | None = None
    met_share: float | None = None
    if (
        then is not None
        and now is not None
        and share_now is not None
        and raw.p_value is not None
        and adjusted_p is not None
    ):
        direction = direction_of(adjusted_p, share_now > then.share)
        section = power_section(
            now.total, [_Then("then", then.share, then.total, tests)], effective_now=effective
        )
        detectable = None if section is None else section["against"][0]
        size = _size_of(now.total, effective)
        strictest = ALPHA / max(1, tests)
        halve = _power_to_halve(then.share, then.total, size, strictest)
        if direction != BETTER:
            fallen_by_half = then.share > 0 and share_now <= then.share * (1 - NEEDED_FALL)
            inconclusive = direction != WORSE and (halve < POWER_TO_TELL or fallen_by_half)
            met_count = _met_count(item["count"], item["total"], size, strictest)
            met_share = None if met_count is None else met_count / size
    evidence = ItemEvidence(
        kind=item["kind"],
        code=item["code"],
        title=title,
        count_then=item["count"],
        total_then=item["total"],
        share_then=None if then is None else then.share,
        ci_low_then=None if then is None else then.low,
        ci_high_then=None if then is None else then.high,
        count_now=None if raw.now is None else raw.now[0],
        total_now=None if raw.now is None else raw.now[1],
        share_now=share_now,
        ci_low_now=low_now,
        ci_high_now=high_now,
        test=raw.test,
        p_value=raw.p_value,
        adjusted_p_value=adjusted_p if direction is not None else None,
        family_tests=tests,
        direction=direction,
        minimum_detectable_change=None
        if detectable is None
        else detectable["minimum_detectable_change"],
        detectable_confidence=None if detectable is None else detectable["confidence"],
        detectable_words="" if detectable is None else str(detectable["words"]),
        why_not=raw.why_not,
        words="",
        design_weighted=raw.estimate is not None and now is not None,
        share_now_unweighted=None if now is None or raw.estimate is None else now.share,
        standard_error_now=None if raw.estimate is None else raw.estimate[1],
        effective_now=effective,
        power_to_halve=halve,
        inconclusive=inconclusive,
        met_count_now=met_count,
        met_share_now=met_share,
    )
    return with_words(evidence, concern)


def _size_of(total: int, effective: float | None) -> int:
    """The cases the comparison now is as precise as: the effective size (whole cases, at least 1) when
    design-weighted and smaller, as ``power.power_section`` takes it."""
    if effective is not None and 1 <= effective < total:
        return math.floor(effective)
    return total


def _power_to_halve(share_then: float, total_then: int, size_now: int, alpha: float) -> float:
    """The power to detect the share then falling by ``NEEDED_FALL`` (1 when there is nothing to fall)."""
    if share_then <= 0:
        return 1.0
    return power_to_detect(
        share_then, share_then * (1 - NEEDED_FALL), total_then, size_now, confidence=1 - alpha
    )


def _met_count(count_then: int, total_then: int, size_now: int, alpha: float) -> int | None:
    """The most cases of ``size_now`` showing it that the statistics section's test (``compare``) calls
    significantly fewer than ``count_then`` of ``total_then`` at level ``alpha``; None when even none
    would be. The p value rises with the count below the share then: a search by halves."""

    def better(k: int) -> bool:
        if k * total_then >= count_then * size_now:
            return False
        return compare(k, size_now, count_then, total_then).p_value < alpha

    if not better(0):
        return None
    low, high = 0, size_now  # better(low); the answer is below high
    while high - low > 1:
        middle = (low + high) // 2
        if better(middle):
            low = middle
        else:
            high = middle
    return low


def evidence_for(
    basis: Sequence[BasisItem],
    now: Counts,
    *,
    family_size: int | None = None,
    titles: Mapping[Key, str] | None = None,
    concern: str = CONCERN,
    weighted: Weighted | None = None,
    disproportionate: bool = False,
) -> Evidence:
    """The evidence for one recommendation whose finding rests on ``basis``, from the new sample's ``now``.

    ``family_size``: the distinct comparisons of every recommendation judged at the inspection (at least
    this basis's own). The others are not given here, so each counts as p = 1: the adjusted p values are
    never lower than ``evidence_for_all`` gives them over the whole family (where it can, use that).

    ``weighted``: the new sample's design-weighted shares (``weighted_shares``) when it was drawn out of
    proportion; ``disproportionate`` without them: no item is compared (an unweighted share could mislead).
    """
    named = titles or {}
    raws = [
        _raw(i, now, named.get((i["kind"], i["code"]), ""), weighted, disproportionate)
        for i in basis
    ]
    own = len({r.key for r in raws if r.p_value is not None})
    size = own if family_size is None else family_size
    if size < own:
        raise ValueError(f"the family has at least {own} tests (this basis alone); got {size}")
    adjusted_ps, tests = _family(raws, hidden=size - own)
    return _evidence(raws, adjusted_ps, tests, named, concern)


def evidence_for_all(
    bases: Mapping[K, Sequence[BasisItem]],
    now: Counts,
    *,
    titles: Mapping[Key, str] | None = None,
    concern: str = CONCERN,
    weighted: Weighted | None = None,
    disproportionate: bool = False,
) -> dict[K, Evidence]:
    """The evidence for every recommendation judged at one inspection (by its id: its finding's basis),
    adjusted together: one Holm family of every distinct comparison. ``weighted`` and
    ``disproportionate`` as for ``evidence_for``."""
    named = titles or {}
    raws = {
        key: [
            _raw(i, now, named.get((i["kind"], i["code"]), ""), weighted, disproportionate)
            for i in basis
        ]
        for key, basis in bases.items()
    }
    adjusted_ps, tests = _family([r for rs in raws.values() for r in rs])
    return {key: _evidence(rs, adjusted_ps, tests, named, concern) for key, rs in raws.items()}


def _evidence(
    raws: Sequence[_Raw],
    adjusted_ps: Mapping[TestKey, float],
    tests: int,
    titles: Mapping[Key, str],
    concern: str,
) -> Evidence:
    items = tuple(
        _item(
            r,
            titles.get((r.item["kind"], r.item["code"]), ""),
            concern,
            adjusted_ps.get(r.key),
            tests,
        )
        for r in raws
    )
    proposal, reason = propose(items)
    return Evidence(items, tests, proposal, reason)
