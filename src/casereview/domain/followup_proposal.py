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
from .language import ENGLISH, gettext_lazy, gettext_noop, ngettext_lazy, say, say_word, saying
from .power import whole_points
from .report_words import percent
from .statistics import NO_CHANGE, p_words
from .words import Kind, number, percentage_points, words

# Every sentence here is written with ``say``: English unless a document (the report) is being written in
# another language, so that the evidence stored with a judgement, and its digest, keep their English.

#: The reason when the finding gives nothing to measure; marked for the catalogue, the judging page
#: translates it (the evidence stored keeps the English).
NO_BASIS = gettext_noop(
    "No proposal: the finding gives no weakness or area with its counts, so there is nothing to "
    "measure. Judge from what you know of the body's progress."
)

#: Why an item could not be compared (``why_not_words``).
NO_CASES_THEN, NOT_RECORDED, NO_CASE_NOW, NOT_WEIGHTED = (
    "no_cases_then",
    "not_recorded",
    "no_case_now",
    "not_weighted",
)


def why_not_words(why: str, kind: str, name: str) -> str:
    """Why the item ``name`` (of ``kind``) could not be compared, in words (one of the codes above)."""
    if why == NO_CASES_THEN:
        return say(gettext_lazy("the finding gives no cases for %(name)s", name=name))
    if why == NOT_RECORDED:
        return say(gettext_lazy("the new sample does not record %(name)s", name=name))
    if why == NO_CASE_NOW:
        if kind == WEAKNESS:
            return say(gettext_lazy("the new sample has no graded case"))
        return say(gettext_lazy("the new sample has no case where %(name)s applied", name=name))
    return say(
        gettext_lazy(
            "for %(name)s, the new sample was not drawn in proportion and no design-weighted share "
            "was given for it (an unweighted share could mislead); compare with the report's "
            "weighted figures",
            name=name,
        )
    )


