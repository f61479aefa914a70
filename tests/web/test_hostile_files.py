"""Hostile files are refused through every door (web page, API, CLI, review import) with the limit named.

The files are the penetration test's (issue 18), generated small: the limits are lowered with
override_settings so each file crosses one while the test stays fast.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings
from typer.testing import CliRunner

from casereview.cli import app
from casereview.importing import hostile
from casereview.web.api.services import token_create
from casereview.web.registers.models import Body, Case, Register
from casereview.web.registers.services import (
    error_report_path,
    error_reports_purge,
    register_import,
)

from . import factories
from .conftest import verified_client

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()


def upload_page(client: Any, path: Path) -> Any:
    with path.open("rb") as fh:
        return client.post("/registers/upload/", {"body": "SYN", "file": fh, "profile": "default"})


def test_a_header_over_pythons_csv_field_limit_is_a_refusal_on_the_upload_page_not_a_500(
    make_user: Callable[..., Any], body: Body, tmp_path: Path
) -> None:
    response = upload_page(
        verified_client(make_user("lead_inspector")),
        hostile.csv_long_header(tmp_path / "h.csv", 131_073),
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert (
        "a header is longer than the 100,000 characters a value may have (CASEREVIEW_MAX_CELL_CHARS)"
        in html
    )
    assert "H" * 200 not in html and not Register.objects.exists()


@override_settings(CASEREVIEW_MAX_CELL_CHARS=1000)
def test_a_long_value_is_reported_by_a_short_prefix_in_the_page_and_the_error_csv(
    make_user: Callable[..., Any], body: Body, tmp_path: Path
) -> None:
    client = verified_client(make_user("administrator"))
    response = upload_page(client, hostile.csv_long_value(tmp_path / "v.csv", 1500))
    html = response.content.decode()
    assert response.status_code == 422 and "CASEREVIEW_MAX_CELL_CHARS" in html
    assert "U" * 80 + "…" in html and "U" * 81 not in html
    link = re.search(r'href="(/registers/upload/errors/[^"]+\.csv)"', html)
    assert link
    download = b"".join(client.get(link.group(1)).streaming_content).decode()  # type: ignore[attr-defined]
    assert "U" * 80 + "…" in download and "U" * 81 not in download


@override_settings(CASEREVIEW_MAX_ERRORS_PER_KIND=50)
def test_many_bad_rows_list_the_first_of_each_kind_count_the_rest_and_the_report_goes_once_downloaded(
    make_user: Callable[..., Any], body: Body, tmp_path: Path
) -> None:
    client = verified_client(make_user("lead_inspector"))
    response = upload_page(client, hostile.csv_bad_rows(tmp_path / "bad.csv", 2500))
    html = response.content.decode()
    assert response.status_code == 422
    assert "5,000 problems found" in html and "See the 5000 problems below" in html
    assert "and 2,450 more like this: not a known category" in html
    link = re.search(r'href="(/registers/upload/errors/([^"]+)\.csv)"', html)
    assert link
    assert error_report_path(link.group(2)).exists()
    rows = b"".join(client.get(link.group(1)).streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    assert len(rows) == 1 + 100 + 2 and rows[-1].startswith(
        '0,reported_on,,"and 2,450 more like this'
    )
    assert not error_report_path(link.group(2)).exists()
    assert client.get(link.group(1)).status_code == 404


def test_purge_deletes_error_reports_older_than_the_setting_and_counts_them(settings: Any) -> None:
    settings.CASEREVIEW_ERROR_REPORT_HOURS = 24
    old, fresh = error_report_path("old-report"), error_report_path("fresh-report")
    old.parent.mkdir(parents=True, exist_ok=True)
    for path in (old, fresh):
        path.write_text("line,column,value,reason\n")
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    result = runner.invoke(app, ["purge", "--due", "--json"])
    assert result.exit_code == 0, result.output
    assert (
        json.loads(result.stdout)["error_reports_deleted"] >= 1
    )  # other tests' reports may be as old
    assert not old.exists() and fresh.exists()
    assert error_reports_purge(now=time.time() + 25 * 3600) >= 1 and not fresh.exists()


@override_settings(CASEREVIEW_MAX_CELL_CHARS=1000)
def test_the_api_refuses_a_billion_character_shared_string_in_json_naming_the_limit(
    make_user: Callable[..., Any], body: Body, tmp_path: Path
) -> None:
    lead = make_user("lead_inspector")
    secret = token_create(
        user=lead, name="system", scopes=["register_upload"], rate_per_minute=1000
    ).secret
    path = hostile.xlsx_huge_shared_string(tmp_path / "shared.xlsx", 20_000)
    with path.open("rb") as fh:
        response = Client().post(
            "/api/v1/registers", {"body": "SYN", "file": fh}, HTTP_AUTHORIZATION=f"Bearer {secret}"
        )
    assert response.status_code == 422 and response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "invalid_file" and "CASEREVIEW_MAX_CELL_CHARS" in error["message"]


@override_settings(CASEREVIEW_MAX_XLSX_SHARED_STRINGS_CHARS=50_000)
def test_shared_strings_over_their_total_limit_are_refused_on_the_upload_page_naming_the_setting(
    make_user: Callable[..., Any], body: Body, tmp_path: Path
) -> None:
    path = hostile.xlsx_many_shared_strings(tmp_path / "many.xlsx", 200_000, each=900)
    response = upload_page(verified_client(make_user("lead_inspector")), path)
    html = response.content.decode()
    assert response.status_code == 422 and "CASEREVIEW_MAX_XLSX_SHARED_STRINGS_CHARS" in html
    assert not Register.objects.exists()


def test_the_api_refuses_a_header_over_pythons_csv_field_limit_in_json(
    make_user: Callable[..., Any], body: Body, tmp_path: Path
) -> None:
    lead = make_user("lead_inspector")
    secret = token_create(
        user=lead, name="system", scopes=["register_upload"], rate_per_minute=1000
    ).secret
    with hostile.csv_long_header(tmp_path / "h.csv", 131_073).open("rb") as fh:
        response = Client().post(
            "/api/v1/registers", {"body": "SYN", "file": fh}, HTTP_AUTHORIZATION=f"Bearer {secret}"
        )
    assert response.status_code == 422
    assert "CASEREVIEW_MAX_CELL_CHARS" in response.json()["error"]["message"]


@override_settings(CASEREVIEW_MAX_XLSX_PART_BYTES=2 * 1024**2)
def test_the_cli_refuses_an_expanding_sheet_with_exit_2_naming_the_limit(
    body: Body, tmp_path: Path
) -> None:
    path = hostile.xlsx_expanding_sheet(tmp_path / "expand.xlsx", 3 * 1024**2)
    result = runner.invoke(app, ["import-register", str(path), "--body", "SYN", "--json"])
    assert result.exit_code == 2, result.output
    assert "CASEREVIEW_MAX_XLSX_PART_BYTES" in json.loads(result.stdout)["error"]
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("build", "found"),
    [
        (lambda p: hostile.csv_long_header(p, 131_073), "CASEREVIEW_MAX_CELL_CHARS"),
        (lambda p: hostile.csv_late_nul(p, rows=1000), "line 1,002 holds a NUL byte"),
        (
            hostile.csv_mixed_encoding,
            "mixes encodings: some lines are UTF-8 text and line 3 is not",
        ),
        (lambda p: hostile.csv_utf16_nul(p, rows=500), "line 502 holds a NUL character"),
    ],
)
def test_the_cli_refuses_hostile_csv_files_with_exit_2_and_no_traceback(
    body: Body, tmp_path: Path, build: Callable[[Path], Path], found: str
) -> None:
    result = runner.invoke(
        app, ["import-register", str(build(tmp_path / "f.csv")), "--body", "SYN"]
    )
    assert result.exit_code == 2, result.output
    assert found in result.output and "Traceback" not in result.output


def test_formula_cells_without_saved_values_are_row_errors_on_the_page(
    make_user: Callable[..., Any], body: Body, tmp_path: Path
) -> None:
    client = verified_client(make_user("lead_inspector"))
    response = upload_page(
        client, hostile.xlsx_formulas_without_values(tmp_path / "f.xlsx", rows=2)
    )
    html = response.content.decode()
    assert (
        response.status_code == 422
        and "a formula without a saved value" in html
        and "=DATE(2024,2,1)" in html
    )


@pytest.fixture
def inspection(make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path]) -> Any:
    make_user("inspector", "ina")
    register_import(path=register_csv(rows=10), body_code="SYN")
    return factories.inspection(committed=False)


REVIEW_HEADER = "case_ref,reviewer,kind,overall,weaknesses,send_back\n"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (REVIEW_HEADER + "R1,ina,first,good,,no,extra,more\n", "fields, but the header has 6"),
        (REVIEW_HEADER + 'R1,ina,first,"good,,no\nR2,ina,first,good,,no\n', "never closed"),
        (
            "case_ref,reviewer,kind,overall,overall,send_back\nR1,ina,first,good,inadequate,no\n",
            "column 'overall' appears twice (columns 4 and 5)",
        ),
        (
            "case_ref,reviewer,kind,overall," + "X" * 131_073 + "\nR1,ina,first,good,x\n",
            "CASEREVIEW_MAX_CELL_CHARS",
        ),
    ],
    ids=["ragged", "unclosed-quote", "repeated-overall", "long-header"],
)
def test_the_review_import_refuses_broken_spreadsheets_with_exit_2(
    inspection: Any, tmp_path: Path, text: str, found: str
) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text(text)
    result = runner.invoke(
        app, ["import-reviews", str(path), "--inspection", str(inspection.pk), "--json"]
    )
    assert result.exit_code == 2, result.output
    refusal = json.loads(result.stdout)
    assert found in refusal["error"] + " ".join(e["reason"] for e in refusal["errors"])
