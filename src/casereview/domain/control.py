"""A p-chart of a body's combined share (requires improvement or inadequate) over its results.

Each result of the same body — published baselines, earlier inspections in casereview and the
inspection itself, in time order — is a point: ``count`` of ``total`` graded cases were of concern.
The chart asks whether the points vary no more than chance would make them vary around one fixed
share (the centre), or whether something has changed (a *special cause*).

**The centre** (``p̄``) is fixed from the start of the series, never from the point being judged (the
last one):

* if any result before the last is a published baseline, the centre is the pooled share of those
  baselines (their counts added up over their totals added up);
* otherwise it is the pooled share of the first results, up to the first three, before the last.

**The limits** of a point are ``p̄ ± 3·√(p̄(1−p̄)/n)`` for that point's own number of graded cases
``n``, clipped to [0, 1]: a point from a small sample has wider limits.

**The rules** are those of NHS Improvement's *Making data count: strengthening your decisions*
(2019), for a chart where a higher share is worse:

* ``outside_limits``: a single point above its upper limit or below its lower limit;
* ``shift``: a run of 7 or more consecutive points all above, or all below, the centre;
* ``trend``: 6 or more consecutive points each higher than the one before (rising), or each lower
  (falling).

A point exactly on the centre is on neither side and ends a run; a point equal to the one before it
ends a trend.  A point without a figure (``count`` or ``total`` None: withheld in a published
document) is a gap: it has no limits and ends any run or trend, so that no signal rests on it.  The
guide's fourth rule (two of three points close to a limit) is not applied.  With fewer points than a
rule needs, the rule is reported as unable to apply (``checks``) rather than as silent.

Shares and the centre are compared as exact fractions, so a point equal to the centre is never placed
on one side by rounding.  Everything returned is JSON-able: floats, ints, strings, lists and dicts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Protocol

from .language import gettext_lazy, gettext_noop, ngettext_lazy, say, say_word
from .report_model import DesignWeighted
from .report_words import percent

SIGMA = 3
SHIFT = 7  # consecutive points on one side of the centre
TREND = 6  # consecutive points rising or falling
FIRST = 3  # without a baseline, the centre is the pooled share of up to this many first results
#: The chart's source and method, English here (marked for the catalogue); a document says them in its
#: language (``say_word``).
SOURCE = gettext_noop("NHS Improvement (2019), Making data count: strengthening your decisions")

METHOD = gettext_noop(
    "A p-chart (Shewhart chart for a proportion). Each point is the share of graded cases that "
    "required improvement or were inadequate; its limits are the centre ± 3 × √(centre × (1 − centre) "
    "/ n) for its own number of graded cases n, clipped to 0% and 100%. The centre is the pooled share "
    "of the published baselines before this inspection, or, without a baseline, of the first results "
    "(up to three) before it; never of this inspection. Signals follow NHS Improvement's Making data "
    "count (2019): a point outside its limits; 7 or more points in a row on one side of the centre (a "
    "point on the centre ends the run); 6 or more points in a row each higher, or each lower, than the "
    "one before (an equal point ends the trend). A result whose figures are withheld is a gap that "
    "ends any run. With few points the limits are provisional: the guide advises about 20 points "
    "before limits are fixed."
)


@dataclass(frozen=True)
class ChartPoint:
    """A result of the body: ``count`` of ``total`` graded cases of concern (None: withheld, a gap)."""

    label: str
    kind: str  # "baseline" or "inspection"
    period_end: str
    count: float | None  # whole numbers of cases; effective (design-weighted) numbers work too
    total: float | None


def _figured(point: ChartPoint) -> bool:
    return point.count is not None and point.total is not None and point.total > 0


def _centre(points: Sequence[ChartPoint]) -> tuple[Fraction, list[int], str] | None:
    """The centre as an exact fraction, the indexes of the points it pools, and how it was chosen."""
    earlier = [i for i, p in enumerate(points[:-1]) if _figured(p)]
    if not earlier:
        return None
    baselines = [i for i in earlier if points[i].kind == "baseline"]
    chosen = baselines or earlier[:FIRST]
    count = sum(points[i].count or 0 for i in chosen)
    total = sum(points[i].total or 0 for i in chosen)
    # Each sentence whole, in the document's language (``say``); the points' labels are data, as written.
    pooled = ", ".join(
        say(
            gettext_lazy(
                "%(label)s (%(count)s of %(total)s)",
                label=points[i].label,
                count=points[i].count,
                total=points[i].total,
            )
        )
        for i in chosen
    )
    n = len(chosen)
    if baselines:
        words = say(
            ngettext_lazy(
                "the pooled share of the published baseline before this result: %(pooled)s",
                "the pooled share of the published %(n)s baselines before this result: %(pooled)s",
                n,
                n=n,
                pooled=pooled,
            )
        )
    else:
        # A baseline withheld from a published chart is there, but its figures are not printed.
        why = say(
            gettext_lazy("no baseline's figures are printed")
            if any(p.kind == "baseline" for p in points[:-1])
            else gettext_lazy("there is no baseline")
        )
        words = say(
            ngettext_lazy(
                "the pooled share of the first result, as %(why)s: %(pooled)s",
                "the pooled share of the first %(n)s results, as %(why)s: %(pooled)s",
                n,
                n=n,
                why=why,
                pooled=pooled,
            )
        )
    said = say(
        gettext_lazy(
            "%(words)s; %(count)s of %(total)s in all", words=words, count=count, total=total
        )
    )
    return Fraction(count) / Fraction(total), chosen, said


def _runs(values: Sequence[int | None], minimum: int) -> list[tuple[int, int, int]]:
    """Maximal runs of equal non-zero, non-None ``values`` at least ``minimum`` long: (start, end, sign)."""
    out: list[tuple[int, int, int]] = []
    start = 0
    for i in range(1, len(values) + 1):
        if (
            i < len(values)
            and values[i] is not None
            and values[i] != 0
            and values[i] == values[start]
        ):
            continue
        if values[start] is not None and values[start] != 0 and i - start >= minimum:
            out.append((start, i - 1, values[start] or 0))
        start = i
    return out


def _sign(difference: Fraction) -> int:
    return (difference > 0) - (difference < 0)


def _longest_unbroken(points: Sequence[ChartPoint]) -> int:
    best = length = 0
    for p in points:
        length = length + 1 if _figured(p) else 0
        best = max(best, length)
    return best


def _checks(points: Sequence[ChartPoint]) -> list[dict[str, Any]]:
    """Each rule, the points it needs, and whether this chart has enough for it to apply."""
    longest = _longest_unbroken(points)
    out: list[dict[str, Any]] = [
        {
            "rule": "outside_limits",
            "needs": 1,
            "applies": longest >= 1,
            "words": say(
                gettext_lazy("A point outside its limits: checked for every point with a figure.")
            ),
        }
    ]
    for rule, needs in (("shift", SHIFT), ("trend", TREND)):
        applies = longest >= needs
        if rule == "shift":
            words = (
                gettext_lazy(
                    "%(needs)s or more points in a row on one side of the centre: checked.",
                    needs=needs,
                )
                if applies
                else ngettext_lazy(
                    "%(needs)s or more points in a row on one side of the centre: cannot apply, as "
                    "the chart has at most %(longest)s point in a row.",
                    "%(needs)s or more points in a row on one side of the centre: cannot apply, as "
                    "the chart has at most %(longest)s points in a row.",
                    longest,
                    needs=needs,
                    longest=longest,
                )
            )
        else:
            words = (
                gettext_lazy(
                    "%(needs)s or more points in a row rising or falling: checked.", needs=needs
                )
                if applies
                else ngettext_lazy(
                    "%(needs)s or more points in a row rising or falling: cannot apply, as the "
                    "chart has at most %(longest)s point in a row.",
                    "%(needs)s or more points in a row rising or falling: cannot apply, as the "
                    "chart has at most %(longest)s points in a row.",
                    longest,
                    needs=needs,
                    longest=longest,
                )
            )
        out.append({"rule": rule, "needs": needs, "applies": applies, "words": say(words)})
    return out


def p_chart(
    points: Sequence[ChartPoint | tuple[str, str, str, float | None, float | None]],
) -> dict[str, Any] | None:
    """The p-chart of ``points`` (label, kind, period_end, count, total) in time order, the last being the
    result judged (this inspection); None when no point before the last has a figure to centre on."""
    series = [p if isinstance(p, ChartPoint) else ChartPoint(*p) for p in points]
    for p in series:
        if _figured(p) and not 0 <= (p.count or 0) <= (p.total or 0):
            raise ValueError(f"{p.label}: a count must be between 0 and its total")
    if len(series) < 2:
        return None
    found = _centre(series)
    if found is None:
        return None
    centre, chosen, centre_from = found
    p_bar = float(centre)
    shares: list[Fraction | None] = [
        Fraction(p.count or 0) / Fraction(p.total or 1) if _figured(p) else None for p in series
    ]
    rows: list[dict[str, Any]] = []
    signals: list[dict[str, Any]] = []
    for i, (p, share) in enumerate(zip(series, shares, strict=True)):
        row: dict[str, Any] = {
            "label": p.label,
            "kind": p.kind,
            "period_end": p.period_end,
            "now": i == len(series) - 1,
            "in_centre": i in chosen,
            "count": p.count,
            "total": p.total,
            "share": None,
            "lower": None,
            "upper": None,
            "outside": None,
            "rules": [],
        }
        if share is not None and p.total:
            spread = SIGMA * math.sqrt(p_bar * (1 - p_bar) / p.total)
            lower, upper = max(0.0, p_bar - spread), min(1.0, p_bar + spread)
            value = float(share)
            outside = "above" if value > upper else "below" if value < lower else None
            row.update(share=value, lower=lower, upper=upper, outside=outside)
            if outside:
                limit = upper if outside == "above" else lower
                signals.append(
                    {
                        "rule": "outside_limits",
                        "direction": outside,
                        "words": say(
                            gettext_lazy(
                                "%(label)s: %(share)s is above its upper limit (%(limit)s), more "
                                "cases of concern than chance would explain (special cause).",
                                label=p.label,
                                share=percent(value),
                                limit=percent(limit),
                            )
                            if outside == "above"
                            else gettext_lazy(
                                "%(label)s: %(share)s is below its lower limit (%(limit)s), fewer "
                                "cases of concern than chance would explain (special cause).",
                                label=p.label,
                                share=percent(value),
                                limit=percent(limit),
                            )
                        ),
                        "points": [p.label],
                        "indexes": [i],
                    }
                )
        rows.append(row)
    sides = [None if s is None else _sign(s - centre) for s in shares]
    for start, end, sign in _runs(sides, SHIFT):
        side = "above" if sign > 0 else "below"
        values = {
            "n": end - start + 1,
            "centre": percent(p_bar),
            "first": series[start].label,
            "last": series[end].label,
        }
        shift = (
            ngettext_lazy(
                "%(n)s result in a row above the centre (%(centre)s), from %(first)s to %(last)s "
                "(a shift).",
                "%(n)s results in a row above the centre (%(centre)s), from %(first)s to %(last)s "
                "(a shift).",
                end - start + 1,
                **values,
            )
            if sign > 0
            else ngettext_lazy(
                "%(n)s result in a row below the centre (%(centre)s), from %(first)s to %(last)s "
                "(a shift).",
                "%(n)s results in a row below the centre (%(centre)s), from %(first)s to %(last)s "
                "(a shift).",
                end - start + 1,
                **values,
            )
        )
        signals.append(
            {
                "rule": "shift",
                "direction": side,
                "words": say(shift),
                "points": [series[i].label for i in range(start, end + 1)],
                "indexes": list(range(start, end + 1)),
            }
        )
    # A step's sign is that of the difference from the point before; runs of TREND points are TREND − 1 steps.
    steps: list[int | None] = [
        None,
        *[
            None if a is None or b is None else _sign(b - a)
            for a, b in zip(shares, shares[1:], strict=False)
        ],
    ]
    for start, end, sign in _runs(steps, TREND - 1):
        first = start - 1  # the point the first rising (or falling) step starts from
        direction = "rising" if sign > 0 else "falling"
        values = {"n": end - first + 1, "first": series[first].label, "last": series[end].label}
        trend = (
            ngettext_lazy(
                "%(n)s result in a row rising, from %(first)s to %(last)s (a trend).",
                "%(n)s results in a row rising, from %(first)s to %(last)s (a trend).",
                end - first + 1,
                **values,
            )
            if sign > 0
            else ngettext_lazy(
                "%(n)s result in a row falling, from %(first)s to %(last)s (a trend).",
                "%(n)s results in a row falling, from %(first)s to %(last)s (a trend).",
                end - first + 1,
                **values,
            )
        )
        signals.append(
            {
                "rule": "trend",
                "direction": direction,
                "words": say(trend),
                "points": [series[i].label for i in range(first, end + 1)],
                "indexes": list(range(first, end + 1)),
            }
        )
    for signal in signals:
        for i in signal["indexes"]:
            if signal["rule"] not in rows[i]["rules"]:
                rows[i]["rules"].append(signal["rule"])
    return {
        "centre": p_bar,
        "centre_from": centre_from,
        "sigma": SIGMA,
        "points": rows,
        "signals": signals,
        "checks": _checks(series),
        "method": say_word(METHOD),
        "source": say_word(SOURCE),
    }


class Result(Protocol):
    """An earlier result of the body as ``domain.report.HistoryPoint`` gives it."""

    @property
    def label(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def period_end(self) -> str: ...
    @property
    def count(self) -> int: ...
    @property
    def total(self) -> int: ...


def inspection_chart(
    earlier: Sequence[Result], now: tuple[float, float], inspection: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The report's chart: every earlier result with graded cases, in time order, then the inspection
    (``now`` is its (count, total)); None when it has no graded case or there is no earlier result."""
    if now[1] <= 0:
        return None
    points = [
        ChartPoint(p.label, p.kind, p.period_end, p.count, p.total) for p in earlier if p.total > 0
    ]
    current = ChartPoint(
        str(inspection.get("name", "")),
        "inspection",
        str((inspection.get("period") or ["", ""])[1]),
        now[0],
        now[1],
    )
    return p_chart([*points, current])


def report_chart(
    earlier: Sequence[Result],
    now: tuple[int, int],
    inspection: Mapping[str, Any],
    weighted: DesignWeighted | None,
) -> dict[str, Any] | None:
    """The report's p-chart; a disproportionate sample's point is its design-weighted share, as p·n*
    cases of n* (its effective sample size), so that its limits reflect how sure it is."""
    if weighted is None or not weighted.effective_n or math.isinf(weighted.effective_n):
        return inspection_chart(earlier, now, inspection)
    n_eff = weighted.effective_n
    chart = inspection_chart(earlier, (weighted.share * n_eff, n_eff), inspection)
    return None if chart is None else {**chart, "current_estimate": "design-weighted"}
