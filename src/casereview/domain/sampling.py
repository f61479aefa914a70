"""Samples anyone can verify: the hash-ranked draw, its frame's dates, its manifest.

The draw, algorithm ``hmac-sha256-rank/1``: a case's rank key is
HMAC-SHA256 keyed with the 32 seed bytes over the UTF-8 bytes of its trimmed
``case_ref``; within each stratum the frame is ordered by key (bytewise
ascending, ties — impossible in practice — by case_ref); the first n_h cases
are the sample and the following ones, in order, the reserve list.  Nothing
depends on row order, platform or library version, so anyone holding the
register file, the plan and the revealed seed re-derives the same sample
(docs/sampling.md has a standard-library reference script).

Plans are ``domain.plans``; how many cases each stratum gets, ``domain.allocation``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import polars as pl

from .allocation import ALLOCATION, ALLOCATION_V1, ALLOCATIONS, allocate
from .language import ENGLISH, day_words, gettext_lazy, gettext_noop, say, say_word, saying
from .plans import STRATUM_SEPARATOR, PlanError, SamplePlan, plan_from_mapping

ALGORITHM = "hmac-sha256-rank/1"
SEED_BYTES = 32


# --- The frame's dates --------------------------------------------------------

#: The months' English names, January first: the frame's dates here, and English in ``words.MONTHS`` (which
#: imports this module, so the table lives on this side).
MONTHS_IN_ENGLISH = (
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


def _day(
    day: dt.date,
    *,
    month: bool = True,
    year: bool = True,
    months: Sequence[str] = MONTHS_IN_ENGLISH,
) -> str:
    words = [str(day.day)]
    if month:
        words.append(months[day.month - 1])
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
        """ "cases reported 1 July to 30 September 2026", in UK date words, in the language the document is
        being written in (``domain.language.say``: English for the command line and the manifest)."""
        # words.MONTHS imports this module (for the English months), so it is looked up when a date is said.
        from .words import MONTHS

        months = MONTHS.get(saying(), MONTHS[ENGLISH])

        def day(date: dt.date, *, month: bool = True, year: bool = True) -> str:
            return _day(date, month=month, year=year, months=months)

        first, last = self.reported_from, self.reported_to
        if first and last:
            if first == last:
                return say(gettext_lazy("cases reported on %(day)s", day=day(first)))
            same_year = first.year == last.year
            same_month = same_year and first.month == last.month
            return say(
                gettext_lazy(
                    "cases reported %(first)s to %(last)s",
                    first=day(first, month=not same_month, year=not same_year),
                    last=day(last),
                )
            )
        if first:
            return say(gettext_lazy("cases reported from %(day)s", day=day(first)))
        if last:
            return say(gettext_lazy("cases reported up to %(day)s", day=day(last)))
        return say_word(gettext_noop("cases reported on any date"))


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
            gettext_lazy(
                "the frame would run from %(first)s to %(last)s: give both dates, "
                "or neither to use the inspection's period",
                first=day_words(first),
                last=day_words(last),
            )
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
        raise PlanError(
            gettext_lazy("the register lacks the column(s) %(columns)s", columns=", ".join(missing))
        )
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
        raise PlanError(gettext_lazy("no case of the register is in the plan's frame"))
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
