"""Words for codes on a Welsh page (issue 25): the `words`, `state_words` and `category_label` filters give the
catalogue's Welsh for the domain's tables, `uk_date` Welsh month names, `percentage_points` the Welsh measure,
and the session-timeout warning's script gets its countdown's words in the page's language; English pages
read exactly as before."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.template import Context, Template
from django.utils import timezone, translation

from casereview.domain import words as w
from casereview.domain.journal import JournalAction, Operation
from casereview.domain.language import PLURAL_SAMPLES
from casereview.web.journal.services import Record, journal_append

from .conftest import verified_client


@pytest.fixture(autouse=True)
def welsh_compiled(welsh: Path) -> None:
    """The committed catalogue, compiled, and Welsh offered (tests/welsh.py)."""


def render(text: str, **values: Any) -> str:
    return Template("{% load casereview %}" + text).render(Context(values))


def test_every_code_of_every_table_has_welsh_words_in_the_catalogue() -> None:
    """A table's new English that is not marked (or not translated) would reach a Welsh page in English."""
    untranslated = []
    for kind, table in w.TABLES.items():
        for code, english in table.items():
            with translation.override("cy"):
                said = render("{{ code|words:kind }}", code=code, kind=kind.value)
            if said == html.escape(english):
                untranslated.append(f"{kind.value}: {english}")
    assert untranslated == []


def test_the_filters_write_welsh_on_a_welsh_page_and_english_as_before_otherwise() -> None:
    page = (
        '{{ "neglect"|category_label }}|{{ "response_submitted"|state_words }}|'
        '{{ "login_failed"|words:"journal_action" }}|{{ day|uk_date }}|{{ 0.02|percentage_points }}|'
        '{{ stratum|words:"stratum" }}|{{ "no_such_code"|words:"category" }}'
    )
    values = {"day": dt.date(2026, 10, 22), "stratum": "missing_child / North"}
    with translation.override("en-gb"):
        english = render(page, **values).split("|")
    with translation.override("cy"):
        welsh = render(page, **values).split("|")
        expected = [
            translation.gettext(w.CATEGORY_WORDS["neglect"]),
            translation.gettext(w.SEND_BACK_STATE_WORDS["response_submitted"]),
            translation.gettext(w.JOURNAL_ACTION_WORDS[JournalAction.LOGIN_FAILED]),
        ]
    assert english == [
        "Neglect",
        "Response submitted",
        "Sign-in failed",
        "22 October 2026",
        "2 percentage points",
        "Missing child / North",
        "No such code",
    ]
    assert [html.unescape(s) for s in welsh[:3]] == expected
    assert all(
        e != c for e, c in zip(expected, english[:3], strict=True)
    )  # translated, not English
    assert welsh[3:5] == ["22 Hydref 2026", "2 bwynt canran"]
    assert html.unescape(welsh[5]) == f"{expected_category('missing_child')} / North"
    assert welsh[6] == "No such code"  # an unknown code's fallback is no catalogue's: as it is


def expected_category(code: str) -> str:
    with translation.override("cy"):
        return translation.gettext(w.CATEGORY_WORDS[code])


@pytest.mark.django_db
def test_a_welsh_journal_page_writes_the_action_and_the_date_in_welsh(
    make_user: Callable[..., Any],
) -> None:
    who = f"cy-{uuid.uuid4().hex[:8]}"
    noon = timezone.make_aware(dt.datetime(2026, 10, 22, 12))
    with time_machine.travel(noon, tick=False):
        journal_append(
            actor=None,
            actor_name=who,
            records=[
                Record(
                    operation=Operation.CONSULTATION,
                    action=JournalAction.LOGIN_FAILED,
                    object_type="user",
                    object_id=who,
                )
            ],
        )
    client = verified_client(make_user("administrator", f"admin-{who}"))
    english = client.get("/journal/", {"user": who}).content.decode()
    client.cookies["casereview_language"] = "cy"  # this browser chose Welsh; the person never did
    welsh = client.get("/journal/", {"user": who}).content.decode()

    assert '<html lang="en-GB"' in english and '<html lang="cy"' in welsh
    assert "Sign-in failed" in english and "22 October 2026" in english
    with translation.override("cy"):
        action = html.escape(translation.gettext("Sign-in failed"))
    assert action != "Sign-in failed" and action in welsh
    assert "22 Hydref 2026" in welsh
    rows = welsh[welsh.index("<tbody") : welsh.index("</tbody>")]  # the entries (the filter form's
    # list of actions is the journal app's own, made in Python, and not yet translated)
    assert "Sign-in failed" not in rows and "October" not in rows and "22 Hydref 2026" in rows


def timeout_words(page: str) -> dict[str, Any]:
    found = re.search(r'<dialog class="cr-timeout"[^>]*>', page)
    assert found, "the page has no timeout warning"
    attributes = dict(re.findall(r'data-(minutes|seconds|announce)="([^"]*)"', found.group(0)))
    return {
        "minutes": json.loads(html.unescape(attributes["minutes"])),
        "seconds": json.loads(html.unescape(attributes["seconds"])),
        "announce": html.unescape(attributes["announce"]),
    }


@pytest.mark.django_db
def test_the_timeout_warning_gets_its_countdowns_words_in_the_pages_language(
    make_user: Callable[..., Any],
) -> None:
    client = verified_client(make_user("inspector", f"ina-{uuid.uuid4().hex[:8]}"))
    english = timeout_words(client.get("/").content.decode())
    client.cookies["casereview_language"] = "cy"
    welsh = timeout_words(client.get("/").content.decode())

    # One form per Welsh plural form (numbers 0, 1, 2, 3, 6, 7); English's two forms spread over them.
    assert PLURAL_SAMPLES == (0, 1, 2, 3, 6, 7)
    assert english["minutes"] == [f"{{n}} minute{'' if n == 1 else 's'}" for n in PLURAL_SAMPLES]
    assert english["seconds"] == [f"{{n}} second{'' if n == 1 else 's'}" for n in PLURAL_SAMPLES]
    assert english["announce"] == "You will be signed out in {time}."
    with translation.override("cy"):
        for unit, singular, plural in (
            ("minutes", "%(count)s minute", "%(count)s minutes"),
            ("seconds", "%(count)s second", "%(count)s seconds"),
        ):
            assert welsh[unit] == [
                translation.ngettext(singular, plural, n) % {"count": "{n}"} for n in PLURAL_SAMPLES
            ]
        announce = translation.gettext("You will be signed out in %(time)s.") % {"time": "{time}"}
    assert (
        welsh["minutes"][2] == "{n} funud"
    )  # two takes the soft mutation, as the static text says
    assert welsh["seconds"][1] == "{n} eiliad" and welsh["announce"] == announce
    assert "{time}" in announce and "signed out" not in announce
