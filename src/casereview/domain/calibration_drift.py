"""Calibration drift: whether the body's bias moved from its first calibration to its latest.

The rule held here: ``drift`` follows calibrations over time: each one's bias with its interval and its
kappa, and the change from the first to the latest by **MOVER** (Zou & Donner 2008) from the two
Newcombe intervals (the calibrations are independent samples): D = Δ₂ − Δ₁, L = D − √((Δ₂ − l₂)² + (u₁ − Δ₁)²),
U = D + √((u₂ − Δ₂)² + (Δ₁ − l₁)²); "no statistically significant change" unless (L, U) excludes 0.  Then
"closer" only when |Δ| is shown to have fallen (the intervals of Δ₂ − Δ₁ and Δ₂ + Δ₁ both exclude 0 on the
side that means it), "further apart" when it is shown to have risen; a significant change across no
difference is said as such ("moved from more favourable … to less favourable"), and any other significant
change as a change with neither shown.  The p value inverts the interval (bisection on z).  Simulated, the
test calls a change under no change at most about 6% of the time at 10 to 20 pairs a calibration (the
Wald z-test it replaced: 8.7% at 10 pairs, and "p < 0.001" from a zero variance).  A calibration without
the area, or with another scale or favourable side than the latest, is left out and named.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from .calibration_results import (
    OVERALL,
    Calibration,
    Shift,
    audit_phrase,
    json_interval,
    json_number,
    points_phrase,
    signed_points,
)
from .calibration_tests import newcombe_paired
from .language import ENGLISH, Phrase, gettext_lazy, ngettext_lazy
from .report_words import concern_phrase
from .statistics import p_words
from .words import percentage_points, plain, uk_date

CLOSER = "closer"
FURTHER_APART = "further_apart"
NO_CHANGE = "no_significant_change"
CHANGED_SIDES = "changed_sides"  # a significant change from more to less favourable (or back)
CHANGED = "changed"  # a significant change, but neither closer nor further apart is shown
DRIFT_WORDS: Mapping[str, str] = {
    CLOSER: "closer",
    FURTHER_APART: "further apart",
    NO_CHANGE: "no statistically significant change",
    CHANGED_SIDES: "changed sides",
    CHANGED: "a statistically significant change, neither closer nor further apart shown",
}
MOVER = (
    "MOVER (Zou & Donner 2008) interval for the difference of two independent paired differences, "
    "from their Newcombe method 10 intervals"
)


@dataclass(frozen=True)
class DriftPoint:
    on: dt.date
    pairs: int
    bias: float
    ci: tuple[float, float]
    standard_error: float
    kappa: float | None
    kappa_ci: tuple[float, float] | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "pairs": self.pairs,
            "bias": json_number(self.bias),
            "ci": json_interval(self.ci),
            "standard_error": json_number(self.standard_error),
            "kappa": json_number(self.kappa),
            "kappa_ci": json_interval(self.kappa_ci),
        }


@dataclass(frozen=True)
class Drift:
    """Each calibration's bias and kappa in date order, and the change from the first to the latest."""

    area: str
    points: tuple[DriftPoint, ...]
    change: float | None  # latest bias − first bias
    z: float | None  # the signed normal deviate of p_value
    p_value: float | None  # the change's two-sided p, from the MOVER interval (see ``change_p``)
    direction: str | None  # a DRIFT_WORDS code; None with fewer than two points
    words: Phrase  # str() the English; a page translates it
    change_ci: tuple[float, float] | None = None
    notes: tuple[Phrase, ...] = ()  # calibrations left out, and why (str() the English)
    method: str = MOVER

    def as_dict(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "points": [p.as_dict() for p in self.points],
            "change": json_number(self.change),
            "z": json_number(self.z),
            "p_value": json_number(self.p_value),
            "direction": self.direction,
            "words": str(self.words),
            "change_ci": json_interval(self.change_ci),
            "notes": [str(n) for n in self.notes],
            "method": self.method,
        }


Estimate = tuple[float, tuple[float, float]]  # (a difference, its interval)


def mover_difference(first: Estimate, latest: Estimate) -> Estimate:
    """latest − first of two independent estimates with their intervals, by MOVER (Zou & Donner 2008):
    D = Δ₂ − Δ₁, L = D − √((Δ₂ − l₂)² + (u₁ − Δ₁)²), U = D + √((u₂ − Δ₂)² + (Δ₁ − l₁)²)."""
    (d1, (l1, u1)), (d2, (l2, u2)) = first, latest
    d = d2 - d1
    return d, (d - math.hypot(d2 - l2, u1 - d1), d + math.hypot(u2 - d2, d1 - l1))


def mover_sum(first: Estimate, latest: Estimate) -> Estimate:
    """Δ₁ + Δ₂ by MOVER: L = S − √((Δ₁ − l₁)² + (Δ₂ − l₂)²), U = S + √((u₁ − Δ₁)² + (u₂ − Δ₂)²)."""
    (d1, (l1, u1)), (d2, (l2, u2)) = first, latest
    total = d1 + d2
    return total, (total - math.hypot(d1 - l1, d2 - l2), total + math.hypot(u1 - d1, u2 - d2))