def _sentences(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _after(tests: int) -> str:
    if tests <= 1:
        return ""
    return say(
        ngettext_lazy(
            ", after adjusting for %(n)s test (Holm)",
            ", after adjusting for %(n)s tests (Holm)",
            tests,
            n=number(tests),
        )
    )


def propose(items: Sequence[ItemEvidence]) -> tuple[str | None, str]:
    """The judgement the numbers propose (None: none) and the reason in words (the module gives the rule)."""
    if not items:
        return None, say_word(NO_BASIS)
    missing = [i for i in items if not i.compared]
    if missing:
        why = _joined(_unique(i.why_not for i in missing))
        return None, say(
            gettext_lazy(
                "No proposal: %(why)s. Judge from the evidence shown for the rest.", why=why
            )
        )
    better = [i for i in items if i.direction == BETTER]
    worse = [i for i in items if i.direction == WORSE]
    unchanged = [i for i in items if i.direction not in (BETTER, WORSE)]
    after = _after(items[0].family_tests)
    n = len(items)
    if worse:
        lead = (
            gettext_lazy(
                "The only weakness or area the finding rests on is significantly worse "
                "now%(after)s: %(names)s.",
                after=after,
                names=_names(worse),
            )
            if n == 1
            else ngettext_lazy(
                "%(k)s of the %(n)s weaknesses and areas the finding rests on is significantly "
                "worse now%(after)s: %(names)s.",
                "%(k)s of the %(n)s weaknesses and areas the finding rests on are significantly "
                "worse now%(after)s: %(names)s.",
                len(worse),
                k=number(len(worse)),
                n=number(n),
                after=after,
                names=_names(worse),
            )
        )
        return NOT_MET, _sentences(
            say(gettext_lazy("Proposed: not met.")),
            say(lead),
            say(gettext_lazy("Significantly better: %(names)s.", names=_names(better)))
            if better
            else "",
            say(
                gettext_lazy(
                    "No statistically significant change: %(names)s.", names=_names(unchanged)
                )
            )
            if unchanged
            else "",
        )
    if len(better) == n:
        if n == 1:
            every = gettext_lazy(
                "The only weakness or area the finding rests on is significantly better now%(after)s.",
                after=after,
            )
        elif n == 2:
            every = gettext_lazy(
                "Both weaknesses and areas the finding rests on are significantly better "
                "now%(after)s.",
                after=after,
            )
        else:
            every = gettext_lazy(
                "All %(n)s weaknesses and areas the finding rests on are significantly better "
                "now%(after)s.",
                n=number(n),
                after=after,
            )
        return MET, _sentences(say(gettext_lazy("Proposed: met.")), say(every))
    if better:
        some = ngettext_lazy(
            "%(k)s of the %(n)s weaknesses and areas the finding rests on is significantly better "
            "now%(after)s: %(names)s.",
            "%(k)s of the %(n)s weaknesses and areas the finding rests on are significantly better "
            "now%(after)s: %(names)s.",
            len(better),
            k=number(len(better)),
            n=number(n),
            after=after,
            names=_names(better),
        )
        return PARTLY_MET, _sentences(
            say(gettext_lazy("Proposed: partly met.")),
            say(some),
            say(gettext_lazy("Not significantly better: %(names)s.", names=_names(unchanged))),
            _too_small(unchanged),
        )
    fell = _fell(items)
    told = [i for i in items if not i.inconclusive]
    if told:
        none = (
            gettext_lazy(
                "The only weakness or area the finding rests on is not significantly better "
                "now%(after)s.",
                after=after,
            )
            if n == 1
            else gettext_lazy(
                "None of the %(n)s weaknesses and areas the finding rests on is significantly "
                "better now%(after)s.",
                n=number(n),
                after=after,
            )
        )
        halve = gettext_lazy(
            "The new sample was large enough to tell: had %(names)s fallen by half, it would have "
            "shown so at least 4 times in 5.",
            names=_names(told),
        )
        return NOT_MET, _sentences(
            say(gettext_lazy("Proposed: not met.")), say(none), say(halve), fell
        )
    unseen = (
        gettext_lazy(
            "The only weakness or area the finding rests on is not significantly better "
            "now%(after)s, but a smaller improvement could well go unseen, so the numbers cannot "
            'say "not met" either.',
            after=after,
        )
        if n == 1
        else gettext_lazy(
            "None of the %(n)s weaknesses and areas the finding rests on is significantly better "
            "now%(after)s, but a smaller improvement could well go unseen, so the numbers cannot "
            'say "not met" either.',
            n=number(n),
            after=after,
        )
    )
    return None, _sentences(
        say(
            gettext_lazy(
                "No proposal: the new sample is too small to tell: %(could)s.",
                could=_could_detect(items),
            )
        ),
        say(unseen),
        _met_needs(items),
        fell,
        say(gettext_lazy("Judge from the evidence shown and what else you know.")),
    )


def _points(change: float) -> str:
    """A change as whole percentage points ("about 32 percentage points"), in the document's language."""
    language = saying()
    if language == ENGLISH:
        return whole_points(change)
    whole = max(1, math.floor(change * 100 + 0.5))  # as ``whole_points`` rounds
    return percentage_points(whole / 100, 0, language=language)


def _could_detect(items: Sequence[ItemEvidence]) -> str:
    """ "it could only detect a change of about 32 percentage points" (one item, or all alike), or each
    ("… about 32 percentage points in …, 28 percentage points in …"); "it could not reliably detect any
    change" when no change would be detected."""
    said = [
        None if i.minimum_detectable_change is None else _points(i.minimum_detectable_change)
        for i in items
    ]
    if all(w is None for w in said):
        return say(gettext_lazy("it could not reliably detect any change"))
    if len(set(said)) == 1:
        return say(
            gettext_lazy("it could only detect a change of about %(points)s", points=said[0])
        )
    each = ", ".join(
        say(gettext_lazy("no change in %(name)s", name=i.name))
        if w is None
        else say(gettext_lazy("about %(points)s in %(name)s", points=w, name=i.name))
        for w, i in zip(said, items, strict=True)
    )
    return say(gettext_lazy("it could only detect a change of %(each)s", each=each))


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
                ngettext_lazy(
                    "even 0 of %(n)s case would not show %(name)s significantly lower than then",
                    "even 0 of %(n)s cases would not show %(name)s significantly lower than then",
                    size,
                    n=number(size),
                    name=i.name,
                )
            )
        else:
            parts.append(
                ngettext_lazy(
                    "%(name)s would need to fall from %(then)s to %(now)s or less (%(k)s of %(n)s "
                    "case)",
                    "%(name)s would need to fall from %(then)s to %(now)s or less (%(k)s of %(n)s "
                    "cases)",
                    size,
                    name=i.name,
                    then=percent(i.share_then),
                    now=percent(i.met_share_now),
                    k=number(i.met_count_now),
                    n=number(size),
                )
            )
    if not parts:
        return ""
    return say(
        gettext_lazy(
            'For "met" at this sample size: %(parts)s.', parts="; ".join(say(p) for p in parts)
        )
    )


