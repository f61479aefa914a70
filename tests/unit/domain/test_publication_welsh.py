"""The published document's own words, the control chart's, the related-case patterns' definitions and the
national trend's are written in the language the document is made in (issue 25), and English is unchanged.

A document made inside ``speaking(language, write)`` writes each sentence with ``write``.  Here ``write``
brackets the English it is given (« »), so a sentence made in the document's language is bracketed whole,
and English made outside it is not; the figures, keys and codes must not move (``differences``).  The
Welsh itself is the catalogue's (tests/web/test_welsh_report.py reads it in the demo's reports).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from casereview.domain import linked
from casereview.domain.control import ChartPoint, p_chart
from casereview.domain.language import WELSH, Phrase, speaking
from casereview.domain.links import LinkRules
from casereview.domain.publication import preview_words, publish
from casereview.domain.published_document import band_words
from casereview.domain.report import HistoryPoint
from casereview.domain.report_languages import differences
from casereview.domain.trend_publication import published_trend
from casereview.domain.trends import NATIONAL_TEST, InspectionResult, national_trend

from .test_publication_leaks import cases_of, full


def bracketed(phrase: Phrase) -> str:
    return f"«{phrase.english()}»"


def in_welsh(make: Any, *args: Any) -> Any:
    with speaking(WELSH, bracketed):
        return make(*args)


def said(text: object) -> bool:
    """Written whole by the document's writer."""
    return isinstance(text, str) and text.startswith("«") and text.endswith("»")


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value


# -- the control chart ------------------------------------------------------------------------------------

POINTS = [
    ChartPoint("Baseline", "baseline", "2022-03-31", 20, 100),
    *(ChartPoint(f"Q{i}", "inspection", f"2023-0{i}-30", 25 + 5 * i, 100) for i in range(1, 8)),
    ChartPoint("Now", "inspection", "2024-03-31", 90, 100),
]


def test_every_sentence_of_a_control_chart_made_in_welsh_is_written_in_the_documents_language() -> (
    None
):
    english, welsh = p_chart(POINTS), in_welsh(p_chart, POINTS)
    assert english is not None and welsh is not None
    # every rule fired, so each kind of signal's words is checked
    assert {s["rule"] for s in english["signals"]} == {"outside_limits", "shift", "trend"}
    assert differences(english, welsh) == []
    for chart in (welsh,):
        assert said(chart["centre_from"]) and said(chart["method"]) and said(chart["source"])
        assert all(said(c["words"]) for c in chart["checks"])
        assert all(said(s["words"]) for s in chart["signals"])
    # English as it was: nothing bracketed, the same words
    assert not any("«" in s for s in strings(english))
    assert english["centre_from"] == (
        "the pooled share of the published baseline before this result: Baseline (20 of 100); "
        "20 of 100 in all"
    )


def test_a_chart_with_too_few_points_says_so_in_the_documents_language_with_the_right_plural() -> (
    None
):
    points = [ChartPoint("A", "inspection", "2023-03-31", 5, 50), POINTS[-1]]
    english, welsh = p_chart(points), in_welsh(p_chart, points)
    assert english is not None and welsh is not None
    assert english["checks"][1]["words"].endswith("at most 2 points in a row.")
    assert english["centre_from"].startswith("the pooled share of the first result, as there is")
    assert said(welsh["checks"][1]["words"]) and said(welsh["centre_from"])


# -- the published document --------------------------------------------------------------------------


def banded_report() -> dict[str, Any]:
    cases = cases_of(
        [
            (2, "good", "neglect", "North"),
            (12, "requires_improvement", "neglect", "North"),
            (10, "inadequate", "missing_child", "South"),
        ]
    )
    return full(cases, history=[HistoryPoint("Pilot", "2023-03-31", "baseline", 30, 60)])


