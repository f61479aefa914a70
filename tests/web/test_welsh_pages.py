"""Every page in Welsh (issue 25): for each role, every page the access matrix lets them reach answers as in
English, carries lang="cy", and shows none of the catalogue's English sentences where Welsh should stand.

The last check is the class test for "marked but still English": a string marked in a template or form but
translated too early (``gettext`` at import time where ``gettext_lazy`` was needed), built in Python outside
the catalogue's reach while a marked template shows it, or a page that renders a stale English copy.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from casereview.domain.language import ENGLISH, SWITCH_TO
from casereview.domain.roles import ROLES
from casereview.web.language import catalogue
from casereview.web.language.services import language_choose
from tests.english import reads_as_english

from .conftest import verified_client
from .test_access_matrix import MATRIX, OK, matrix_world, sample_path, url_names

#: Addresses that answer with something other than a page (a file, JSON, a redirect to a download).
NOT_PAGES = {"healthz"}
#: Pages still known to show English to a Welsh reader, and why: each is work left (docs/welsh.md, "Not
#: yet").  The walk fails on English anywhere else; take a page off when it is done.
ENGLISH_LEFT: dict[str, str] = {}
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
_SCRIPT = re.compile(r"<(script|style|svg)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def english_sentences() -> set[str]:
    """The catalogue's English, in pieces long enough (three words or more) that seeing one on a Welsh page
    means a string was not translated: split at each placeholder; none whose Welsh is the same."""
    found: set[str] = set()
    text = catalogue.catalogue_path(Path(catalogue.__file__).resolve().parents[2]).read_text(
        encoding="utf-8"
    )
    for entry in catalogue.entries(text):
        if not entry.msgid or entry.msgid in entry.msgstr.values():
            continue
        for english in (entry.msgid, entry.msgid_plural or ""):
            for piece in _PLACEHOLDER.split(english):
                piece = " ".join(_TAG.sub(" ", piece).split()).strip(" .,:;")
                if len(piece.split()) >= 3:
                    found.add(piece)
    return found


def visible_text(page: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", _SCRIPT.sub(" ", page))).split())


#: English on a Welsh page by design: the switch's offer of English, written in English (lang="en-GB"), and
#: the register's own words (the synthetic generator's summaries), shown as the body wrote them.
IN_ENGLISH_ON_PURPOSE = re.compile(rf"^{re.escape(SWITCH_TO[ENGLISH])}$|^SYNTHETIC case ")
#: Pieces still known to be English on a Welsh page, and why: work left (docs/welsh.md, "Not yet").  Take
#: one off when it is done; English anywhere else fails the walk.
ENGLISH_LEFT_PIECES = re.compile(
    # none left (the related-case patterns' definitions and the disclosure rule are Welsh on pages): a
    # pattern that matches nothing
    r"(?!)"
)


def english_pieces(page: str) -> list[str]:
    """Each piece of the page's text (between two tags) that reads as English."""
    found = []
    for piece in _TAG.split(_SCRIPT.sub(" ", page)):
        text = " ".join(html.unescape(piece).split())
        if IN_ENGLISH_ON_PURPOSE.search(text) or ENGLISH_LEFT_PIECES.search(text):
            continue
        if reads_as_english(text):
            found.append(text)
    return found


def test_the_check_finds_an_english_sentence_left_on_a_welsh_page() -> None:
    sentences = english_sentences()
    assert "Skip to main content" in sentences  # every page's first words, Welsh in the catalogue
    page = (
        '<html lang="cy"><a>Skip to main <b>content</b></a><script>"Skip to main content"</script>'
    )
    assert "Skip to main content" in visible_text(page)
    assert "Skip to main content" not in visible_text("<a>Neidio i'r prif gynnwys</a>")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
def test_each_page_a_role_reaches_is_in_welsh_when_they_chose_welsh(
    role: str,
    make_user: Callable[..., Any],
    body: Any,
    register_csv: Callable[..., Path],
    welsh: Path,
) -> None:
    user, ids = matrix_world(role, make_user, register_csv)
    language_choose(user=user, language="cy")
    client = verified_client(user)  # the stored choice is read at sign-in
    sentences = english_sentences()
    leaked: dict[str, list[str]] = {}
    for name, pattern in url_names():
        if MATRIX[name][role] != OK or name in NOT_PAGES:
            continue
        response = client.get(sample_path(name, pattern, ids))
        assert response.status_code == OK, name
        if not response["Content-Type"].startswith("text/html"):
            continue
        page = response.content.decode()
        assert '<html lang="cy"' in page, name
        if name in ENGLISH_LEFT:
            continue
        text = visible_text(page)
        found = sorted(s for s in sentences if s in text) + english_pieces(page)
        if found:
            leaked[name] = found[:5]
    assert leaked == {}, leaked