def _too_small(items: Sequence[ItemEvidence]) -> str:
    """For items not significantly better whose sample could not tell: what it could detect."""
    unsure = [i for i in items if i.inconclusive]
    if not unsure:
        return ""
    return _sentences(
        say(
            gettext_lazy(
                "The new sample is too small to tell for %(names)s: %(could)s.",
                names=_names(unsure),
                could=_could_detect(unsure),
            )
        ),
        _met_needs(unsure),
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
        return say(gettext_lazy("It fell, but not by enough to be sure."))
    if len(fell) == len(items):
        return say(gettext_lazy("All %(n)s fell, none by enough to be sure.", n=number(len(items))))
    return say(
        gettext_lazy(
            "%(k)s of the %(n)s fell, none by enough to be sure.",
            k=number(len(fell)),
            n=number(len(items)),
        )
    )


def _unique(texts: Any) -> list[str]:
    return list(dict.fromkeys(texts))


def _joined(texts: Sequence[str]) -> str:
    """ "a; b; c": each part already said, joined as the document's language joins a list of clauses."""
    said = texts[0] if texts else ""
    for text in texts[1:]:
        said = say(gettext_lazy("%(these)s; %(that)s", these=said, that=text))
    return said


def _names(items: Sequence[ItemEvidence]) -> str:
    return ", ".join(i.name for i in items)


# --- Words -----------------------------------------------------------------------------------------


def _ci(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return ""
    return " " + say(
        gettext_lazy("(95%% CI %(low)s to %(high)s)", low=percent(low), high=percent(high))
    )


def with_words(e: ItemEvidence, concern: str) -> ItemEvidence:
    """ "Child not seen or not spoken to (W04): 40.7% of 135 cases then (95% CI 32.6% to 49.3%), 21.7% of
    120 now (95% CI 15.2% to 29.9%); better, p = 0.0036 after adjusting for 6 tests (Holm; two-proportion
    z-test, p = 0.0012 before adjusting)." """
    name = e.name
    weakness = e.kind == WEAKNESS
    if weakness:
        subject = f"{name[:1].upper()}{name[1:]}"
    else:
        subject = say(gettext_lazy("%(name)s, graded %(concern)s", name=name, concern=concern))
    ci_then = _ci(e.ci_low_then, e.ci_high_then)
    if e.share_then is None:
        then = say(gettext_lazy("the finding gives no cases then"))
    elif weakness:
        then = say(
            ngettext_lazy(
                "%(share)s of %(n)s case then%(ci)s",
                "%(share)s of %(n)s cases then%(ci)s",
                e.total_then,
                share=percent(e.share_then),
                n=number(e.total_then),
                ci=ci_then,
            )
        )
    else:
        then = say(
            ngettext_lazy(
                "%(share)s of %(n)s case where it applied then%(ci)s",
                "%(share)s of %(n)s cases where it applied then%(ci)s",
                e.total_then,
                share=percent(e.share_then),
                n=number(e.total_then),
                ci=ci_then,
            )
        )
    if not e.compared or e.share_now is None or e.total_now is None:
        return _replace_words(
            e,
            say(
                gettext_lazy(
                    "%(subject)s: %(then)s; %(why_not)s, so not compared.",
                    subject=subject,
                    then=then,
                    why_not=e.why_not,
                )
            ),
        )
    ci_now = _ci(e.ci_low_now, e.ci_high_now)
    if e.design_weighted and e.count_now is not None:
        now = say(
            ngettext_lazy(
                "%(share)s now, design-weighted%(ci)s (%(k)s of %(n)s case as sampled, drawn out of "
                "proportion)",
                "%(share)s now, design-weighted%(ci)s (%(k)s of %(n)s cases as sampled, drawn out of "
                "proportion)",
                e.total_now,
                share=percent(e.share_now),
                ci=ci_now,
                k=number(e.count_now),
                n=number(e.total_now),
            )
        )
    else:
        now = say(
            gettext_lazy(
                "%(share)s of %(n)s now%(ci)s",
                share=percent(e.share_now),
                n=number(e.total_now),
                ci=ci_now,
            )
        )
    said = (
        say(gettext_lazy("no statistically significant change"))
        if e.direction == NO_CHANGE
        else words(Kind.DIRECTION, e.direction, say_word)
    )
    test = words(Kind.TEST, e.test, say_word)
    p, q = e.p_value or 0.0, e.adjusted_p_value or 0.0
    if e.family_tests > 1:
        how = ngettext_lazy(
            "%(said)s, %(q)s after adjusting for %(n)s test (%(adjustment)s; %(test)s, %(p)s "
            "before adjusting)",
            "%(said)s, %(q)s after adjusting for %(n)s tests (%(adjustment)s; %(test)s, %(p)s "
            "before adjusting)",
            e.family_tests,
            said=said,
            q=p_words(q),
            n=number(e.family_tests),
            adjustment=ADJUSTMENT,
            test=test,
            p=p_words(p),
        )
    else:
        how = gettext_lazy(
            "%(said)s, %(p)s (%(test)s; the only test, so not adjusted)",
            said=said,
            p=p_words(p),
            test=test,
        )
    return _replace_words(
        e,
        say(
            gettext_lazy(
                "%(subject)s: %(then)s, %(now)s; %(how)s.",
                subject=subject,
                then=then,
                now=now,
                how=say(how),
            )
        ),
    )


def _replace_words(e: ItemEvidence, text: str) -> ItemEvidence:
    return replace(e, words=text)