def _excludes_zero(ci: tuple[float, float]) -> bool:
    return ci[0] > 0 or ci[1] < 0


def drift_direction(first: Estimate, latest: Estimate) -> str:
    """Whether the bias moved, from the two biases with their 95% Newcombe intervals.

    NO_CHANGE unless the MOVER interval of the change (latest − first) excludes 0.  Then CLOSER when
    |bias| is shown to have fallen (|Δ₂| < |Δ₁| ⟺ Δ₂ − Δ₁ and Δ₂ + Δ₁ both on the side away from Δ₁'s sign:
    both MOVER intervals must say so, an intersection–union test, so no larger than 5%); FURTHER_APART
    when |bias| is shown to have risen (the same with Δ₂'s sign); otherwise CHANGED_SIDES when the two
    biases lie on opposite sides of no difference, else CHANGED."""
    change, change_ci = mover_difference(first, latest)
    if not _excludes_zero(change_ci):
        return NO_CHANGE
    _, sum_ci = mover_sum(first, latest)
    d1, d2 = first[0], latest[0]

    def shown(sign: float, ci: tuple[float, float], above: bool) -> bool:
        low, high = (sign * ci[0], sign * ci[1]) if sign > 0 else (sign * ci[1], sign * ci[0])
        return low > 0 if above else high < 0

    towards = math.copysign(1, d1)
    if d1 != 0 and shown(towards, change_ci, False) and shown(towards, sum_ci, True):
        return CLOSER
    away = math.copysign(1, d2)
    if d2 != 0 and shown(away, change_ci, True) and shown(away, sum_ci, True):
        return FURTHER_APART
    if d1 * d2 < 0:
        return CHANGED_SIDES
    return CHANGED


def change_p(first: Shift, latest: Shift) -> float:
    """The two-sided p value of the change latest − first: the largest α at which the 1 − α MOVER
    interval (from the two Newcombe 1 − α intervals) still includes 0, found by bisection on z."""
    if math.isclose(latest.difference - first.difference, 0.0, abs_tol=1e-12):
        return 1.0

    def excludes(z: float) -> bool:
        alpha = 2 * NormalDist().cdf(-z)
        one = newcombe_paired(
            first.both, first.body_only, first.inspectorate_only, first.neither, alpha=alpha
        )
        two = newcombe_paired(
            latest.both, latest.body_only, latest.inspectorate_only, latest.neither, alpha=alpha
        )
        return _excludes_zero(mover_difference(one, two)[1])

    low, high = 1e-6, 8.0  # z: below, the interval excludes 0 (p ≈ 1); at 8, p ≈ 1e-15
    if not excludes(low):
        return 1.0
    if excludes(high):
        return 2 * NormalDist().cdf(-high)
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if excludes(mid) else (low, mid)
    return 2 * NormalDist().cdf(-high)


