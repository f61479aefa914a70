"""The case list: keyset pages in reference order, filters, nothing counted, nothing free-text, journaled."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from casereview.web.journal.models import JournalEntry
from casereview.web.registers.models import Case
from casereview.web.registers.services import register_import

from . import factories
from .conftest import verified_client

pytestmark = pytest.mark.django_db(transaction=True)


def refs(html: str) -> list[str]:
    return re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>', html)


def test_walking_every_page_gives_every_case_once_in_order(
    make_user: Callable[..., Any], body: Any, register_csv: Callable[..., Path]
) -> None:
    register = register_import(path=register_csv(rows=180), body_code="SYN")
    lead = make_user("lead_inspector", "lead")
    # A lead pages through registers of the bodies whose inspections they lead.
    factories.inspection(lead=lead, committed=False)
    client = verified_client(lead)
    since = (
        JournalEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    )  # the journal outlives flushes
    seen: list[str] = []
    url = f"/registers/{register.pk}/cases/"
    pages = 0
    while url:
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        seen += refs(html)
        pages += 1
        found = re.search(r'href="(\?[^"]+)" rel="next"', html)
        url = (
            f"/registers/{register.pk}/cases/{found.group(1).replace('&amp;', '&')}"
            if found
            else ""
        )
    assert pages == 4 and seen == sorted(
        Case.objects.filter(register=register).values_list("case_ref", flat=True)
    )
    assert (
        JournalEntry.objects.filter(
            seq__gt=since, action="case_list", operation="consultation"
        ).count()
        == 4
    )
    summary = (
        Case.objects.filter(register=register)
        .exclude(summary=None)
        .values_list("summary", flat=True)
        .first()
    )
    if summary:
        assert summary not in html


def test_filters_and_search(
    make_user: Callable[..., Any], body: Any, register_csv: Callable[..., Path]
) -> None:
    register = register_import(path=register_csv(rows=120), body_code="SYN")
    client = verified_client(make_user("administrator", "admin"))
    some = Case.objects.filter(register=register).order_by("case_ref").first()
    assert some is not None
    by_category = refs(
        client.get(f"/registers/{register.pk}/cases/", {"category": some.category}).content.decode()
    )
    assert (
        by_category
        == sorted(
            Case.objects.filter(register=register, category=some.category).values_list(
                "case_ref", flat=True
            )
        )[:50]
    )
    exact = refs(
        client.get(f"/registers/{register.pk}/cases/", {"q": some.case_ref}).content.decode()
    )
    assert exact == [some.case_ref]
    nothing = client.get(f"/registers/{register.pk}/cases/", {"unit": "No such unit"})
    assert b"No cases match." in nothing.content
    assert (
        client.get(f"/registers/{register.pk}/cases/", {"category": "<script>"}).status_code == 200
    )  # ignored, escaped
    assert (
        verified_client(make_user("inspector", "ina"))
        .get(f"/registers/{register.pk}/cases/")
        .status_code
        == 404
    )
