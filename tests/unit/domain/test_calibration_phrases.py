"""A calibration's sentences as Phrases (issue 25): the tests' notes are Phrases whose English is what was
always stored, naming the grades in given words when asked; every sentence of the figures is stored as JSON
and read back as the same Phrase."""

from __future__ import annotations

import json

import numpy as np

from casereview.domain.calibration import bowker, calibrate, stuart_maxwell
from casereview.domain.calibration_phrases import restored, sentences, stored
from casereview.domain.language import Phrase, gettext_lazy, ngettext_lazy

SCALE = ["good", "requires_improvement", "inadequate"]
#: Nobody graded differently on requires improvement; inadequate had no case at all in the second table.
TABLE = np.array([[6, 0, 4], [0, 3, 0], [1, 0, 5]])
EMPTY_LAST = np.array([[6, 2, 0], [1, 3, 0], [0, 0, 0]])


def test_a_stuart_maxwell_note_is_a_phrase_with_the_english_as_it_was_stored() -> None:
    test = stuart_maxwell(TABLE, SCALE)
    assert isinstance(test.note, Phrase)
    assert str(test.note) == (
        "left out, with no case graded differently: requires_improvement (they add nothing to the test "
        "and would make its covariance singular)"
    )
    named = stuart_maxwell(TABLE, SCALE, words={"requires_improvement": "angen gwella"})
    assert "angen gwella" in str(named.note) and named.dropped == ("requires_improvement",)
    assert named.as_dict()["note"] == str(named.note)


def test_a_bowker_note_is_a_phrase_with_the_english_as_it_was_stored() -> None:
    test = bowker(EMPTY_LAST, SCALE)
    assert isinstance(test.note, Phrase)
    assert str(test.note) == "left out, with no case: inadequate"
    assert str(bowker(EMPTY_LAST, SCALE, words={"inadequate": "annigonol"}).note) == (
        "left out, with no case: annigonol"
    )


def test_a_tests_note_and_its_adjustment_are_one_phrase_with_the_english_as_before() -> None:
    pairs = [(SCALE[i], SCALE[j]) for i in range(3) for j in range(3) for _ in range(TABLE[i][j])]
    figures = calibrate({"a": pairs}, pairs, SCALE)
    note = figures.overall.stuart_maxwell.note if figures.overall.stuart_maxwell else None
    assert isinstance(note, Phrase)
    english = str(note)
    assert english.startswith("left out, with no case graded differently: requires_improvement (")
    assert "); Holm-adjusted over 5 exploratory tests: p = " in english
    headline = figures.overall.mcnemar
    assert headline is not None and str(headline.note) == "the only headline test, so not adjusted"


def test_a_phrase_stored_as_json_reads_back_as_the_same_phrase() -> None:
    inner = ngettext_lazy("%(shown)s case", "%(shown)s cases", 3, shown="3")
    phrase = gettext_lazy("%(first)s; %(then)s", first=inner, then=7)
    again = restored(json.loads(json.dumps(stored(phrase))))
    assert again == gettext_lazy("%(first)s; %(then)s", first=inner, then="7")
    assert str(again) == str(phrase) == "3 cases; 7"
    assert restored(stored("plain words")) == "plain words" and restored(stored(None)) is None


def test_every_sentence_of_a_calibration_is_stored_and_says_the_frozen_english() -> None:
    pairs = [(SCALE[i], SCALE[j]) for i in range(3) for j in range(3) for _ in range(TABLE[i][j])]
    figures = calibrate(
        {"a": pairs[:6]},
        pairs,
        SCALE,
        body_all={"good": 20, "requires_improvement": 5, "inadequate": 6},
    )
    frozen = figures.as_dict()
    said = json.loads(json.dumps(sentences(figures)))
    for key, found in (("overall", frozen["overall"]), *frozen["areas"].items()):
        part = said["sections"][key]
        assert str(restored(part["sentence"])) == found["sentence"]
        assert (str(restored(part["warning"])) if part["warning"] else None) == found["warning"]
        assert {name: str(restored(n)) for name, n in part["tests"].items()} == {
            name: found[name]["note"] for name in ("stuart_maxwell", "bowker", "mcnemar")
        }
    assert str(restored(said["corrected"]["sentence"])) == frozen["corrected"]["sentence"]
    assert [str(restored(w)) for w in said["warnings"]] == frozen["warnings"]
