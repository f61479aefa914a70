"""Calibration: the body's own audit against the inspectorate's blind re-grading of the same cases.

The body's quality-assurance team graded a set of its cases (its **own audit**); the inspectorate drew a
random sample of them (simple, or stratified by the body's grade) and re-graded each **blind** to the
body's grade.  Every figure rests on **(body grade, inspectorate grade) pairs** on the framework's
ordinal scale, best first (Good < Requires improvement < Inadequate); a pair where either grade is not on
the scale ("not applicable", left ungraded) is left out of that area and counted as skipped.

The **favourable** side of the scale is the grade named ``favourable`` and every grade better than it
(default: Good alone; ``favourable="requires_improvement"`` makes it "good or requires improvement").

Per area and overall, ``calibrate`` gives:

- **agreement**: Cohen's kappa (unweighted and linear-weighted) with 95% intervals and Gwet's AC1 with
  its interval, from ``domain.agreement.pair_agreement`` (analytic intervals from 30 pairs up, a seeded
  percentile bootstrap below): body as first mark, inspectorate as second;
- the **confusion table**: counts, rows the body's grade, columns the inspectorate's;
- the **bias** at every cut of the scale (the favourable side against the rest), the headline being the
  cut at ``favourable``, with Newcombe's (1998) method 10 interval, and the Stuart–Maxwell, Bowker and
  McNemar tests (their rules: ``calibration_tests``);
- one **sentence**, in the issue's words: "Kent Police's audit graded 78.0% good; on the same 100 cases the
  inspectorate found 31.0%; Kent Police's audit is 47 percentage points more favourable (95% CI 38.2 to
  55.9 percentage points)."  One rule decides the words (``verdict``): "more/less favourable" only when
  McNemar's test on the favourable cut (adjusted within its family, below) has p < 0.05; otherwise "no
  statistically significant difference", with the difference, Newcombe's interval and the test.  Where
  the interval and the test disagree, a sentence says that the test decides;
- a **warning** below ``agreement.FEW_PAIRS`` (20) pairs; and, below ``agreement.ANALYTIC_FROM`` pairs, a
  bootstrap interval of zero width (every resample the same) is dropped and the warning says why.

**How many tests.**  ``calibrate`` puts every test in a family (the words of ``domain.multiplicity``): the
overall grade's McNemar test is the **headline** (one test, not adjusted); every other test it prints (the
overall grade's Stuart–Maxwell and Bowker tests, each area's three) is **exploratory**, adjusted together
with Holm's method; an area's verdict follows its adjusted McNemar p.  ``Calibration.multiplicity`` counts
them, in words.

With ``body_all`` (the body's overall grade counts over ALL the cases its audit graded) it also gives the
body's figure **corrected for its bias** (its rule: ``calibration_corrected``).  ``drift`` follows
calibrations over time (its rule: ``calibration_drift``).  The results and their JSON are in
``calibration_results``, the verdict's rule and the sentences (Phrases, translated where shown) in
``calibration_sentences``; every name of those modules is importable from this one too.

Refusals (inconsistent or negative grade counts, a favourable grade not on the scale, a caseload smaller
than the audit) raise ``CalibrationError``, a ``domain.errors.Refused`` (and a ``ValueError``).

Imports of scipy and statsmodels are deferred to the functions that use them (see ``domain.agreement``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

from . import agreement, statistics
from .calibration_corrected import TwoPhase, corrected_figure, two_phase
from .calibration_drift import (
    CHANGED,
    CHANGED_SIDES,
    CLOSER,
    DRIFT_WORDS,
    FURTHER_APART,
    MOVER,
    NO_CHANGE,
    Drift,
    DriftPoint,
    Estimate,
    change_p,
    drift,
    drift_direction,
    mover_difference,
    mover_sum,
)
from .calibration_results import (
    ALPHA,
    BOWKER,
    LESS_FAVOURABLE,
    MCNEMAR_CHI2,
    MCNEMAR_EXACT,
    MORE_FAVOURABLE,
    NEWCOMBE,
    NO_SIGNIFICANT_DIFFERENCE,
    OVERALL,
    SAME_SHARE,
    STUART_MAXWELL,
    TEST_WORDS,
    TWO_PHASE,
    VERDICT_WORDS,
    AreaCalibration,
    Calibration,
    CalibrationError,
    Corrected,
    Shift,
    SignificanceTest,
    Stratum,
)
from .calibration_sentences import _and, _joined, few_pairs_warning, sentence, verdict
from .calibration_tests import (
    MCNEMAR_EXACT_BELOW,
    both,
    bowker,
    favourable_side,
    mcnemar,
    newcombe_paired,
    shift,
    stuart_maxwell,
)
from .language import Phrase, gettext_lazy, ngettext_lazy
from .multiplicity import EXPLORATORY, HEADLINE, METHODS
from .report_words import concern_phrase
from .words import number, plain

__all__ = [
    "ALPHA",
    "AreaCalibration",
    "BOWKER",
    "CHANGED",
    "CHANGED_SIDES",
    "CLOSER",
    "Calibration",
    "CalibrationError",
    "Corrected",
    "DRIFT_WORDS",
    "Drift",
    "DriftPoint",
    "EXPLORATORY",
    "Estimate",
    "FURTHER_APART",
    "HEADLINE",
    "LESS_FAVOURABLE",
    "MCNEMAR_CHI2",
    "MCNEMAR_EXACT",
    "MCNEMAR_EXACT_BELOW",
    "MORE_FAVOURABLE",
    "MOVER",
    "NEWCOMBE",
    "NO_CHANGE",
    "NO_SIGNIFICANT_DIFFERENCE",
    "OVERALL",
    "SAME_SHARE",
    "STUART_MAXWELL",
    "Shift",
    "SignificanceTest",
    "Stratum",
    "TEST_WORDS",
    "TWO_PHASE",
    "TwoPhase",
    "VERDICT_WORDS",
    "bowker",
    "calibrate",
    "calibrate_area",
    "change_p",
    "corrected_figure",
    "drift",
    "drift_direction",
    "favourable_side",
    "few_pairs_warning",
    "mcnemar",
    "mover_difference",
    "mover_sum",
    "newcombe_paired",
    "sentence",
    "shift",
    "stuart_maxwell",
    "two_phase",
    "verdict",
]


def calibrate_area(
    area: str,
    pairs: Sequence[tuple[str, str]],
    scale: Sequence[str],
    *,
    favourable: str = "good",
    body: str = "the body",
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
    grade_words: Mapping[str, str] | None = None,
) -> AreaCalibration:
    """One area's (or the overall grade's) calibration from its (body, inspectorate) pairs (``title``: the
    area's words for its sentences, by default its code in words; ``grade_words``: the grades as the
    tests' notes name them, by default their codes)."""
    side = favourable_side(scale, favourable)
    on_scale = [(x, y) for x, y in pairs if x in scale and y in scale]
    skipped = len(pairs) - len(on_scale)
    table = agreement.table_of(on_scale, scale)
    figures, interval_notes = _without_empty_intervals(
        agreement.pair_agreement(on_scale, scale, ("body", "inspectorate"))
    )
    shifts = tuple(
        s
        for j in range(len(scale) - 1)
        if (s := shift(on_scale, scale[: j + 1], scale[j])) is not None
    )
    bias = next((s for s in shifts if s.cut == favourable), None)
    named = labels or {}
    favourable_words = concern_phrase([named.get(g, plain(g)) for g in side])
    test = None if bias is None else mcnemar(bias.body_only, bias.inspectorate_only)
    warning = few_pairs_warning(len(on_scale), area, title)
    if interval_notes:
        warning = _joined([w for w in (warning, *interval_notes) if w])
    return AreaCalibration(
        area=area,
        scale=tuple(scale),
        pairs=len(on_scale),
        skipped=skipped,
        agreement=figures,
        table=tuple(tuple(int(v) for v in row) for row in table),
        bias=bias,
        shifts=shifts,
        stuart_maxwell=stuart_maxwell(table, scale, words=grade_words) if on_scale else None,
        bowker=bowker(table, scale, words=grade_words) if on_scale else None,
        mcnemar=test,
        sentence=None if bias is None else sentence(bias, body, favourable_words, test=test),
        warning=warning,
        verdict=None if bias is None else verdict(bias, test),
        interval_notes=interval_notes,
    )


_INTERVALS = (
    ("kappa", "kappa_ci", gettext_lazy("Cohen's kappa")),
    ("weighted_kappa", "weighted_kappa_ci", gettext_lazy("the linear-weighted kappa")),
    ("ac1", "ac1_ci", gettext_lazy("Gwet's AC1")),
)


def _without_empty_intervals(
    figures: agreement.PairAgreement,
) -> tuple[agreement.PairAgreement, tuple[Phrase, ...]]:
    """The agreement figures with every bootstrap interval of zero width taken out, and why.

    Below ``agreement.ANALYTIC_FROM`` pairs the intervals are percentile bootstraps: when every resample
    gives the same value (e.g. 9 pairs all agreed: kappa 1 in every resample) the interval is a single
    point, which shows only that so few pairs cannot show the uncertainty, not that there is none."""
    if figures.cases == 0 or figures.cases >= agreement.ANALYTIC_FROM:
        return figures, ()
    empty: list[Phrase] = []
    changes: dict[str, Any] = {}
    for _, ci_name, words in _INTERVALS:
        ci = getattr(figures, ci_name)
        if ci is not None and math.isclose(ci[0], ci[1], abs_tol=1e-12):
            empty.append(words)
            changes[ci_name] = None
    if not empty:
        return figures, ()
    note = ngettext_lazy(
        "No 95%% interval is given for %(measures)s: every bootstrap resample of these %(shown)s pair "
        "gave the same value, which shows that so few pairs cannot measure its uncertainty, not that "
        "there is none (an interval needs more pairs: from %(fewest)s it is worked out directly).",
        "No 95%% interval is given for %(measures)s: every bootstrap resample of these %(shown)s pairs "
        "gave the same value, which shows that so few pairs cannot measure its uncertainty, not that "
        "there is none (an interval needs more pairs: from %(fewest)s it is worked out directly).",
        figures.cases,
        measures=_and(empty),
        shown=number(figures.cases),
        fewest=agreement.ANALYTIC_FROM,
    )
    return dataclasses.replace(figures, **changes), (note,)


def calibrate(
    pairs_by_area: Mapping[str, Sequence[tuple[str, str]]],
    overall_pairs: Sequence[tuple[str, str]],
    scale: Sequence[str],
    *,
    body_all: Mapping[str, int] | None = None,
    favourable: str = "good",
    population: int | None = None,
    body: str = "the body",
    labels: Mapping[str, str] | None = None,
    titles: Mapping[str, str] | None = None,
    grade_words: Mapping[str, str] | None = None,
) -> Calibration:
    """The calibration of the body's own audit against the inspectorate's blind re-grading.

    ``pairs_by_area``: per framework area (slug), its (body grade, inspectorate grade) pairs;
    ``overall_pairs``: the overall grades' pairs; ``scale``: the grade codes, best first;
    ``body_all``: the body's overall grade counts over all the cases its audit graded (for the corrected
    figure); ``favourable``: the worst grade counted favourable; ``population``: N when the body's audit
    was itself a random sample of N cases; ``body``: the body's name for the sentences (e.g. "Kent
    Police"; default "the body"); ``labels``: grade words (default the codes in words); ``titles``: the
    areas' words for the warnings (default their codes in words); ``grade_words``: the grades as the
    tests' notes name them (default their codes, as the stored English has always had them).
    """
    side = favourable_side(scale, favourable)
    overall = calibrate_area(
        OVERALL,
        overall_pairs,
        scale,
        favourable=favourable,
        body=body,
        labels=labels,
        grade_words=grade_words,
    )
    areas = tuple(
        calibrate_area(
            slug,
            pairs,
            scale,
            favourable=favourable,
            body=body,
            labels=labels,
            title=(titles or {}).get(slug),
            grade_words=grade_words,
        )
        for slug, pairs in pairs_by_area.items()
    )
    corrected = (
        None
        if body_all is None
        else corrected_figure(
            overall_pairs,
            body_all,
            scale,
            favourable=favourable,
            population=population,
            body=body,
            labels=labels,
        )
    )
    named = labels or {}
    favourable_words = concern_phrase([named.get(g, plain(g)) for g in side])
    overall, areas, multiplicity = _adjusted(overall, areas, body, favourable_words)
    warnings: list[Phrase | str] = [a.warning for a in (overall, *areas) if a.warning]
    if corrected is not None and corrected.note:
        warnings.append(corrected.note)
    return Calibration(
        tuple(scale),
        favourable,
        side,
        body,
        overall,
        areas,
        corrected,
        tuple(warnings),
        multiplicity,
    )


_TESTS = ("stuart_maxwell", "bowker", "mcnemar")


def _adjusted(
    overall: AreaCalibration,
    areas: Sequence[AreaCalibration],
    body: str,
    favourable_words: object,
) -> tuple[AreaCalibration, tuple[AreaCalibration, ...], dict[str, Any]]:
    """Every test of the calibration in its family, adjusted with Holm's method, and the verdicts and
    sentences that follow; and the calibration's ``multiplicity`` in words.

    The **headline** family is the overall grade's McNemar test at the favourable cut, the test the
    headline sentence follows: one test, so not adjusted.  Every other test the calibration prints (the
    overall grade's Stuart–Maxwell and Bowker tests, and each area's Stuart–Maxwell, Bowker and McNemar
    tests) is **exploratory**, adjusted together by Holm's method (which holds the chance of any false
    finding among them at 5%), so an area is called more or less favourable only on its adjusted p."""
    method, name = METHODS[HEADLINE]  # Holm, for both families
    everything = (overall, *areas)
    slots = [
        (i, test)
        for i, a in enumerate(everything)
        for test in _TESTS
        if getattr(a, test) is not None and not (i == 0 and test == "mcnemar")
    ]
    values = statistics.adjusted([getattr(everything[i], t).p_value for i, t in slots], method)
    found: dict[tuple[int, str], SignificanceTest] = {}
    for (i, t), q in zip(slots, values, strict=True):
        found[(i, t)] = _in_family(getattr(everything[i], t), EXPLORATORY, len(slots), name, q)
    headline = 0
    if overall.mcnemar is not None:
        headline = 1
        found[(0, "mcnemar")] = _in_family(
            overall.mcnemar, HEADLINE, 1, name, overall.mcnemar.p_value
        )
    done = []
    for i, a in enumerate(everything):
        changes: dict[str, Any] = {t: found[(i, t)] for t in _TESTS if (i, t) in found}
        test = changes.get("mcnemar")
        if a.bias is not None and test is not None:
            changes["verdict"] = verdict(a.bias, test)
            changes["sentence"] = sentence(a.bias, body, favourable_words, test=test)
        done.append(dataclasses.replace(a, **changes))
    exploratory = len(slots)
    total = headline + exploratory
    if total == 0:
        said = "This calibration ran no tests: no case was re-graded."
    else:
        said = (
            f"This calibration ran {_tests(total)}: {_tests(headline, 'headline test')} (McNemar's "
            "test on the overall grade, which the headline sentence follows; not adjusted) and "
            f"{_tests(exploratory, 'exploratory test')} (the overall grade's Stuart–Maxwell and "
            "Bowker tests, and each area's Stuart–Maxwell, Bowker and McNemar tests), adjusted together "
            "with Holm's method. More or less favourable is said only where the (adjusted) p value is "
            "under 0.05. Exploratory results show where to look; they are not findings on their own."
        )
    multiplicity = {
        "tests": total,
        "families": [
            {
                "family": HEADLINE,
                "adjustment": name,
                "tests": headline,
                "what": "McNemar's test on the overall grade at the favourable cut",
            },
            {
                "family": EXPLORATORY,
                "adjustment": name,
                "tests": exploratory,
                "what": "the overall grade's Stuart–Maxwell and Bowker tests, and each area's "
                "Stuart–Maxwell, Bowker and McNemar tests",
            },
        ],
        "words": said,
    }
    return done[0], tuple(done[1:]), multiplicity


def _tests(n: int, what: str = "test") -> str:
    return f"{number(n)} {what}" + ("" if n == 1 else "s")


def _in_family(
    test: SignificanceTest, family: str, size: int, adjustment: str, adjusted_p: float | None
) -> SignificanceTest:
    """``test`` as one of a family of ``size``, its note saying how it was adjusted."""
    placed = dataclasses.replace(
        test,
        family=family,
        family_tests=size,
        adjustment=adjustment,
        adjusted_p_value=test.p_value if adjusted_p is None else adjusted_p,
    )
    return dataclasses.replace(placed, note=both((test.note, placed.adjustment_phrase)))