def drift(
    points: Sequence[tuple[dt.date, Calibration]],
    *,
    area: str = OVERALL,
    language: str = ENGLISH,
    labels: Mapping[str, str] | None = None,
) -> Drift:
    """The body's bias (at each calibration's favourable cut) over time, and whether it moved.

    A calibration without ``area``, or with a different scale or favourable side from the latest one, is
    left out and named in ``notes`` (and the words): a bias at another cut is another figure.  The change
    from the first calibration kept to the latest is decided by ``drift_direction`` on the MOVER
    interval built from the two Newcombe intervals; its p value is ``change_p``.  ``language``: the dates'
    in the words (the page's; the rest of the words is a Phrase, translated where it is shown); ``labels``:
    the grades' words in the page's language for the notes (default the codes in words)."""
    ordered = sorted(points, key=lambda p: p[0])
    body = ordered[-1][1].body if ordered else "the body"
    series: list[DriftPoint] = []
    shifts: list[Shift] = []
    notes: list[Phrase] = []
    latest_cal = ordered[-1][1] if ordered else None
    where: object = gettext_lazy("the overall grade") if area == OVERALL else plain(area).lower()
    named = labels or {}

    def side(grades: Sequence[str]) -> object:
        return concern_phrase([named.get(g, plain(g)) for g in grades])

    for on, cal in ordered:
        try:
            a = cal.area(area)
        except KeyError:
            notes.append(
                gettext_lazy(
                    "The calibration of %(day)s did not calibrate %(where)s: left out.",
                    day=uk_date(on, language),
                    where=where,
                )
            )
            continue
        if latest_cal is not None and (
            cal.scale != latest_cal.scale or cal.favourable_grades != latest_cal.favourable_grades
        ):
            notes.append(
                gettext_lazy(
                    "The calibration of %(day)s counted %(then)s as favourable, the latest %(now)s "
                    "(or used another scale): its bias is a different figure, so it is left out.",
                    day=uk_date(on, language),
                    then=side(cal.favourable_grades),
                    now=side(latest_cal.favourable_grades),
                )
            )
            continue
        if a.bias is None:
            continue
        shifts.append(a.bias)
        series.append(
            DriftPoint(
                on,
                a.pairs,
                a.bias.difference,
                a.bias.ci,
                a.bias.standard_error,
                a.agreement.kappa,
                a.agreement.kappa_ci,
            )
        )

    def left_out(said: Phrase) -> Phrase:
        for note in notes:
            said = gettext_lazy("%(first)s %(then)s", first=said, then=note)
        return said

    if len(series) < 2:
        return Drift(
            area,
            tuple(series),
            None,
            None,
            None,
            None,
            left_out(
                gettext_lazy("One calibration so far: nothing to compare with yet.")
                if series
                else gettext_lazy("No calibration with re-graded cases yet.")
            ),
            notes=tuple(notes),
        )
    first, latest = series[0], series[-1]
    change, change_ci = mover_difference((first.bias, first.ci), (latest.bias, latest.ci))
    direction = drift_direction((first.bias, first.ci), (latest.bias, latest.ci))
    p = change_p(shifts[0], shifts[-1])
    z = 0.0 if p >= 1 else math.copysign(NormalDist().inv_cdf(1 - p / 2), change)
    values: dict[str, object] = {
        "when": gettext_lazy(
            "From %(first)s to %(latest)s",
            first=uk_date(first.on, language),
            latest=uk_date(latest.on, language),
        ),
        "audit": audit_phrase(body),
        "then_now": gettext_lazy(
            "%(then)s then, %(now)s now", then=_leaning(first.bias), now=_leaning(latest.bias)
        ),
        "moved": gettext_lazy(
            "the change %(change)s, 95%% CI %(low)s to %(high)s percentage points; %(p)s",
            change=_signed_points(change),
            low=signed_points(change_ci[0]),
            high=signed_points(change_ci[1]),
            p=p_words(p),
        ),
    }
    text: Phrase
    if direction == NO_CHANGE:
        text = gettext_lazy(
            "%(when)s: no statistically significant change in how much more favourably %(audit)s "
            "grades than the inspectorate (%(then_now)s; %(moved)s).",
            **values,
        )
    elif direction in (CLOSER, FURTHER_APART):
        text = (
            gettext_lazy(
                "%(when)s %(audit)s came closer to the inspectorate's grades: %(then_now)s "
                "(%(moved)s).",
                **values,
            )
            if direction == CLOSER
            else gettext_lazy(
                "%(when)s %(audit)s came further apart to the inspectorate's grades: %(then_now)s "
                "(%(moved)s).",
                **values,
            )
        )
        if first.bias * latest.bias < 0:
            text = gettext_lazy(
                "%(first)s %(then)s",
                first=text,
                then=gettext_lazy(
                    "It is now on the other side: less favourable than the inspectorate."
                )
                if latest.bias < 0
                else gettext_lazy(
                    "It is now on the other side: more favourable than the inspectorate."
                ),
            )
    elif direction == CHANGED_SIDES:
        text = gettext_lazy(
            "%(when)s %(audit)s moved from %(before)s than the inspectorate to %(after)s: "
            "%(then_now)s (%(moved)s). That it is closer to the inspectorate's grades, or further "
            "from them, is not shown.",
            before=_side(first.bias),
            after=_side(latest.bias),
            **values,
        )
    else:
        text = gettext_lazy(
            "%(when)s how much more favourably %(audit)s grades than the inspectorate changed: "
            "%(then_now)s (%(moved)s); but that it is closer to the inspectorate's grades, or "
            "further from them, is not shown.",
            **values,
        )
    return Drift(
        area,
        tuple(series),
        change,
        z,
        p,
        direction,
        left_out(text),
        change_ci=change_ci,
        notes=tuple(notes),
    )


def _signed_points(x: float) -> Phrase:
    """ "+12 percentage points", "−3.5 percentage points" ("0 percentage points" for no change)."""
    text = percentage_points(abs(x)).split(" ", 1)[0]
    if not math.isclose(x, 0.0, abs_tol=5e-4):
        text = f"{'+' if x > 0 else '−'}{text}"
    digits = text.lstrip("+−").replace(",", "")
    return ngettext_lazy(
        "%(shown)s percentage point",
        "%(shown)s percentage points",
        int(digits) if digits.isdigit() else 7,
        shown=text,
    )


def _side(bias: float) -> Phrase:
    return gettext_lazy("more favourable") if bias > 0 else gettext_lazy("less favourable")


def _leaning(bias: float) -> Phrase:
    if math.isclose(bias, 0.0, abs_tol=5e-4):
        return gettext_lazy("no more favourable")
    values = {"points": points_phrase(abs(bias))}
    if bias > 0:
        return gettext_lazy("%(points)s more favourable", **values)
    return gettext_lazy("%(points)s less favourable", **values)
