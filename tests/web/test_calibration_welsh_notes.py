"""A calibration's tests' notes and frozen sentences in Welsh (issue 25): completing a calibration stores its
sentences as Phrases beside the English figures, so a Welsh page translates the frozen sentences themselves
(the tests' notes among them); an old calibration frozen with English text alone still reads in Welsh (or in
its frozen English); the drift's notes and the pages' refusals are in Welsh; English pages, and the stored
English, read exactly as before."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import ngettext

from casereview.domain.calibration import calibrate, drift
from casereview.domain.calibration_phrases import restored, stored
from casereview.domain.language import gettext_lazy
from casereview.web.calibration.models import Calibration
from casereview.web.calibration.sentences import figures_from
from casereview.web.core.phrases import translated
from tests.welsh import cy

from . import factories
from .factories import reader
from .test_calibration_app import drawn, world  # noqa: F401 (a fixture)
from .test_welsh_pages import english_pieces, english_sentences, visible_text

pytestmark = pytest.mark.django_db(transaction=True)

#: The note Stuart–Maxwell's test gives where a grade has no case graded differently (its English as the
#: stored figures have always held it: the grade's code).
LEFT_OUT = (
    "left out, with no case graded differently: %(grades)s (they add nothing to the test and would make "
    "its covariance singular)"
)


@pytest.fixture(autouse=True)
def welsh_compiled(welsh: Path) -> None:
    """The committed catalogue, compiled, and Welsh offered (tests/welsh.py)."""


def regraded_harshly(calibration: Calibration, inspector: Any) -> None:
    """Every other case the body called good the inspectorate calls inadequate; every other case as the body
    graded it: no case the body graded requires improvement is graded differently, so the Stuart–Maxwell
    test leaves that grade out, and says so in its note."""
    factories.assigned(calibration.inspection, [inspector])
    grades = calibration.frame["grades"]
    for i, a in enumerate(factories.assignments(calibration.inspection)):
        body = grades[a.sampled_case.case_ref]
        factories.graded_as(a, ("good", "inadequate")[i % 2] if body == "good" else body)


def completed_on_the_page(world: dict[str, Any], language: str) -> Calibration:  # noqa: F811
    """A calibration re-graded harshly, completed by its lead pressing Complete on a page in ``language``."""
    calibration = drawn(world, size=24)
    regraded_harshly(calibration, world["ina"])
    response = reader(world["lead"], language).post(
        f"/calibrations/{calibration.pk}/complete/", {"version": calibration.version}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    calibration.refresh_from_db()
    assert calibration.state == Calibration.State.COMPLETE and calibration.result is not None
    return calibration


def english_left(page: str, calibration: Calibration) -> list[str]:
    """The English a Welsh page shows (the page walk's two checks), but for the name of the calibration's
    inspection: a name, stored when the calibration was made, shown as it is."""
    text = visible_text(page).replace(calibration.inspection.name, "")
    found = sorted(s for s in english_sentences() if s in text) + english_pieces(page)
    return [piece for piece in found if piece != calibration.inspection.name]


def test_a_calibration_completed_in_welsh_shows_its_tests_notes_in_welsh(
    world: dict[str, Any],  # noqa: F811 (the fixture)
) -> None:
    calibration = completed_on_the_page(world, "cy")
    assert calibration.result is not None
    figures = calibration.result["figures"]
    # What is stored for the command line and the JSON stays English, whoever completed it in what language.
    note = figures["overall"]["stuart_maxwell"]["note"]
    assert note.startswith(LEFT_OUT % {"grades": "requires_improvement"})
    assert "Holm-adjusted over" in note
    page = reader(world["liaison"], "cy").get(f"/calibrations/{calibration.pk}/").content.decode()
    assert english_left(page, calibration) == []
    text = visible_text(page)
    assert cy(LEFT_OUT, grades="angen gwella") in text
    assert cy("the only %(family)s test, so not adjusted", family=cy("headline")) in text
    assert "requires_improvement" not in text and note not in text
    # The English page: the frozen English, word for word.
    english = reader(world["liaison"], "en-gb").get(f"/calibrations/{calibration.pk}/")
    assert html.escape(note) in english.content.decode()


def test_the_stored_phrases_say_the_frozen_english_word_for_word(
    world: dict[str, Any],  # noqa: F811 (the fixture)
) -> None:
    calibration = completed_on_the_page(world, "en-gb")
    assert calibration.result is not None
    inputs, figures = calibration.result["inputs"], calibration.result["figures"]
    # The figures are what the statistics of the stored inputs give, as before the Phrases were stored.
    assert figures == figures_from(inputs).as_dict()
    english = calibration.result["phrases"]["en-gb"]
    for key, found in (("overall", figures["overall"]), *figures["areas"].items()):
        part = english["sections"][key]
        assert str(restored(part["sentence"])) == found["sentence"]
        assert (found["warning"] or None) == (
            str(restored(part["warning"])) if part["warning"] else None
        )
        for name in ("stuart_maxwell", "bowker", "mcnemar"):
            assert str(restored(part["tests"][name])) == found[name]["note"]
    assert str(restored(english["corrected"]["sentence"])) == figures["corrected"]["sentence"]
    assert [str(restored(w)) for w in english["warnings"]] == figures["warnings"]
    # The Welsh set names the grades in the framework's Welsh words.
    welsh = calibration.result["phrases"]["cy"]["sections"]["overall"]["tests"]["stuart_maxwell"]
    assert "angen gwella" in str(restored(welsh))


def test_a_welsh_page_translates_the_frozen_phrases_not_sentences_worked_out_again(
    world: dict[str, Any],  # noqa: F811 (the fixture)
) -> None:
    calibration = completed_on_the_page(world, "en-gb")
    result = calibration.result
    assert result is not None
    frozen = gettext_lazy("No case has both the body's grade and the inspectorate's")
    result["phrases"]["cy"]["sections"]["overall"]["sentence"] = stored(frozen)
    Calibration.objects.filter(pk=calibration.pk).update(result=result)
    page = reader(world["liaison"], "cy").get(f"/calibrations/{calibration.pk}/").content.decode()
    assert html.escape(cy(str(frozen))) in page
    english = reader(world["liaison"], "en-gb").get(f"/calibrations/{calibration.pk}/")
    assert html.escape(result["figures"]["overall"]["sentence"]) in english.content.decode()


def test_an_old_calibration_frozen_without_phrases_still_reads_in_welsh(
    world: dict[str, Any],  # noqa: F811 (the fixture)
) -> None:
    calibration = completed_on_the_page(world, "en-gb")
    result = calibration.result
    assert result is not None
    del result["phrases"]  # as a calibration completed before the sentences were stored as Phrases
    Calibration.objects.filter(pk=calibration.pk).update(result=result)
    page = reader(world["liaison"], "cy").get(f"/calibrations/{calibration.pk}/").content.decode()
    assert english_left(page, calibration) == []
    text = visible_text(page)
    assert cy(LEFT_OUT, grades="angen gwella") in text
    assert result["figures"]["overall"]["sentence"] not in text
    english = reader(world["liaison"], "en-gb").get(f"/calibrations/{calibration.pk}/")
    assert html.escape(result["figures"]["overall"]["stuart_maxwell"]["note"]) in (
        english.content.decode()
    )


def test_the_refusals_of_the_calibration_page_are_in_welsh(
    world: dict[str, Any],  # noqa: F811 (the fixture)
) -> None:
    calibration = drawn(world, size=5)
    complete = f"/calibrations/{calibration.pk}/complete/"
    waiting = (
        "%(shown)s case of the sample not yet re-graded (%(cases)s): complete the calibration when every "
        "case has its final grade, or, if a case cannot be re-graded, complete it with those cases "
        "reported as missing"
    )
    with translation.override("cy"):
        welsh = ngettext(waiting, waiting.replace("case of", "cases of"), 5)
    assert welsh != waiting.replace("case of", "cases of"), "no Welsh in the catalogue"
    opening = html.escape(welsh.split("(%(cases)s)")[0] % {"shown": "5", "cases": ""})
    response = reader(world["lead"], "cy").post(complete, {"version": calibration.version})
    assert response.status_code == 400
    page = response.content.decode()
    assert opening in page and "cases of the sample not yet re-graded" not in page
    assert english_left(page, calibration) == []
    response = reader(world["lead"], "en-gb").post(complete, {"version": calibration.version})
    assert response.status_code == 400
    assert "5 cases of the sample not yet re-graded (" in response.content.decode()
    regraded_harshly(calibration, world["ina"])
    done = reader(world["lead"], "en-gb").post(complete, {"version": calibration.version})
    assert done.status_code == 302
    calibration.refresh_from_db()
    again = reader(world["lead"], "cy").post(complete, {"version": calibration.version})
    assert again.status_code == 400
    assert html.escape(cy("The calibration is already complete")) in again.content.decode()
    english = reader(world["lead"], "en-gb").post(complete, {"version": calibration.version})
    assert "The calibration is already complete" in english.content.decode()


def test_the_drifts_notes_are_in_welsh() -> None:
    """A calibration left out of the drift (another favourable side, or without the area) is named in
    Welsh, its date in Welsh too; in English the words are as before."""
    pairs = (
        [("good", "good")] * 6 + [("good", "inadequate")] * 4 + [("inadequate", "inadequate")] * 5
    )
    scale = ["good", "requires_improvement", "inadequate"]
    good = calibrate({}, pairs, scale)
    wide = calibrate({}, pairs, scale, favourable="requires_improvement")
    english = drift([(dt.date(2026, 1, 1), wide), (dt.date(2026, 6, 1), good)])
    assert str(english.notes[0]) == (
        "The calibration of 1 January 2026 counted good or requires improvement as favourable, the "
        "latest good (or used another scale): its bias is a different figure, so it is left out."
    )
    welsh = drift(
        [(dt.date(2026, 1, 1), wide), (dt.date(2026, 6, 1), good)],
        language="cy",
        labels={"good": "Da", "requires_improvement": "Angen gwella", "inadequate": "Annigonol"},
    )
    with translation.override("cy"):
        said = translated(welsh.notes[0])
        words = translated(welsh.words)
    assert said == cy(
        "The calibration of %(day)s counted %(then)s as favourable, the latest %(now)s (or used another "
        "scale): its bias is a different figure, so it is left out.",
        day="1 Ionawr 2026",
        then=cy("%(these)s or %(that)s", these="da", that="angen gwella"),
        now="da",
    )
    assert said in words and english_pieces(f"<p>{words}</p>") == []
    missing = drift(
        [(dt.date(2026, 1, 1), good), (dt.date(2026, 6, 1), calibrate({"a": pairs}, pairs, scale))],
        area="a",
        language="cy",
    )
    with translation.override("cy"):
        left = translated(missing.notes[0])
    assert left == cy(
        "The calibration of %(day)s did not calibrate %(where)s: left out.",
        day="1 Ionawr 2026",
        where="a",
    )
