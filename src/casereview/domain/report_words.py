"""The report's sentences, in the language it is written in (``domain.language.say``; English unless the
shell is ``speaking``): the headline at the top, what a weighted estimate covers, the methods its parameters
state, and its frame's dates.

The headline says, in words a reader takes in at once, how many graded cases gave cause for concern,
how sure the figure is, and how it compares with the headline comparisons (after their adjustment):
"About 9 in 10 graded cases (92.6%; likely between 86.9% and 95.9%) were graded requires improvement or
inadequate — worse than Q4 2023 (74.3%)."  With nothing graded it says so, and names what there will be
to compare with.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from . import multiplicity
from .language import Phrase, gettext_lazy, gettext_noop, ngettext_lazy, say, say_word
from .report_model import Comparison, DesignWeighted, Interval
from .sampling import FrameDates


def percent(share: float) -> str:
    return f"{100 * share:.1f}%"


def fraction_words(share: float) -> str:
    """ "About 9 in 10", "Fewer than 1 in 20", "More than 19 in 20"; "None of the" and "All" at the ends."""
    if share <= 0:
        return "None of the"
    if share >= 1:
        return "All"
    if share < 0.05:
        return "Fewer than 1 in 20"
    if share > 0.95:
        return "More than 19 in 20"
    return f"About {max(1, min(9, math.floor(share * 10 + 0.5)))} in 10"


def concern_words(labels: Sequence[str]) -> str:
    """ "requires improvement or inadequate" from the framework's grade labels worse than the best."""
    return " or ".join(label.lower() for label in labels)


def concern_phrase(labels: Sequence[str]) -> object:
    """``concern_words`` as words a page says in its reader's language: the same English, the grades joined
    by a translated "or" (the labels are given in the page's language)."""
    words: list[str] = [label.lower() for label in labels]
    joined: object = words[0] if words else ""
    for word in words[1:]:
        joined = gettext_lazy("%(these)s or %(that)s", these=joined, that=word)
    return joined


def _said(words: object) -> str:
    """Words from ``concern_phrase`` (a Phrase, or one grade's label as it is) in the document's language."""
    return say(words) if isinstance(words, Phrase) else str(words)


def _against(c: Comparison) -> str:
    then = percent(c.share_then)
    if c.direction == "worse":
        return say(gettext_lazy("worse than %(against)s (%(then)s)", against=c.against, then=then))
    if c.direction == "better":
        return say(gettext_lazy("better than %(against)s (%(then)s)", against=c.against, then=then))
    return say(
        gettext_lazy(
            "no statistically significant change from %(against)s (%(then)s)",
            against=c.against,
            then=then,
        )
    )


#: Said when there is nothing earlier to compare with (the catalogue's sentence, the draw page's too).
NOTHING_EARLIER = gettext_noop(
    "There is no earlier inspection or baseline of this body to compare with."
)


def _tenths(share: float) -> int:
    """The k of "about k in 10" (1 to 9)."""
    return max(1, min(9, math.floor(share * 10 + 0.5)))


def _in_the_frame(share: float) -> str:
    """ "About 9 in 10 cases in the frame", "All cases in the frame", … (``fraction_words`` for the cases of
    a design-weighted estimate), one catalogue phrase each, in the document's language."""
    if share <= 0:
        return say_word(gettext_noop("None of the cases in the frame"))
    if share >= 1:
        return say_word(gettext_noop("All cases in the frame"))
    if share < 0.05:
        return say_word(gettext_noop("Fewer than 1 in 20 cases in the frame"))
    if share > 0.95:
        return say_word(gettext_noop("More than 19 in 20 cases in the frame"))
    return say(gettext_lazy("About %(k)s in 10 cases in the frame", k=_tenths(share)))


def _graded_sentence(share: float, graded: int, figure: str, grades: str) -> str:
    """ "About 9 in 10 graded cases (figure) were graded …", "All 24 graded cases (…) were graded …": the
    fraction, the cases and the verb agree, so each is one catalogue sentence (plural by the cases graded)."""
    values: dict[str, object] = {"n": f"{graded:,}", "figure": figure, "grades": grades}
    if share <= 0:
        said = ngettext_lazy(
            "None of the %(n)s graded case (%(figure)s) was graded %(grades)s",
            "None of the %(n)s graded cases (%(figure)s) were graded %(grades)s",
            graded,
            **values,
        )
    elif share >= 1:
        said = ngettext_lazy(
            "All %(n)s graded case (%(figure)s) was graded %(grades)s",
            "All %(n)s graded cases (%(figure)s) were graded %(grades)s",
            graded,
            **values,
        )
    elif share < 0.05:
        said = ngettext_lazy(
            "Fewer than 1 in 20 graded case (%(figure)s) was graded %(grades)s",
            "Fewer than 1 in 20 graded cases (%(figure)s) were graded %(grades)s",
            graded,
            **values,
        )
    elif share > 0.95:
        said = ngettext_lazy(
            "More than 19 in 20 graded case (%(figure)s) was graded %(grades)s",
            "More than 19 in 20 graded cases (%(figure)s) were graded %(grades)s",
            graded,
            **values,
        )
    else:
        said = ngettext_lazy(
            "About %(k)s in 10 graded case (%(figure)s) was graded %(grades)s",
            "About %(k)s in 10 graded cases (%(figure)s) were graded %(grades)s",
            graded,
            k=_tenths(share),
            **values,
        )
    return say(said)


