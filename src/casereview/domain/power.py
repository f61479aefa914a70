"""Sample size and power: how big a sample must be to see a change, and the smallest change a sample can see.

For people first. Two inspections each grade a random sample of cases. Even with no real change, the two
shares differ by chance; a test calls a change only when the difference is too big for chance. A small
real change is therefore easily missed. The **minimum detectable change** is the smallest change that
the comparison would catch four times in five (power 0.8) at the report's 95% confidence: "From 70% with
135 cases before and 135 now, a change of about 17 points would be caught four times in five, and a
smaller one could well go unnoticed." A
report that says "no statistically significant change" has not shown that nothing changed: only that no
change as big as that happened, probably.

Exactly. The test is the two-sided z-test of two independent proportions at level α = 1 − confidence.
Its power against shares p₁ (before, n₁ cases) and p₂ (now, n₂ cases) is

    Φ((|p₂ − p₁| − z₁₋α/₂·σ₀) / σ₁),  σ₀² = p̄(1 − p̄)(1/n₁ + 1/n₂),  σ₁² = p₁(1 − p₁)/n₁ + p₂(1 − p₂)/n₂,

with p̄ = (n₁p₁ + n₂p₂)/(n₁ + n₂): the pooled variance when nothing changed, the unpooled one under the
change, and the far tail of the two-sided test ignored (it adds less than α/2). This is the formula of
Fleiss, Levin & Paik, *Statistical Methods for Rates and Proportions* (3rd ed., 2003, §4.2) without the
continuity correction, and of R's ``power.prop.test``; the arithmetic is statsmodels'
(``power_proportions_2indep`` and ``samplesize_proportions_2indep_onetail``). R's example
``power.prop.test(p1 = 0.5, p2 = 0.75, power = 0.9)`` gives n = 76.7 per group, and so does this module
(77 cases each). Cohen's arcsine effect size h (``NormalIndPower``, R's ``pwr.2p.test``) gives 76.65:
close, but a different method, not used here.

* ``size_to_detect``: the size each inspection needs (equal sizes), or, with the earlier inspection's
  size fixed, the size the new one needs (refused when no size is enough).
* ``minimum_detectable_change``: the smallest change the comparison detects with that power, in the
  direction that is harder to see: towards 50% (a fall from a share above 50%, a rise from one below),
  where results vary most. A change of the same size the other way is slightly easier to see, so the
  figure never claims more than the sample can do.
* ``size_for_upper_bound``: planning for rare events. The size at which, if no case (or only the expected
  share) shows the outcome, the one-sided upper confidence bound (Clopper–Pearson, exact) is below a
  limit; the "rule of three" (n ≈ 3/B at 95%) is its approximation.
* ``sample_size`` (and ``margin_for``, its inverse): one share's sample size for a margin of error at a
  confidence, n = z²·N·p(1−p) / (E²·N + z²·p(1−p)) (without N, z²·p(1−p)/E²); a bad setting is a
  ``PlanError``.

Imports of statsmodels and scipy are deferred to the functions that use them (see domain.statistics).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Protocol

from casereview.domain.errors import Refused

from .language import gettext_lazy, gettext_noop, ngettext_lazy, say, say_word, saying
from .plans import PlanError
from .words import number, percentage_points

#: The method's name: the draw form's JSON and the command line keep the English, a report says it in its
#: language (``say_word``).
METHOD = gettext_noop(
    "two-sided z-test of two independent proportions (pooled variance under no change, unpooled under "
    "the change; Fleiss, Levin & Paik 2003, without continuity correction; as R's power.prop.test)"
)
UPPER_BOUND_METHOD = "one-sided Clopper–Pearson upper confidence bound (exact binomial); the rule of three approximates it"
POWER = 0.8
CONFIDENCE = 0.95
#: Beyond this many cases no size is searched: a plan needing more is refused as unreachable.
_LARGEST = 10**9
FALL, RISE, EITHER = "fall", "rise", "either"


class PowerError(Refused):
    """Sizes or changes that cannot be planned as asked; the message says why."""


def _check_share(name: str, value: float, *, closed: bool = False) -> None:
    inside = 0 <= value <= 1 if closed else 0 < value < 1
    if not inside or math.isnan(value):
        where = "from 0 to 1" if closed else "between 0 and 1 (not 0 or 1)"
        raise PowerError(f"{name} must be a share {where}, e.g. 0.7 for 70%; got {value:g}")


def _check_settings(power: float, confidence: float) -> float:
    """α = 1 − confidence, after checking both settings."""
    if not 0.5 <= power < 1:
        raise PowerError(f"power must be at least 0.5 and below 1, e.g. 0.8; got {power:g}")
    if not 0 < confidence < 1:
        raise PowerError(f"confidence must be between 0 and 1, e.g. 0.95; got {confidence:g}")
    return 1 - confidence


def _check_size(name: str, n: int) -> None:
    if n < 1:
        raise PowerError(f"{name} must be at least 1 case; got {n}")


def power_to_detect(
    p_before: float, p_now: float, n_before: float, n_now: float, *, confidence: float = CONFIDENCE
) -> float:
    """The chance that the two-sided test at ``confidence`` calls the change from ``p_before`` (of
    ``n_before`` cases) to ``p_now`` (of ``n_now``) significant: the near tail (see the module)."""
    from statsmodels.stats.proportion import power_proportions_2indep  # deferred: see the module

    alpha = 1 - confidence
    diff = p_now - p_before
    if diff == 0:
        return alpha / 2
    value = power_proportions_2indep(
        diff,
        p_before,
        n_now,
        ratio=n_before / n_now,
        alpha=alpha / 2,
        alternative="larger" if diff > 0 else "smaller",
        return_results=False,
    )
    return float(value)


def size_to_detect(
    p1: float,
    p2: float,
    *,
    power: float = POWER,
    confidence: float = CONFIDENCE,
    earlier_n: int | None = None,
) -> int:
    """Cases each inspection needs to detect a change from ``p1`` (earlier) to ``p2`` (now) with ``power``.

    Without ``earlier_n`` both inspections are the same size (R's ``power.prop.test``:
    ``size_to_detect(0.5, 0.75, power=0.9)`` is 77). With ``earlier_n`` the earlier inspection's size is
    fixed and the answer is the new inspection's size; when even an unlimited new sample would not reach
    ``power``, PowerError says so and how far it gets.
    """
    _check_share("the earlier share", p1)
    _check_share("the share to detect", p2)
    alpha = _check_settings(power, confidence)
    if p1 == p2:
        raise PowerError("the two shares are the same: there is no change to detect")
    if earlier_n is None:
        from statsmodels.stats.proportion import samplesize_proportions_2indep_onetail

        n = samplesize_proportions_2indep_onetail(p2 - p1, p1, power, ratio=1, alpha=alpha)
        # Guard against floating-point noise just above a whole number.
        return max(1, math.ceil(round(float(n), 9)))
    _check_size("the earlier inspection's size", earlier_n)
    reached = power_to_detect(p1, p2, earlier_n, _LARGEST, confidence=confidence)
    if reached < power:
        raise PowerError(
            f"With {earlier_n:,} cases in the earlier inspection, no size of the new one is enough to "
            f"detect a change from {percent(p1)} to {percent(p2)} with power {power:g}: even an "
            f"unlimited sample would reach only {reached:.2f}. Plan for a larger change, or lower the power."
        )
    low, high = 0, _LARGEST  # power(low) < power <= power(high); power rises with the new size
    while high - low > 1:
        middle = (low + high) // 2
        if power_to_detect(p1, p2, earlier_n, middle, confidence=confidence) >= power:
            high = middle
        else:
            low = middle
    return high


@dataclass(frozen=True)
class DetectableChange:
    """The smallest detectable change from ``share_before``, and the direction it is measured in."""

    share_before: float
    total_before: int
    total_now: int
    change: float  # as a share, e.g. 0.165 for 16.5 points
    direction: str  # "fall", "rise", or "either" (from exactly 50%)


def _smallest_in(
    p_before: float, n_before: int, n_now: int, sign: int, power: float, confidence: float
) -> float | None:
    """The change (positive) in direction ``sign`` detected with ``power``; None if none is, up to 0 or 1."""
    from scipy.optimize import brentq  # deferred: see the module

    room = (1 - p_before) if sign > 0 else p_before
    tiny = 1e-9
    if room <= 2 * tiny:
        return None

    def short_of(change: float) -> float:
        return (
            power_to_detect(
                p_before, p_before + sign * change, n_before, n_now, confidence=confidence
            )
            - power
        )

    if short_of(room - tiny) < 0:
        return None
    return float(brentq(short_of, tiny, room - tiny, xtol=1e-10))


def detectable_change(
    p_before: float,
    n_before: int,
    n_now: int,
    *,
    power: float = POWER,
    confidence: float = CONFIDENCE,
) -> DetectableChange:
    """``minimum_detectable_change`` with the direction it was measured in (see that function)."""
    _check_share("the earlier share", p_before, closed=True)
    _check_size("the earlier size", n_before)
    _check_size("the size now", n_now)
    _check_settings(power, confidence)
    # Towards 50% results vary most: that direction is the harder one (the other is only checked too).
    towards = -1 if p_before > 0.5 else 1
    hard = _smallest_in(p_before, n_before, n_now, towards, power, confidence)
    if hard is None:
        raise PowerError(
            f"With {n_before:,} cases before and {n_now:,} now, no change from {percent(p_before)} "
            f"would be detected with power {power:g}"
        )
    other = _smallest_in(p_before, n_before, n_now, -towards, power, confidence)
    change, sign = (other, -towards) if other is not None and other > hard else (hard, towards)
    direction = EITHER if p_before == 0.5 else (RISE if sign > 0 else FALL)
    return DetectableChange(p_before, n_before, n_now, change, direction)


def minimum_detectable_change(
    p_before: float,
    n_before: int,
    n_now: int,
    *,
    power: float = POWER,
    confidence: float = CONFIDENCE,
) -> float:
    """The smallest change (as a share) from ``p_before`` that the comparison detects with ``power``.

    Measured in the harder direction: towards 50%, a fall from a share above 50% and a rise from one
    below (both ways from exactly 50%). A change the other way of the same size is detected slightly more
    often; a smaller change in either direction could well go unnoticed. PowerError when no change
    at all in that direction would be detected (a very small sample).
    """
    return detectable_change(p_before, n_before, n_now, power=power, confidence=confidence).change


def percent(share: float) -> str:
    """70% or 74.3%: one decimal place, dropped when it is zero."""
    text = f"{share * 100:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def whole_points(change: float) -> str:
    """A change as whole percentage points in words ("3 percentage points"): half up, and never under 1
    (a change under half a point is still "about 1")."""
    whole = max(1, math.floor(change * 100 + 0.5))
    return f"{whole} percentage point" if whole == 1 else f"{whole} percentage points"


def change_words(
    p_before: float,
    n_before: int,
    n_now: int,
    *,
    power: float = POWER,
    confidence: float = CONFIDENCE,
) -> str:
    """For people: "From 70% with 135 cases before and 135 now, a change of about 17 percentage points would
    be caught four times in five, and a smaller one could well go unnoticed." (points rounded to whole
    numbers; "probably unnoticed" would be wrong: a change a little smaller is still caught more often than
    not)."""
    try:
        change: float | None = minimum_detectable_change(
            p_before, n_before, n_now, power=power, confidence=confidence
        )
    except PowerError:
        change = None
    return _words(p_before, n_before, n_now, change)


def _words(
    p_before: float,
    n_before: int,
    n_now: int,
    change: float | None,
    *,
    effective: int | None = None,
) -> str:
    """The minimum detectable change for people, in the document's language (``domain.language.say``)."""
    values: dict[str, object] = {
        "share": percent(p_before),
        "before": say(
            ngettext_lazy("%(shown)s case", "%(shown)s cases", n_before, shown=number(n_before))
        ),
        "now": f"{n_now:,}",
    }
    if effective is not None:
        values["effective"] = say(
            ngettext_lazy("%(shown)s case", "%(shown)s cases", effective, shown=number(effective))
        )
    if change is not None:
        whole = max(1, math.floor(change * 100 + 0.5))
        values["points"] = percentage_points(whole / 100, places=0, language=saying())
    # One catalogue sentence for each: with or without the effective size, with or without a change.
    if change is None and effective is None:
        said = gettext_lazy(
            "From %(share)s with %(before)s before and %(now)s now, even the largest possible change could "
            "well go unnoticed.",
            **values,
        )
    elif change is None:
        said = gettext_lazy(
            "From %(share)s with %(before)s before and %(now)s now (as precise as %(effective)s sampled in "
            "proportion), even the largest possible change could well go unnoticed.",
            **values,
        )
    elif effective is None:
        said = gettext_lazy(
            "From %(share)s with %(before)s before and %(now)s now, a change of about %(points)s would be "
            "caught four times in five, and a smaller one could well go unnoticed.",
            **values,
        )
    else:
        said = gettext_lazy(
            "From %(share)s with %(before)s before and %(now)s now (as precise as %(effective)s sampled in "
            "proportion), a change of about %(points)s would be caught four times in five, and a smaller one "
            "could well go unnoticed.",
            **values,
        )
    return say(said)


