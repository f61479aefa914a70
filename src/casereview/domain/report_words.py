"""The report's plain-English sentences: the headline at the top, and what a weighted estimate covers.

The headline says, in words a reader takes in at once, how many graded cases gave cause for concern,
how sure the figure is, and how it compares with the headline comparisons (after their adjustment):
"About 9 in 10 graded cases (92.6%; likely between 86.9% and 95.9%) were graded requires improvement or
inadequate — worse than Q4 2023 (74.3%)."  With nothing graded it says so, and names what there will be
to compare with.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from . import multiplicity
from .language import gettext_lazy
from .report_model import Comparison, DesignWeighted, Interval


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


def _against(c: Comparison) -> str:
    then = percent(c.share_then)
    if c.direction == "worse":
        return f"worse than {c.against} ({then})"
    if c.direction == "better":
        return f"better than {c.against} ({then})"
    return f"no statistically significant change from {c.against} ({then})"


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
    """The sentence at the top of every report.

    ``coverage`` (what a design-weighted estimate covers, ``coverage()``) makes it the estimate for the
    cases in the frame, not a share of the graded cases, and says what it rests on."""
    grades = concern_words(concern_labels)
    if graded == 0 or share is None or low is None or high is None:
        return "No case is graded yet, so there are no figures. " + _what_there_is(earlier)
    cases = "graded case" if graded == 1 else "graded cases"
    figure = f"{percent(share)}; likely between {percent(low)} and {percent(high)}"
    if coverage is not None:
        sentence = (
            f"{fraction_words(share)} cases in the frame ({figure}), estimated from {graded:,} {cases} "
            f"weighted by the size of their strata ({coverage}), were graded {grades}"
        )
    else:
        if share <= 0 or share >= 1:
            amount = f"{fraction_words(share)} {graded:,} {cases}"
        else:
            amount = f"{fraction_words(share)} {cases}"
        verb = "was" if graded == 1 else "were"
        sentence = f"{amount} ({figure}) {verb} graded {grades}"
    if comparisons:
        sentence += " — " + "; ".join(_against(c) for c in comparisons)
    else:
        sentence += ". There is no earlier inspection or baseline of this body to compare with"
    return sentence + "."


def _what_there_is(earlier: Sequence[tuple[str, str]]) -> str:
    if not earlier:
        return "There is no earlier inspection or baseline of this body to compare with."
    named = [
        f"{label} ({'a baseline' if kind == 'baseline' else 'an inspection'})"
        for label, kind in earlier
    ]
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    return f"Once cases are graded they will be compared with {listed}."


def coverage(covered: int, frame: int, ungraded: int) -> str:
    """What a design-weighted estimate covers: never "the whole body" when strata are not yet graded."""
    if ungraded == 0:
        return f"estimate for all {frame:,} cases in the frame"
    strata = "stratum" if ungraded == 1 else "strata"
    return f"estimate for {covered:,} of {frame:,} cases; {ungraded:,} {strata} not yet graded"


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