def test_the_published_documents_own_words_are_written_in_its_language_and_its_figures_do_not_move() -> (
    None
):
    english = publish(banded_report())
    welsh = in_welsh(publish, banded_report())
    doc, cy = english.document, welsh.document
    assert doc["requires_improvement_or_inadequate"]["band"]["words"] == "75% or more"
    assert said(cy["requires_improvement_or_inadequate"]["band"]["words"])
    assert said(cy["suppression"]) and said(cy["disclosure"]["rule"])
    assert doc["disclosure"]["rule"] == linked.RULE
    # the headline of a hidden share: the sentence is the document's language, the band inside it too
    assert doc["headline"].startswith("75% or more of graded cases were graded")
    assert cy["headline"].startswith("««75% or more»") and "of graded cases" in cy["headline"]
    assert cy["control_chart"] is not None and said(cy["control_chart"]["method"])
    for key in ("requires_improvement_or_inadequate", "control_chart", "disclosure", "comparisons"):
        assert differences(doc[key], cy[key]) == [], key
    # the audit (and its digest, which names it in every language) keeps the English rule
    assert welsh.audit.to_json() == english.audit.to_json()
    assert welsh.audit.to_json()["rule"] == linked.RULE


def test_bands_and_the_preview_heading_are_words_of_the_documents_language() -> None:
    assert [band_words(0, 0.25), band_words(0.75, 1), band_words(0.4, 0.5)] == [
        "25% or less",
        "75% or more",
        "between 40% and 50%",
    ]
    assert said(in_welsh(band_words, 0.4, 0.5))
    assert preview_words(graded=1234, sampled=2000) == (
        "Preview – not published – 1,234 of 2,000 cases graded"
    )
    assert in_welsh(lambda: preview_words(graded=1234, sampled=2000)) == (
        "«Preview – not published – 1,234 of 2,000 cases graded»"
    )


# -- the related-case patterns' definitions ------------------------------------------------------------


def test_the_patterns_definitions_are_written_by_the_documents_language_or_by_the_pages_writer() -> (
    None
):
    rules = LinkRules()
    english = rules.descriptions()
    assert english["repeat_missing"] == "a child with 3 or more missing-child cases within 90 days"
    assert english["place"] == (
        "a place with 3 or more cases of child sexual exploitation, child criminal exploitation or "
        "missing child within 90 days"
    )
    assert english["suspect"] == "a suspect on cases of 2 or more different children"
    assert all(said(text) for text in in_welsh(rules.descriptions).values())
    # a page passes its own writer (the reader's language), whatever document is being written
    assert all(said(text) for text in rules.descriptions(bracketed).values())
    # each category's words are written by the same writer, inside the sentence
    assert "«child sexual exploitation»" not in rules.descriptions(bracketed)["place"]
    assert "«Child sexual exploitation»" in rules.descriptions(bracketed)["place"]


# -- the national trend ---------------------------------------------------------------------------------


def results() -> list[InspectionResult]:
    def one(body: str, day: dt.date, count: int, total: int, frame: int | None) -> InspectionResult:
        return InspectionResult(body, f"{body} {day:%Y-%m}", day, count, total, frame)

    return [
        one("A", dt.date(2025, 3, 31), 30, 80, 4000),
        one("A", dt.date(2025, 6, 30), 50, 80, 4000),
        one("B", dt.date(2025, 3, 31), 20, 60, None),
        one("B", dt.date(2025, 6, 30), 25, 60, None),
        one("C", dt.date(2025, 6, 30), 10, 70, 2000),
    ]


def test_the_national_trend_made_in_welsh_says_its_methods_changes_and_funnel_in_it_and_keeps_codes() -> (
    None
):
    english, welsh = national_trend(results()), in_welsh(national_trend, results())
    assert differences(english, welsh) == []
    for q in welsh["quarters"]:
        assert said(q["method"]) and said(q["covers"])
        change = q["change_from_previous"]
        if change:
            assert said(change["wording"]) and said(change["covers"])
            assert change["test"] == NATIONAL_TEST  # a code: never translated
    for b in welsh["bodies"]:
        for p in b["series"]:
            assert said(p["method"])
            if p["change_from_previous"]:
                assert said(p["change_from_previous"]["wording"])
    funnel = welsh["funnel"]
    assert said(funnel["centre_rule"]) and said(funnel["limits_method"]) and said(funnel["n_rule"])
    assert all(said(p["position"]) for p in funnel["points"])
    assert not any("«" in s for s in strings(english))


def test_the_published_national_trend_made_in_welsh_writes_its_note_rule_and_bands_in_it() -> None:
    trend = national_trend(results())
    english, _ = published_trend(trend)
    welsh, audit = in_welsh(published_trend, in_welsh(national_trend, results()))
    assert said(welsh["note"]) and said(welsh["disclosure"]["rule"])
    assert english["disclosure"]["rule"] == linked.RULE
    assert differences(english, welsh) == []
    assert audit.to_json()["rule"] == linked.RULE
