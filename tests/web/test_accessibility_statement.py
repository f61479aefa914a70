"""The accessibility statement (/accessibility/): the model form's sections, open to everyone, linked from the
footer of every page."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from casereview.domain.roles import ROLES

from .conftest import verified_client

pytestmark = pytest.mark.django_db

FOOTER_LINK = '<a class="govuk-footer__link" href="/accessibility/">Accessibility statement</a>'
#: The model statement's headings, in its order (GOV.UK's sample accessibility statement).
HEADINGS = [
    ("h1", "Accessibility statement for casereview"),
    ("h2", "How accessible this service is"),
    ("h2", "Feedback and contact information"),
    ("h2", "Reporting accessibility problems with this service"),
    ("h2", "Enforcement procedure"),
    ("h2", "Technical information about this service’s accessibility"),
    ("h3", "Compliance status"),
    ("h3", "Non-accessible content"),
    ("h4", "Non-compliance with the accessibility regulations"),
    ("h4", "Other known issues"),
    ("h3", "Disproportionate burden"),
    ("h3", "Content that’s not within the scope of the accessibility regulations"),
    ("h2", "What we’re doing to improve accessibility"),
    ("h2", "Preparation of this accessibility statement"),
]


def headings(html: str) -> list[tuple[str, str]]:
    found = re.findall(r"<(h[1-4])[^>]*>(.*?)</h[1-4]>", html, flags=re.S)
    return [(tag, re.sub(r"<[^>]+>", "", text).strip()) for tag, text in found]


def test_the_statement_reads_signed_out_in_the_model_form() -> None:
    response = Client().get("/accessibility/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Accessibility statement – casereview</title>" in html
    main = html.split('id="main-content"', 1)[1]
    assert [h for h in headings(main) if h[0] != "h2" or "Support links" not in h[1]] == HEADINGS
    assert "partially compliant with the" in html and "WCAG22" in html
    assert "Equality and Human Rights Commission (EHRC)" in html
    assert "Equality Commission for Northern Ireland (ECNI)" in html
    assert "Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility" in html
    # Known issues, named with the success criterion they fail.
    assert "1.4.10 (Reflow)" in html and "1.3.1 (Info and Relationships)" in html
    assert "dd/mm/yyyy" in html
    assert "This statement was prepared on 3 December 2026" in html
    assert FOOTER_LINK in html
    # Without a contact configured: the documented placeholder.
    assert "the administrator of casereview for your team or organisation" in html
    assert "sign out" not in html.lower()  # nobody is signed in


@override_settings(
    CASEREVIEW_ACCESSIBILITY_CONTACT="Accessibility team: access@inspectorate.example\n0100 000 0000",
    CASEREVIEW_ORGANISATION="The Example Inspectorate",
)
def test_the_contact_and_organisation_come_from_the_settings() -> None:
    html = Client().get("/accessibility/").content.decode()
    assert "Accessibility team: access@inspectorate.example<br>0100 000 0000" in html
    assert "This service is run by The Example Inspectorate." in html
    assert "The Example Inspectorate is committed to making this service accessible" in html


@override_settings(
    CASEREVIEW_ACCESSIBILITY_CONTACT="", CASEREVIEW_SUPPORT_CONTACT="Service desk: 0100 000 0001"
)
def test_without_its_own_contact_the_statement_gives_the_support_contact() -> None:
    assert "Service desk: 0100 000 0001" in Client().get("/accessibility/").content.decode()


@override_settings(CASEREVIEW_ORGANISATION="<script>alert(1)</script>")
def test_the_settings_text_is_escaped() -> None:
    html = Client().get("/accessibility/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_it_signed_in_with_the_footer_link(
    role: str, make_user: Callable[..., Any]
) -> None:
    client = verified_client(make_user(role))
    page = client.get("/accessibility/")
    assert page.status_code == 200
    assert headings(page.content.decode().split('id="main-content"', 1)[1])[0] == HEADINGS[0]
    for path in ("/", "/help/", "/users/tokens/", "/no-such-page/"):
        assert FOOTER_LINK in client.get(path).content.decode(), path


def test_a_person_half_way_through_signing_in_can_read_it(make_user: Callable[..., Any]) -> None:
    from .factories import PASSWORD, sign_in

    user = make_user("inspector")
    client = Client()
    sign_in(client, user.get_username(), PASSWORD)  # password given, second factor not yet
    assert client.get("/").status_code == 302
    page = client.get("/accessibility/")
    assert page.status_code == 200 and FOOTER_LINK in page.content.decode()


def test_signed_out_pages_carry_the_footer_link() -> None:
    client = Client()
    for path in ("/login/", "/users/sign-in-help/", "/accessibility/"):
        response = client.get(path)
        assert response.status_code == 200 and FOOTER_LINK in response.content.decode(), path


def test_every_page_template_extends_base_so_every_page_has_the_footer_link() -> None:
    """The footer link lives in base.html; a page that did not extend it would miss it.  Only the two error
    pages that must render without the database (500, 503) and the report file stand alone."""
    web = Path(__file__).resolve().parents[2] / "src" / "casereview" / "web"
    standalone = {"500.html", "503.html", "document.html", "base.html"}
    missing, checked = [], 0
    for template in web.rglob("templates/**/*.html"):
        name = template.name
        if name.startswith("_") or "includes" in template.parts or name in standalone:
            continue
        checked += 1
        text = template.read_text(encoding="utf-8")
        if (
            "{% block content %}" in text
            and '{% extends "base.html" %}' not in text
            or "<html" in text
        ):
            missing.append(str(template.relative_to(web)))
    assert missing == [] and checked > 30


def test_the_statement_is_read_only(make_user: Callable[..., Any]) -> None:
    assert Client().post("/accessibility/").status_code == 405
    assert verified_client(make_user("analyst")).post("/accessibility/").status_code == 405


def test_old_files_are_dated_by_their_own_constant_not_the_statements(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reviewing the statement later must not move the day report files became accessible."""
    import datetime as dt

    from casereview.web.home import views

    monkeypatch.setattr(views, "STATEMENT_PREPARED", dt.date(2027, 6, 1))
    html = Client().get("/accessibility/").content.decode()
    assert "This statement was prepared on 1 June 2027" in html
    assert dt.date(2026, 12, 3) == views.ACCESSIBLE_FORMATS_FROM
    assert "PDF reports and spreadsheets downloaded before 3 December 2026" in html
    assert "downloaded before 1 June 2027" not in html


