"""The words the report's HTML and PDF write around the document's own sentences, in Welsh (issue 25): the
language of the document, its protective marking, running header and metadata, the contents' "page N", the
footer's "Page N of M", the charts' dates, a comparison's direction (a code in the JSON, words where shown),
and the published page of a report published before reports were written in Welsh (English, marked so).

The document's own sentences are checked by ``test_welsh_report``; these are the pieces the templates,
``report_tags``, the charts and ``domain.marking`` make.  Each expected Welsh word is read from the catalogue
(``cy``), so a test fails when the catalogue lacks it.
"""

from __future__ import annotations

import copy
import html as html_text
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import pgettext

from casereview.domain.language import WELSH
from casereview.domain.tables import publication_date
from casereview.domain.words import uk_date
from casereview.web.core.phrases import written_in
from casereview.web.language.services import language_choose
from casereview.web.reports import rendering
from casereview.web.reports.charts_time import share_chart
from casereview.web.reports.models import PublishedReport
from tests.welsh import cy

from .conftest import verified_client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def published(published_in_two_languages: dict[str, Any]) -> dict[str, Any]:
    return published_in_two_languages


def _day(document: dict[str, Any]) -> str:
    return uk_date(publication_date(document), language=WELSH)


def test_the_welsh_html_is_in_welsh_with_its_marking_and_contents_in_welsh(
    published: dict[str, Any],
) -> None:
    document = published["welsh"]
    html = html_text.unescape(rendering.render(document, "html", WELSH).content.decode())
    english = rendering.render(published["publication"].data, "html").content.decode()
    assert '<html lang="cy">' in html and '<html lang="en-GB">' in english
    official, status = cy("OFFICIAL"), cy("Published %(day)s", day=_day(document))
    assert f'data-classification="{official}"' in html and f'data-running-status="{status}"' in html
    assert f'<span class="cr-classification">{official}</span> – {status}' in html
    start, end = (uk_date(day, language=WELSH) for day in document["inspection"]["period"])
    assert cy("%(start)s to %(end)s", start=start, end=end) in html
    assert cy("Published report, %(day)s, with small numbers hidden.", day=_day(document)) in html
    subject = re.search(r'<meta name="description" content="([^"]+)"', html)
    assert subject and subject[1].startswith(cy("Inspection report: %(name)s", name="Q1 2024"))
    with translation.override(WELSH):
        page = pgettext("a contents line's page number in the PDF: page 3", "page")
    assert page != "page"
    # The PDF's contents lines carry the word for "page" in the document's language (the HTML download has no
    # page numbers, so no word either); English keeps "page"
    with written_in(WELSH):
        for_pdf = rendering.html_document(document, for_pdf=True)
    english_pdf = rendering.html_document(published["publication"].data, for_pdf=True)
    assert (
        for_pdf.count(f'data-page-word="{page}"') == english_pdf.count('data-page-word="page"') > 1
    )
    assert (
        html.count("data-page-word=") == 1
    )  # the running header's, for the footer's "Page N of M"
    assert 'data-classification="OFFICIAL"' in english


def test_the_welsh_pdf_numbers_its_pages_and_contents_in_welsh_and_says_so_in_its_metadata(
    published: dict[str, Any],
) -> None:
    document = published["welsh"]
    pdf = rendering.render(document, "pdf", WELSH).content
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"],  # noqa: S607 (poppler-utils)
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    with translation.override(WELSH):
        page_word = pgettext("Page 1 of 5, in the PDF's footer", "Page")
        of_word = pgettext("Page 1 of 5, in the PDF's footer", "of")
        contents_word = pgettext("a contents line's page number in the PDF: page 3", "page")
    assert re.search(rf"{page_word} 1 {of_word} \d+", text) and "Page 1 of" not in text
    assert re.search(rf"{re.escape(cy('About this inspection'))} +{contents_word} \d+", text), text[
        :3000
    ]
    assert not re.search(r"\bpage \d+", text)
    info = subprocess.run(
        ["pdfinfo", "-"],  # noqa: S607 (poppler-utils)
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert cy("Inspection report: %(name)s", name="Q1 2024") in info
    assert cy("inspection report") in info and cy("OFFICIAL") in info


def test_a_comparison_s_direction_is_shown_in_the_document_s_language(
    published: dict[str, Any],
) -> None:
    document = copy.deepcopy(published["welsh"])
    # A comparison whose figures are hidden shows only its direction (a code in the JSON)
    document["comparisons"] = [
        {
            "against": "Q4 2023",
            "kind": "inspection",
            "period_end": "2023-12-31",
            "suppressed": True,
            "direction": "worse",
        }
    ]
    html = html_text.unescape(rendering.render(document, "html", WELSH).content.decode())
    worse = cy("worse")
    said = cy("%(direction)s (the figures are hidden)", direction=worse[:1].upper() + worse[1:])
    assert said in html
    english = rendering.render(document, "html").content.decode()
    assert "Worse (the figures are hidden)" in english


def test_a_report_published_before_reports_were_in_welsh_is_shown_in_english_marked_as_english(
    published: dict[str, Any],
) -> None:
    publication = published["publication"]
    PublishedReport.objects.filter(pk=publication.pk).update(translations={})
    lead = published["lead"]
    language_choose(user=lead, language=WELSH)
    page = html_text.unescape(
        verified_client(lead).get(f"/reports/{publication.pk}/").content.decode()
    )
    assert '<html lang="cy"' in page
    # The whole report, headings and all, in English under lang="en-GB"; the page around it in Welsh
    body = page[page.index('<div lang="en-GB">') :]
    assert 'id="report-body"' in body and "Overall grades" in body
    assert cy("Overall grades") not in body
    said = re.search(r'<p class="govuk-body" id="english-only">([^<]+)</p>', page)
    assert said and said[1] == cy(
        "This report was published before casereview wrote reports in Welsh, so the report and "
        "its files are in English only."
    )


def test_a_chart_over_time_writes_its_months_in_the_language_it_is_drawn_in(welsh: Path) -> None:
    points = [
        {
            "label": label,
            "share": share,
            "ci_low": share - 0.1,
            "ci_high": share + 0.1,
            "kind": "inspection",
            "now": now,
            "period_end": end,
        }
        for label, share, now, end in (
            ("Q1", 0.5, False, "2024-03-31"),
            ("Q2", 0.6, True, "2024-06-30"),
        )
    ]
    drawn = {}
    for language in ("en-gb", WELSH):
        with translation.override(language):
            chart = share_chart(points, title="T", chart_id="c")
        drawn[language] = re.findall(r'class="cr-date-tick"[^>]*>([^<]+)<', chart)
    assert drawn["en-gb"] == ["Mar 2024", "Jun 2024"]
    with translation.override(WELSH):
        march, june = pgettext("month, short", "Mar"), pgettext("month, short", "Jun")
    assert (march, june) != ("Mar", "Jun")
    assert drawn[WELSH] == [f"{march} 2024", f"{june} 2024"]
