"""A report document's marking: classification, version, running header and metadata words (issue 23)."""

from __future__ import annotations

from typing import Any

from casereview.domain.marking import OFFICIAL, OFFICIAL_SENSITIVE, keywords, marking, subject


def document(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "inspection": {
            "name": "Q3 2026",
            "body": "DEMO",
            "body_name": "Demo Police",
            "framework": "child-protection/1",
            "period": ["2026-07-01", "2026-09-30"],
        },
        "reproducibility": {"parameters": {"as_of": "2026-10-20"}},
        "published": False,
    }
    return {**base, **over}


def test_the_full_report_is_official_sensitive_and_dated_by_its_figures() -> None:
    mark = marking(document())
    assert mark.classification == OFFICIAL_SENSITIVE == "OFFICIAL-SENSITIVE"
    # The version in words, never repeating the classification printed beside it
    assert mark.status == "Full report for the inspection team"
    assert "official-sensitive" not in (mark.status + mark.version).lower()
    assert mark.version.startswith("The inspection team's full report")
    assert mark.running == "Demo Police, 1 July 2026 to 30 September 2026"
    assert mark.created == "2026-10-20"


def test_a_published_report_is_official_and_dated_by_its_publication() -> None:
    mark = marking(document(published=True, published_on="2026-11-02"))
    assert (mark.classification, mark.status, mark.created) == (
        OFFICIAL,
        "Published 2 November 2026",
        "2026-11-02",
    )
    assert mark.version == "Published report, 2 November 2026, with small numbers hidden."
    # Without a stored date, the date it is as of (as ``tables.publication_date`` says)
    assert marking(document(published=True)).status == "Published 20 October 2026"


def test_a_preview_is_official_and_never_says_published() -> None:
    mark = marking(document(published=True, preview={"label": "Preview – not published"}))
    assert (mark.classification, mark.status) == (OFFICIAL, "Preview – not published")
    assert mark.created == "2026-10-20"
    assert mark.version.startswith("Preview – not published: the version to be published")


def test_a_body_without_a_name_or_dates_still_reads() -> None:
    given = document()
    given["inspection"] = {"name": "X", "body": "SYN"}
    mark = marking(given)
    assert mark.running == "SYN" and mark.period == ""


def test_subject_and_keywords_say_what_the_document_is() -> None:
    given = document(published=True, published_on="2026-11-02")
    assert subject(given) == (
        "Inspection report: Q3 2026; Demo Police, 1 July 2026 to 30 September 2026; "
        "Published 2 November 2026"
    )
    said = keywords(given)
    assert said == [
        "inspection report",
        "Demo Police",
        "Child protection framework version 1",
        "OFFICIAL",
    ]
    assert all("," not in k for k in said)