def test_the_statement_claims_only_what_is_checked() -> None:
    html = Client().get("/accessibility/").content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
    # The automated checks are axe-core's, failing on serious and critical issues; the rest is by hand.
    assert "failing on the issues it rates serious or critical" in text
    assert "we also check by hand that pages work with a keyboard alone and at 400% zoom" in text
    assert "against WCAG 2.2 AA at full width" not in text
    # 3.3.8 says whether it complies, and sits with the other known issues, not the non-compliances.
    non_compliance = text.split("Non-compliance with the accessibility regulations", 1)[1].split(
        "Other known issues", 1
    )[0]
    assert "3.3.8" not in non_compliance
    assert (
        "We believe this meets success criterion 3.3.8 (Accessible Authentication, Minimum)" in text
    )
    # Charts on the service's pages and in the downloaded HTML reflow (a narrow drawing), as the statement says.
    assert "and in the HTML file of a report you download, draw a narrower version" in text
    assert "charts are drawn at full width and shrink to fit a narrow screen" not in text
    assert "1.4.10 (Reflow) allows for data tables" in text
    assert "fails WCAG 2.2 success criterion 1.4.10" not in text


def _namespaced_urls() -> Any:
    from django.urls import include, path

    from casereview.web import urls as real
    from casereview.web.home import views

    other = ([path("statement/", views.accessibility, name="accessibility")], "other")
    return [*real.urlpatterns, path("other/", include(other))]


def test_only_the_listed_views_are_open_before_the_second_factor(
    make_user: Callable[..., Any], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exemption names views by their namespaced name: another app's page called "accessibility" (here
    other:accessibility) is not let through half-way through signing in."""
    import sys
    import types

    from .factories import PASSWORD, sign_in

    module = types.ModuleType("namespaced_test_urls")
    module.urlpatterns = _namespaced_urls()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "namespaced_test_urls", module)
    settings.ROOT_URLCONF = "namespaced_test_urls"
    user = make_user("inspector")
    client = Client()
    sign_in(client, user.get_username(), PASSWORD)  # password given, second factor not yet
    assert client.get("/accessibility/").status_code == 200
    assert client.get("/users/sign-in-help/").status_code == 200
    blocked = client.get("/other/statement/")
    assert blocked.status_code == 302 and "/login/two-factor/" in blocked["Location"]