def headline(
    *,
    share: float | None,
    low: float | None,
    high: float | None,
    graded: int,
    concern_labels: Sequence[str],
    comparisons: Sequence[Comparison],
    earlier: Sequence[tuple[str, str]],  # (label, kind) of every earlier result, oldest first
    coverage: str | None = None,
) -> str:
    """The sentence at the top of every report, in the document's language (``domain.language.say``; the
    grade labels are given in it).

    ``coverage`` (what a design-weighted estimate covers, ``coverage()``) makes it the estimate for the
    cases in the frame, not a share of the graded cases, and says what it rests on."""
    grades = _said(concern_phrase(concern_labels))
    if graded == 0 or share is None or low is None or high is None:
        return (
            say_word(gettext_noop("No case is graded yet, so there are no figures."))
            + " "
            + _what_there_is(earlier)
        )
    figure = say(
        gettext_lazy(
            "%(share)s; likely between %(low)s and %(high)s",
            share=percent(share),
            low=percent(low),
            high=percent(high),
        )
    )
    if coverage is not None:
        sentence = say(
            ngettext_lazy(
                "%(amount)s (%(figure)s), estimated from %(n)s graded case weighted by the size of their "
                "strata (%(coverage)s), were graded %(grades)s",
                "%(amount)s (%(figure)s), estimated from %(n)s graded cases weighted by the size of their "
                "strata (%(coverage)s), were graded %(grades)s",
                graded,
                amount=_in_the_frame(share),
                figure=figure,
                n=f"{graded:,}",
                coverage=coverage,
                grades=grades,
            )
        )
    else:
        sentence = _graded_sentence(share, graded, figure, grades)
    if comparisons:
        return say(
            gettext_lazy(
                "%(sentence)s — %(comparisons)s.",
                sentence=sentence,
                comparisons="; ".join(_against(c) for c in comparisons),
            )
        )
    return sentence + ". " + say_word(NOTHING_EARLIER)


def _what_there_is(earlier: Sequence[tuple[str, str]]) -> str:
    if not earlier:
        return say_word(NOTHING_EARLIER)
    named = [
        say(
            gettext_lazy("%(label)s (a baseline)", label=label)
            if kind == "baseline"
            else gettext_lazy("%(label)s (an inspection)", label=label)
        )
        for label, kind in earlier
    ]
    listed = (
        named[0]
        if len(named) == 1
        else say(
            gettext_lazy("%(first)s and %(last)s", first=", ".join(named[:-1]), last=named[-1])
        )
    )
    return say(
        gettext_lazy("Once cases are graded they will be compared with %(listed)s.", listed=listed)
    )


def coverage(covered: int, frame: int, ungraded: int) -> str:
    """What a design-weighted estimate covers: never "the whole body" when strata are not yet graded; in the
    document's language."""
    if ungraded == 0:
        return say(
            gettext_lazy("estimate for all %(frame)s cases in the frame", frame=f"{frame:,}")
        )
    return say(
        ngettext_lazy(
            "estimate for %(covered)s of %(frame)s cases; %(ungraded)s stratum not yet graded",
            "estimate for %(covered)s of %(frame)s cases; %(ungraded)s strata not yet graded",
            ungraded,
            covered=f"{covered:,}",
            frame=f"{frame:,}",
            ungraded=f"{ungraded:,}",
        )
    )


def report_headline(
    grades: Sequence[tuple[str, str]],
    figure: Interval,
    weighted: DesignWeighted | None,
    comparisons: Sequence[Comparison],
    earlier: Sequence[tuple[str, str]],
) -> str:
    """A report's headline: its combined share (design-weighted where drawn so) and the headline family's
    results after their adjustment, the previous inspection first, then the baseline."""
    share, low, high = figure.share, figure.ci_low, figure.ci_high
    if weighted is not None:
        share, low, high = weighted.share, weighted.ci_low, weighted.ci_high
    return headline(
        share=share,
        low=low,
        high=high,
        graded=figure.total,
        concern_labels=[label for _, label in grades[1:]],
        comparisons=sorted(
            (c for c in comparisons if c.family == multiplicity.HEADLINE),
            key=lambda c: c.kind != "inspection",
        ),
        earlier=earlier,
        coverage=None if weighted is None else weighted.coverage,
    )


#: The report's methods, stated in its parameters (each in the report's language: ``say_word``).
INTERVAL_METHODS = gettext_noop("Wilson score; Korn–Graubard for a design-weighted share")
COMPARISON_TESTS = gettext_noop(
    "two-proportion z-test; Fisher's exact test when an expected count is under 5; "
    "Wald test on the difference of design-weighted shares where a share is design-weighted"
)
ADJUSTMENTS = gettext_noop(
    "headline comparisons: Holm; exploratory comparisons (categories, units, "
    "weaknesses, older results): Benjamini–Hochberg"
)


def sample_in_words(sample: Mapping[str, Any]) -> dict[str, Any]:
    """The sample as the report states it, its frame's dates in words in the report's language: the shell
    reads the facts once for every language (their English words are part of the input digest), so the words
    are written again here from the dates they state."""
    out = dict(sample)
    dates = out.get("frame_dates")
    if isinstance(dates, Mapping) and "words" in dates:
        out["frame_dates"] = {**dates, "words": FrameDates.from_dict(dates).words()}
    return out
