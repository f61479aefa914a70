"""The follow-up evidence's sentences (each item's words, why it was not compared, the proposal's reason) are
written in the language the document is made in (issue 25); the figures, codes and proposals do not move,
and outside a document they stay the English a judgement stores.

A document made inside ``speaking(language, write)`` writes each sentence with ``write``.  Here ``write``
brackets the English it is given (« »), so a sentence made in the document's language is bracketed whole
(and English made outside the writer is not).  The Welsh itself is the catalogue's
(tests/web/test_welsh_report.py reads it in the demo's report).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pytest

from casereview.domain.followup_evidence import (
    AREA,
    WEAKNESS,
    BasisItem,
    Evidence,
    evidence_for_all,
)
from casereview.domain.language import WELSH, Phrase, speaking

TITLES = {
    (WEAKNESS, "W04"): "Child not seen or not spoken to",
    (WEAKNESS, "W07"): "Risk assessment not updated",
    (AREA, "initial_contact"): "Initial contact",
    (AREA, "help"): "Help",
}
#: The words of the evidence: everything else (figures, codes, the proposal) is the same in every language.
WORDS = ("words", "why_not", "reason", "detectable_words")


def bracketed(phrase: Phrase) -> str:
    return f"«{phrase.english()}»"


def whole(text: str) -> bool:
    """Nothing but sentences written whole by the writer (each may hold words it wrote too), and spaces."""
    depth = 0
    for character in text:
        depth += {"«": 1, "»": -1}.get(character, 0)
        if depth < 0 or (depth == 0 and character not in " »"):
            return False
    return depth == 0 and text.startswith("«")


def item(kind: str, code: str, found: int, total: int) -> BasisItem:
    return BasisItem(kind=kind, code=code, count=found, total=total)


#: One basis per proposal the numbers can make, and the reasons an item is not compared.
BASES: dict[str, list[BasisItem]] = {
    "worse": [item(AREA, "initial_contact", 5, 100), item(WEAKNESS, "W04", 10, 100)],
    "met": [item(WEAKNESS, "W04", 60, 100), item(WEAKNESS, "W07", 70, 100)],
    "partly met": [item(WEAKNESS, "W04", 60, 100), item(AREA, "initial_contact", 31, 100)],
    "too small": [item(AREA, "help", 4, 10)],
    "not recorded": [item(WEAKNESS, "W99", 5, 50), item(WEAKNESS, "W04", 60, 100)],
    "nothing to measure": [],
}
NOW = {
    (WEAKNESS, "W04"): (5, 100),
    (WEAKNESS, "W07"): (8, 100),
    (AREA, "initial_contact"): (30, 100),
    (AREA, "help"): (3, 6),
}


def evidence(**kwargs: Any) -> dict[str, Evidence]:
    return evidence_for_all(BASES, NOW, titles=TITLES, **kwargs)


def without_words(found: dict[str, Evidence]) -> dict[str, Any]:
    out = {}
    for key, e in found.items():
        shown = e.as_dict()
        shown.pop("reason")
        shown["items"] = [{k: v for k, v in asdict(i).items() if k not in WORDS} for i in e.items]
        out[key] = shown
    return out


def test_every_sentence_of_the_evidence_is_written_whole_in_the_documents_language() -> None:
    with speaking(WELSH, bracketed):
        found = evidence()
    assert {k: e.proposal for k, e in found.items()} == {
        "worse": "not_met",
        "met": "met",
        "partly met": "partly_met",
        "too small": None,
        "not recorded": None,
        "nothing to measure": None,
    }
    for key, e in found.items():
        # The reason is sentences, each written whole (no English left between them).
        assert whole(e.reason), (key, e.reason)
        for i in e.items:
            assert whole(i.words), (key, i.words)
            assert not i.why_not or whole(i.why_not), (key, i.why_not)


def test_the_figures_codes_and_proposals_are_the_same_in_every_language() -> None:
    english = evidence()
    with speaking(WELSH, bracketed):
        welsh = evidence()
    assert without_words(welsh) == without_words(english)
    # And the words did change: the check above is not comparing English with English.
    assert all(w.reason != e.reason for w, e in zip(welsh.values(), english.values(), strict=True))


@pytest.mark.parametrize("weighted", [False, True])
def test_outside_a_document_the_evidence_is_the_english_a_judgement_stores(weighted: bool) -> None:
    shares = (
        {k: (n / total, 0.03, total * 0.6) for k, (n, total) in NOW.items()} if weighted else None
    )
    found = evidence(weighted=shares)
    said = " ".join(
        [e.reason for e in found.values()] + [i.words for e in found.values() for i in e.items]
    )
    assert "«" not in said
    assert found["too small"].reason.startswith("No proposal: the new sample is too small to tell")
    assert found["not recorded"].reason == (
        "No proposal: the new sample does not record weakness W99. "
        "Judge from the evidence shown for the rest."
    )
