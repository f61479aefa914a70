"""Samples anyone can verify: plans, allocation, sample size, the hash-ranked draw.

The draw, algorithm ``hmac-sha256-rank/1``: a case's rank key is
HMAC-SHA256 keyed with the 32 seed bytes over the UTF-8 bytes of its trimmed
``case_ref``; within each stratum the frame is ordered by key (bytewise
ascending, ties — impossible in practice — by case_ref); the first n_h cases
are the sample and the following ones, in order, the reserve list.  Nothing
depends on row order, platform or library version, so anyone holding the
register file, the plan and the revealed seed re-derives the same sample
(docs/sampling.md has a standard-library reference script).

How many cases each stratum gets is versioned separately, ``allocation-rules/2``
(``allocate``): the manifest records it, and a manifest without it was drawn
with ``allocation-rules/1``, which stays here only so that such manifests still
verify.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from statistics import NormalDist
from typing import Any, TypeGuard

import polars as pl

from casereview.domain.errors import Refused

from .registers import CATEGORIES

ALGORITHM = "hmac-sha256-rank/1"
#: The allocation rules new draws use; a manifest records them under "allocation".
ALLOCATION = "allocation-rules/2"
#: The rules of manifests without an "allocation" key: kept to verify them, never to draw.
ALLOCATION_V1 = "allocation-rules/1"
ALLOCATIONS = (ALLOCATION_V1, ALLOCATION)
#: Neyman: expected shares are clipped to [NEYMAN_FLOOR, 1 - NEYMAN_FLOOR] (unless allow_zero).
NEYMAN_FLOOR = 0.05
#: What a plan's pre-declared headline comparisons may name: ``kind:name``.
HEADLINE_KINDS = ("category", "unit", "weakness")
SEED_BYTES = 32
#: Register columns a plan may stratify by (identifiers and free text never).
STRATIFIABLE = ("category", "unit", "risk_level", "status", "outcome", "child_age")
STRATUM_SEPARATOR = " / "


class Allocation(StrEnum):
    PROPORTIONAL = "proportional"
    EQUAL = "equal"
    NEYMAN = "neyman"
    FIXED = "fixed"


class PlanError(Refused):
    """A sample plan that cannot be used; the message names every problem."""


@dataclass(frozen=True)
class Frame:
    reported_from: dt.date | None = None
    reported_to: dt.date | None = None
    categories: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    #: Every reported date, on purpose: without it a draw's missing dates are the inspection's period.
    any_date: bool = False


@dataclass(frozen=True)
class SamplePlan:
    size: int
    strata: tuple[str, ...] = ("category",)
    allocation: Allocation = Allocation.PROPORTIONAL
    minimum_per_stratum: int = 0
    reserve: int | None = None  # None: as many as allocated
    frame: Frame = field(default_factory=Frame)
    #: neyman: expected share (0-1) of the outcome per stratum label; 0.5 where not given
    expected: Mapping[str, float] = field(default_factory=dict)
    #: fixed: cases per stratum label
    counts: Mapping[str, int] = field(default_factory=dict)
    #: neyman: expected shares used as given (no clip) and no case of a stratum guaranteed
    neyman_allow_zero: bool = False
    #: Comparisons declared before grading to stand with the headline: "category:x", "unit:x", "weakness:x"
    headline: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        frame: dict[str, object] = {}
        if self.frame.reported_from:
            frame["reported_from"] = self.frame.reported_from.isoformat()
        if self.frame.reported_to:
            frame["reported_to"] = self.frame.reported_to.isoformat()
        if self.frame.categories:
            frame["categories"] = list(self.frame.categories)
        if self.frame.units:
            frame["units"] = list(self.frame.units)
        if self.frame.any_date:
            frame["any_date"] = True
        out: dict[str, object] = {
            "size": self.size,
            "strata": list(self.strata),
            "allocation": self.allocation.value,
            "minimum_per_stratum": self.minimum_per_stratum,
            "reserve": self.reserve,
            "frame": frame,
            "headline": list(self.headline),
        }
        neyman: dict[str, object] = {}
        if self.expected:
            neyman["expected"] = dict(self.expected)
        if self.neyman_allow_zero:
            neyman["allow_zero"] = True
        if neyman:
            out["neyman"] = neyman
        if self.counts:
            out["fixed"] = {"counts": dict(self.counts)}
        return out


def _date(value: object, name: str, problems: list[str]) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(f"frame.{name} must be a date such as 2024-01-31")
    return None


_PLAN_KEYS = frozenset(
    {
        "size",
        "strata",
        "allocation",
        "minimum_per_stratum",
        "reserve",
        "frame",
        "neyman",
        "fixed",
        "headline",
    }
)
_FRAME_KEYS = frozenset({"reported_from", "reported_to", "categories", "units", "any_date"})
_NEYMAN_KEYS = frozenset({"expected", "allow_zero"})


def _is_whole(value: object, *, least: int) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _strata(raw: object, problems: list[str]) -> list[str]:
    strata: list[str] = []
    if not isinstance(raw, list):
        problems.append('strata must be a list of register columns, e.g. ["category"]')
        return strata
    for column in raw:
        if column not in STRATIFIABLE:
            problems.append(
                f"strata names {column!r}, which is not a column a plan can stratify by "
                f"({', '.join(STRATIFIABLE)})"
            )
        elif column in strata:
            problems.append(f"strata names {column!r} twice")
        else:
            strata.append(str(column))
    return strata


def _frame(raw: object, problems: list[str]) -> Frame:
    """The plan's ``[frame]``: which of the register's cases may be drawn."""
    if not isinstance(raw, Mapping):
        problems.append("[frame] must be a table")
        raw = {}
    for key in raw:
        if key not in _FRAME_KEYS:
            problems.append(f"unknown frame setting {key!r}")
    categories = raw.get("categories", [])
    if not isinstance(categories, list):
        problems.append("frame.categories must be a list")
        categories = []
    for category in categories:
        if category not in CATEGORIES:
            problems.append(f"frame.categories names {category!r}, which is not a category")
    units = raw.get("units", [])
    if not isinstance(units, list) or not all(isinstance(u, str) for u in units):
        problems.append("frame.units must be a list of unit names")
        units = []
    any_date = raw.get("any_date", False)
    if not isinstance(any_date, bool):
        problems.append("frame.any_date must be true or false")
        any_date = False
    frame = Frame(
        reported_from=_date(raw.get("reported_from"), "reported_from", problems),
        reported_to=_date(raw.get("reported_to"), "reported_to", problems),
        categories=tuple(str(c) for c in categories),
        units=tuple(units),
        any_date=any_date,
    )
    if frame.reported_from and frame.reported_to and frame.reported_to < frame.reported_from:
        problems.append("frame.reported_to is before frame.reported_from")
    if any_date and (frame.reported_from or frame.reported_to):
        problems.append("frame.any_date = true cannot go with frame.reported_from or reported_to")
    return frame


def _neyman_allow_zero(neyman: object, problems: list[str]) -> bool:
    """``[neyman] allow_zero``: whether a stratum may get no case (and shares are not clipped)."""
    if not isinstance(neyman, Mapping):
        problems.append("[neyman] must be a table")
        return False
    for key in neyman:
        if key not in _NEYMAN_KEYS:
            problems.append(f"unknown neyman setting {key!r}")
    allow = neyman.get("allow_zero", False)
    if not isinstance(allow, bool):
        problems.append("neyman.allow_zero must be true or false")
        return False
    return allow


def _headline(raw: object, problems: list[str]) -> list[str]:
    """``headline``: comparisons declared before grading, each ``kind:name``."""
    if not isinstance(raw, list):
        problems.append(
            'headline must be a list such as ["category:missing_child", "unit:Ashgrove", "weakness:W02"]'
        )
        return []
    out: list[str] = []
    for item in raw:
        kind, _, name = item.partition(":") if isinstance(item, str) else ("", "", "")
        kind, name = kind.strip(), name.strip()
        if kind not in HEADLINE_KINDS:
            problems.append(
                f"headline names {item!r}; each must be kind:name, the kind one of "
                f"{', '.join(HEADLINE_KINDS)}"
            )
        elif not name:
            problems.append(f"headline names {item!r} without a name after {kind}:")
        elif kind == "category" and name not in CATEGORIES:
            problems.append(f"headline names {item!r}: {name!r} is not a category")
        elif f"{kind}:{name}" in out:
            problems.append(f"headline names {kind}:{name} twice")
        else:
            out.append(f"{kind}:{name}")
    return out


def _expected(neyman: object, problems: list[str]) -> dict[str, float]:
    """``[neyman.expected]``: the expected share of the outcome per stratum label."""
    expected: dict[str, float] = {}
    if isinstance(neyman, Mapping):
        for label, share in dict(neyman.get("expected", {})).items():
            if not isinstance(share, int | float) or not 0 <= float(share) <= 1:
                problems.append(f"neyman.expected for {label!r} must be a share between 0 and 1")
            else:
                expected[str(label)] = float(share)
    return expected


def _counts(fixed: object, problems: list[str]) -> dict[str, int]:
    """``[fixed.counts]``: cases per stratum label."""
    counts: dict[str, int] = {}
    if isinstance(fixed, Mapping):
        for label, count in dict(fixed.get("counts", {})).items():
            if not _is_whole(count, least=0):
                problems.append(f"fixed.counts for {label!r} must be a whole number, 0 or more")
            else:
                counts[str(label)] = count
    return counts


def plan_from_mapping(data: Mapping[str, object]) -> SamplePlan:
    """Build and check a plan from parsed TOML (or the web form); every problem at once."""
    problems = [f"unknown setting {key!r}" for key in data if key not in _PLAN_KEYS]
    size = data.get("size")
    if not _is_whole(size, least=1):
        problems.append("size must be a whole number of at least 1")
        size = 1
    strata = _strata(data.get("strata", ["category"]), problems)
    try:
        allocation = Allocation(str(data.get("allocation", "proportional")))
    except ValueError:
        problems.append(f"allocation must be one of {', '.join(a.value for a in Allocation)}")
        allocation = Allocation.PROPORTIONAL
    minimum = data.get("minimum_per_stratum", 0)
    if not _is_whole(minimum, least=0):
        problems.append("minimum_per_stratum must be a whole number, 0 or more")
        minimum = 0
    reserve = data.get("reserve")
    if reserve is not None and not _is_whole(reserve, least=0):
        problems.append("reserve must be a whole number, 0 or more")
        reserve = None
    frame = _frame(data.get("frame", {}), problems)
    allow_zero = _neyman_allow_zero(data.get("neyman", {}), problems)
    headline = _headline(data.get("headline", []), problems)
    expected = _expected(data.get("neyman", {}), problems)
    counts = _counts(data.get("fixed", {}), problems)
    if allocation is Allocation.FIXED and not counts:
        problems.append('allocation = "fixed" needs [fixed.counts] with cases per stratum')
    if problems:
        raise PlanError("The sample plan has problems: " + "; ".join(problems))
    return SamplePlan(
        size=int(size),
        strata=tuple(strata),
        allocation=allocation,
        minimum_per_stratum=int(minimum),
        reserve=reserve if reserve is None else int(reserve),
        frame=frame,
        expected=expected,
        counts=counts,
        neyman_allow_zero=allow_zero,
        headline=tuple(headline),
    )


def parse_plan(text: str) -> SamplePlan:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(f"The sample plan is not valid TOML: {exc}") from exc
    return plan_from_mapping(data)


def drawn_in_proportion(plan: Mapping[str, Any]) -> bool:
    """Whether a plan (as stored) samples every stratum in proportion to its size: proportional allocation
    and no minimum per stratum.  Otherwise body-wide figures are design-weighted."""
    return plan.get(
        "allocation", Allocation.PROPORTIONAL.value
    ) == Allocation.PROPORTIONAL.value and not plan.get("minimum_per_stratum")


def stratum_label(values: Sequence[object]) -> str:
    """How a stratum is named in plans and manifests: its values in strata order."""
    return STRATUM_SEPARATOR.join("" if v is None else str(v) for v in values)


# --- The frame's dates --------------------------------------------------------

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _day(day: dt.date, *, month: bool = True, year: bool = True) -> str:
    words = [str(day.day)]
    if month:
        words.append(_MONTHS[day.month - 1])
    if year:
        words.append(str(day.year))
    return " ".join(words)


@dataclass(frozen=True)
class FrameDates:
    """The reported dates a draw's frame covers, as settled at the draw (None: no limit that side)."""

    reported_from: dt.date | None
    reported_to: dt.date | None
    #: the dates are exactly the inspection's period
    default: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "from": self.reported_from.isoformat() if self.reported_from else None,
            "to": self.reported_to.isoformat() if self.reported_to else None,
            "default": self.default,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> FrameDates:
        start, end = data.get("from"), data.get("to")
        return cls(
            dt.date.fromisoformat(start) if isinstance(start, str) else None,
            dt.date.fromisoformat(end) if isinstance(end, str) else None,
            bool(data.get("default")),
        )

    def words(self) -> str:
        """ "cases reported 1 July to 30 September 2026", in UK date words."""
        first, last = self.reported_from, self.reported_to
        if first and last:
            if first == last:
                return f"cases reported on {_day(first)}"
            same_year = first.year == last.year
            same_month = same_year and first.month == last.month
            return f"cases reported {_day(first, month=not same_month, year=not same_year)} to {_day(last)}"
        if first:
            return f"cases reported from {_day(first)}"
        if last:
            return f"cases reported up to {_day(last)}"
        return "cases reported on any date"


