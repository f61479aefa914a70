"""The judgement the numbers propose for a recommendation, and the sentence a lead reads for each item.

The proposal (``propose``), from the items of one recommendation's finding:

* **no proposal** (None, with the reason) when the finding gives no basis (or its basis could not be read),
  or when any item cannot be compared: the new sample has no case where it applies (an area graded in no
  case, or no graded case), the new sample does not record it (a weakness its framework does not have),
  the finding gives no cases then, or the new sample was drawn out of proportion and no design-weighted
  figure was given for it. The lead judges from what is shown;
* **not met** when any item is significantly **worse** after the adjustment, whatever the others did (a
  weakness the finding rests on has got worse: the reason leads with it; every item is listed once);
* **met** when every item is significantly better after the adjustment. "Met" means "significantly lower
  than then", not "resolved": the lead judges whether the level now is acceptable;
* **partly met** when at least one item is significantly better, and not all;
* when none is better (and none worse) the proposal depends on whether the new sample **could tell**. A
  finding gives no target, so a recommendation is taken as asking at least that the weakness halve
  (``NEEDED_FALL``): an item *could tell* when the new sample had at least 80% power, at the strictest
  level Holm may use, to detect a fall from the share then to half of it, and the share now has not fallen
  by half already. **Not met** when at least one item could tell; otherwise **no proposal**, with the
  reason "the new sample is too small to tell: it could only detect a change of about N points", and, per
  item, the share it would have needed to fall to for "met" at this sample size (``met_count_now``).

Why not "not met" on a small sample: a comparison that is not significant is not evidence that nothing
changed; proposing "not met" from a sample that could not have shown a real improvement would put the
numbers' weight behind a judgement they do not support.

"No longer relevant" is never proposed: whether a recommendation still applies is the lead's call, not
the numbers'. The lead always decides, and gives a rationale.

``with_words`` writes each item's sentence (its shares then and now, the test and the adjusted p value);
the evidence itself is ``domain.followup_evidence``'s.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from .followup_basis import (
    ADJUSTMENT,
    BETTER,
    MET,
    NOT_MET,
    PARTLY_MET,
    WEAKNESS,
    WORSE,
    ItemEvidence,
)
from .language import gettext_noop
from .power import whole_points
from .report_words import percent
from .statistics import NO_CHANGE, p_words
from .words import count, number

#: The reason when the finding gives nothing to measure; marked for the catalogue, the judging page
#: translates it (the evidence stored keeps the English).
NO_BASIS = gettext_noop(
    "No proposal: the finding gives no weakness or area with its counts, so there is nothing to "
    "measure. Judge from what you know of the body's progress."
)


def propose(items: Sequence[ItemEvidence]) -> tuple[str | None, str]:
    """The judgement the numbers propose (None: none) and the reason in words (the module gives the rule)."""
    if not items:
        return None, NO_BASIS
    missing = [i for i in items if not i.compared]
    if missing:
        why = "; ".join(_unique(i.why_not for i in missing))
        return None, f"No proposal: {why}. Judge from the evidence shown for the rest."
    better = [i for i in items if i.direction == BETTER]
    worse = [i for i in items if i.direction == WORSE]
    unchanged = [i for i in items if i.direction not in (BETTER, WORSE)]
    tests = items[0].family_tests
    after = f", after adjusting for {count(tests, 'test')} (Holm)" if tests > 1 else ""
    n = len(items)
    if worse:
        verb = "is" if len(worse) == 1 else "are"
        lead = (
            f"The only weakness or area the finding rests on is significantly worse now{after}: "
            if n == 1
            else f"{number(len(worse))} of the {number(n)} weaknesses and areas the finding rests on "
            f"{verb} significantly worse now{after}: "
        )
        rest = (f" Significantly better: {_names(better)}." if better else "") + (
            f" No statistically significant change: {_names(unchanged)}." if unchanged else ""
        )
        return NOT_MET, f"Proposed: not met. {lead}{_names(worse)}.{rest}"
    if len(better) == n:
        every = {1: "The only weakness or area", 2: "Both weaknesses and areas"}.get(
            n, f"All {number(n)} weaknesses and areas"
        )
        verb = "is" if n == 1 else "are"
        return MET, (
            f"Proposed: met. {every} the finding rests on {verb} significantly better now{after}."
        )
    if better:
        verb = "is" if len(better) == 1 else "are"
        return PARTLY_MET, (
            f"Proposed: partly met. {number(len(better))} of the {number(n)} weaknesses and areas the "
            f"finding rests on {verb} significantly better now{after}: {_names(better)}. "
            f"Not significantly better: {_names(unchanged)}.{_too_small(unchanged)}"
        )
    none = (
        "The only weakness or area the finding rests on is not"
        if n == 1
        else f"None of the {number(n)} weaknesses and areas the finding rests on is"
    )
    fell = _fell(items)
    told = [i for i in items if not i.inconclusive]
    if told:
        halve = (
            f" The new sample was large enough to tell: had {_names(told)} fallen by half, it would "
            "have shown so at least 4 times in 5."
        )
        return NOT_MET, (f"Proposed: not met. {none} significantly better now{after}.{halve}{fell}")
    return None, (
        f"No proposal: the new sample is too small to tell: {_could_detect(items)}. "
        f"{none} significantly better now{after}, but a smaller improvement could well go unseen, so "
        f'the numbers cannot say "not met" either.{_met_needs(items)}{fell} '
        "Judge from the evidence shown and what else you know."
    )


def _could_detect(items: Sequence[ItemEvidence]) -> str:
    """ "it could only detect a change of about 32 percentage points" (one item, or all alike), or each
    ("… about 32 percentage points in …, 28 percentage points in …"); "it could not reliably detect any
    change" when no change would be detected."""
    said = [
        None if i.minimum_detectable_change is None else whole_points(i.minimum_detectable_change)
        for i in items
    ]
    if all(w is None for w in said):
        return "it could not reliably detect any change"
    if len(set(said)) == 1:
        return f"it could only detect a change of about {said[0]}"
    each = ", ".join(
        f"{'no change' if w is None else 'about ' + w} in {i.name}"
        for w, i in zip(said, items, strict=True)
    )
    return f"it could only detect a change of {each}"


