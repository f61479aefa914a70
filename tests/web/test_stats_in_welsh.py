"""Statistics made in Python, in Welsh for a Welsh reader (issue 25): a calibration's page (its sentences,
tests, warnings, dates, drift and refusals) and the report's pages; English pages, and what is stored and
published, read exactly as before."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext

from casereview.domain import release as rules
from casereview.domain.calibration_results import TEST_WORDS
from casereview.domain.language import WELSH
from casereview.domain.words import MONTHS
from casereview.web.calibration.models import Calibration
from casereview.web.registers.models import Body
from casereview.web.registers.services import register_import
from casereview.web.reports.charts_time import SHARE_AXIS
from casereview.web.reports.release_selectors import announcement_words

from . import factories
from .factories import reader
from .test_calibration_app import completed, world  # noqa: F401 (a fixture)
from .test_reports import inspection_with_grades

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def welsh_compiled(welsh: Path) -> None:
    """The committed catalogue, compiled, and Welsh offered (tests/welsh.py)."""


def in_welsh(english: str) -> str:
    with translation.override("cy"):
        said = gettext(english)
    assert said != english, f"no Welsh in the catalogue for {english!r}"
    return said


def shown(text: str) -> str:
    return html.escape(text)


def test_a_completed_calibration_reads_in_welsh_for_a_welsh_reader(
    world: dict[str, Any],  # noqa: F811 (the fixture)
) -> None:
    calibration = completed(world, size=24)
    assert calibration.result is not None
    stored = calibration.result["figures"]["overall"]["sentence"]
    page = reader(world["liaison"], "cy").get(f"/calibrations/{calibration.pk}/").content.decode()
    assert 'lang="cy"' in page
    # The headline sentence: the statistics' own words, in Welsh, not the stored English.
    assert shown(stored) not in page and stored.split(";")[0] not in page
    with translation.override("cy"):
        audit = gettext("%(body)s's audit") % {"body": calibration.body.name}
        opening = gettext(
            "%(audit)s graded %(body_share)s %(favourable)s; on the same %(cases)s the inspectorate found "
            "%(inspectorate_share)s"
        ).split("%(")[0]
    assert opening and shown(opening) in page and shown(audit) in page
    # The tests by name, the overall grade's title, the state and the completion date.
    for name in TEST_WORDS.values():
        assert name not in page
    assert shown(in_welsh(TEST_WORDS["stuart_maxwell"])) in page
    assert in_welsh("Overall grade") in page and ">Overall grade<" not in page
    assert shown(in_welsh("Complete")) in page
    completed_at = calibration.completed_at
    assert completed_at is not None
    assert MONTHS[WELSH][completed_at.month - 1] in page
    # The corrected figure and the drift, in Welsh too.
    corrected = calibration.result["figures"]["corrected"]
    assert corrected is not None and shown(corrected["sentence"]) not in page
    assert corrected["sentence"].split(" of all ")[0] not in page
    assert shown(in_welsh("One calibration so far: nothing to compare with yet.")) in page
    # Differences in points, and the drift chart's words.
    assert " points" not in page.replace("percentage points", "")
    assert shown(in_welsh("End of the own audit's period")) in page


def test_a_welsh_page_shows_the_frozen_english_when_its_sentences_would_say_other_figures(
    world: dict[str, Any],  # noqa: F811 (the fixture)
) -> None:
    """A calibration frozen before its sentences were stored as Phrases: the Welsh sentences are worked out
    again from the stored inputs; were the statistics code to change after completion, they could state
    other figures than the frozen ones: then the page shows the frozen English, never a sentence that
    disagrees with the figures beside it."""
    calibration = completed(world, size=24)
    assert calibration.result is not None
    frozen = "The frozen sentence, as it was worded on the day of completion"
    result = calibration.result
    del result["phrases"]  # as an earlier version froze it
    result["figures"]["overall"]["sentence"] = frozen  # as if worked out by an earlier version
    Calibration.objects.filter(pk=calibration.pk).update(result=result)
    page = reader(world["liaison"], "cy").get(f"/calibrations/{calibration.pk}/").content.decode()
    assert 'lang="cy"' in page and shown(frozen) in page
    with translation.override("cy"):
        opening = gettext(
            "%(audit)s graded %(body_share)s %(favourable)s; on the same %(cases)s the inspectorate found "
            "%(inspectorate_share)s"
        ).split("%(")[0]
    assert shown(opening) not in page


def test_the_english_calibration_page_and_the_stored_figures_are_as_before(
    world: dict[str, Any],  # noqa: F811 (the fixture)
) -> None:
    calibration = completed(world, size=24)
    assert calibration.result is not None
    figures = calibration.result["figures"]
    english = reader(world["liaison"], "en-gb").get(f"/calibrations/{calibration.pk}/")
    page = english.content.decode()
    assert figures["overall"]["sentence"].replace("'", "&#x27;") in page
    assert figures["overall"]["sentence"].startswith(f"{calibration.body.name}'s audit graded ")
    assert "Stuart–Maxwell test of marginal homogeneity" in page and ">Overall grade<" in page
    assert "End of the own audit&#x27;s period" in page and " points" in page
    assert "One calibration so far: nothing to compare with yet." in page
    assert figures["corrected"]["sentence"].replace("'", "&#x27;") in page
    # What is stored stays English, whoever completed it and whatever their language.
    again = Calibration.objects.get(pk=calibration.pk)
    assert again.result == calibration.result
    assert all(isinstance(w, str) for w in figures["warnings"])


def test_a_refusal_on_the_calibration_pages_is_in_welsh(
    world: dict[str, Any],  # noqa: F811 (the fixture)
) -> None:
    lead = reader(world["lead"], "cy")
    audit = world["audit"]
    response = lead.post("/calibrations/new/", {"own_audit": audit.pk, "size": 100_000})
    assert response.status_code == 400
    with translation.override("cy"):
        refused = ngettext(
            "Choose a size from 1 to %(most)s: the own audit graded %(shown)s case",
            "Choose a size from 1 to %(most)s: the own audit graded %(shown)s cases",
            40,
        ) % {"most": 40, "shown": "40"}
    assert not refused.startswith("Choose a size")
    assert shown(refused) in response.content.decode()
    assert "Choose a size from 1 to 40" not in response.content.decode()


# --- The report's pages -----------------------------------------------------------------------------------


@pytest.fixture
def report_world(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path]
) -> dict[str, Any]:
    """test_reports' world: an earlier inspection and this one, each with every case graded."""
    lead, ina = make_user("lead_inspector", "lead"), make_user("inspector", "ina")
    inspection_with_grades(
        lead,
        ina,
        register_csv(rows=300, seed=1, name="a.csv"),
        name="Q4 2023",
        period_end=dt.date(2023, 12, 31),
        grades=["good"] * 8 + ["inadequate"] * 2,
    )
    now = inspection_with_grades(
        lead,
        ina,
        register_csv(rows=300, seed=2, name="b.csv"),
        name="Q1 2024",
        period_end=dt.date(2024, 3, 31),
        grades=["good"] * 3 + ["requires_improvement"] * 2 + ["inadequate"] * 7,
    )
    return {"lead": lead, "now": now, "register_csv": register_csv}


