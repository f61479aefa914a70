"""The follow-up pages to a reader who chose Welsh: the words casereview makes in Python (a history's lines
and notes, a finding's basis, a refusal) are in Welsh, never the English they are made from.

Each expectation is the catalogue's own Welsh for the English template (``gettext`` under Welsh), and the test
first checks that the catalogue has one, so that it cannot pass by comparing English with English.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext

from casereview.domain.followup_proposal import NO_BASIS
from casereview.domain.words import MONTHS, uk_date
from casereview.importing.frameworks import load_framework
from casereview.web.followup.models import Finding
from casereview.web.language.services import language_choose

from . import factories
from .conftest import verified_client

pytestmark = pytest.mark.django_db


def text_of(response: Any) -> str:
    """The page's text without tags, whitespace collapsed, entities as characters."""
    import html

    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def in_welsh(english: str, **values: str) -> str:
    """The catalogue's Welsh for ``english`` with ``values``; fails when the catalogue has none."""
    with translation.override("cy"):
        said = gettext(english)
    assert said != english, f"no Welsh in the catalogue for {english!r}"
    return said % values if values else said


@pytest.fixture
def world(tmp_path: Path, welsh: Path) -> dict[str, Any]:
    made = factories.followup_world(tmp_path)
    for person in (made["lead"], made["liaison"]):
        language_choose(user=person, language="cy")
    return made


def test_a_recommendation_page_gives_its_history_and_basis_in_welsh(
    world: dict[str, Any],
) -> None:
    rec = world["recommendations"][0]
    page = verified_client(world["liaison"]).get(f"/recommendations/{rec.pk}/")
    assert page.status_code == 200 and '<html lang="cy"' in page.content.decode()
    words = text_of(page)
    for english in ("Recommendation added", "Recommendation published", "Finding published"):
        assert in_welsh(english) in words
        assert english not in words
    # The finding rests on W04, 2 of 2 cases: the sentence is Welsh, with the framework's Welsh title.
    framework = load_framework(world["inspection"].framework).in_language("cy")
    (title,) = [w.text for w in framework.weaknesses if w.code == "W04"]
    with translation.override("cy"):
        basis = ngettext(
            "%(title)s (%(code)s): %(n)s of %(total)s case showed it (%(share)s)",
            "%(title)s (%(code)s): %(n)s of %(total)s cases showed it (%(share)s)",
            2,
        )
    assert "showed it" not in basis
    expected = basis % {"title": title, "code": "W04", "n": "2", "total": "2", "share": "100.0%"}
    assert expected in words and "showed it" not in words


def test_a_plans_history_gives_its_due_day_in_welsh(world: dict[str, Any]) -> None:
    plan = world["plan"]
    page = verified_client(world["liaison"]).get(f"/recommendations/plans/{plan.pk}/")
    assert page.status_code == 200
    words = text_of(page)
    due = in_welsh("due %(date)s", date=uk_date(plan.due_on, language="cy"))
    assert in_welsh("Action plan created") in words and due in words
    assert MONTHS["cy"][plan.due_on.month - 1] in due
    assert f"due {plan.due_on.day} {MONTHS['en-gb'][plan.due_on.month - 1]}" not in words
    assert "Action plan created" not in words


def test_a_refusal_is_shown_in_welsh_and_changes_nothing(world: dict[str, Any]) -> None:
    finding = Finding.objects.get(pk=world["findings"][0].pk)
    assert finding.state == "published"
    response = verified_client(world["lead"]).post(
        f"/recommendations/inspections/{world['inspection'].pk}/findings/",
        {"do": "publish_finding", "finding": finding.pk, "version": finding.version},
    )
    assert response.status_code == 400
    words = text_of(response)
    refusal = in_welsh(
        "A finding that is %(state)s cannot be published", state=in_welsh("published")
    )
    assert refusal in words
    assert "cannot be published" not in words
    assert Finding.objects.get(pk=finding.pk).version == finding.version


def test_the_judging_page_says_there_is_nothing_to_measure_in_welsh(world: dict[str, Any]) -> None:
    # Finding 2 rests on nothing: its recommendation (R3) has no proposal, for a reason the page translates.
    page = verified_client(world["lead"]).get(
        f"/recommendations/inspections/{world['later'].pk}/judge/"
    )
    assert page.status_code == 200
    words = text_of(page)
    assert in_welsh(NO_BASIS) in words and NO_BASIS not in words
