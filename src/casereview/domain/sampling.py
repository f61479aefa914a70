"""Samples anyone can verify: plans, allocation, sample size, the hash-ranked draw.

The draw, algorithm ``hmac-sha256-rank/1``: a case's rank key is
HMAC-SHA256 keyed with the 32 seed bytes over the UTF-8 bytes of its trimmed
``case_ref``; within each stratum the frame is ordered by key (bytewise
ascending, ties — impossible in practice — by case_ref); the first n_h cases
are the sample and the following ones, in order, the reserve list.  Nothing
depends on row order, platform or library version, so anyone holding the
register file, the plan and the revealed seed re-derives the same sample
(docs/sampling.md has a standard-library reference script).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from statistics import NormalDist
from typing import TypeGuard

import polars as pl

from casereview.domain.errors import Refused

from .registers import CATEGORIES

ALGORITHM = "hmac-sha256-rank/1"
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
        out: dict[str, object] = {
            "size": self.size,
            "strata": list(self.strata),
            "allocation": self.allocation.value,
            "minimum_per_stratum": self.minimum_per_stratum,
            "reserve": self.reserve,
            "frame": frame,
        }
        if self.expected:
            out["neyman"] = {"expected": dict(self.expected)}
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
    {"size", "strata", "allocation", "minimum_per_stratum", "reserve", "frame", "neyman", "fixed"}
)
_FRAME_KEYS = frozenset({"reported_from", "reported_to", "categories", "units"})


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
    frame = Frame(
        reported_from=_date(raw.get("reported_from"), "reported_from", problems),
        reported_to=_date(raw.get("reported_to"), "reported_to", problems),
        categories=tuple(str(c) for c in categories),
        units=tuple(units),
    )
    if frame.reported_from and frame.reported_to and frame.reported_to < frame.reported_from:
        problems.append("frame.reported_to is before frame.reported_from")
    return frame


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
    )


def parse_plan(text: str) -> SamplePlan:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(f"The sample plan is not valid TOML: {exc}") from exc
    return plan_from_mapping(data)


def stratum_label(values: Sequence[object]) -> str:
    """How a stratum is named in plans and manifests: its values in strata order."""
    return STRATUM_SEPARATOR.join("" if v is None else str(v) for v in values)


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
    if not 0 <= proportion <= 1:
        raise PlanError("proportion must be between 0 and 1")
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


def allocate(frame_sizes: Mapping[str, int], plan: SamplePlan) -> list[StratumAllocation]:
    """How many cases each stratum gets.

    ``minimum_per_stratum`` is given first (never more than a stratum has);
    the rest of ``size`` is split by the allocation rule.  A stratum with
    fewer cases than allocated gives all it has (``short`` says by how many);
    its shortfall is not moved to other strata, so the plan reads as written.
    """
    labels = sorted(frame_sizes)
    if plan.allocation is Allocation.FIXED:
        unknown = sorted(set(plan.counts) - set(labels))
        if unknown:
            raise PlanError(
                "fixed.counts names strata not in the frame: " + ", ".join(repr(u) for u in unknown)
            )
        wanted = {k: plan.counts.get(k, 0) for k in labels}
    else:
        base = {k: min(plan.minimum_per_stratum, frame_sizes[k]) for k in labels}
        rest = max(0, plan.size - sum(base.values()))
        if plan.allocation is Allocation.PROPORTIONAL:
            weights = {k: float(frame_sizes[k]) for k in labels}
        elif plan.allocation is Allocation.EQUAL:
            weights = dict.fromkeys(labels, 1.0)
        else:
            unknown = sorted(set(plan.expected) - set(labels))
            if unknown:
                raise PlanError(
                    "neyman.expected names strata not in the frame: "
                    + ", ".join(repr(u) for u in unknown)
                )
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
) -> list[DrawnStratum]:
    """Draw the sample from a register's cases (``case_ref`` plus the plan's columns)."""
    frame = labelled_frame(cases, plan)
    if frame.height == 0:
        raise PlanError("no case of the register is in the plan's frame")
    frame = frame.with_columns(
        pl.Series("_key", rank_keys(seed, frame["case_ref"].to_list()), dtype=pl.Binary)
    )
    columns = [f"_s_{c}" for c in plan.strata]
    sizes = strata_sizes(frame)
    allocations = {a.label: a for a in allocate(sizes, plan)}
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
) -> dict[str, object]:
    return {
        "algorithm": ALGORITHM,
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


def verify_manifest(
    document: Mapping[str, object], *, cases: pl.DataFrame, register_sha256: str
) -> str | None:
    """Re-derive a manifest's sample; None when it matches, else the first difference in words."""
    if document.get("algorithm") != ALGORITHM:
        return f"unknown algorithm {document.get('algorithm')!r}; this verifier knows {ALGORITHM}"
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
        strata = draw(cases, seed=seed, plan=plan)
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
