"""Asking for a report in a language (``?language=cy``, ``report --language cy``): what is offered, what is
refused, and what is journaled (issue 25; docs/welsh.md, "Reports").  The Welsh words themselves are checked
by ``test_welsh_report``; here, the doors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from casereview.cli import app
from casereview.web.journal.models import JournalEntry
from casereview.web.language.services import language_choose
from casereview.web.reports.models import PublishedReport
from casereview.web.reports.services import report_publish

from .conftest import verified_client

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()


@pytest.fixture
def published(published_in_two_languages: dict[str, Any]) -> dict[str, Any]:
    return published_in_two_languages


def test_a_language_casereview_does_not_offer_is_no_such_file(published: dict[str, Any]) -> None:
    client = verified_client(published["lead"])
    pk, inspection = published["publication"].pk, published["inspection"].pk
    for asked in ("fr", "CY", "en", ""):
        assert (
            client.get(f"/reports/{pk}/download/?format=json&language={asked}").status_code == 404
        )
        assert (
            client.get(
                f"/reports/inspection/{inspection}/download/?format=json&language={asked}"
            ).status_code
            == 404
        )


def test_each_download_link_says_its_language_while_files_are_in_two(
    published: dict[str, Any], settings: Any
) -> None:
    client = verified_client(published["lead"])
    pk = published["publication"].pk
    page = client.get(f"/reports/{pk}/").content.decode()
    hidden = '<span class="govuk-visually-hidden">(<span lang="{}">{}</span>)</span></a>'
    assert page.count(hidden.format("en-GB", "English")) == 7
    assert page.count(hidden.format("cy", "Cymraeg")) == 7
    settings.CASEREVIEW_WELSH = False
    page = client.get(f"/reports/{pk}/").content.decode()
    assert "PDF</a>" in page and 'govuk-visually-hidden">(' not in page


def test_welsh_files_are_not_offered_while_the_service_is_not_in_welsh(
    published: dict[str, Any], settings: Any
) -> None:
    settings.CASEREVIEW_WELSH = False
    client = verified_client(published["lead"])
    pk = published["publication"].pk
    assert client.get(f"/reports/{pk}/download/?format=json&language=cy").status_code == 404
    page = client.get(f"/reports/{pk}/").content.decode()
    assert "language=cy" not in page and 'id="english-only"' not in page
    english = client.get(f"/reports/{pk}/download/?format=json")
    assert english.status_code == 200 and "Content-Language" not in english.headers  # as every page


def test_with_welsh_turned_off_a_report_is_published_in_english_only(
    published: dict[str, Any], settings: Any
) -> None:
    assert published["publication"].translations  # Welsh on: published in both
    settings.CASEREVIEW_WELSH = False
    again = report_publish(inspection=published["inspection"], actor=published["lead"])
    assert again.translations == {} and again.data["headline"]


def test_the_national_trend_downloaded_in_welsh_is_named_and_journaled_as_welsh(
    published: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    analyst = make_user("analyst", "analyst-l1")
    client = verified_client(analyst)
    english = client.get("/reports/national-trend/?format=json")
    assert 'filename="national-trend-published.json"' in english["Content-Disposition"]
    entry = JournalEntry.objects.filter(action="trend_generate").latest("seq")
    assert "language" not in entry.detail
    language_choose(user=analyst, language="cy")
    welsh = verified_client(analyst).get("/reports/national-trend/?format=json")
    assert 'filename="national-trend-published-cy.json"' in welsh["Content-Disposition"]
    assert welsh["Content-Language"] == "cy"
    entry = JournalEntry.objects.filter(action="trend_generate").latest("seq")
    assert entry.detail["language"] == "cy"


def test_a_publication_made_before_reports_were_in_welsh_is_offered_in_english_only(
    published: dict[str, Any],
) -> None:
    PublishedReport.objects.filter(pk=published["publication"].pk).update(translations={})
    client = verified_client(published["lead"])
    pk = published["publication"].pk
    page = client.get(f"/reports/{pk}/").content.decode()
    assert 'id="english-only"' in page and "language=cy" not in page
    assert client.get(f"/reports/{pk}/download/?format=json&language=cy").status_code == 404


def test_a_welsh_download_is_journaled_with_its_language_and_the_english_digest(
    published: dict[str, Any],
) -> None:
    client = verified_client(published["lead"])
    publication = published["publication"]
    response = client.get(f"/reports/{publication.pk}/download/?format=json&language=cy")
    document = json.loads(response.content)
    assert document["reproducibility"]["figures_sha256"] == publication.figures_sha256
    entry = JournalEntry.objects.filter(action="report_generate").latest("seq")
    assert (
        entry.detail["language"] == "cy"
        and entry.detail["figures_sha256"] == publication.figures_sha256
    )
    client.get(f"/reports/{publication.pk}/download/?format=json")
    english = JournalEntry.objects.filter(action="report_generate").latest("seq")
    assert "language" not in english.detail  # the English download's entry is as it always was


def test_the_command_line_writes_the_report_in_welsh_with_the_english_digests(
    published: dict[str, Any], tmp_path: Path
) -> None:
    pk = published["inspection"].pk
    english = runner.invoke(app, ["report", str(pk), "--published"])
    welsh = runner.invoke(app, ["report", str(pk), "--published", "--language", "cy"])
    assert english.exit_code == 0 and welsh.exit_code == 0, welsh.output
    a, b = json.loads(english.stdout), json.loads(welsh.stdout)
    assert a["reproducibility"]["figures_sha256"] == b["reproducibility"]["figures_sha256"]
    assert a["headline"] != b["headline"]
    # A Welsh full report checks against a regeneration as the English one does: its digests are the English.
    full = runner.invoke(app, ["report", str(pk), "--language", "cy"])
    saved = tmp_path / "report-cy.json"
    saved.write_text(full.stdout, encoding="utf-8")
    checked = runner.invoke(app, ["report", str(pk), "--check", str(saved)])
    assert checked.exit_code == 0 and json.loads(checked.stdout)["same_figures"] is True
    refused = runner.invoke(app, ["report", str(pk), "--language", "fr"])
    assert refused.exit_code != 0 and "--language must be one of" in refused.output
