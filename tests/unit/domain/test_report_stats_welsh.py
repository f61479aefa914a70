"""The report's statistics words are written in the document's language (issue 25): every sentence the
statistics put in a report goes through ``domain.language.say``, while its codes, figures and keys stay those
of the English report, and the English is what it always was."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from casereview.domain import multiplicity
from casereview.domain.agreement import few_pairs_warning
from casereview.domain.language import WELSH, Phrase, speaking
from casereview.domain.report import GradedCase, HistoryPoint, build_report
from casereview.domain.report_languages import differences, with_digests_of
from casereview.domain.sampling import FrameDates
from casereview.domain.statistics import comparison_words, p_words

from ..domain.test_report_words import GRADES, cases

#: A writer that marks every sentence it writes: a sentence not written through ``say`` has no mark.
OPEN, CLOSE = "⟦", "⟧"


def marked(words: Phrase) -> str:
    return f"{OPEN}{words.english()}{CLOSE}"


def build(**given: Any) -> dict[str, Any]:
    strata = [
        {"label": "a", "frame_size": 3000, "sampled": 60},
        {"label": "b", "frame_size": 300, "sampled": 60},
        {"label": "c", "frame_size": 900, "sampled": 20},
    ]
    graded = cases(18, 42, stratum="a") + cases(48, 12, stratum="b")
    graded = [
        GradedCase(
            c.case_ref, c.stratum, c.category, c.unit, c.overall, weaknesses=frozenset({"W1"})
        )
        if i % 3 == 0
        else c
        for i, c in enumerate(graded)
    ]
    history = [
        HistoryPoint(
            "Baseline 2016",
            "2016-03-31",
            "baseline",
            81,
            109,
            by_category={"neglect": (81, 109)},
            weaknesses={"W1": 30},
        ),
        HistoryPoint(
            "Q2 2026",
            "2026-06-30",
            "inspection",
            69,
            200,
            by_category={"neglect": (69, 200)},
            weaknesses={"W1": 50},
        ),
    ]
    sample = {
        "strata": strata,
        "proportional": False,
        "plan": {"allocation": "equal"},
        "frame_dates": {
            **FrameDates(dt.date(2026, 7, 1), dt.date(2026, 9, 30), default=True).as_dict(),
            "words": "cases reported 1 July to 30 September 2026",
        },
    }
    report = build_report(
        inspection={"name": "Q3 2026", "period": ["2026-07-01", "2026-09-30"]},
        grades=GRADES,
        areas=[],
        cases=graded,
        history=history,
        sample=sample,
        **given,
    )
    return report.to_json()


def at(document: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every value at ``path`` (``*`` for each item of a list)."""
    head, _, rest = path.partition("/")
    items = enumerate(document) if head == "*" else [(head, document[head])]
    for key, value in items:
        if rest:
            yield from ((f"{key}/{where}", v) for where, v in at(value, rest))
        else:
            yield str(key), value


#: The report's sentences the statistics write (JSON paths).
SENTENCES = (
    "headline",
    "comparisons/*/wording",
    "by_category/*/comparisons/*/wording",
    "by_category/*/design_weighted/interval",
    "weaknesses/*/recurrence/*/wording",
    "weaknesses/*/design_weighted/interval",
    "multiplicity/words",
    "multiplicity/families/*/what",
    "power/method",
    "power/against/*/words",
    "reproducibility/parameters/interval",
    "reproducibility/parameters/comparison_tests",
    "reproducibility/parameters/final_grade",
    "reproducibility/parameters/adjustment",
    "sample/frame_dates/words",
    "design_weighted/method",
    "design_weighted/interval",
    "design_weighted/coverage",
)


def test_every_statistics_sentence_of_a_report_is_written_in_the_document_s_language() -> None:
    english = build()
    with speaking(WELSH, marked):
        other = build()
    seen = 0
    for path in SENTENCES:
        found = list(at(other, path))
        assert found, path  # the report has the sentence, so the test reads it
        for where, text in found:
            seen += 1
            assert text.startswith(OPEN) and text.endswith(CLOSE), (path, where, text)
        for _, text in at(english, path):
            assert OPEN not in text
    assert seen > 20
    # The same report but for its words: directions, tests, families and figures untouched (the digests
    # are the English one's, as the shell gives them: ``report_languages.same_report``).
    assert differences(english, with_digests_of(english, other)) == []


def test_the_english_written_through_say_is_the_english_it_always_was() -> None:
    english = build()
    first = english["comparisons"][0]
    assert first["wording"] == (
        f"{first['direction']} ({first['test']}, {p_words(first['p_value'])}; Holm-adjusted over 2 headline "
        f"comparisons: {p_words(first['adjusted_p_value'])})"
    )
    assert english["sample"]["frame_dates"]["words"] == "cases reported 1 July to 30 September 2026"
    assert english["reproducibility"]["parameters"]["comparison_tests"] == (
        "two-proportion z-test; Fisher's exact test when an expected count is under 5; "
        "Wald test on the difference of design-weighted shares where a share is design-weighted"
    )
    assert english["design_weighted"]["coverage"] == (
        "estimate for 3,300 of 4,200 cases; 1 stratum not yet graded"
    )
    assert comparison_words("worse", "two-proportion z-test", 0.031) == (
        "worse (two-proportion z-test, p = 0.031)"
    )


def test_the_frame_s_dates_are_said_with_the_document_s_month_names() -> None:
    dates = FrameDates(dt.date(2026, 7, 1), dt.date(2026, 9, 30), default=True)
    with speaking(WELSH, marked):
        said = dates.words()
    assert said == f"{OPEN}cases reported 1 Gorffennaf to 30 Medi 2026{CLOSE}"
    assert dates.words() == "cases reported 1 July to 30 September 2026"


def test_the_few_pairs_warning_and_the_published_tests_are_said_in_the_document_s_language() -> (
    None
):
    with speaking(WELSH, marked):
        warning = few_pairs_warning(3)
        published = multiplicity.published_section(
            {multiplicity.HEADLINE: 1, multiplicity.EXPLORATORY: 2},
            {
                "families": [
                    {"family": "headline", "tests": 2},
                    {"family": "exploratory", "tests": 5},
                ]
            },
        )
    assert warning is not None and warning.startswith(f"{OPEN}Only 3 cases were marked twice")
    # The section's sentence, then the published version's own, each said.
    assert published["words"].count(OPEN) >= 2 and published["words"].endswith(CLOSE)
    assert "prints 3 of the report's 7 comparisons" in published["words"]