def planned(
    size: int,
    earlier: tuple[str, float, int] | None,
    *,
    tests: int = 1,
    power: float = POWER,
    confidence: float = CONFIDENCE,
) -> dict[str, Any]:
    """What a planned sample of ``size`` could see, for the draw form: against the body's previous result
    ``earlier`` (label, share, graded cases), or, with none, against 50% on a sample of the same size (the
    largest spread, so the least the plan promises). ``tests``: the headline comparisons the report will
    adjust together (Holm), taken at its strictest level, α/tests."""
    _check_size("the planned size", size)
    level = round(1 - (1 - confidence) / max(tests, 1), 12)
    label, share, total = earlier if earlier is not None else (None, 0.5, size)
    try:
        change: float | None = minimum_detectable_change(
            share, total, size, power=power, confidence=level
        )
    except PowerError:
        change = None
    said = _words(share, total, size, change)
    if label is None:
        said = say(
            gettext_lazy(
                "There is no earlier inspection or baseline of this body to compare with, so this is "
                "against a share of 50%% measured on a sample of the same size. %(said)s",
                said=said,
            )
        )
    else:
        said = say(
            gettext_lazy(
                "Against %(label)s: %(said)s", label=label, said=said[0].lower() + said[1:]
            )
        )
    return {
        "against": label,
        "share_then": share,
        "total_then": total,
        "total_now": size,
        "tests_in_family": max(tests, 1),
        "power": power,
        "confidence": level,
        "minimum_detectable_change": None if change is None else round(change, 6),
        "method": METHOD,
        "words": said,
    }


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


