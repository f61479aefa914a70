"""Welsh offered, with the committed catalogue compiled for the test (issue 25, docs/welsh.md).

The test reads the .po as committed, whether or not `make setup` has built the .mo, so that it tests the
catalogue in the commit; Welsh is on by default, and turned on here as well, so that a run with
CASEREVIEW_WELSH=0 in its environment still tests Welsh.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from casereview.web.language import catalogue

WELSH_PO = catalogue.catalogue_path(Path(catalogue.__file__).resolve().parents[2])


@pytest.fixture
def welsh(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The compiled catalogue (its path), Welsh offered, Django reading only it."""
    locale = tmp_path_factory.mktemp("locale")
    compiled = locale / "cy" / "LC_MESSAGES" / "django.mo"
    compiled.parent.mkdir(parents=True)
    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(compiled), str(WELSH_PO)],  # noqa: S607 (GNU gettext)
        check=True,
    )
    settings.LOCALE_PATHS = [locale]
    settings.CASEREVIEW_WELSH = True
    return compiled


def cy(english: str, **values: object) -> str:
    """The catalogue's Welsh for ``english`` (with ``values`` put in), read through Django as a page reads it;
    it must differ from the English, so a test using it fails when the catalogue lacks the string."""
    with translation.override("cy"):
        welsh = gettext(english)
    assert welsh != english, f"no Welsh for {english!r} in the catalogue"
    return welsh % values if values else welsh
