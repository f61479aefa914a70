"""Calibration results: what a calibration gives, as JSON, and the codes and words it carries.

The rule held here: every figure of a calibration (``Shift``, ``SignificanceTest``,
``AreaCalibration``, ``Stratum``, ``Corrected``, ``Calibration``) is a frozen dataclass whose
``as_dict`` writes the statistics' own keys, with None for a missing, NaN or infinite number; ``CalibrationError`` is the one refusal.
The statistics are in ``calibration_tests`` and ``calibration_corrected``, and ``calibration`` puts them
together.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import agreement
from .errors import Refused
from .language import Phrase, gettext_lazy, gettext_noop, ngettext_lazy
from .statistics import p_words
from .words import percentage_points, plain

ALPHA = 0.05

NEWCOMBE = "Newcombe (1998) method 10: hybrid score interval for a difference of paired proportions"
STUART_MAXWELL = "stuart_maxwell"
BOWKER = "bowker"
MCNEMAR_EXACT = "mcnemar_exact"
MCNEMAR_CHI2 = "mcnemar_chi2_cc"
TWO_PHASE = (
    "double sampling for stratification (Cochran 1977, §12.2) with its unbiased variance estimator, "
    "Korn–Graubard interval"
)

#: The tests' names (English here and in what is stored; a page translates them with ``gettext``).
TEST_WORDS: Mapping[str, str] = {
    STUART_MAXWELL: gettext_noop("Stuart–Maxwell test of marginal homogeneity"),
    BOWKER: gettext_noop("Bowker's test of symmetry"),
    MCNEMAR_EXACT: gettext_noop("McNemar's test (exact binomial)"),
    MCNEMAR_CHI2: gettext_noop("McNemar's test (chi-square with continuity correction)"),
}


#: The verdict of a bias, decided by McNemar's test (adjusted within its family): one rule for the words.
MORE_FAVOURABLE = "more_favourable"
LESS_FAVOURABLE = "less_favourable"
NO_SIGNIFICANT_DIFFERENCE = "no_significant_difference"
SAME_SHARE = "same_share"
VERDICT_WORDS: Mapping[str, str] = {
    MORE_FAVOURABLE: "more favourable",
    LESS_FAVOURABLE: "less favourable",
    NO_SIGNIFICANT_DIFFERENCE: "no statistically significant difference",
    SAME_SHARE: "the same share",
}


class CalibrationError(Refused, ValueError):
    """A calibration cannot be worked out from what it was given; the message says what to correct.

    Also a ``ValueError``, so a caller that caught the bare error before still catches it."""


OVERALL = "overall"
#: The families of tests (``domain.multiplicity``'s codes) in a sentence.
FAMILY_WORDS: Mapping[str, str] = {
    "headline": gettext_noop("headline"),
    "exploratory": gettext_noop("exploratory"),
}


def json_number(x: float | None) -> float | None:
    """A float for JSON: None for None, NaN or an infinity."""
    if x is None or not math.isfinite(x):
        return None
    return float(x)


def json_interval(ci: tuple[float, float] | None) -> list[float | None] | None:
    """An interval for JSON: its two ends as ``json_number`` gives them; None for None."""
    return None if ci is None else [json_number(ci[0]), json_number(ci[1])]


def signed_points(x: float) -> str:
    """A difference in percentage points without the unit, a negative one with a true minus: ``−3.2``."""
    text = percentage_points(x).split(" ", 1)[0]
    return text.replace("-", "−")


def body_audit(body: str) -> str:
    """The words for the body's own audit in a sentence: "Northshire's audit"."""
    return f"{body}'s audit"


def audit_phrase(body: str, *, first: bool = False) -> Phrase:
    """``body_audit`` as a Phrase (``first``: opening a sentence, its first letter a capital)."""
    return gettext_lazy("%(body)s's audit", body=capitalised(body) if first else body)


