"""Casework words made in Python, in Welsh for a Welsh reader (issue 25): the lead's task list and stage, a
refusal on the sample page, the users page's roles; the same pages in English for an English reader.

The expected Welsh is read from the catalogue (``gettext`` under ``translation.override("cy")``) and each
is checked to differ from its English first, so that no assertion can pass on an English page.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from casereview.domain.roles import Role
from casereview.web.language.services import language_choose
from casereview.web.registers.models import Body

from . import factories

pytestmark = pytest.mark.django_db(transaction=True)


def welsh_of(english: str) -> str:
    with translation.override("cy"):
        said = gettext(english)
    assert said != english, f"no Welsh for {english!r}"
    return said


def client_of(person: Any, *, welsh: bool) -> Any:
    if welsh:
        language_choose(user=person, language="cy")
    return factories.verified_client(person)  # the stored choice is read at sign-in


def text_of(response: Any) -> str:
    """The page's text, tags out, entities read and spaces joined (words split over lines read as one)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def lead_with_a_register(body: Body, tmp_path: Path) -> tuple[Any, Any]:
    """A lead inspector's inspection: seed committed, one register imported since (ready to draw)."""
    lead = factories.user(Role.LEAD_INSPECTOR, "lena")
    inspection = factories.inspection(lead=lead)
    factories.register(tmp_path, rows=30)
    return lead, inspection


def test_the_leads_task_list_and_stage_are_in_welsh_for_a_welsh_reader(
    lead_with_a_register: tuple[Any, Any], welsh: Path
) -> None:
    lead, inspection = lead_with_a_register
    client = client_of(lead, welsh=True)
    page = text_of(client.get(reverse("inspections:detail", args=[inspection.pk])))
    with translation.override("cy"):
        ready = ngettext(
            "%(shown)s register ready to draw from", "%(shown)s registers ready to draw from", 1
        ) % {"shown": "1"}
    assert ready != "1 register ready to draw from"
    for words in (
        welsh_of("Draw the sample"),  # a step's title
        welsh_of("Not yet started"),  # its status
        welsh_of("Cannot start yet"),  # a later step's status
        ready,  # the register step's hint
    ):
        assert words in page, words
    for english in ("Draw the sample", "Not yet started", "1 register ready to draw from"):
        assert english not in page, english
    home = text_of(client.get(reverse("home")))
    assert welsh_of("Ready to draw the sample") in home  # the stage on the lead's start page
    listed = text_of(client.get(reverse("inspections:index")))
    assert welsh_of("Ready to draw the sample") in listed and welsh_of("Newest first") in listed


def test_the_leads_task_list_and_stage_stay_english_for_an_english_reader(
    lead_with_a_register: tuple[Any, Any], welsh: Path
) -> None:
    lead, inspection = lead_with_a_register
    client = client_of(lead, welsh=False)
    page = text_of(client.get(reverse("inspections:detail", args=[inspection.pk])))
    for english in (
        "Draw the sample",
        "Not yet started",
        "Cannot start yet",
        "1 register ready to draw from",
    ):
        assert english in page, english
    assert welsh_of("Not yet started") not in page
    assert "Ready to draw the sample" in text_of(client.get(reverse("home")))
    listed = text_of(client.get(reverse("inspections:index")))
    assert "Ready to draw the sample" in listed and "Newest first" in listed


def test_a_refusal_on_the_sample_page_is_in_the_readers_language(
    lead_with_a_register: tuple[Any, Any], welsh: Path
) -> None:
    """The seed is already committed: committing again is refused, in Welsh for a Welsh reader."""
    lead, inspection = lead_with_a_register
    english = "Inspection %(inspection)s already committed to a seed on %(when)s"
    before_values = welsh_of(english).split("%(")[0].strip()
    commit = reverse("inspections:commit", args=[inspection.pk])
    cy = client_of(lead, welsh=True).post(commit)
    assert cy.status_code == 409
    assert before_values and before_values in text_of(cy)
    assert f"Inspection {inspection.pk} already committed to a seed on" not in text_of(cy)
    language_choose(user=lead, language="en-gb")  # the same lead, now reading English
    said = text_of(factories.verified_client(lead).post(commit))
    assert f"Inspection {inspection.pk} already committed to a seed on" in said


def test_the_users_page_names_roles_in_the_readers_language(body: Body, welsh: Path) -> None:
    admin = factories.user(Role.ADMINISTRATOR, "ada")
    factories.user(Role.LEAD_INSPECTOR, "lena")
    cy = text_of(client_of(admin, welsh=True).get(reverse("accounts:users")))
    for role in ("Lead inspector", "Liaison officer", "Body's own auditor", "Administrator"):
        assert welsh_of(role) in cy, role
    assert "Lead inspector" not in cy and "Liaison officer" not in cy
    language_choose(user=admin, language="en-gb")
    en = text_of(factories.verified_client(admin).get(reverse("accounts:users")))
    for role in ("Lead inspector", "Liaison officer", "Body's own auditor", "Administrator"):
        assert role in en, role
    assert welsh_of("Lead inspector") not in en


def test_a_role_change_is_announced_with_the_role_in_the_readers_language(
    body: Body, welsh: Path
) -> None:
    admin = factories.user(Role.ADMINISTRATOR, "ada")
    factories.user(Role.INSPECTOR, "ina")
    client = client_of(admin, welsh=True)  # just signed in: recent enough to change a role
    response = client.post(
        reverse("accounts:user_role", args=["ina"]), {"role": Role.ANALYST.value}, follow=True
    )
    with translation.override("cy"):
        expected = gettext("%(username)s is now %(role)s") % {
            "username": "ina",
            "role": gettext("Analyst").lower(),
        }
    assert expected != "ina is now analyst"
    assert expected in text_of(response)


def test_a_role_inside_a_refusal_reads_as_before_in_english() -> None:
    """The refusal "ina is already lead inspector" names each role by its own words in lower case."""
    from casereview.web.accounts.services import _ROLE_IN_SENTENCE

    assert {r: str(_ROLE_IN_SENTENCE[r]) for r in Role} == {r: r.label.lower() for r in Role}
