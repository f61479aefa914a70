"""The statistical workbook's words: one home for each sheet word, marked for the catalogue.

The words of the codes a report's JSON has (a test family, a control chart's rule and side, a result's
kind), the headings more than one table has and the interval's columns, each an English constant marked
with ``gettext_noop`` and said in the workbook's language where a table uses it (``say_word``).  Apart
from the tables (``statistical_sections``, ``statistical_workbook``) so that every module stays within
the 600-line limit and a word shared by two sheets has one home.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from casereview.domain.language import gettext_lazy, gettext_noop, say, say_word
from casereview.domain.statistical_tables import NOT_AVAILABLE, Column, ColumnKind
from casereview.domain.words import Kind, words

#: The words of codes the report's JSON has (its ``family``, the control chart's ``rule`` and ``direction``,
#: power's ``direction``), as the tables print them; an unknown code is printed as it is.
FAMILY_WORDS = {"headline": gettext_noop("Headline"), "exploratory": gettext_noop("Exploratory")}
RULE_WORDS = {
    "outside_limits": gettext_noop("outside limits"),
    "shift": gettext_noop("shift"),
    "trend": gettext_noop("trend"),
}
SIDE_WORDS = {
    "above": gettext_noop("above"),
    "below": gettext_noop("below"),
    "rising": gettext_noop("rising"),
    "falling": gettext_noop("falling"),
    "rise": gettext_noop("rise"),
    "fall": gettext_noop("fall"),
    "either": gettext_noop("either"),
}
OUTSIDE_WORDS = {"above": gettext_noop("Above"), "below": gettext_noop("Below")}
#: A result's kind (``report.HistoryPoint.kind``): an earlier inspection's, or a baseline's.
RESULT_KIND_WORDS = {
    "baseline": gettext_noop("Baseline"),
    "inspection": gettext_noop("Inspection"),
}


def coded(table: Mapping[str, str], code: Any, default: str = NOT_AVAILABLE) -> str:
    """A code's words from one of the tables above, in the workbook's language (the code itself when the
    table has no words for it; ``default`` when there is none)."""
    if code is None or code == "":
        return default
    found = table.get(str(code))
    return say_word(found) if found else str(code).replace("_", " ")


def result_kind(kind: Any) -> str:
    """ "Baseline" or "Inspection" in the workbook's language; another kind as the stages' words have it
    (how the tables read it before they had words of their own); [x] for none."""
    if not kind:
        return NOT_AVAILABLE
    if kind in RESULT_KIND_WORDS:
        return say_word(RESULT_KIND_WORDS[kind])
    return words(Kind.STAGE, kind, say_word)


def said(english: str) -> str:
    """A marked English constant (a heading above) in the workbook's language."""
    return say_word(english)


#: Their headings in English (marked for the catalogue): a table's columns are ``said`` (``in_words``).
WEIGHTED_COLUMNS = (
    Column(gettext_noop("Design-weighted share"), ColumnKind.PERCENT),
    Column(gettext_noop("Design-weighted lower limit"), ColumnKind.PERCENT),
    Column(gettext_noop("Design-weighted upper limit"), ColumnKind.PERCENT),
)


def in_words(columns: Sequence[Column]) -> list[Column]:
    """Columns whose headings are marked English constants, in the workbook's language."""
    return [Column(say_word(c.heading), c.kind, c.places) for c in columns]


#: "95%" in the interval's headings is a value (not in the template), so that no "% i" reads as a format.
LOWER_95 = gettext_noop("Lower limit of the %(level)s interval")
UPPER_95 = gettext_noop("Upper limit of the %(level)s interval")
INTERVAL_COLUMNS = (
    Column(gettext_noop("Cases"), ColumnKind.COUNT),
    Column(gettext_noop("Graded cases"), ColumnKind.COUNT),
    Column(gettext_noop("Share"), ColumnKind.PERCENT),
    Column(LOWER_95, ColumnKind.PERCENT),
    Column(UPPER_95, ColumnKind.PERCENT),
)


def limit_95(which: str) -> str:
    """The heading of an interval's limit (``LOWER_95`` or ``UPPER_95``) in the workbook's language."""
    return say(gettext_lazy(which, level="95%"))


def interval_columns() -> list[Column]:
    """Cases, graded cases, share and its 95% interval: the headings in the workbook's language."""
    return [
        Column(
            limit_95(c.heading) if c.heading in (LOWER_95, UPPER_95) else say_word(c.heading),
            c.kind,
        )
        for c in INTERVAL_COLUMNS
    ]


#: Headings more than one table has.
COMPARED_WITH = gettext_noop("Compared with")
KIND_OF_RESULT = gettext_noop("Kind of result")
PERIOD_TO = gettext_noop("Period to")
GRADED_THEN = gettext_noop("Graded cases then")
GRADED_NOW = gettext_noop("Graded cases now")
SHARE_THEN = gettext_noop("Share then")
FAMILY_OF_TESTS = gettext_noop("Family of tests")
ADJUSTMENT = gettext_noop("Adjustment")
TESTS_IN_FAMILY = gettext_noop("Tests in the family")
DIRECTION = gettext_noop("Direction")
RESULT = gettext_noop("Result")
CASES_REVIEWED = gettext_noop("Cases reviewed")
#: The share the report is about, as a row or a figure's name.
RI_OR_INADEQUATE = gettext_noop("Requires improvement or inadequate")