def points_phrase(share: float) -> Phrase:
    """``percentage_points(share)`` as a Phrase: "47 percentage points", "1 percentage point" ("47 pwynt
    canran" in Welsh).  A whole number of points chooses the plural form; a fraction takes English's
    plural and Welsh's "other" form (no mutation), as ``percentage_points`` does."""
    shown = percentage_points(share).split(" ", 1)[0]
    digits = shown.lstrip("-").replace(",", "")
    return ngettext_lazy(
        "%(shown)s percentage point",
        "%(shown)s percentage points",
        int(digits) if digits.isdigit() else 7,
        shown=shown,
    )


def named_test(name: str) -> Phrase | str:
    """A test's name in words, translated where it is shown (an unknown code in words, as it is)."""
    return Phrase(TEST_WORDS[name]) if name in TEST_WORDS else plain(name)


def capitalised(text: str) -> str:
    """``text`` with its first letter a capital (the rest kept: names and codes stay as they are)."""
    return text[:1].upper() + text[1:]


# -- results -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shift:
    """How much more of the cases the body put on the favourable side than the inspectorate did.

    ``grades`` is the favourable side (``cut`` and every better grade); ``both`` a, ``body_only`` b,
    ``inspectorate_only`` c, ``neither`` d.  ``difference`` = body share − inspectorate share, with
    Newcombe's method 10 interval; ``standard_error`` is the Wald one, √((b + c) − (b − c)²/n)/n.
    """

    cut: str
    grades: tuple[str, ...]
    pairs: int
    both: int
    body_only: int
    inspectorate_only: int
    neither: int
    body_share: float
    inspectorate_share: float
    difference: float
    ci: tuple[float, float]
    standard_error: float
    method: str = NEWCOMBE

    @property
    def significant(self) -> bool:
        """The interval excludes no difference."""
        return self.ci[0] > 0 or self.ci[1] < 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "cut": self.cut,
            "grades": list(self.grades),
            "pairs": self.pairs,
            "both": self.both,
            "body_only": self.body_only,
            "inspectorate_only": self.inspectorate_only,
            "neither": self.neither,
            "body_share": json_number(self.body_share),
            "inspectorate_share": json_number(self.inspectorate_share),
            "difference": json_number(self.difference),
            "ci": json_interval(self.ci),
            "standard_error": json_number(self.standard_error),
            "method": self.method,
        }


@dataclass(frozen=True)
class SignificanceTest:
    """One test: ``name`` a code of ``TEST_WORDS``; ``statistic`` None only where there is none.

    ``p_value`` is the test's own; within a calibration each test belongs to a ``family`` (``"headline"``:
    the overall grade's McNemar test, which the headline sentence follows; ``"exploratory"``: every other)
    of ``family_tests`` tests, adjusted together by ``adjustment`` (Holm) to ``adjusted_p_value``.  The
    ``note`` then says so, in words."""

    name: str
    statistic: float | None
    df: int | None
    p_value: float
    #: a Phrase (``str()`` the English, what ``as_dict`` stores), translated where it is shown
    note: Phrase | str | None = None
    dropped: tuple[str, ...] = ()
    family: str | None = None
    family_tests: int | None = None
    adjustment: str | None = None
    adjusted_p_value: float | None = None

    @property
    def significant(self) -> bool:
        """The test's own p value is under 0.05 (unadjusted)."""
        return self.p_value < ALPHA

    @property
    def deciding_p(self) -> float:
        """The p value a verdict follows: the adjusted one within its family, else its own."""
        return self.p_value if self.adjusted_p_value is None else self.adjusted_p_value

    @property
    def adjustment_words(self) -> str | None:
        """ "Holm-adjusted over 23 exploratory tests: p = 0.31" (None when not adjusted)."""
        if self.family_tests is None or self.family is None:
            return None
        if self.family_tests <= 1:
            return f"the only {self.family} test, so not adjusted"
        return (
            f"{self.adjustment or 'Holm'}-adjusted over {self.family_tests} {self.family} tests: "
            f"{p_words(self.deciding_p)}"
        )

    @property
    def adjustment_phrase(self) -> Phrase | None:
        """``adjustment_words`` as a Phrase, translated where it is shown."""
        if self.family_tests is None or self.family is None:
            return None
        family = Phrase(FAMILY_WORDS.get(self.family, self.family))
        if self.family_tests <= 1:
            return gettext_lazy("the only %(family)s test, so not adjusted", family=family)
        return ngettext_lazy(
            "%(method)s-adjusted over %(shown)s %(family)s test: %(p)s",
            "%(method)s-adjusted over %(shown)s %(family)s tests: %(p)s",
            self.family_tests,
            method=self.adjustment or "Holm",
            shown=self.family_tests,
            family=family,
            p=p_words(self.deciding_p),
        )

    @property
    def words(self) -> str:
        said = f"{TEST_WORDS.get(self.name, plain(self.name))}, {p_words(self.p_value)}"
        how = self.adjustment_words
        return said if how is None else f"{said} ({how})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "statistic": json_number(self.statistic),
            "df": self.df,
            "p_value": json_number(self.p_value),
            "note": None if self.note is None else str(self.note),
            "dropped": list(self.dropped),
            "family": self.family,
            "family_tests": self.family_tests,
            "adjustment": self.adjustment,
            "adjusted_p_value": json_number(self.adjusted_p_value),
            "significant": self.deciding_p < ALPHA,
        }


