"""Sample plans: what a plan may say (``SamplePlan``), and reading one from TOML or the web form.

``plan_from_mapping`` checks a plan and names every problem at once (``PlanError``); a plan may stratify
only by ``STRATIFIABLE`` register columns, never by identifiers or free text.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeGuard

from casereview.domain.errors import Refused
from casereview.domain.language import Phrase, gettext_lazy, joined

from .registers import CATEGORIES

#: What a plan's pre-declared headline comparisons may name: ``kind:name``.
HEADLINE_KINDS = ("category", "unit", "weakness")
#: Register columns a plan may stratify by (identifiers and free text never).
STRATIFIABLE = ("category", "unit", "risk_level", "status", "outcome", "child_age")
STRATUM_SEPARATOR = " / "


class Allocation(StrEnum):
    PROPORTIONAL = "proportional"
    EQUAL = "equal"
    NEYMAN = "neyman"
    FIXED = "fixed"


class PlanError(Refused):
    """A sample plan that cannot be used; the message (a Phrase, translated where a page shows it) names
    every problem."""


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


def _date(value: object, name: str, problems: list[Phrase]) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(gettext_lazy("frame.%(name)s must be a date such as 2024-01-31", name=name))
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


def _strata(raw: object, problems: list[Phrase]) -> list[str]:
    strata: list[str] = []
    if not isinstance(raw, list):
        problems.append(
            gettext_lazy('strata must be a list of register columns, e.g. ["category"]')
        )
        return strata
    for column in raw:
        if column not in STRATIFIABLE:
            problems.append(
                gettext_lazy(
                    "strata names %(column)s, which is not a column a plan can stratify by "
                    "(%(columns)s)",
                    column=repr(column),
                    columns=", ".join(STRATIFIABLE),
                )
            )
        elif column in strata:
            problems.append(gettext_lazy("strata names %(column)s twice", column=repr(column)))
        else:
            strata.append(str(column))
    return strata


def _frame(raw: object, problems: list[Phrase]) -> Frame:
    """The plan's ``[frame]``: which of the register's cases may be drawn."""
    if not isinstance(raw, Mapping):
        problems.append(gettext_lazy("[frame] must be a table"))
        raw = {}
    for key in raw:
        if key not in _FRAME_KEYS:
            problems.append(gettext_lazy("unknown frame setting %(key)s", key=repr(key)))
    categories = raw.get("categories", [])
    if not isinstance(categories, list):
        problems.append(gettext_lazy("frame.categories must be a list"))
        categories = []
    for category in categories:
        if category not in CATEGORIES:
            problems.append(
                gettext_lazy(
                    "frame.categories names %(category)s, which is not a category",
                    category=repr(category),
                )
            )
    units = raw.get("units", [])
    if not isinstance(units, list) or not all(isinstance(u, str) for u in units):
        problems.append(gettext_lazy("frame.units must be a list of unit names"))
        units = []
    any_date = raw.get("any_date", False)
    if not isinstance(any_date, bool):
        problems.append(gettext_lazy("frame.any_date must be true or false"))
        any_date = False
    frame = Frame(
        reported_from=_date(raw.get("reported_from"), "reported_from", problems),
        reported_to=_date(raw.get("reported_to"), "reported_to", problems),
        categories=tuple(str(c) for c in categories),
        units=tuple(units),
        any_date=any_date,
    )
    if frame.reported_from and frame.reported_to and frame.reported_to < frame.reported_from:
        problems.append(gettext_lazy("frame.reported_to is before frame.reported_from"))
    if any_date and (frame.reported_from or frame.reported_to):
        problems.append(
            gettext_lazy("frame.any_date = true cannot go with frame.reported_from or reported_to")
        )
    return frame


def _neyman_allow_zero(neyman: object, problems: list[Phrase]) -> bool:
    """``[neyman] allow_zero``: whether a stratum may get no case (and shares are not clipped)."""
    if not isinstance(neyman, Mapping):
        problems.append(gettext_lazy("[neyman] must be a table"))
        return False
    for key in neyman:
        if key not in _NEYMAN_KEYS:
            problems.append(gettext_lazy("unknown neyman setting %(key)s", key=repr(key)))
    allow = neyman.get("allow_zero", False)
    if not isinstance(allow, bool):
        problems.append(gettext_lazy("neyman.allow_zero must be true or false"))
        return False
    return allow


def _headline(raw: object, problems: list[Phrase]) -> list[str]:
    """``headline``: comparisons declared before grading, each ``kind:name``."""
    if not isinstance(raw, list):
        problems.append(
            gettext_lazy(
                'headline must be a list such as ["category:missing_child", "unit:Ashgrove", '
                '"weakness:W02"]'
            )
        )
        return []
    out: list[str] = []
    for item in raw:
        kind, _, name = item.partition(":") if isinstance(item, str) else ("", "", "")
        kind, name = kind.strip(), name.strip()
        if kind not in HEADLINE_KINDS:
            problems.append(
                gettext_lazy(
                    "headline names %(item)s; each must be kind:name, the kind one of %(kinds)s",
                    item=repr(item),
                    kinds=", ".join(HEADLINE_KINDS),
                )
            )
        elif not name:
            problems.append(
                gettext_lazy(
                    "headline names %(item)s without a name after %(kind)s:",
                    item=repr(item),
                    kind=kind,
                )
            )
        elif kind == "category" and name not in CATEGORIES:
            problems.append(
                gettext_lazy(
                    "headline names %(item)s: %(name)s is not a category",
                    item=repr(item),
                    name=repr(name),
                )
            )
        elif f"{kind}:{name}" in out:
            problems.append(
                gettext_lazy("headline names %(kind)s:%(name)s twice", kind=kind, name=name)
            )
        else:
            out.append(f"{kind}:{name}")
    return out


def _expected(neyman: object, problems: list[Phrase]) -> dict[str, float]:
    """``[neyman.expected]``: the expected share of the outcome per stratum label."""
    expected: dict[str, float] = {}
    if isinstance(neyman, Mapping):
        for label, share in dict(neyman.get("expected", {})).items():
            if not isinstance(share, int | float) or not 0 <= float(share) <= 1:
                problems.append(
                    gettext_lazy(
                        "neyman.expected for %(label)s must be a share between 0 and 1",
                        label=repr(label),
                    )
                )
            else:
                expected[str(label)] = float(share)
    return expected


def _counts(fixed: object, problems: list[Phrase]) -> dict[str, int]:
    """``[fixed.counts]``: cases per stratum label."""
    counts: dict[str, int] = {}
    if isinstance(fixed, Mapping):
        for label, count in dict(fixed.get("counts", {})).items():
            if not _is_whole(count, least=0):
                problems.append(
                    gettext_lazy(
                        "fixed.counts for %(label)s must be a whole number, 0 or more",
                        label=repr(label),
                    )
                )
            else:
                counts[str(label)] = count
    return counts


def plan_from_mapping(data: Mapping[str, object]) -> SamplePlan:
    """Build and check a plan from parsed TOML (or the web form); every problem at once."""
    problems = [
        gettext_lazy("unknown setting %(key)s", key=repr(key))
        for key in data
        if key not in _PLAN_KEYS
    ]
    size = data.get("size")
    if not _is_whole(size, least=1):
        problems.append(gettext_lazy("size must be a whole number of at least 1"))
        size = 1
    strata = _strata(data.get("strata", ["category"]), problems)
    try:
        allocation = Allocation(str(data.get("allocation", "proportional")))
    except ValueError:
        problems.append(
            gettext_lazy(
                "allocation must be one of %(allocations)s",
                allocations=", ".join(a.value for a in Allocation),
            )
        )
        allocation = Allocation.PROPORTIONAL
    minimum = data.get("minimum_per_stratum", 0)
    if not _is_whole(minimum, least=0):
        problems.append(gettext_lazy("minimum_per_stratum must be a whole number, 0 or more"))
        minimum = 0
    reserve = data.get("reserve")
    if reserve is not None and not _is_whole(reserve, least=0):
        problems.append(gettext_lazy("reserve must be a whole number, 0 or more"))
        reserve = None
    frame = _frame(data.get("frame", {}), problems)
    allow_zero = _neyman_allow_zero(data.get("neyman", {}), problems)
    headline = _headline(data.get("headline", []), problems)
    expected = _expected(data.get("neyman", {}), problems)
    counts = _counts(data.get("fixed", {}), problems)
    if allocation is Allocation.FIXED and not counts:
        problems.append(
            gettext_lazy('allocation = "fixed" needs [fixed.counts] with cases per stratum')
        )
    if problems:
        raise PlanError(
            gettext_lazy("The sample plan has problems: %(problems)s", problems=joined(problems))
        )
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
        # The parser's own words (English) follow: this refusal is the command line's (the form posts fields).
        raise PlanError(
            gettext_lazy("The sample plan is not valid TOML: %(why)s", why=exc)
        ) from exc
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