def _size_now(i: ItemEvidence) -> int:
    if (
        i.design_weighted
        and i.effective_now is not None
        and 1 <= i.effective_now < (i.total_now or 0)
    ):
        return math.floor(i.effective_now)
    return i.total_now or 0


def _met_needs(items: Sequence[ItemEvidence]) -> str:
    """What "met" needs at this sample size, per item not significantly better."""
    parts = []
    for i in items:
        if i.direction == BETTER or i.share_then is None:
            continue
        size = _size_now(i)
        if i.met_count_now is None or i.met_share_now is None:
            parts.append(
                f"even 0 of {count(size, 'case')} would not show {i.name} significantly lower than then"
            )
        else:
            parts.append(
                f"{i.name} would need to fall from {percent(i.share_then)} to "
                f"{percent(i.met_share_now)} or less ({number(i.met_count_now)} of "
                f"{count(size, 'case')})"
            )
    if not parts:
        return ""
    return f' For "met" at this sample size: {"; ".join(parts)}.'


def _too_small(items: Sequence[ItemEvidence]) -> str:
    """For items not significantly better whose sample could not tell: what it could detect."""
    unsure = [i for i in items if i.inconclusive]
    if not unsure:
        return ""
    return (
        f" The new sample is too small to tell for {_names(unsure)}: {_could_detect(unsure)}."
        f"{_met_needs(unsure)}"
    )


def _fell(items: Sequence[ItemEvidence]) -> str:
    """ "All 6 fell, none by enough to be sure." (only when some fell and none is significantly better)."""
    fell = [
        i
        for i in items
        if i.share_now is not None and i.share_then is not None and i.share_now < i.share_then
    ]
    if not fell:
        return ""
    if len(items) == 1:
        return " It fell, but not by enough to be sure."
    every = "All" if len(fell) == len(items) else f"{number(len(fell))} of the"
    return f" {every} {number(len(items))} fell, none by enough to be sure."


def _unique(texts: Any) -> list[str]:
    return list(dict.fromkeys(texts))


def _names(items: Sequence[ItemEvidence]) -> str:
    return ", ".join(i.name for i in items)


# --- Words -----------------------------------------------------------------------------------------


def _ci(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return ""
    return f" (95% CI {percent(low)} to {percent(high)})"


def with_words(e: ItemEvidence, concern: str) -> ItemEvidence:
    """ "Child not seen or not spoken to (W04): 40.7% of 135 cases then (95% CI 32.6% to 49.3%), 21.7% of
    120 now (95% CI 15.2% to 29.9%); better, p = 0.0036 after adjusting for 6 tests (Holm; two-proportion
    z-test, p = 0.0012 before adjusting)." """
    name = e.name
    if e.kind == WEAKNESS:
        subject = f"{name[:1].upper()}{name[1:]}"
        cases = "case"
    else:
        subject = f"{name}, graded {concern}"
        cases = "case where it applied"
    then = (
        "the finding gives no cases then"
        if e.share_then is None
        else f"{percent(e.share_then)} of {count(e.total_then, cases, cases.replace('case', 'cases', 1))} "
        f"then{_ci(e.ci_low_then, e.ci_high_then)}"
    )
    if not e.compared or e.share_now is None or e.total_now is None:
        return _replace_words(e, f"{subject}: {then}; {e.why_not}, so not compared.")
    now = f"{percent(e.share_now)} of {number(e.total_now)} now{_ci(e.ci_low_now, e.ci_high_now)}"
    if e.design_weighted and e.count_now is not None:
        now = (
            f"{percent(e.share_now)} now, design-weighted{_ci(e.ci_low_now, e.ci_high_now)} "
            f"({number(e.count_now)} of {count(e.total_now, 'case')} as sampled, drawn out of proportion)"
        )
    said = "no statistically significant change" if e.direction == NO_CHANGE else str(e.direction)
    p, q = e.p_value or 0.0, e.adjusted_p_value or 0.0
    if e.family_tests > 1:
        how = (
            f"{said}, {p_words(q)} after adjusting for {number(e.family_tests)} tests "
            f"({ADJUSTMENT}; {e.test}, {p_words(p)} before adjusting)"
        )
    else:
        how = f"{said}, {p_words(p)} ({e.test}; the only test, so not adjusted)"
    return _replace_words(e, f"{subject}: {then}, {now}; {how}.")


def _replace_words(e: ItemEvidence, words: str) -> ItemEvidence:
    return replace(e, words=words)