def test_the_draft_report_pages_charts_speak_welsh_and_english_as_before(
    report_world: dict[str, Any],
) -> None:
    path = f"/reports/inspection/{report_world['now'].pk}/"
    english = reader(report_world["lead"], "en-gb").get(path).content.decode()
    welsh = reader(report_world["lead"], "cy").get(path).content.decode()
    for words in (
        SHARE_AXIS,
        "Inspection in casereview",
        "This inspection",
        "Period end, spaced by date",
    ):
        assert shown(words) in english, words
        assert shown(in_welsh(words)) in welsh and shown(words) not in welsh, words
    assert 'aria-label="Chart: ' in english and 'aria-label="Chart: ' not in welsh
    assert in_welsh("Chart: %(title)s").split("%(")[0] in welsh


def test_what_stands_before_publication_is_said_in_welsh(report_world: dict[str, Any]) -> None:
    unfinished = factories.inspection(
        lead=report_world["lead"],
        name="Q2 2024",
        period_start=dt.date(2024, 4, 1),
        period_end=dt.date(2024, 6, 30),
    )
    register = register_import(
        path=report_world["register_csv"](rows=50, seed=3, name="c.csv"), body_code="SYN"
    )
    factories.sample(unfinished, register, size=4)
    path = f"/reports/inspection/{unfinished.pk}/publish/"
    english = reader(report_world["lead"], "en-gb").post(path)
    assert b"4 of 4 sampled cases have no submitted review" in english.content
    welsh = reader(report_world["lead"], "cy").post(path)
    with translation.override("cy"):
        problem = ngettext(
            "%(missing)s of %(shown)s sampled case has no submitted review",
            "%(missing)s of %(shown)s sampled cases have no submitted review",
            4,
        ) % {"missing": "4", "shown": "4"}
    assert welsh.status_code == 409 and not problem.startswith("4 of 4")
    assert shown(problem) in welsh.content.decode()
    assert b"sampled cases have no submitted review" not in welsh.content


def test_a_published_reports_files_are_the_same_english_for_a_welsh_reader(
    report_world: dict[str, Any],
) -> None:
    pk = report_world["now"].pk
    lead = reader(report_world["lead"], "cy")
    assert lead.post(f"/reports/inspection/{pk}/publish/").status_code == 302
    publication = report_world["now"].publications.get()
    english = reader(report_world["lead"], "en-gb")
    for fmt in ("html", "json", "csv"):
        path = f"/reports/{publication.pk}/download/?format={fmt}"
        theirs, ours = lead.get(path), english.get(path)
        assert theirs.status_code == 200 and theirs.content == ours.content, fmt
    html_file = english.get(f"/reports/{publication.pk}/download/?format=html").content.decode()
    assert 'aria-label="Chart: ' in html_file and shown(SHARE_AXIS) in html_file
    # The stored document stays as published: English sentences, never a Phrase or Welsh.
    assert isinstance(publication.data["headline"], str)


def test_an_announced_publication_is_worded_in_welsh_and_as_the_domain_words_it_in_english() -> (
    None
):
    at = dt.datetime(2027, 1, 14, 9, 30, tzinfo=dt.UTC)
    earlier = dt.datetime(2027, 1, 12, 9, 30, tzinfo=dt.UTC)
    changes = [
        {"from": earlier.isoformat(), "to": at.isoformat(), "reason": "moved"},
        {"from": at.isoformat(), "to": at.isoformat(), "reason": "again"},
    ]
    scheduled = SimpleNamespace(release_at=at, pre_release_access=[], changes=changes)
    with translation.override("en-gb"):
        english = announcement_words(scheduled)  # type: ignore[arg-type]
    assert english == {
        "when": rules.release_words(at),
        "access": rules.pre_release_words([]),
        "changed": rules.changed_words(changes, at),
        "late": "",
    }
    with translation.override("cy"):
        welsh = announcement_words(scheduled)  # type: ignore[arg-type]
    assert "Ionawr" in welsh["when"] and "January" not in welsh["when"]
    assert welsh["access"] == in_welsh("no one was given access before release")
    assert welsh["changed"].startswith(
        in_welsh("Originally announced for %(when)s; changed because %(reasons)s").split("%(")[0]
    )
