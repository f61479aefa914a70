"""Welsh offered or not (``CASEREVIEW_WELSH``, issue 25, docs/welsh.md): on unless the environment turns it
off; off, every page is English as before and the switch refuses Welsh; on, production will not start without
the compiled catalogue."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from casereview.web.language.models import LanguageChoice

from .conftest import latest_seq, verified_client
from .test_language import WELSH_PO, choices_journaled, switch

ENGLISH_WORDS = {
    "/login/": [
        "Skip to main content",
        "Accessibility statement",
        "Alpha",
        "Official-sensitive: case data",
    ],
    "/no-such-page/": ["Page not found", "Go to the start page"],
    "/": ["Your work", "Home", "Sign out inspector", "Change your password", "API tokens"],
}


@pytest.mark.django_db
def test_with_welsh_off_every_page_is_english_as_before_whatever_was_chosen(
    settings: Any, make_user: Callable[..., Any]
) -> None:
    """What this proves: with CASEREVIEW_WELSH off (``0``) no page offers Welsh or goes Welsh, the
    ``lang`` is exactly ``en-GB`` as before, no Content-Language header is added, and a set of key English
    strings come out word for word.  It does not prove every byte of every page is as before i18n."""
    settings.CASEREVIEW_WELSH = False
    person = make_user("inspector")
    switch(verified_client(person), "cy", "/")  # refused now; stored while Welsh was on, below
    LanguageChoice.objects.create(user=person, language="cy", changed_at="2026-01-01T00:00Z")
    signed_in = verified_client(person)
    signed_out = Client()
    signed_out.cookies["casereview_language"] = "cy"
    for client, address in [
        (signed_out, "/login/"),
        (signed_out, "/no-such-page/"),
        (signed_in, "/"),
    ]:
        page = client.get(address)
        html = page.content.decode()
        assert html.count('<html lang="en-GB"') == 1 and 'lang="cy"' not in html
        assert "Content-Language" not in page.headers
        assert "govuk-language-navigation" not in html and "Cymraeg" not in html
        for words in ENGLISH_WORDS[address]:
            assert words in html, (address, words)


@pytest.mark.django_db
def test_with_welsh_off_the_switch_refuses_welsh_and_stores_nothing(
    settings: Any, make_user: Callable[..., Any]
) -> None:
    settings.CASEREVIEW_WELSH = False
    person = make_user("inspector")
    client = verified_client(person)
    before = latest_seq()
    response = switch(client, "cy", "/")
    assert response.status_code == 400 and "casereview_language" not in response.cookies
    assert (
        not LanguageChoice.objects.filter(user=person).exists() and choices_journaled(before) == []
    )
    assert switch(client, "en-gb", "/").status_code == 302  # English is always accepted


# Where the switch comes back to ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "offered"),
    [
        (None, True),
        ("", True),
        ("1", True),
        ("on", True),
        ("0", False),
        ("off", False),
        ("No", False),
    ],
)
def test_welsh_is_offered_unless_the_environment_turns_it_off(
    value: str | None, offered: bool
) -> None:
    keep = {k: v for k, v in os.environ.items() if k != "CASEREVIEW_WELSH"}
    env = keep if value is None else {**keep, "CASEREVIEW_WELSH": value}
    said = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-c",
            "import casereview.web.settings.base as b; print(b.CASEREVIEW_WELSH)",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert said.stdout.strip() == str(offered)


def test_production_with_welsh_on_refuses_to_start_without_the_compiled_catalogue(
    tmp_path: Path,
) -> None:
    from .test_sso import PRODUCTION

    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CASEREVIEW_", "DJANGO_", "DATABASE_URL"))
    }
    script = (
        "import sys, casereview.web.settings.base as b; b.LOCALE_PATHS = [sys.argv[1]]; "
        "import casereview.web.settings.production"
    )

    def start(locale: Path, welsh: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603
            [sys.executable, "-c", script, str(locale)],
            env={**keep, "CASEREVIEW_HOME": str(tmp_path), **PRODUCTION, "CASEREVIEW_WELSH": welsh},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    empty = tmp_path / "locale"
    empty.mkdir()
    for welsh in ("1", ""):  # "" as when unset: Welsh is on by default
        refused = start(empty, welsh)
        assert refused.returncode != 0 and "CASEREVIEW_WELSH is on, but" in refused.stderr
    assert start(empty, "0").returncode == 0, start(empty, "0").stderr  # off: no catalogue needed
    compiled = empty / "cy" / "LC_MESSAGES"
    compiled.mkdir(parents=True)
    subprocess.run(["msgfmt", "-o", str(compiled / "django.mo"), str(WELSH_PO)], check=True)  # noqa: S607
    assert start(empty, "1").returncode == 0
