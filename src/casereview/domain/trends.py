"""National trends: every body's results over time, each quarter's national estimate, and a funnel plot
(drawn by ``funnel.funnel``).

**Each body's points.**  Each inspection gives the share of its graded cases that required improvement or
were inadequate.  Where its sample was proportional (or its design is unknown: a sample imported from
outside casereview) that is the plain share with its Wilson interval; where it was not (equal, Neyman,
fixed allocation, or a minimum per stratum), it is the design-weighted share with its stratified variance
and Korn–Graubard interval (``statistics.stratified_share``).  Each point says which (``method``).  A point
is compared with the body's previous one by ``statistics.compare`` (two-proportion z-test or Fisher's exact
test) when both are plain shares, and by ``statistics.wald_difference`` (a Wald test on the difference of
design-weighted shares) when either is design-weighted, each side's variance floored at p̄(1 − p̄)/n* with n*
its effective sample size (a weighted point's ``effective_n``, its cases graded for a census; a plain point's
cases graded).

**A quarter's national estimate.**  One stratum per body per quarter.  Several inspections of a body whose
periods end in the same quarter are pooled into that one stratum: their graded cases are added together,
and the body's frame for the quarter is the *largest* of their frames (they sample the same body's cases
in the same quarter, so adding their frames would count a case twice; the largest is the best lower bound
of the body's cases without double counting).  Where any of them was disproportionate, the body's share is
the average of its inspections' shares (design-weighted where theirs are) weighted by their cases graded,
which for plain shares alone is the pooled share; its strata carry it into the national estimate (see
``_unit``).  A design-weighted body's frame N_b is its whole frame, its share that of its graded strata.
The national share is then the stratified estimate over the bodies:
p = Σ W_b p_b with W_b = N_b / N (N_b the body's frame), the stratified variance, and the Korn–Graubard
interval (``stratified_share``, which receives every body's strata, so that a design-weighted body brings
its own strata and variance).  It is the figure of the bodies inspected that quarter, not of every body, and
says so (``covers``, and the last clause of ``method``).

When some bodies' frame sizes are unknown (imported samples), the bodies with frames are weighted by
their frames, and the bodies without are pooled into one further stratum whose frame is taken as their
graded cases times the sampling rate of the bodies with frames (N / n over those bodies): they are
assumed sampled at the same overall rate.  When no frame of the quarter is known, the quarter is the
pooled share of all its graded cases with a Wilson interval.  Every quarter states what was done
(``method``, ``method_code``, the bodies weighted, pooled without a frame, design-weighted, and inspected
more than once), in every format.

**National change.**  Two quarters' own figures cover different bodies (those inspected in each), so their
difference would mix a change with a change of who was inspected.  Each quarter is compared with the quarter
before it in the trend over the bodies inspected in *both*: each quarter's estimate is made again over those
bodies alone (each body's stratum or strata in that quarter, weighted by its frame as in the quarter's own
estimate; bodies without a frame pooled at the quarter's own rate), and the two are compared by a Wald test
(independent samples: z = (p₁ − p₀)/√(se₁² + se₀²), two-sided, each variance floored at p̄(1 − p̄)/n*).  When
no body is in both quarters nothing is tested, and the change says so (``tested`` false).

**Many tests.**  The quarter-to-quarter tests are one family, and every body's point-to-point tests another;
each family is adjusted with the Benjamini–Hochberg method and labelled exploratory (``family``,
``adjustment``, ``family_tests``, ``adjusted_p_value``); ``direction`` and ``wording`` follow the adjusted p
value, and the test's own ``p_value`` is kept beside it (``adjust_family``).

No figure of the trend is infinite or NaN: an effective sample size that is infinite (a census of every
stratum) is given as null.

Over 600 lines since the trend's words are written in the language it is made in (issue 25: each sentence one
whole catalogue entry, with its plural, so a translator can word it); the words (``_national``'s method,
``_covers``, ``_said``, ``adjust_family``'s wording) are the part to move out when it next grows.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .comparisons import comparison_of, interval
from .funnel import _effective_n, funnel
from .language import gettext_lazy, gettext_noop, ngettext_lazy, say, say_word
from .multiplicity import EXPLORATORY, METHODS
from .statistics import (
    Stratum,
    adjusted,
    binomial_se,
    direction_of,
    p_words,
    stratified_share,
    wald_difference,
    wilson,
)
from .words import TEST_WORDS

#: How each point and quarter is estimated (``method_code``) and what it says (``method``).
PLAIN = "share"
WEIGHTED = "design_weighted"
STRATIFIED = "stratified"
STRATIFIED_WITH_POOLED = "stratified_with_pooled"
POOLED = "pooled"

#: The fixed words are English here, marked for the catalogue: a trend is written in the language it is made
#: in (``say_word``), except ``NATIONAL_TEST``, a change's ``test`` (a code in the JSON), said only in words.
PLAIN_METHOD = gettext_noop(
    "share of the graded cases with a Wilson interval (a proportional sample)"
)
IMPORTED_METHOD = gettext_noop(
    "share of the graded cases with a Wilson interval (a sample imported from outside casereview: "
    "its design is unknown and is taken as a simple random sample)"
)
WEIGHTED_METHOD = gettext_noop(
    "design-weighted share (each stratum weighted by its frame, as the sample was not proportional), "
    "with its stratified variance and Korn–Graubard interval"
)
NATIONAL_TEST = gettext_noop(
    "Wald test on the difference of the two quarters' stratified estimates over the bodies inspected in "
    "both (independent samples)"
)
NOT_TESTED = gettext_noop("not tested: no body was inspected in both quarters")
#: The two families of tests in a trend, each adjusted with Benjamini–Hochberg (exploratory).
NATIONAL_FAMILY = gettext_noop(
    "every quarter against the quarter before, over the bodies inspected in both"
)
POINT_FAMILY = gettext_noop("every body's inspection against its previous one")


@dataclass(frozen=True)
class StratumResult:
    """One stratum of an inspection's sample: its frame, cases graded, and cases of concern among them."""

    label: str
    frame_size: int
    graded: int
    concern: int


