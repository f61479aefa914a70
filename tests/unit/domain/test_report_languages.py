"""A report in another language is the same report but for its words (``domain.report_languages``), and the
domain writes a document's words in the language the shell is speaking (``domain.language.say``)."""

from __future__ import annotations

from typing import Any

import pytest

from casereview.domain.language import (
    ENGLISH,
    WELSH,
    Phrase,
    gettext_lazy,
    ngettext_lazy,
    say,
    say_word,
    saying,
    speaking,
)
from casereview.domain.report_languages import (
    NotTheSameReport,
    differences,
    same_document,
    with_digests_of,
)

ENGLISH_DOCUMENT: dict[str, Any] = {
    "headline": "More than half of graded cases were graded good",
    "grades": {"good": {"label": "Good", "count": 3, "share": 0.25}},
    "comparisons": [
        {
            "against": "Q1 2024",
            "direction": "no significant change",
            "test": "two-proportion z-test",
        }
    ],
    "category": "child_sexual_exploitation",
    "count": "[c]",
    "published": True,
    "reproducibility": {"input_sha256": "a" * 64, "figures_sha256": "b" * 64},
}


def welsh_of(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = {**document, "headline": "Graddiwyd mwy na hanner yr achosion yn dda"}
    out["grades"] = {"good": {"label": "Da", "count": 3, "share": 0.25}}
    return {**out, **changes}


def test_the_same_report_in_other_words_has_no_differences() -> None:
    assert differences(ENGLISH_DOCUMENT, welsh_of(ENGLISH_DOCUMENT)) == []


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"grades": {"good": {"label": "Da", "count": 4, "share": 0.25}}}, "/grades/good/count"),
        ({"grades": {"good": {"label": "Da", "count": 3, "share": 0.26}}}, "/grades/good/share"),
        ({"grades": {"da": {"label": "Da", "count": 3, "share": 0.25}}}, "/grades"),
        ({"category": "camfanteisio_rhywiol"}, "/category"),
        ({"count": "[cudd]"}, "/count"),
        ({"published": False}, "/published"),
        ({"comparisons": []}, "/comparisons"),
        (
            {
                "comparisons": [
                    {
                        "against": "Q1 2024",
                        "direction": "dim newid arwyddocaol",
                        "test": "two-proportion z-test",
                    }
                ]
            },
            "/comparisons/0/direction",
        ),
        (
            {
                "comparisons": [
                    {"against": "Q1 2024", "direction": "no significant change", "test": "prawf z"}
                ]
            },
            "/comparisons/0/test",
        ),
    ],
)
def test_a_figure_a_key_or_a_code_that_differs_is_found(change: dict[str, Any], where: str) -> None:
    found = differences(ENGLISH_DOCUMENT, welsh_of(ENGLISH_DOCUMENT, **change))
    assert len(found) == 1 and found[0].startswith(where)


def test_words_saying_a_number_the_english_does_not_say_are_found_and_fewer_numbers_are_words() -> (
    None
):
    english = {**ENGLISH_DOCUMENT, "note": "3 of 12 cases were sent back; 0 are overdue"}
    # The same numbers in other words (and Welsh may write none where English writes 0): the same report.
    same = welsh_of(english, note="Anfonwyd 3 o 12 achos yn ôl; does dim un yn hwyr")
    assert differences(english, same) == []
    # A number the English words hide (or only say once) said in the other language's words: found.
    for said in ("Anfonwyd 3 o 12 achos yn ôl; mae 2 yn hwyr", "Anfonwyd 3 o 12 achos, 3 yn hwyr"):
        found = differences(english, welsh_of(english, note=said))
        assert len(found) == 1 and found[0].startswith("/note: numbers")


def test_the_other_language_carries_the_english_digests_and_is_refused_when_it_differs() -> None:
    other = welsh_of(
        ENGLISH_DOCUMENT, reproducibility={"input_sha256": "c" * 64, "figures_sha256": "d" * 64}
    )
    assert differences(ENGLISH_DOCUMENT, other) != []  # its own digests are codes that differ
    made = same_document(ENGLISH_DOCUMENT, other, WELSH)
    assert made["reproducibility"] == ENGLISH_DOCUMENT["reproducibility"]
    assert with_digests_of(ENGLISH_DOCUMENT, other)["headline"] == other["headline"]
    with pytest.raises(NotTheSameReport, match="/grades/good/count"):
        same_document(
            ENGLISH_DOCUMENT,
            welsh_of(ENGLISH_DOCUMENT, grades={"good": {"label": "Da", "count": 9, "share": 0.25}}),
            WELSH,
        )


def test_a_document_is_written_in_english_unless_the_shell_is_speaking_another_language() -> None:
    phrase = ngettext_lazy("%(n)s case", "%(n)s cases", 2, n=2)
    assert say(phrase) == "2 cases" and saying() == ENGLISH
    assert say_word("Good") == "Good"

    def welsh(words: Phrase) -> str:
        return {"%(n)s case": "%(n)s achos", "Good": "Da"}[words.template] % dict(words.values)

    with speaking(WELSH, welsh):
        assert say(phrase) == "2 achos" and saying() == WELSH
        assert say_word("Good") == "Da"
        with speaking(ENGLISH, str):
            assert say(gettext_lazy("Good")) == "Good"
        assert saying() == WELSH
    assert saying() == ENGLISH and say(phrase) == "2 cases"
