"""A finding's basis for judging a recommendation at a later inspection, checked; the evidence's shapes.

A finding rests on weaknesses and areas, each with the counts the earlier report gave (its ``basis``):

* ``{"kind": "weakness", "code": "W04", "count": 55, "total": 135}``: 55 of the 135 graded cases showed
  weakness W04;
* ``{"kind": "area", "code": "initial_contact", "count": 80, "total": 130}``: 80 of the 130 cases where the
  area applied (was given a grade) were graded requires improvement or inadequate in it.

``check_basis`` is the one rule for a basis as given (JSON): a list of such items, kind ``weakness`` or
``area``, 0 ≤ count ≤ total, total at least 1, each (kind, code) once; every problem is listed at once
(``EvidenceError``).  ``ItemEvidence`` and ``Evidence`` are what ``domain.followup_evidence`` gives for
each recommendation (stored with a judgement as it was shown: ``Evidence.as_dict``, ``from_dict``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, TypedDict

from .errors import Refused
from .language import Phrase, gettext_lazy, gettext_noop, say
from .statistics import ALPHA
from .words import plain

WEAKNESS, AREA = "weakness", "area"
KINDS = (WEAKNESS, AREA)
MET, PARTLY_MET, NOT_MET = "met", "partly_met", "not_met"
PROPOSALS = (MET, PARTLY_MET, NOT_MET)
PROPOSAL_WORDS: Mapping[str, str] = {MET: "Met", PARTLY_MET: "Partly met", NOT_MET: "Not met"}
NO_PROPOSAL = "No proposal"
BETTER, WORSE = "better", "worse"
#: The adjustment over the family, as the report names it.
ADJUSTMENT = "Holm"
#: What an area's share counts, unless the framework's grades say otherwise (``concern_of``).
CONCERN = "requires improvement or inadequate"
#: Marked for the catalogue: the report writes it in its language (the evidence stored keeps the English).
METHOD = gettext_noop(
    "share then and now with 95% Wilson intervals; two-proportion z-test, Fisher's exact test when an "
    "expected count is under 5; p values adjusted with Holm's method over every distinct comparison of "
    "the recommendations judged at the inspection; better or worse only where the adjusted p is under 0.05"
)

#: A finding gives no target: a recommendation is taken as asking at least that the weakness halve. The new
#: sample "could tell" an item when it had ``POWER_TO_TELL`` power to detect that fall.
NEEDED_FALL = 0.5
POWER_TO_TELL = 0.8
#: Marked for the catalogue: the judging page translates it (the evidence stored keeps the English).
UNREADABLE_BASIS = gettext_noop(
    "No proposal: the finding's basis could not be read (it is not a list of weaknesses and areas with "
    "their counts), so there is nothing to measure. Judge from what you know of the body's progress."
)
UNWEIGHTED = (
    "the new sample was not drawn in proportion and no design-weighted share was given for it (an "
    "unweighted share could mislead); compare with the report's weighted figures"
)

Key = tuple[str, str]  # (kind, code)
Counts = Mapping[Key, tuple[int, int]]  # (kind, code) -> (count, total) in the new sample
#: (kind, code) -> (share, standard error, effective size) of a disproportionate sample's design-weighted
#: share now (``weighted_shares``).
Weighted = Mapping[Key, tuple[float, float, float]]


class BasisItem(TypedDict):
    kind: str
    code: str
    count: int
    total: int


class EvidenceError(Refused):
    """A finding's basis that cannot be used; the message lists every problem."""


def check_basis(raw: object) -> list[BasisItem]:
    """A finding's basis as given (JSON), checked: a list of ``{"kind", "code", "count", "total"}``, kind
    ``weakness`` or ``area``, 0 ≤ count ≤ total, total at least 1, each (kind, code) once."""
    if not isinstance(raw, list | tuple):
        raise EvidenceError(
            gettext_lazy("The basis must be a list of weaknesses and areas with their counts")
        )
    problems: list[Phrase] = []
    out: list[BasisItem] = []
    seen: set[Key] = set()
    for n, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            problems.append(
                gettext_lazy(
                    "Item %(n)s of the basis must give a kind, a code, a count and a total", n=n
                )
            )
            continue
        kind, code = item.get("kind"), item.get("code")
        found, total = item.get("count"), item.get("total")
        wrong: list[Phrase] = []
        if kind not in KINDS:
            wrong.append(
                gettext_lazy("Item %(n)s of the basis: the kind must be a weakness or an area", n=n)
            )
        if not isinstance(code, str) or not code.strip():
            wrong.append(
                gettext_lazy("Item %(n)s of the basis: the code must be text, e.g. W04", n=n)
            )
        if not isinstance(total, int) or isinstance(total, bool) or total < 1:
            wrong.append(
                gettext_lazy(
                    "Item %(n)s of the basis: the total must be a whole number of cases, at least 1",
                    n=n,
                )
            )
        elif not isinstance(found, int) or isinstance(found, bool) or not 0 <= found <= total:
            wrong.append(
                gettext_lazy(
                    "Item %(n)s of the basis: the count must be a whole number from 0 to its total",
                    n=n,
                )
            )
        problems.extend(wrong)
        if wrong or not isinstance(code, str) or not isinstance(found, int):
            continue
        key = (str(kind), code.strip())
        if key in seen:
            problems.append(
                gettext_lazy("Item %(n)s of the basis: %(code)s is given twice", n=n, code=key[1])
            )
            continue
        seen.add(key)
        out.append(BasisItem(kind=key[0], code=key[1], count=found, total=int(total)))  # type: ignore[arg-type]
    if problems:
        said = problems[0]
        for problem in problems[1:]:  # "a; b; c", each part a Phrase, translated where it is shown
            said = gettext_lazy("%(these)s; %(that)s", these=said, that=problem)
        raise EvidenceError(said)
    return out