# --- Rare events ------------------------------------------------------------------------------------


def upper_bound(count: float, total: int, *, confidence: float = CONFIDENCE) -> float:
    """The one-sided Clopper–Pearson upper bound for ``count`` of ``total`` (``count`` may be fractional:
    an expected count), at ``confidence``."""
    from scipy.stats import beta  # deferred: see the module

    if count >= total:
        return 1.0
    return float(beta.ppf(confidence, count + 1, total - count))


def rule_of_three(bound: float, *, confidence: float = CONFIDENCE) -> int:
    """The rule of three's size: −ln(1 − confidence)/B cases, rounded up (3/B at 95%)."""
    _check_share("the upper bound", bound)
    return math.ceil(round(-math.log(1 - confidence) / bound, 9))


def size_for_upper_bound(
    bound: float, *, confidence: float = CONFIDENCE, expected: float = 0.0
) -> int:
    """The smallest sample whose one-sided Clopper–Pearson upper bound is below ``bound`` when the expected
    share ``expected`` of it (0: no case) shows the outcome.

    With no case showing it the bound is 1 − (1 − confidence)^(1/n), so n = ⌈ln(1 − confidence)/ln(1 − B)⌉
    (at 95%, 59 cases for 5%; the rule of three says 60). With an expected share r the bound is taken at
    the expected count r·n, not rounded.
    """
    _check_share("the upper bound", bound)
    if not 0 < confidence < 1:
        raise PowerError(f"confidence must be between 0 and 1, e.g. 0.95; got {confidence:g}")
    if not 0 <= expected < 1:
        raise PowerError(
            f"the expected share must be from 0 up to (not including) 1; got {expected:g}"
        )
    if expected >= bound:
        raise PowerError(
            f"an expected share of {percent(expected)} can never give an upper bound below "
            f"{percent(bound)}: the bound is always above the share found"
        )
    if expected == 0:
        n = math.log(1 - confidence) / math.log(1 - bound)
        whole = math.ceil(round(n, 9))
        # The bound must be strictly below B: at a whole n exactly on it, one more case.
        return whole + 1 if upper_bound(0, whole, confidence=confidence) >= bound else whole

    def below(n: int) -> bool:
        return upper_bound(expected * n, n, confidence=confidence) < bound

    if not below(_LARGEST):
        raise PowerError(f"no sample size gives an upper bound below {percent(bound)}")
    high = 1
    while not below(high):
        high *= 2
    low = high // 2  # below(low) is false (or low is 0)
    while high - low > 1:
        middle = (low + high) // 2
        if below(middle):
            high = middle
        else:
            low = middle
    return high