@dataclass(frozen=True)
class InspectionResult:
    body: str
    inspection: str
    period_end: dt.date
    count: int  # requires improvement or inadequate
    total: int  # graded cases
    frame_size: int | None  # None: unknown (a sample imported from outside casereview)
    strata: tuple[StratumResult, ...] = field(default=())
    proportional: bool = True

    @property
    def design_weighted(self) -> bool:
        """Whether its figures are design-weighted: a disproportionate sample with the strata to weight."""
        return (
            not self.proportional
            and self.frame_size is not None
            and any(s.graded > 0 for s in self.strata)
        )


def quarter(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _point(r: InspectionResult) -> tuple[dict[str, Any], float]:
    """A point's JSON and its standard error."""
    base = interval(r.count, r.total)
    if r.design_weighted:
        e = stratified_share([Stratum(s.frame_size, s.graded, s.concern) for s in r.strata])
        return {
            **base,
            "share": e.share,
            "ci_low": e.low,
            "ci_high": e.high,
            "unweighted_share": base["share"],
            "standard_error": e.standard_error,
            "effective_n": round(e.effective_n, 1) if math.isfinite(e.effective_n) else None,
            "design_weighted": True,
            "covered_frame": e.covered_frame,
            "frame": e.frame,
            "strata_ungraded": e.strata_ungraded,
            "strata": [
                {
                    "label": s.label,
                    "frame_size": s.frame_size,
                    "graded": s.graded,
                    "concern": s.concern,
                }
                for s in r.strata
            ],
            "method_code": WEIGHTED,
            "method": say_word(WEIGHTED_METHOD),
        }, e.standard_error
    se = binomial_se(r.count, r.total)
    return {
        **base,
        "standard_error": se,
        "design_weighted": False,
        "method_code": PLAIN,
        "method": say_word(IMPORTED_METHOD if r.frame_size is None else PLAIN_METHOD),
    }, se


def _change(
    previous: InspectionResult,
    before: Mapping[str, Any],
    r: InspectionResult,
    now: Mapping[str, Any],
) -> dict[str, Any] | None:
    """A point against the body's previous one: exact/z tests on plain shares, Wald when either is weighted
    (``comparisons.comparison_of``; each side's effective n: a weighted point's, a plain one's cases graded)."""

    def estimate(point: Mapping[str, Any]) -> tuple[float, float, float] | None:
        if not point["design_weighted"]:
            return None
        return (float(point["share"]), float(point["standard_error"]), _effective_n(point))

    found = comparison_of(
        previous.inspection,
        "inspection",
        previous.period_end.isoformat(),
        (previous.count, previous.total),
        (r.count, r.total),
        estimate_then=estimate(before),
        estimate_now=estimate(now),
    )
    return None if found is None else found.to_json()


@dataclass(frozen=True)
class _Unit:
    """One body in one quarter: the stratum (or strata) it brings to the national estimate."""

    body: str
    inspections: tuple[InspectionResult, ...]
    frame: int | None
    strata: tuple[Stratum, ...]
    weighted: bool

    @property
    def graded(self) -> int:
        return sum(r.total for r in self.inspections)

    @property
    def concern(self) -> int:
        return sum(r.count for r in self.inspections)


def _unit(body: str, rows: Sequence[InspectionResult]) -> _Unit:
    """Several inspections of a body in a quarter pooled: frame the largest, graded cases added.

    With plain shares only, the body's share is the pooled share of their graded cases.  With a
    design-weighted one among them, it is the average of the inspections' shares weighted by their cases
    graded (which, for plain shares alone, is the same pooled share): inspection i stands for the part
    n_i / n of the body's frame F, and a weighted one's strata share that part as its frames do, so each
    stratum h of inspection i is given the frame F · (n_i / n) · (N_ih / N_i) (rounded, at least its
    cases graded) and the stratified estimate over them is Σ_i (n_i / n) p̂_i, with its variance."""
    known = [r.frame_size for r in rows if r.frame_size is not None]
    frame = max(known) if known else None
    graded, concern = sum(r.total for r in rows), sum(r.count for r in rows)
    if frame is None or not any(r.design_weighted for r in rows):
        return _Unit(body, tuple(rows), frame, (Stratum(frame or 0, graded, concern),), False)
    strata: list[Stratum] = []
    for r in rows:
        part = frame * r.total / graded
        if r.design_weighted:
            whole = sum(s.frame_size for s in r.strata if s.graded > 0)
            strata += [
                Stratum(max(s.graded, round(part * s.frame_size / whole)), s.graded, s.concern)
                for s in r.strata
                if s.graded > 0
            ]
        else:
            strata.append(Stratum(max(r.total, round(part)), r.total, r.count))
    return _Unit(body, tuple(rows), frame, tuple(strata), True)


def _names(units: Iterable[_Unit]) -> list[str]:
    return sorted(u.body for u in units)


def _frame_rate(units: Sequence[_Unit]) -> float | None:
    """Frame cases per graded case over the bodies with a known frame (None: no frame known)."""
    strata = [s for u in units if u.frame is not None for s in u.strata]
    graded = sum(s.sampled for s in strata)
    if graded <= 0:
        return None
    return sum(s.frame_size for s in strata if s.sampled > 0) / graded


def _strata_of(units: Sequence[_Unit], rate: float) -> tuple[list[Stratum], int | None]:
    """The bodies' strata: each known body's own, and the bodies without a frame pooled into one stratum
    whose frame is their graded cases times ``rate`` (at least their graded cases); and that frame."""
    strata = [s for u in units if u.frame is not None for s in u.strata]
    unknown = [u for u in units if u.frame is None]
    if not unknown:
        return strata, None
    graded = sum(u.graded for u in unknown)
    imputed = max(graded, round(graded * rate))
    strata.append(Stratum(imputed, graded, sum(u.concern for u in unknown)))
    return strata, imputed


@dataclass(frozen=True)
class _Figure:
    """An estimate over some bodies of a quarter: share, standard error, and the n its test uses."""

    share: float
    standard_error: float
    n: float


def _figure(units: Sequence[_Unit], rate: float | None) -> _Figure:
    """The estimate over ``units`` made as the quarter's own is (``rate``: the quarter's frame cases per
    graded case, None when the quarter is pooled): the stratified estimate, or the pooled share."""
    graded = sum(u.graded for u in units)
    if rate is None:
        found = sum(u.concern for u in units)
        return _Figure(found / graded, binomial_se(found, graded), float(graded))
    strata, _ = _strata_of(units, rate)
    e = stratified_share(strata)
    n = e.effective_n if math.isfinite(e.effective_n) else float(graded)
    return _Figure(e.share, e.standard_error, n)


def _national(name: str, period_end: str, units: Sequence[_Unit]) -> dict[str, Any]:
    """A quarter's national estimate, with what was done in words (``method``) and as data."""
    reviews = sum(u.graded for u in units)
    found = sum(u.concern for u in units)
    known = [u for u in units if u.frame is not None]
    unknown = [u for u in units if u.frame is None]
    weighted = [u for u in known if u.weighted]
    repeated = {
        u.body: [r.inspection for r in u.inspections] for u in units if len(u.inspections) > 1
    }
    notes: list[str] = []
    effective_n: float | None = None
    imputed: int | None = None
    if not known:
        w = wilson(found, reviews)
        share, low, high, se = w.share, w.low, w.high, binomial_se(found, reviews)
        code = POOLED
        method = say(
            gettext_lazy(
                "pooled share of all graded cases with a Wilson interval: no body's frame size is "
                "known (imported samples: %(bodies)s)",
                bodies=", ".join(_names(unknown)),
            )
        )
    else:
        strata, imputed = _strata_of(units, _frame_rate(units) or 0.0)
        e = stratified_share(strata)
        share, low, high, se = e.share, e.low, e.high, e.standard_error
        effective_n = round(e.effective_n, 1) if math.isfinite(e.effective_n) else None
        within = (
            "; "
            + say(
                gettext_lazy(
                    "design-weighted within %(bodies)s (disproportionate samples)",
                    bodies=", ".join(_names(weighted)),
                )
            )
            if weighted
            else ""
        )
        method = say(
            gettext_lazy(
                "stratified estimate: one stratum per body, weighted by the size of its frame "
                "(%(known)s%(within)s), with the stratified variance and a Korn–Graubard interval",
                known=say(
                    ngettext_lazy(
                        "%(n)s body with a known frame",
                        "%(n)s bodies with a known frame",
                        len(known),
                        n=len(known),
                    )
                ),
                within=within,
            )
        )
        code = STRATIFIED
        if unknown:
            code = STRATIFIED_WITH_POOLED
            method += "; " + say(
                ngettext_lazy(
                    "%(bodies)s (frame unknown: imported sample) pooled into one more stratum, "
                    "weighted as if sampled at the same rate as the bodies with frames (their frame "
                    "taken as their graded cases times the others' frame cases per graded case)",
                    "%(bodies)s (frame unknown: imported samples) pooled into one more stratum, "
                    "weighted as if sampled at the same rate as the bodies with frames (their frame "
                    "taken as their graded cases times the others' frame cases per graded case)",
                    len(unknown),
                    bodies=", ".join(_names(unknown)),
                )
            )
    for body, names in sorted(repeated.items()):
        notes.append(
            say(
                ngettext_lazy(
                    "%(body)s's %(n)s inspection in the quarter (%(names)s) pooled as one stratum "
                    "(graded cases added; frame the largest of theirs)",
                    "%(body)s's %(n)s inspections in the quarter (%(names)s) pooled as one stratum "
                    "(graded cases added; frame the largest of theirs)",
                    len(names),
                    body=body,
                    n=len(names),
                    names=", ".join(names),
                )
            )
        )
    if notes:
        method += "; " + "; ".join(notes)
    covers = _covers(len(units), both=False)
    method += "; " + say(
        gettext_lazy("the figure of the %(covers)s, not of every body", covers=covers)
    )
    return {
        "quarter": name,
        "period_end": period_end,
        "covers": covers,
        "bodies": len(units),
        "inspections": sum(len(u.inspections) for u in units),
        "reviews": reviews,
        "count": found,
        "share": share,
        "ci_low": low,
        "ci_high": high,
        "standard_error": se,
        "effective_n": effective_n,
        "method_code": code,
        "method": method,
        "weighted_bodies": _names(known),
        "design_weighted_bodies": _names(weighted),
        "pooled_without_frame": _names(unknown),
        "imputed_frame": imputed,
        "pooled_inspections": repeated,
        "change_from_previous": None,
    }


def _covers(n: int, *, both: bool) -> str:
    """Which bodies a figure is of: those inspected this quarter, or (``both``) in both quarters compared."""
    if both:
        return say(
            gettext_lazy("no body inspected in both quarters")
            if n == 0
            else ngettext_lazy(
                "%(n)s body inspected in both quarters",
                "%(n)s bodies inspected in both quarters",
                n,
                n=n,
            )
        )
    return say(
        gettext_lazy("no body inspected this quarter")
        if n == 0
        else ngettext_lazy(
            "%(n)s body inspected this quarter", "%(n)s bodies inspected this quarter", n, n=n
        )
    )


def _test_words(test: str) -> str:
    """A change's test (a code in the JSON) in words, in the document's language."""
    if test == NATIONAL_TEST:
        return say_word(NATIONAL_TEST)
    return say_word(TEST_WORDS[test]) if test in TEST_WORDS else test


def national_change(
    against: str,
    before: Sequence[_Unit],
    before_rate: float | None,
    now: Sequence[_Unit],
    now_rate: float | None,
) -> dict[str, Any]:
    """Two quarters compared over the bodies inspected in both (``before`` and ``now``: each quarter's bodies;
    ``*_rate``: each quarter's frame cases per graded case, None when it is pooled).  Each side is the
    quarter's estimate made again over those bodies alone, with the weights of the quarter's own; the two
    are compared by a Wald test, each variance floored at p̄(1 − p̄)/n*.  Not tested when no body is in both.

    ``direction`` and ``wording`` are the test's own until ``adjust_family`` adjusts the family."""
    common = sorted({u.body for u in before} & {u.body for u in now})
    change: dict[str, Any] = {
        "against": against,
        "bodies_in_both": common,
        "covers": _covers(len(common), both=True),
        "tested": bool(common),
        "share_then": None,
        "share_now": None,
        "difference": None,
        "test": NATIONAL_TEST,
        "p_value": None,
        "p_words": None,
        "family": None,
        "adjustment": None,
        "family_tests": None,
        "adjusted_p_value": None,
        "direction": None,
        "wording": say_word(NOT_TESTED),
    }
    if not common:
        return change
    then = _figure([u for u in before if u.body in common], before_rate)
    later = _figure([u for u in now if u.body in common], now_rate)
    result = wald_difference(
        later.share,
        later.standard_error,
        then.share,
        then.standard_error,
        now_n=later.n,
        before_n=then.n,
    )
    change.update(
        share_then=then.share,
        share_now=later.share,
        difference=later.share - then.share,
        p_value=result.p_value,
        p_words=p_words(result.p_value),
        direction=result.direction,
        wording=say(
            gettext_lazy(
                "%(said)s among the %(covers)s (%(test)s, %(p)s)",
                said=_said(result.direction),
                covers=change["covers"],
                test=say_word(NATIONAL_TEST),
                p=p_words(result.p_value),
            )
        ),
    )
    return change


def _said(direction: str) -> str:
    """A change's direction (a code) in words, in the document's language."""
    if direction == "no significant change":
        return say(gettext_lazy("no statistically significant change"))
    if direction == "worse":
        return say(gettext_lazy("worse"))
    if direction == "better":
        return say(gettext_lazy("better"))
    return direction


def adjust_family(changes: Sequence[dict[str, Any]], what: str) -> None:
    """Adjust one family of changes with Benjamini–Hochberg, in place, and label them exploratory.

    A change marked ``suppressed`` (its p value not published) counts as p = 1, the family keeping its full
    size, so that the adjusted values depend only on printed figures and are never less cautious than
    over the whole family.  ``direction`` and ``wording`` follow the adjusted p value; ``p_value`` is kept."""
    method, name = METHODS[EXPLORATORY]
    values = adjusted(
        [None if c.get("suppressed") else float(c["p_value"]) for c in changes], method
    )
    for c, q in zip(changes, values, strict=True):
        c.update(family=EXPLORATORY, adjustment=name, family_tests=len(changes))
        if q is None:
            c["adjusted_p_value"] = None
            continue
        p = float(c["p_value"])
        direction = direction_of(q, c["share_now"] > c["share_then"])
        # ``what`` is one of the two families above, each a catalogued msgid.
        if len(changes) == 1:
            how = say(
                gettext_lazy(
                    "the only comparison of %(what)s, so not adjusted", what=say_word(what)
                )
            )
        else:
            how = say(
                gettext_lazy(
                    "%(name)s-adjusted over the %(n)s exploratory comparisons of %(what)s: %(p)s",
                    name=name,
                    n=len(changes),
                    what=say_word(what),
                    p=p_words(q),
                )
            )
        parts = {
            "said": _said(direction),
            "test": _test_words(c["test"]),
            "p": p_words(p),
            "how": how,
        }
        wording = (
            gettext_lazy(
                "%(said)s among the %(covers)s (%(test)s, %(p)s; %(how)s)",
                covers=c["covers"],
                **parts,
            )
            if c.get("covers")
            else gettext_lazy("%(said)s (%(test)s, %(p)s; %(how)s)", **parts)
        )
        c.update(adjusted_p_value=q, direction=direction, wording=say(wording))


def national_trend(results: Iterable[InspectionResult]) -> dict[str, Any]:
    by_body: dict[str, list[InspectionResult]] = defaultdict(list)
    for r in results:
        if r.total > 0:
            by_body[r.body].append(r)
    bodies = []
    point_changes: list[dict[str, Any]] = []
    by_quarter: dict[str, dict[str, list[InspectionResult]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for body, rows in sorted(by_body.items()):
        rows.sort(key=lambda r: (r.period_end, r.inspection))
        series: list[dict[str, Any]] = []
        previous: tuple[InspectionResult, dict[str, Any]] | None = None
        for r in rows:
            figures, _ = _point(r)
            point = {
                "inspection": r.inspection,
                "period_end": r.period_end.isoformat(),
                "quarter": quarter(r.period_end),
                "reviews": r.total,
                **figures,
                "change_from_previous": None,
            }
            if previous is not None:
                point["change_from_previous"] = _change(previous[0], previous[1], r, point)
                if point["change_from_previous"] is not None:
                    point_changes.append(point["change_from_previous"])
            series.append(point)
            by_quarter[quarter(r.period_end)][body].append(r)
            previous = (r, point)
        bodies.append({"body": body, "series": series})
    adjust_family(point_changes, POINT_FAMILY)
    quarters: list[dict[str, Any]] = []
    previous_units: tuple[list[_Unit], float | None] | None = None
    for name, members in sorted(by_quarter.items()):
        units = [_unit(body, rows) for body, rows in sorted(members.items())]
        end = max(r.period_end for rows in members.values() for r in rows).isoformat()
        row = _national(name, end, units)
        rate = None if row["method_code"] == POOLED else _frame_rate(units)
        if previous_units is not None:
            row["change_from_previous"] = national_change(
                quarters[-1]["quarter"], previous_units[0], previous_units[1], units, rate
            )
        quarters.append(row)
        previous_units = (units, rate)
    adjust_family(
        [
            q["change_from_previous"]
            for q in quarters
            if q["change_from_previous"] and q["change_from_previous"]["tested"]
        ],
        NATIONAL_FAMILY,
    )
    return {"quarters": quarters, "bodies": bodies, "funnel": funnel(bodies)}


def quarter_rows(q: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """A quarter's method and national change as (who, period_end, measure, value) rows (CSV)."""
    rows: list[tuple[Any, ...]] = [
        ("national", q["period_end"], "method_code", q.get("method_code", "")),
        ("national", q["period_end"], "method", q.get("method", "")),
    ]
    if q.get("covers"):
        rows.append(("national", q["period_end"], "covers", q["covers"]))
    change = q.get("change_from_previous")
    if change:
        if change.get("suppressed"):
            rows.append(("national", q["period_end"], "change_from_previous", "not published"))
        else:
            rows += [
                ("national", q["period_end"], "change_against", change["against"]),
                ("national", q["period_end"], "change_test", change["test"]),
                ("national", q["period_end"], "change_p_value", change["p_value"]),
                ("national", q["period_end"], "change_direction", change["direction"]),
                ("national", q["period_end"], "change_wording", change["wording"]),
            ]
            rows += [
                ("national", q["period_end"], f"change_{key}", change[key])
                for key in ("covers", "adjusted_p_value", "adjustment", "family_tests")
                if key in change
            ]
    return rows


def point_rows(body: str, point: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """A point's method (and its comparison's test) as rows."""
    rows: list[tuple[Any, ...]] = [(body, point["period_end"], "method", point.get("method", ""))]
    change = point.get("change_from_previous")
    if change and change.get("test"):
        rows.append((body, point["period_end"], "change_test", change["test"]))
        rows.append((body, point["period_end"], "change_p_value", change.get("p_value")))
        if change.get("adjusted_p_value") is not None:
            rows.append(
                (body, point["period_end"], "change_adjusted_p_value", change["adjusted_p_value"])
            )
    return rows