@dataclass(frozen=True)
class ItemEvidence:
    """One basis item then and now: the shares, the test, the adjusted p value, the direction, the words.

    ``direction`` is None (and the figures now, the test and the p values are None) when the item could not
    be compared: ``why_not`` says why.
    """

    kind: str
    code: str
    title: str
    count_then: int
    total_then: int
    share_then: float | None
    ci_low_then: float | None
    ci_high_then: float | None
    count_now: int | None
    total_now: int | None
    share_now: float | None
    ci_low_now: float | None
    ci_high_now: float | None
    test: str | None
    p_value: float | None
    adjusted_p_value: float | None
    family_tests: int
    direction: str | None  # "better", "worse", "no significant change"; None: not compared
    minimum_detectable_change: float | None
    detectable_confidence: float | None
    detectable_words: str
    why_not: str
    words: str
    #: The share now is design-weighted (a disproportionate sample): ``share_now`` and its interval are the
    #: weighted ones; ``count_now`` of ``total_now`` stay the cases as sampled (``share_now_unweighted``).
    design_weighted: bool = False
    share_now_unweighted: float | None = None
    standard_error_now: float | None = None
    effective_now: float | None = None
    #: The power the new sample had to detect the share then halving (``NEEDED_FALL``), at the strictest
    #: level of the adjustment; None when not compared.
    power_to_halve: float | None = None
    #: Not significantly better, and the new sample could not have told: it had under 80% power to detect
    #: the weakness halving (or it fell by half already without being significant).
    inconclusive: bool = False
    #: The most cases now (of ``total_now``, or of the effective size when weighted) that would be
    #: significantly better than then at the strictest level of the adjustment: what "met" needs at this
    #: sample size (None: no count would; only for an item not significantly better).
    met_count_now: int | None = None
    met_share_now: float | None = None

    @property
    def compared(self) -> bool:
        return self.direction is not None

    @property
    def name(self) -> str:
        """What a person calls it: "Child not seen or not spoken to (W04)", "Initial contact"."""
        return item_name(self.kind, self.code, self.title)


@dataclass(frozen=True)
class Evidence:
    """The evidence for one recommendation: its finding's items, the family they were adjusted in, and the
    proposal (None: none, and ``reason`` says why)."""

    items: tuple[ItemEvidence, ...]
    family_tests: int
    proposal: str | None
    reason: str
    adjustment: str = ADJUSTMENT
    alpha: float = ALPHA
    method: str = METHOD

    @property
    def proposal_words(self) -> str:
        return NO_PROPOSAL if self.proposal is None else PROPOSAL_WORDS[self.proposal]

    @property
    def inconclusive(self) -> bool:
        """No proposal because the new sample is too small to tell, or an item of it could not tell."""
        return any(i.inconclusive for i in self.items)

    @property
    def design_weighted(self) -> bool:
        return any(i.design_weighted for i in self.items)

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe (codes, numbers, text): stored with the judgement as it was shown."""
        return {
            "proposal": self.proposal,
            "reason": self.reason,
            "family_tests": self.family_tests,
            "adjustment": self.adjustment,
            "alpha": self.alpha,
            "method": self.method,
            "items": [asdict(item) for item in self.items],
            "inconclusive": self.inconclusive,
            "design_weighted": self.design_weighted,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Evidence:
        names = {f.name for f in fields(ItemEvidence)}
        return cls(
            items=tuple(
                ItemEvidence(**{k: v for k, v in item.items() if k in names})
                for item in data["items"]
            ),
            family_tests=int(data["family_tests"]),
            proposal=data["proposal"],
            reason=str(data["reason"]),
            adjustment=str(data.get("adjustment", ADJUSTMENT)),
            alpha=float(data.get("alpha", ALPHA)),
            method=str(data.get("method", METHOD)),
        )


def item_name(kind: str, code: str, title: str) -> str:
    """A basis item as a sentence names it: a weakness by its title and code, a grade by its title."""
    if kind == WEAKNESS:
        return f"{title} ({code})" if title else say(gettext_lazy("weakness %(code)s", code=code))
    return title or plain(code)