@dataclass(frozen=True)
class AreaCalibration:
    """The calibration of one framework area (``area`` its slug) or of the overall grade (``"overall"``)."""

    area: str
    scale: tuple[str, ...]
    pairs: int
    skipped: int
    agreement: agreement.PairAgreement
    table: tuple[tuple[int, ...], ...]  # rows the body's grade, columns the inspectorate's
    bias: Shift | None  # at the favourable cut; None with no pair
    shifts: tuple[Shift, ...]  # at every cut of the scale, best first
    stuart_maxwell: SignificanceTest | None
    bowker: SignificanceTest | None
    mcnemar: SignificanceTest | None
    #: Phrases: ``str()`` is the English (what ``as_dict`` stores); a page translates them.
    sentence: Phrase | None
    warning: Phrase | None
    verdict: str | None = None  # a VERDICT_WORDS code, decided by McNemar's test; None with no pair
    interval_notes: tuple[Phrase, ...] = ()  # why an agreement interval is not given

    def as_dict(self) -> dict[str, Any]:
        a = self.agreement
        return {
            "area": self.area,
            "pairs": self.pairs,
            "skipped": self.skipped,
            "agreement": {
                "percent_agreement": json_number(a.agreement) if a.cases else None,
                "kappa": json_number(a.kappa),
                "kappa_ci": json_interval(a.kappa_ci),
                "weighted_kappa_linear": json_number(a.weighted_kappa),
                "weighted_kappa_linear_ci": json_interval(a.weighted_kappa_ci),
                "ac1": json_number(a.ac1),
                "ac1_ci": json_interval(a.ac1_ci),
                "interval_method": a.interval_method,
                "interval_notes": [str(n) for n in self.interval_notes],
            },
            "table": {
                body: {insp: self.table[i][j] for j, insp in enumerate(self.scale)}
                for i, body in enumerate(self.scale)
            },
            "bias": None if self.bias is None else self.bias.as_dict(),
            "shifts": {s.cut: s.as_dict() for s in self.shifts},
            "stuart_maxwell": None
            if self.stuart_maxwell is None
            else self.stuart_maxwell.as_dict(),
            "bowker": None if self.bowker is None else self.bowker.as_dict(),
            "mcnemar": None if self.mcnemar is None else self.mcnemar.as_dict(),
            "sentence": None if self.sentence is None else str(self.sentence),
            "warning": None if self.warning is None else str(self.warning),
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class Stratum:
    """One grade the body gave: how many of all its cases (``all_cases``), how many were re-graded and
    how many of those the inspectorate called favourable."""

    grade: str
    all_cases: int
    sampled: int
    favourable: int

    @property
    def share(self) -> float | None:
        return self.favourable / self.sampled if self.sampled else None


@dataclass(frozen=True)
class Corrected:
    """The body's own figure over all the cases it graded, corrected for its bias (two-phase estimate).

    ``share`` is the share the inspectorate would call favourable, ``body_share`` the body's own share
    over the same cases, ``bias`` their difference.  ``covered_cases`` of ``all_cases`` are in grades with
    a re-graded case (``uncovered`` the others, left out).  ``population`` is N, the cases the figure is
    for (the cases the body graded unless its audit was itself a sample).  ``body_share_all`` is the body's
    own share over ALL the cases it graded (= ``body_share`` when no grade is uncovered);
    ``share_bounds_all`` the inspectorate's share over all of them, bounded by the interval's ends over
    the covered cases with the uncovered ones counted as none or all favourable (None when none is
    uncovered).  ``verdict`` is MORE_FAVOURABLE (the body's own figure is the higher), LESS_FAVOURABLE or
    NO_SIGNIFICANT_DIFFERENCE, by ``bias_ci``.
    """

    share: float
    standard_error: float
    ci: tuple[float, float]
    body_share: float
    bias: float
    bias_ci: tuple[float, float]
    bias_standard_error: float
    strata: tuple[Stratum, ...]
    all_cases: int
    covered_cases: int
    population: int
    uncovered: tuple[str, ...]
    single_case_strata: tuple[str, ...]
    #: Phrases: ``str()`` is the English (what ``as_dict`` stores); a page translates them.
    sentence: Phrase
    note: Phrase | None
    method: str = TWO_PHASE
    body_share_all: float | None = None
    share_bounds_all: tuple[float, float] | None = None
    verdict: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "share": json_number(self.share),
            "standard_error": json_number(self.standard_error),
            "ci": json_interval(self.ci),
            "body_share": json_number(self.body_share),
            "bias": json_number(self.bias),
            "bias_ci": json_interval(self.bias_ci),
            "bias_standard_error": json_number(self.bias_standard_error),
            "strata": {
                s.grade: {
                    "all_cases": s.all_cases,
                    "sampled": s.sampled,
                    "favourable": s.favourable,
                    "share": json_number(s.share),
                }
                for s in self.strata
            },
            "all_cases": self.all_cases,
            "covered_cases": self.covered_cases,
            "population": self.population,
            "uncovered": list(self.uncovered),
            "single_case_strata": list(self.single_case_strata),
            "sentence": str(self.sentence),
            "note": None if self.note is None else str(self.note),
            "method": self.method,
            "body_share_all": json_number(self.body_share_all),
            "share_bounds_all": json_interval(self.share_bounds_all),
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class Calibration:
    """A calibration: the overall grade's figures, each area's, and the corrected figure (or None)."""

    scale: tuple[str, ...]
    favourable: str
    favourable_grades: tuple[str, ...]
    body: str
    overall: AreaCalibration
    areas: tuple[AreaCalibration, ...]
    corrected: Corrected | None
    warnings: tuple[Phrase | str, ...] = field(default=())
    multiplicity: Mapping[str, Any] = field(default_factory=dict)

    def area(self, slug: str) -> AreaCalibration:
        if slug == OVERALL:
            return self.overall
        for a in self.areas:
            if a.area == slug:
                return a
        raise KeyError(slug)

    def as_dict(self) -> dict[str, Any]:
        return {
            "scale": list(self.scale),
            "favourable": self.favourable,
            "favourable_grades": list(self.favourable_grades),
            "body": self.body,
            "overall": self.overall.as_dict(),
            "areas": {a.area: a.as_dict() for a in self.areas},
            "corrected": None if self.corrected is None else self.corrected.as_dict(),
            "warnings": [str(w) for w in self.warnings],
            "multiplicity": dict(self.multiplicity),
        }