# --- The report -------------------------------------------------------------------------------------


class EarlierResult(Protocol):
    """What a comparison carries that the minimum detectable change needs (report_model.Comparison):
    the earlier share and size, and the size of the family of tests it was adjusted within (if any)."""

    @property
    def against(self) -> str: ...
    @property
    def share_then(self) -> float: ...
    @property
    def total_then(self) -> int: ...
    @property
    def family_tests(self) -> int | None: ...


def power_section(
    now_total: int,
    comparisons: Sequence[EarlierResult],
    *,
    power: float = POWER,
    confidence: float = CONFIDENCE,
    effective_now: float | None = None,
) -> dict[str, Any] | None:
    """The report's ``power``: for each comparison with an earlier result, the minimum detectable change
    from that result's share and size with this inspection's ``now_total`` graded cases.

    Two things make it larger, never smaller, so that the report never implies it could see a change
    smaller than it can:

    * a comparison adjusted within a family of m tests (Holm, Benjamini–Hochberg) is taken at the
      strictest level its adjustment may use, α/m (``confidence`` 1 − α/m in its entry);
    * a design-weighted share now (``effective_now``, Kish's effective sample size) counts as that many
      cases, when fewer than ``now_total``.

    None when nothing is graded yet or there is nothing to compare with."""
    alpha = 1 - confidence
    n_now = now_total
    if effective_now is not None and 1 <= effective_now < now_total:
        n_now = math.floor(effective_now)
    against = []
    for c in comparisons:
        if c.total_then < 1 or now_total < 1:
            continue
        tests = c.family_tests or 1
        level = round(1 - alpha / tests, 12)
        try:
            found: DetectableChange | None = detectable_change(
                c.share_then, c.total_then, n_now, power=power, confidence=level
            )
        except PowerError:
            found = None
        words = _words(
            c.share_then,
            c.total_then,
            now_total,
            None if found is None else found.change,
            effective=None if n_now == now_total else n_now,
        )
        against.append(
            {
                "against": c.against,
                "share_then": c.share_then,
                "total_then": c.total_then,
                "total_now": now_total,
                "effective_now": None if n_now == now_total else n_now,
                "tests_in_family": tests,
                "confidence": level,
                "minimum_detectable_change": None if found is None else round(found.change, 6),
                "direction": None if found is None else found.direction,
                "words": words,
            }
        )
    if not against:
        return None
    return {
        "power": power,
        "confidence": confidence,
        "method": say_word(METHOD),
        "against": against,
    }


def published_power(
    section: Mapping[str, Any] | None, printable: Collection[str]
) -> dict[str, Any] | None:
    """The section as published: only the earlier results whose figures may be printed (``printable``,
    their labels); the minimum detectable change would give a hidden earlier share away."""
    if section is None:
        return None
    kept = [dict(a) for a in section["against"] if a["against"] in printable]
    if not kept:
        return None
    return {**section, "against": kept}
