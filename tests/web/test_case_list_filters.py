"""The case list's tools (issue 22): unit and category drop-downs from the register's own values (categories
in words), matching whatever the case, a count, Previous and Next; and the register pages' feedback: a
banner after an import or a new body, every problem of the body form at once with its values kept."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from casereview.domain.registers import Category
from casereview.domain.words import CATEGORY_WORDS
from casereview.web.registers import selectors
from casereview.web.registers.models import Body, Case
from casereview.web.registers.services import register_import

from .conftest import verified_client

pytestmark = pytest.mark.django_db(transaction=True)  # imports commit as they go


@pytest.fixture(autouse=True)
def _no_automatic_anchors(settings: Any) -> None:
    settings.CASEREVIEW_JOURNAL_ANCHOR_AUTOMATIC = False


def refs(html: str) -> list[str]:
    return re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>', html)


def count_line(html: str) -> str:
    found = re.search(r"<p class=\"govuk-body\" data-case-count>([^<]+)</p>", html)
    assert found is not None
    return found.group(1)


def matches(n: int) -> str:
    return "1 case matches" if n == 1 else f"{n:,} cases match"


def options(html: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select[^>]* name="{name}">(.*?)</select>', html, re.S)
    assert select is not None, name
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'href="(\?[^"]+)" rel="{rel}"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_unit_and_category_are_drop_downs_of_the_registers_values_matched_in_any_case(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path]
) -> None:
    register = register_import(path=register_csv(rows=150), body_code="SYN")
    client = verified_client(make_user("administrator", "admin"))
    url = f"/registers/{register.pk}/cases/"
    page = client.get(url).content.decode()
    cases = Case.objects.filter(register=register)
    units = sorted(set(cases.values_list("unit", flat=True)), key=str.casefold)
    assert [v for v, _ in options(page, "unit")] == ["", *units]
    present = set(cases.values_list("category", flat=True))
    categories = options(page, "category")[1:]
    assert {v for v, _ in categories} == present
    assert [label for _, label in categories] == sorted(CATEGORY_WORDS[c] for c in present)
    assert "_" not in "".join(label for _, label in categories)
    assert count_line(page) == f"{register.rows} cases in this register"

    unit = units[0]
    want = sorted(cases.filter(unit=unit).values_list("case_ref", flat=True))
    for typed in (unit, unit.upper(), unit.lower()):
        shown = client.get(url, {"unit": typed}).content.decode()
        assert refs(shown) == want[:50], typed
        assert count_line(shown) == matches(len(want))
    category = sorted(present)[0]
    both = client.get(url, {"unit": unit.lower(), "category": category}).content.decode()
    n = cases.filter(unit=unit, category=category).count()
    assert len(refs(both)) == min(n, 50)
    assert count_line(both) == matches(n)


def test_a_reference_is_found_whatever_its_case_and_a_status_count_stops_at_the_cap(
    make_user: Callable[..., Any],
    body: Body,
    register_csv: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    register = register_import(path=register_csv(rows=60), body_code="SYN")
    client = verified_client(make_user("administrator", "admin"))
    url = f"/registers/{register.pk}/cases/"
    some = Case.objects.filter(register=register).order_by("case_ref")[12]
    assert refs(client.get(url, {"q": some.case_ref.lower()}).content.decode()) == [some.case_ref]
    closed = Case.objects.filter(register=register, status="closed").count()
    assert count_line(client.get(url, {"status": "closed"}).content.decode()) == matches(closed)
    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    assert (
        count_line(client.get(url, {"status": "closed"}).content.decode())
        == "More than 5 cases match"
    )


def test_previous_returns_to_the_page_before_and_the_first_page_has_none(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path]
) -> None:
    register = register_import(path=register_csv(rows=200), body_code="SYN")
    client = verified_client(make_user("administrator", "admin"))
    url = f"/registers/{register.pk}/cases/"
    first = client.get(url, {"status": "closed"}).content.decode()
    assert link(first, "prev") is None
    onward = link(first, "next")
    assert onward is not None and "status=closed" in onward
    second = client.get(url + onward).content.decode()
    back = link(second, "prev")
    assert back is not None and "before=" in back
    again = client.get(url + back).content.decode()
    assert refs(again) == refs(first) and link(again, "prev") is None
    assert link(again, "next") == onward
    everything = sorted(
        Case.objects.filter(register=register, status="closed").values_list("case_ref", flat=True)
    )
    assert refs(first) + refs(second) == everything[: len(refs(first)) + len(refs(second))]


def test_an_import_and_a_new_body_confirm_themselves(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path]
) -> None:
    client = verified_client(make_user("administrator", "admin"))
    with register_csv(rows=20).open("rb") as fh:
        done = client.post(
            "/registers/upload/", {"body": "SYN", "file": fh, "profile": "default"}, follow=True
        )
    html = done.content.decode()
    assert done.status_code == 200 and "govuk-notification-banner--success" in html
    assert "imported for Synthetic Constabulary: 20 cases" in html
    added = client.post(
        "/registers/bodies/new/", {"code": "nbx", "name": "New Body (synthetic)"}, follow=True
    )
    assert "New Body (synthetic) added, with the short code NBX" in added.content.decode()


def test_the_body_form_lists_every_problem_at_once_and_keeps_the_values(
    make_user: Callable[..., Any], body: Body
) -> None:
    client = verified_client(make_user("administrator", "admin"))
    both = client.post("/registers/bodies/new/", {"code": "x!", "name": ""})
    html = both.content.decode()
    assert both.status_code == 400
    summary = re.search(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', html, re.S)
    assert summary is not None
    assert re.findall(r'href="#(\w+)"', summary.group(1)) == ["code", "name"]
    assert 'value="x!"' in html and html.count("govuk-error-message") == 2
    taken = client.post("/registers/bodies/new/", {"code": "syn", "name": "Again"})
    assert "A body with code SYN already exists" in taken.content.decode()
    assert 'value="Again"' in taken.content.decode()


def test_categories_outside_the_register_are_not_offered(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path]
) -> None:
    register = register_import(path=register_csv(rows=8), body_code="SYN")
    client = verified_client(make_user("administrator", "admin"))
    offered = {
        v
        for v, _ in options(
            client.get(f"/registers/{register.pk}/cases/").content.decode(), "category"
        )[1:]
    }
    present = set(Case.objects.filter(register=register).values_list("category", flat=True))
    assert offered == present and offered < {c.value for c in Category}


def test_the_upload_form_lists_every_problem_at_once_and_keeps_the_values(
    make_user: Callable[..., Any], body: Body
) -> None:
    client = verified_client(make_user("administrator", "admin"))
    page = client.post(
        "/registers/upload/", {"body": "", "profile": "no such profile", "sheet": "S" * 101}
    )
    html = page.content.decode()
    summary = re.search(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', html, re.S)
    assert summary is not None
    assert re.findall(r'href="#(\w+)"', summary.group(1)) == [
        "id_body",
        "id_file",
        "id_profile",
        "id_sheet",
    ]
    assert html.count('class="govuk-error-message"') == 4
    assert f'value="{"S" * 101}"' in html and "choose it again" in html