def in_period(plan: SamplePlan, start: dt.date, end: dt.date) -> tuple[SamplePlan, FrameDates]:
    """The plan a draw uses: its frame's missing date limits are the inspection's period.

    A plan with ``[frame] any_date = true`` keeps no date limit; one that gives
    a date keeps it (an explicit choice).  Returns the plan with both limits
    filled in and the dates as the manifest and the report state them.
    """
    frame = plan.frame
    if frame.any_date:
        return plan, FrameDates(None, None, default=False)
    first, last = frame.reported_from or start, frame.reported_to or end
    if last < first:
        raise PlanError(
            f"the frame would run from {_day(first)} to {_day(last)}: give both dates, "
            "or neither to use the inspection's period"
        )
    settled = replace(plan, frame=replace(frame, reported_from=first, reported_to=last))
    return settled, FrameDates(first, last, default=(first, last) == (start, end))


def manifest_frame_dates(
    document: Mapping[str, object], start: dt.date, end: dt.date
) -> FrameDates | None:
    """The frame's dates a manifest states (None for a sample not drawn here).

    A manifest drawn before the dates were recorded has them in its plan's frame, or none at all;
    ``default`` says whether they are the inspection's period ``start`` to ``end``.
    """
    if document.get("algorithm") != ALGORITHM:
        return None
    stated = document.get("frame_dates")
    if isinstance(stated, Mapping):
        return FrameDates.from_dict(stated)
    plan = document.get("plan")
    frame = plan.get("frame") if isinstance(plan, Mapping) else None
    if not isinstance(frame, Mapping):
        frame = {}
    dates = FrameDates.from_dict(
        {"from": frame.get("reported_from"), "to": frame.get("reported_to")}
    )
    return replace(dates, default=(dates.reported_from, dates.reported_to) == (start, end))


