"""Deployment checks, escaping of stored text, and generic error pages."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from casereview.web.registers.services import body_add, register_import

from .conftest import verified_client

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_production_settings_pass_the_deploy_check_at_warning_level(tmp_path: Path) -> None:
    env = {
        **{
            k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"
        },  # set for browser tests only
        "DJANGO_SETTINGS_MODULE": "casereview.web.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "CASEREVIEW_ALLOWED_HOSTS": "casereview.example.org",
        "CASEREVIEW_PSEUDONYM_KEY": secrets.token_urlsafe(40),
        "CASEREVIEW_JOURNAL_ANCHOR_KEY": secrets.token_urlsafe(40),
        "CASEREVIEW_EMAIL_URL": "smtp+tls://casereview:synthetic-password@smtp.example.org:587",
        "CASEREVIEW_EMAIL_FROM": "casereview@example.org",
        "CASEREVIEW_BASE_URL": "https://casereview.example.org",
        "CASEREVIEW_PROXY_COUNT": "1",
        "CASEREVIEW_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "casereview.cli",
            "manage",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_their_secrets(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_SECRET", "CASEREVIEW_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "casereview.web.settings.production",
            "CASEREVIEW_VAR_DIR": str(tmp_path),
        }
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "casereview.cli", "manage", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "must be set in production" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_stored_free_text_comes_out_escaped_on_every_page(
    make_user: Callable[..., Any], tmp_path: Path
) -> None:
    body_add(code="XSS", name=f"Body {XSS}")
    path = tmp_path / "r.csv"
    path.write_text(
        "case_ref,category,reported_on,unit,outcome,summary,location_ref\n"
        f'R1,DA,01/02/2024,"Unit {XSS}","{XSS}","{XSS}","{XSS}"\n'
    )
    renamed = tmp_path / f"{XSS[:20].replace('/', '')}.csv"
    path.rename(renamed)
    register = register_import(path=renamed, body_code="XSS")
    client = verified_client(make_user("administrator"))
    pages = ["/", f"/registers/{register.pk}/", "/registers/upload/", "/journal/"]
    for url in pages:
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "onerror=alert" not in html.replace(
            "onerror=alert(1)&gt;", ""
        ), url
    home = client.get("/").content.decode()
    assert "&lt;script&gt;" in home


@pytest.mark.django_db
def test_an_unexpected_error_shows_a_generic_page_without_a_traceback(
    make_user: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from casereview.web.home import views

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "bodies_for_home", broken)
    client = verified_client(make_user("lead_inspector"))
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    assert b"Sorry, there is a problem with the service" in response.content
    assert b"secret internals" not in response.content and b"Traceback" not in response.content
