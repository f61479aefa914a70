"""Calibration, its words: the one rule for a bias's verdict and the sentences that say it.

The rule held here (``calibration`` has the whole method): "more/less favourable" only when McNemar's test
on the favourable cut (adjusted within its family) has p < 0.05; otherwise "no statistically significant
difference", with the difference, Newcombe's interval and the test; where the interval and the test
disagree, a sentence says that the test decides.  The sentences are Phrases
(``casereview.domain.language``): ``str()`` is the English a calibration stores, and a page translates
them.  Split from ``calibration`` to keep each module short; every name is importable from there too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from . import agreement
from .calibration_results import (
    ALPHA,
    LESS_FAVOURABLE,
    MORE_FAVOURABLE,
    NO_SIGNIFICANT_DIFFERENCE,
    OVERALL,
    SAME_SHARE,
    TEST_WORDS,
    Shift,
    SignificanceTest,
    audit_phrase,
    named_test,
    points_phrase,
    signed_points,
)
from .calibration_tests import mcnemar
from .language import Phrase, gettext_lazy, ngettext_lazy
from .report_words import percent
from .statistics import p_words
from .words import number, plain


def verdict(s: Shift, test: SignificanceTest | None = None) -> str:
    """The one rule for the words: MORE_FAVOURABLE or LESS_FAVOURABLE only when McNemar's test on the
    same cut (``test``, adjusted within its family; by default the test of ``s`` alone) has p < 0.05;
    otherwise NO_SIGNIFICANT_DIFFERENCE (SAME_SHARE when the two shares are equal)."""
    if math.isclose(s.difference, 0.0, abs_tol=1e-12):
        return SAME_SHARE
    decided = test if test is not None else mcnemar(s.body_only, s.inspectorate_only)
    if decided.deciding_p >= ALPHA:
        return NO_SIGNIFICANT_DIFFERENCE
    return MORE_FAVOURABLE if s.difference > 0 else LESS_FAVOURABLE


def _test_said(test: SignificanceTest) -> Phrase:
    how = test.adjustment_phrase if test.family_tests and test.family_tests > 1 else None
    name, p = named_test(test.name), p_words(test.p_value)
    if how is None:
        return gettext_lazy("%(test)s, %(p)s", test=name, p=p)
    return gettext_lazy("%(test)s, %(p)s, %(how)s", test=name, p=p, how=how)


def _cases(n: int) -> Phrase:
    return ngettext_lazy("%(shown)s case", "%(shown)s cases", n, shown=number(n))


def sentence(
    s: Shift, body: str, favourable_words: object, *, test: SignificanceTest | None = None
) -> Phrase:
    """ "Kent Police's audit graded 78.0% good; on the same 100 cases the inspectorate found 31.0%; Kent
    Police's audit is 47 percentage points more favourable (95% CI 38.2 to 55.9 percentage points)."

    "More/less favourable" only when McNemar's test (``test``: adjusted within its family; by default
    the test of ``s`` alone) says so (``verdict``); otherwise "no statistically significant difference",
    with the difference, its interval and the test.  Where Newcombe's interval and the test disagree
    (the interval excludes no difference but the test is not significant, or the reverse), a sentence
    says which decides.

    A Phrase: ``str()`` is the English (what a calibration stores); a page translates it.
    ``favourable_words`` are the grades' words as the page shows them (the framework's, in its language)."""
    decided = test if test is not None else mcnemar(s.body_only, s.inspectorate_only)
    found = verdict(s, decided)
    audit = audit_phrase(body)
    first = gettext_lazy(
        "%(audit)s graded %(body_share)s %(favourable)s; on the same %(cases)s the inspectorate found "
        "%(inspectorate_share)s",
        audit=audit_phrase(body, first=True),
        body_share=percent(s.body_share),
        favourable=favourable_words,
        cases=_cases(s.pairs),
        inspectorate_share=percent(s.inspectorate_share),
    )
    low, high = s.ci
    adjusted = bool(decided.family_tests and decided.family_tests > 1)
    said: Phrase
    if found == SAME_SHARE:
        said = gettext_lazy(
            "the two give the same share (95%% CI %(low)s to %(high)s percentage points)",
            low=signed_points(low),
            high=signed_points(high),
        )
    elif found in (MORE_FAVOURABLE, LESS_FAVOURABLE):
        more = found == MORE_FAVOURABLE
        values: dict[str, object] = {
            "audit": audit,
            "points": points_phrase(s.difference if more else -s.difference),
            "low": signed_points(low if more else -high),
            "high": signed_points(high if more else -low),
        }
        if adjusted:
            values["test"] = _test_said(decided)
            said = (
                gettext_lazy(
                    "%(audit)s is %(points)s more favourable (95%% CI %(low)s to %(high)s percentage "
                    "points; %(test)s)",
                    **values,
                )
                if more
                else gettext_lazy(
                    "%(audit)s is %(points)s less favourable (95%% CI %(low)s to %(high)s percentage "
                    "points; %(test)s)",
                    **values,
                )
            )
        else:
            said = (
                gettext_lazy(
                    "%(audit)s is %(points)s more favourable (95%% CI %(low)s to %(high)s percentage "
                    "points)",
                    **values,
                )
                if more
                else gettext_lazy(
                    "%(audit)s is %(points)s less favourable (95%% CI %(low)s to %(high)s percentage "
                    "points)",
                    **values,
                )
            )
    else:
        more = s.difference > 0
        values = {
            "audit": audit,
            "points": points_phrase(abs(s.difference)),
            "favourable": favourable_words,
            "low": signed_points(low) if more else signed_points(-high),
            "high": signed_points(high) if more else signed_points(-low),
            "test": _test_said(decided),
        }
        said = (
            gettext_lazy(
                "no statistically significant difference between %(audit)s and the inspectorate's "
                "(%(audit)s graded %(points)s more of these cases %(favourable)s; 95%% CI %(low)s to "
                "%(high)s percentage points; %(test)s)",
                **values,
            )
            if more
            else gettext_lazy(
                "no statistically significant difference between %(audit)s and the inspectorate's "
                "(%(audit)s graded %(points)s fewer of these cases %(favourable)s; 95%% CI %(low)s to "
                "%(high)s percentage points; %(test)s)",
                **values,
            )
        )
    deciding: dict[str, object] = {
        "test": named_test(decided.name)
        if decided.name in TEST_WORDS
        else gettext_lazy("the test"),
        "p": p_words(decided.deciding_p),
    }
    why: Phrase | None = None
    if found in (MORE_FAVOURABLE, LESS_FAVOURABLE) and not s.significant:
        why = (
            gettext_lazy(
                "The interval includes no difference, but %(test)s, which decides, after adjustment "
                "gives %(p)s.",
                **deciding,
            )
            if adjusted
            else gettext_lazy(
                "The interval includes no difference, but %(test)s, which decides, gives %(p)s.",
                **deciding,
            )
        )
    elif found == NO_SIGNIFICANT_DIFFERENCE and s.significant:
        why = (
            gettext_lazy(
                "The interval excludes no difference, but %(test)s, which decides, after adjustment "
                "does not reach significance (%(p)s).",
                **deciding,
            )
            if adjusted
            else gettext_lazy(
                "The interval excludes no difference, but %(test)s, which decides, does not reach "
                "significance (%(p)s).",
                **deciding,
            )
        )
    if why is None:
        return gettext_lazy("%(first)s; %(said)s.", first=first, said=said)
    return gettext_lazy("%(first)s; %(said)s. %(why)s", first=first, said=said, why=why)


def few_pairs_warning(pairs: int, area: str, title: str | None = None) -> Phrase | None:
    """Why figures from so few pairs are very uncertain (None from ``agreement.FEW_PAIRS`` up, or with none);
    ``title`` the area's words as the page shows them (default its code in words)."""
    if pairs == 0 or pairs >= agreement.FEW_PAIRS:
        return None
    values = {"shown": number(pairs), "fewest": agreement.FEW_PAIRS}
    if area == OVERALL:
        return ngettext_lazy(
            "Only %(shown)s case was re-graded by the inspectorate: figures from fewer than "
            "%(fewest)s pairs are very uncertain (see their intervals).",
            "Only %(shown)s cases were re-graded by the inspectorate: figures from fewer than "
            "%(fewest)s pairs are very uncertain (see their intervals).",
            pairs,
            **values,
        )
    return ngettext_lazy(
        "Only %(shown)s case was re-graded by the inspectorate in %(area)s: figures from fewer than "
        "%(fewest)s pairs are very uncertain (see their intervals).",
        "Only %(shown)s cases were re-graded by the inspectorate in %(area)s: figures from fewer than "
        "%(fewest)s pairs are very uncertain (see their intervals).",
        pairs,
        area=(title or plain(area)).lower(),
        **values,
    )


def _joined(said: Sequence[Phrase]) -> Phrase:
    """Sentences one after another, as one Phrase (each translated where it is shown)."""
    whole = said[0]
    for more in said[1:]:
        whole = gettext_lazy("%(first)s %(then)s", first=whole, then=more)
    return whole


def _and(items: Sequence[Phrase]) -> Phrase:
    """ "a", "a and b", "a, b and c"."""
    if len(items) == 1:
        return items[0]
    listed = items[0]
    for more in items[1:-1]:
        listed = gettext_lazy("%(first)s, %(then)s", first=listed, then=more)
    return gettext_lazy("%(first)s and %(last)s", first=listed, last=items[-1])
