from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from casereview.web.registers.models import Body, Case, Register
from casereview.web.registers.services import register_import

from . import factories
from .conftest import PASSWORD, verified_client

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    return verified_client(user)  # type: ignore[no-any-return]


def test_pages_need_sign_in_and_the_login_page_is_gov_uk_styled(client: Client) -> None:
    assert client.get("/").status_code == 302
    page = client.get("/login/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<title>Sign in – casereview</title>" in html
    assert html.count("<h1") == 1
    assert "novalidate" in html


def test_signing_in_with_the_right_password_reaches_home(
    client: Client, make_user: Callable[..., Any]
) -> None:
    make_user("inspector", "ina")
    bad = client.post("/login/", {"username": "ina", "password": "wrong password here"})
    assert "There is a problem" in bad.content.decode()
    good = client.post("/login/", {"username": "ina", "password": PASSWORD})
    assert good.status_code == 302 and good["Location"] == "/"
    # ... and then to the second factor before anything else.
    assert client.get("/").url == "/login/two-factor/setup/"  # type: ignore[attr-defined]


def test_home_lists_bodies_and_registers(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path]
) -> None:
    register = register_import(path=register_csv(), body_code="SYN")
    lead = make_user("lead_inspector")
    factories.inspection(lead=lead, committed=False)
    html = signed_in(lead).get("/").content.decode()
    assert "Synthetic Constabulary" in html and f"Register {register.pk}" in html
    # Each role sees only the bodies it works with (test_access_matrix.py): an analyst, those with a published report.
    analyst_html = signed_in(make_user("analyst")).get("/").content.decode()
    assert (
        "Synthetic Constabulary" not in analyst_html
        and f"Register {register.pk}" not in analyst_html
    )


def test_every_page_sends_security_headers_and_is_never_cached(
    make_user: Callable[..., Any],
) -> None:
    response = signed_in(make_user("administrator")).get("/")
    csp = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce and f'nonce="{nonce.group(1)}"' in response.content.decode()
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("role", ["inspector", "liaison_officer", "analyst"])
def test_only_administrators_and_lead_inspectors_reach_the_upload_page(
    make_user: Callable[..., Any], role: str
) -> None:
    assert signed_in(make_user(role)).get("/registers/upload/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_uploading_a_register_shows_it(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path]
) -> None:
    client = signed_in(make_user("lead_inspector"))
    with register_csv(rows=25).open("rb") as fh:
        response = client.post(
            "/registers/upload/", {"body": "SYN", "file": fh, "profile": "default"}
        )
    register = Register.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/registers/{register.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert register.sha256 in page and "25" in page


@pytest.mark.django_db(transaction=True)
def test_uploading_a_bad_register_lists_every_problem_and_stores_nothing(
    make_user: Callable[..., Any], body: Body, tmp_path: Path
) -> None:
    client = signed_in(make_user("administrator"))
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "case_ref,category,reported_on,unit\nA,<script>alert(1)</script>,01/02/2024,N\nB,DA,30/02/2024,N\n"
    )
    with bad.open("rb") as fh:
        response = client.post(
            "/registers/upload/", {"body": "SYN", "file": fh, "profile": "default"}
        )
    html = response.content.decode()
    assert response.status_code == 422
    assert "The register was not imported" in html and "2 problems" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert Case.objects.count() == 0
    link = re.search(r'href="(/registers/upload/errors/[^"]+\.csv)"', html)
    assert link
    download = b"".join(client.get(link.group(1)).streaming_content)  # type: ignore[attr-defined]
    assert download.decode().splitlines()[0] == "line,column,value,reason"
    assert signed_in(make_user("lead_inspector", "other")).get(link.group(1)).status_code == 404


def test_the_upload_form_shows_gov_uk_errors_for_missing_answers(
    make_user: Callable[..., Any], body: Body
) -> None:
    html = signed_in(make_user("administrator")).post("/registers/upload/", {}).content.decode()
    assert "There is a problem" in html
    assert 'href="#id_body"' in html and 'href="#id_file"' in html


def test_a_forged_post_without_csrf_is_refused(make_user: Callable[..., Any], body: Body) -> None:
    client = signed_in(make_user("administrator"))
    client.handler.enforce_csrf_checks = True  # type: ignore[attr-defined]
    assert client.post("/registers/upload/", {"body": "SYN"}).status_code == 403


def test_register_pages_are_hidden_from_roles_without_access(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path]
) -> None:
    register = register_import(path=register_csv(), body_code="SYN")
    assert (
        signed_in(make_user("liaison_officer")).get(f"/registers/{register.pk}/").status_code == 404
    )
    assert (
        signed_in(make_user("administrator")).get(f"/registers/{register.pk}/").status_code == 200
    )
    # An inspector sees registers of the bodies of the cases assigned to them (test_access_matrix.py): none here.
    assert signed_in(make_user("inspector")).get(f"/registers/{register.pk}/").status_code == 404
    assert signed_in(make_user("inspector", "i2")).get("/registers/999999/").status_code == 404