# --- Sample size -------------------------------------------------------------


def z_for(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise PlanError("confidence must be between 0 and 1, e.g. 0.95")
    return NormalDist().inv_cdf((1 + confidence) / 2)


def sample_size(
    *, margin: float, confidence: float, proportion: float, population: int | None = None
) -> int:
    """n = z²·N·p(1−p) / (E²·N + z²·p(1−p)), rounded up; without N, z²·p(1−p)/E²."""
    if not 0 < margin < 1:
        raise PlanError("margin must be between 0 and 1, e.g. 0.05 for ±5 points")
    if not 0 < proportion < 1:  # at 0 or 1 the formula gives 1 case, which plans nothing
        raise PlanError(
            "proportion must be between 0 and 1, not 0 or 1 (use 0.5 if unknown); for an outcome "
            "expected in few or no cases, plan with an upper bound (sample-size --upper-bound)"
        )
    if population is not None and population < 1:
        raise PlanError("population must be at least 1")
    z = z_for(confidence)
    pq = proportion * (1 - proportion)
    if population is None:
        n = z * z * pq / (margin * margin)
    else:
        n = z * z * population * pq / (margin * margin * population + z * z * pq)
    # Guard against floating-point noise just above a whole number (e.g. 384.00000000000006).
    return max(1, math.ceil(round(n, 9)))


def margin_for(
    *, size: int, confidence: float, proportion: float = 0.5, population: int | None = None
) -> float:
    """The margin of error a sample of ``size`` gives (the inverse of ``sample_size``)."""
    if size < 1:
        raise PlanError("size must be at least 1")
    z = z_for(confidence)
    pq = proportion * (1 - proportion)
    if population is None:
        return z * math.sqrt(pq / size)
    if size >= population:
        return 0.0
    return z * math.sqrt(pq * (population - size) / (size * population))


# --- Allocation ---------------------------------------------------------------


def _largest_remainder(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """Split ``total`` in proportion to weights: floors, then the largest remainders (ties by label)."""
    whole = sum(weights.values())
    if total <= 0 or whole <= 0:
        return dict.fromkeys(weights, 0)
    quotas = {k: total * w / whole for k, w in weights.items()}
    out = {k: math.floor(q) for k, q in quotas.items()}
    left = total - sum(out.values())
    for key in sorted(weights, key=lambda k: (-(quotas[k] - out[k]), k))[:left]:
        out[key] += 1
    return out


@dataclass(frozen=True)
class StratumAllocation:
    label: str
    frame_size: int
    wanted: int  # what the plan asks for
    allocated: int  # what the stratum can give: min(wanted, frame_size)

    @property
    def short(self) -> int:
        return self.wanted - self.allocated


def _fixed_wanted(labels: Sequence[str], plan: SamplePlan) -> dict[str, int]:
    unknown = sorted(set(plan.counts) - set(labels))
    if unknown:
        raise PlanError(
            "fixed.counts names strata not in the frame: " + ", ".join(repr(u) for u in unknown)
        )
    return {k: plan.counts.get(k, 0) for k in labels}


def _check_expected(labels: Sequence[str], plan: SamplePlan) -> None:
    unknown = sorted(set(plan.expected) - set(labels))
    if unknown:
        raise PlanError(
            "neyman.expected names strata not in the frame: " + ", ".join(repr(u) for u in unknown)
        )


def neyman_share(plan: SamplePlan, label: str) -> float:
    """The expected share Neyman allocation uses for a stratum: clipped to [0.05, 0.95] unless allow_zero."""
    share = plan.expected.get(label, 0.5)
    if plan.neyman_allow_zero:
        return share
    return min(1 - NEYMAN_FLOOR, max(NEYMAN_FLOOR, share))


def _bounded_quotas(
    total: int, weights: Mapping[str, float], low: Mapping[str, int], high: Mapping[str, int]
) -> dict[str, float]:
    """Real quotas adding up to ``total``: λ·w_h, raised to low_h or lowered to high_h where needed.

    λ is the one multiplier that makes them add up (unique where it matters: the sum is continuous and
    non-decreasing in λ).  The free strata (neither at low nor at high) share what the others leave in
    proportion to their weights, computed as (total − fixed)·w_h/Σw so that with no bound reached it is
    exactly total·w_h/Σw.  Needs Σlow ≤ total ≤ Σhigh.
    """
    labels = sorted(weights)
    live = [k for k in labels if weights[k] > 0]
    dead = [k for k in labels if weights[k] <= 0]
    ceiling = sum(high[k] for k in live) + sum(low[k] for k in dead)
    if total > ceiling:  # only zero weights are left to take the rest: by their frame sizes
        quotas = {k: float(high[k]) for k in live}
        rest = total - sum(high[k] for k in live)
        quotas.update(_bounded_quotas(rest, {k: float(high[k]) for k in dead}, low, high))
        return quotas

    def summed(lam: float) -> float:
        clipped = sum(min(high[k], max(low[k], lam * weights[k])) for k in live)
        return clipped + sum(low[k] for k in dead)

    points = sorted(
        {0.0, *(low[k] / weights[k] for k in live), *(high[k] / weights[k] for k in live)}
    )
    # The last point whose sum is at most total (the sum only grows with λ), found by bisection.
    first, last = 0, len(points) - 1
    while first < last:
        middle = (first + last + 1) // 2
        if summed(points[middle]) <= total:
            first = middle
        else:
            last = middle - 1
    below = points[first]
    above = points[first + 1] if first + 1 < len(points) else math.inf
    quotas = {k: float(low[k]) for k in dead}
    free: list[str] = []
    for k in live:
        if low[k] / weights[k] >= above:
            quotas[k] = float(low[k])
        elif high[k] / weights[k] <= below:
            quotas[k] = float(high[k])
        else:
            free.append(k)
    spare = total - sum(quotas.values())
    whole = sum(weights[k] for k in free)
    for k in free:
        quotas[k] = spare * weights[k] / whole if whole > 0 else 0.0
    return quotas


def _whole_numbers(
    total: int, quotas: Mapping[str, float], low: Mapping[str, int], high: Mapping[str, int]
) -> dict[str, int]:
    """Largest remainders: every quota's whole part, then one more case each, largest fraction first."""
    out = {k: min(high[k], max(low[k], math.floor(q))) for k, q in quotas.items()}
    left = total - sum(out.values())
    room = [k for k in quotas if out[k] < high[k]]
    for key in sorted(room, key=lambda k: (-(quotas[k] - out[k]), k))[: max(0, left)]:
        out[key] += 1
    return out


def allocate(
    frame_sizes: Mapping[str, int], plan: SamplePlan, *, version: str = ALLOCATION
) -> list[StratumAllocation]:
    """How many cases each stratum gets, by ``allocation-rules/2`` (docs/sampling.md).

    The rule's weights (``proportional``: N_h; ``equal``: 1; ``neyman``:
    N_h·√(p_h(1−p_h)), p_h clipped to [0.05, 0.95]) split ``size`` (at most the
    frame) in proportion, except that a stratum whose share falls below
    ``minimum_per_stratum`` gets the minimum, or all it has if fewer, and one
    whose share is more than it has gives all it has; the others share the rest
    in proportion to their weights, so strata above the minimum stay in
    proportion among themselves.  Neyman also gives every non-empty stratum at
    least one case unless ``[neyman] allow_zero``.  Whole numbers by largest
    remainders.  ``fixed`` takes the counts as given (a stratum short of them
    gives all it has).  Minimums adding up to more than ``size`` win.

    ``version="allocation-rules/1"`` is the earlier rule, kept only to verify
    manifests drawn with it.
    """
    if version == ALLOCATION_V1:
        return _allocate_v1(frame_sizes, plan)
    if version != ALLOCATION:
        raise PlanError(
            f"unknown allocation {version!r}; this casereview knows {', '.join(ALLOCATIONS)}"
        )
    labels = sorted(frame_sizes)
    if plan.allocation is Allocation.FIXED:
        wanted = _fixed_wanted(labels, plan)
        return [
            StratumAllocation(k, frame_sizes[k], wanted[k], min(wanted[k], frame_sizes[k]))
            for k in labels
        ]
    high = {k: max(0, frame_sizes[k]) for k in labels}
    low = {k: min(plan.minimum_per_stratum, high[k]) for k in labels}
    if plan.allocation is Allocation.PROPORTIONAL:
        weights = {k: float(high[k]) for k in labels}
    elif plan.allocation is Allocation.EQUAL:
        weights = {k: 1.0 if high[k] else 0.0 for k in labels}
    else:
        _check_expected(labels, plan)
        weights = {
            k: high[k] * math.sqrt(neyman_share(plan, k) * (1 - neyman_share(plan, k)))
            for k in labels
        }
        if not plan.neyman_allow_zero:
            low = {k: max(low[k], min(1, high[k])) for k in labels}
    total = max(min(plan.size, sum(high.values())), sum(low.values()))
    counts = _whole_numbers(total, _bounded_quotas(total, weights, low, high), low, high)
    return [StratumAllocation(k, frame_sizes[k], counts[k], counts[k]) for k in labels]


def _allocate_v1(frame_sizes: Mapping[str, int], plan: SamplePlan) -> list[StratumAllocation]:
    """``allocation-rules/1``, for verifying manifests drawn with it: never for a new draw.

    ``minimum_per_stratum`` is given first (never more than a stratum has);
    the rest of ``size`` is split by the allocation rule over every stratum.  A
    stratum with fewer cases than allocated gives all it has (``short`` says by
    how many); its shortfall is not moved to other strata.  Neyman uses the
    expected shares as given.
    """
    labels = sorted(frame_sizes)
    if plan.allocation is Allocation.FIXED:
        wanted = _fixed_wanted(labels, plan)
    else:
        base = {k: min(plan.minimum_per_stratum, frame_sizes[k]) for k in labels}
        rest = max(0, plan.size - sum(base.values()))
        if plan.allocation is Allocation.PROPORTIONAL:
            weights = {k: float(frame_sizes[k]) for k in labels}
        elif plan.allocation is Allocation.EQUAL:
            weights = dict.fromkeys(labels, 1.0)
        else:
            _check_expected(labels, plan)
            weights = {
                k: frame_sizes[k]
                * math.sqrt(plan.expected.get(k, 0.5) * (1 - plan.expected.get(k, 0.5)))
                for k in labels
            }
        extra = _largest_remainder(rest, weights)
        wanted = {k: base[k] + extra[k] for k in labels}
    return [
        StratumAllocation(k, frame_sizes[k], wanted[k], min(wanted[k], frame_sizes[k]))
        for k in labels
    ]


# --- The draw -----------------------------------------------------------------


def new_seed_commitment(seed: bytes) -> str:
    if len(seed) != SEED_BYTES:
        raise PlanError(f"a seed is {SEED_BYTES} bytes")
    return hashlib.sha256(seed).hexdigest()


def rank_key(seed: bytes, case_ref: str) -> bytes:
    return hmac.new(seed, case_ref.strip().encode("utf-8"), hashlib.sha256).digest()


def rank_keys(seed: bytes, case_refs: Sequence[str]) -> list[bytes]:
    base = hmac.new(seed, digestmod=hashlib.sha256)
    out = []
    for ref in case_refs:
        h = base.copy()
        h.update(ref.strip().encode("utf-8"))
        out.append(h.digest())
    return out


def frame_filter(frame: pl.DataFrame, plan: SamplePlan) -> pl.DataFrame:
    """The cases of a register (columns as stored) the plan may draw from."""
    conditions = []
    if plan.frame.reported_from:
        conditions.append(pl.col("reported_on") >= plan.frame.reported_from)
    if plan.frame.reported_to:
        conditions.append(pl.col("reported_on") <= plan.frame.reported_to)
    if plan.frame.categories:
        conditions.append(pl.col("category").is_in(list(plan.frame.categories)))
    if plan.frame.units:
        conditions.append(pl.col("unit").is_in(list(plan.frame.units)))
    return frame.filter(*conditions) if conditions else frame


@dataclass(frozen=True)
class DrawnStratum:
    label: str
    key: dict[str, object]
    frame_size: int
    wanted: int
    allocated: int
    sample: list[str]
    reserve: list[str]

    @property
    def design_weight(self) -> float | None:
        return self.frame_size / len(self.sample) if self.sample else None


def labelled_frame(cases: pl.DataFrame, plan: SamplePlan) -> pl.DataFrame:
    """The plan's frame: trimmed ``case_ref``, the strata columns as text, and each case's stratum ``_label``."""
    missing = [
        c
        for c in ("case_ref", "reported_on", "category", "unit", *plan.strata)
        if c not in cases.columns
    ]
    if missing:
        raise PlanError(f"the register lacks the column(s) {', '.join(missing)}")
    columns = [f"_s_{c}" for c in plan.strata]
    label = (
        pl.concat_str([pl.col(c).fill_null("") for c in columns], separator=STRATUM_SEPARATOR)
        if columns
        else pl.lit("all")
    )
    return (
        frame_filter(cases, plan)
        .select(
            pl.col("case_ref").str.strip_chars().alias("case_ref"),
            *[pl.col(c).cast(pl.String).alias(f"_s_{c}") for c in plan.strata],
        )
        .with_columns(label.alias("_label"))
    )


def strata_sizes(labelled: pl.DataFrame) -> dict[str, int]:
    """Cases per stratum of a ``labelled_frame``."""
    return {str(k): int(v) for k, v in labelled.group_by("_label").len().iter_rows()}


def draw(
    cases: pl.DataFrame,
    *,
    seed: bytes,
    plan: SamplePlan,
    allocation: str = ALLOCATION,
) -> list[DrawnStratum]:
    """Draw the sample from a register's cases (``case_ref`` plus the plan's columns).

    ``allocation`` names the allocation rules; only verification passes an earlier version.
    """
    frame = labelled_frame(cases, plan)
    if frame.height == 0:
        raise PlanError("no case of the register is in the plan's frame")
    frame = frame.with_columns(
        pl.Series("_key", rank_keys(seed, frame["case_ref"].to_list()), dtype=pl.Binary)
    )
    columns = [f"_s_{c}" for c in plan.strata]
    sizes = strata_sizes(frame)
    allocations = {a.label: a for a in allocate(sizes, plan, version=allocation)}
    limits = {
        label: a.allocated + (a.allocated if plan.reserve is None else plan.reserve)
        for label, a in allocations.items()
    }
    # Only the lowest keys of each stratum are needed: take them without sorting the frame.
    # (Keys are distinct: case_refs are unique in a register and HMAC-SHA256 does not collide.)
    kept = (
        frame.group_by("_label")
        .agg(
            pl.struct(["case_ref", "_key", *columns])
            .bottom_k_by("_key", max(1, max(limits.values())))
            .alias("_s")
        )
        .explode("_s")
        .unnest("_s")
        .sort(["_label", "_key", "case_ref"])
    )
    groups = {
        str(part["_label"][0]): part for part in kept.partition_by("_label", maintain_order=True)
    }
    out: list[DrawnStratum] = []
    for label in sorted(allocations):
        alloc = allocations[label]
        part = groups[label]  # every stratum has at least one case, so at least one row here
        ordered = part["case_ref"].to_list()[: limits[label]]
        key = {c: part[f"_s_{c}"][0] for c in plan.strata}
        out.append(
            DrawnStratum(
                label=label,
                key=key,
                frame_size=alloc.frame_size,
                wanted=alloc.wanted,
                allocated=alloc.allocated,
                sample=ordered[: alloc.allocated],
                reserve=ordered[alloc.allocated :],
            )
        )
    return out


def manifest(
    *,
    strata: Sequence[DrawnStratum],
    seed: bytes,
    committed_at: str,
    register_sha256: str,
    register_imported_at: str,
    plan: SamplePlan,
    late_commitment: bool,
    frame_dates: FrameDates | None = None,
) -> dict[str, object]:
    """The manifest of a draw made now (allocation ``ALLOCATION``); ``frame_dates`` as the draw settled them."""
    document: dict[str, object] = {
        "algorithm": ALGORITHM,
        "allocation": ALLOCATION,
        "seed": seed.hex(),
        "commitment": new_seed_commitment(seed),
        "committed_at": committed_at,
        "register_sha256": register_sha256,
        "register_imported_at": register_imported_at,
        "plan": plan.as_dict(),
        "strata": [
            {
                "key": s.key,
                "label": s.label,
                "frame_size": s.frame_size,
                "wanted": s.wanted,
                "allocated": s.allocated,
                "short": s.wanted - s.allocated,
                "design_weight": s.design_weight,
                "sample": s.sample,
                "reserve": s.reserve,
            }
            for s in strata
        ],
        "late_commitment": late_commitment,
    }
    if frame_dates is not None:
        document["frame_dates"] = frame_dates.as_dict()
    return document


def verify_manifest(
    document: Mapping[str, object], *, cases: pl.DataFrame, register_sha256: str
) -> str | None:
    """Re-derive a manifest's sample; None when it matches, else the first difference in words."""
    if document.get("algorithm") != ALGORITHM:
        return f"unknown algorithm {document.get('algorithm')!r}; this verifier knows {ALGORITHM}"
    # A manifest without "allocation" was drawn before allocations were versioned: version 1.
    allocation = document.get("allocation", ALLOCATION_V1)
    if allocation not in ALLOCATIONS:
        return f"unknown allocation {allocation!r}; this verifier knows {', '.join(ALLOCATIONS)}"
    try:
        seed = bytes.fromhex(str(document["seed"]))
    except (KeyError, ValueError):
        return "the manifest's seed is not hexadecimal"
    if len(seed) != SEED_BYTES or new_seed_commitment(seed) != document.get("commitment"):
        return "the commitment does not match the seed"
    if document.get("register_sha256") != register_sha256:
        return (
            f"the register file's SHA-256 is {register_sha256}, "
            f"the manifest's is {document.get('register_sha256')}"
        )
    plan_data = document.get("plan")
    if not isinstance(plan_data, Mapping):
        return "the manifest has no plan"
    try:
        plan = plan_from_mapping(plan_data)
        strata = draw(cases, seed=seed, plan=plan, allocation=str(allocation))
    except PlanError as exc:
        return str(exc)
    published = document.get("strata")
    if not isinstance(published, list):
        return "the manifest has no strata"
    mine = {s.label: s for s in strata}
    theirs = {str(s.get("label")): s for s in published if isinstance(s, Mapping)}
    for label in sorted(set(mine) | set(theirs)):
        if label not in theirs:
            return f"stratum {label!r} should be in the manifest"
        if label not in mine:
            return f"stratum {label!r} should not be in the manifest"
        for part in ("sample", "reserve"):
            expected = mine[label].sample if part == "sample" else mine[label].reserve
            listed = [str(x) for x in theirs[label].get(part, [])]
            for ref in expected:
                if ref not in listed:
                    return f"case {ref} should be in the {part} of stratum {label!r}"
            for ref in listed:
                if ref not in expected:
                    return f"case {ref} should not be in the {part} of stratum {label!r}"
            if listed != expected:
                return f"the {part} of stratum {label!r} is not in rank order"
    return None


def moderation_pick(seed: bytes, case_refs: Sequence[str], share: float) -> list[str]:
    """The share of cases to second-mark, chosen by the inspection's seed.

    Ranked by HMAC-SHA256 over ``moderation:`` and the case_ref (a different
    ranking from the draw's); the first ceil(share x n) are chosen.
    """
    if not 0 <= share <= 1:
        raise PlanError("the moderation share must be between 0 and 1")
    count = math.ceil(round(share * len(case_refs), 9))
    ranked = sorted(case_refs, key=lambda ref: rank_key(seed, "moderation:" + ref.strip()))
    return ranked[:count]
