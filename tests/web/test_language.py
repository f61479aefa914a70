"""Welsh and English (issue 25): the switch on every page, the choice remembered per person, the Welsh
catalogue's plurals, and `make messages` refusing an incomplete or stale catalogue."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from casereview.domain.journal import JournalAction
from casereview.domain.language import WELSH_PLURAL_FORMS, welsh_plural_form
from casereview.web.journal.models import JournalEntry
from casereview.web.language import catalogue
from casereview.web.language.models import LanguageChoice
from casereview.web.language.selectors import languages_of

from .conftest import latest_seq, verified_client

SOURCE = Path(catalogue.__file__).resolve().parents[2]
WELSH_PO = catalogue.catalogue_path(SOURCE)
SKIP_LINK_CY = "Neidio i'r prif gynnwys"


@pytest.fixture(autouse=True)
def welsh_compiled(welsh: Path) -> Path:
    """Every test here reads the committed Welsh catalogue, compiled (tests/welsh.py)."""
    return welsh


def switch(client: Client, language: str, back: str = "/login/") -> Any:
    return client.post("/language/", {"language": language, "next": back})


def switch_form_next(html: str) -> str:
    """The ``next`` the page's own switch would post."""
    match = re.search(r'<input type="hidden" name="next" value="([^"]*)">', html)
    assert match, "the page has no language switch"
    return match.group(1).replace("&amp;", "&")


def choices_journaled(after: int) -> list[JournalEntry]:
    return list(
        JournalEntry.objects.filter(seq__gt=after, action=JournalAction.LANGUAGE_CHOOSE).order_by(
            "seq"
        )
    )


# Before sign-in ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sign_in_page_is_english_with_a_switch_to_cymraeg() -> None:
    page = Client().get("/login/")
    html = page.content.decode()
    assert page.status_code == 200 and '<html lang="en-GB"' in html
    assert "Skip to main content" in html and page["Content-Language"] == "en-GB"
    assert (
        '<nav class="govuk-language-navigation cr-language-switch" aria-label="Language">' in html
    )
    assert (
        '<span class="govuk-language-navigation__text" aria-current="true" lang="en-GB">English</span>'
        in html
    )
    assert (
        '<button type="submit" class="govuk-language-navigation__link cr-link-button" lang="cy">Cymraeg'
        '<span class="govuk-visually-hidden"> Newid yr iaith i&#x27;r Gymraeg</span></button>'
    ) in html
    assert '<input type="hidden" name="next" value="/login/">' in html


@pytest.mark.django_db
def test_the_switch_works_before_sign_in_and_the_browser_keeps_the_choice() -> None:
    client = Client()
    before = latest_seq()
    response = switch(client, "cy")
    assert response.status_code == 302 and response["Location"] == "/login/"
    cookie = response.cookies["casereview_language"]
    assert cookie.value == "cy" and cookie["httponly"] and cookie["samesite"] == "Lax"
    page = client.get("/login/")
    html = page.content.decode()
    assert '<html lang="cy"' in html and SKIP_LINK_CY in html and page["Content-Language"] == "cy"
    assert (
        '<span class="govuk-language-navigation__text" aria-current="true" lang="cy">Cymraeg</span>'
        in html
    )
    assert "Change the language to English" in html and "Skip to main content" not in html
    assert (
        LanguageChoice.objects.count() == 0 and choices_journaled(before) == []
    )  # nobody to store it for


@pytest.mark.django_db
def test_the_browsers_accept_language_never_switches_the_page_to_welsh() -> None:
    page = Client(headers={"accept-language": "cy,en;q=0.1"}).get("/login/")
    assert '<html lang="en-GB"' in page.content.decode() and page["Content-Language"] == "en-GB"


@pytest.mark.django_db
def test_an_unknown_language_is_refused_and_changes_nothing() -> None:
    client = Client()
    response = switch(client, "fr")
    assert response.status_code == 400 and "casereview_language" not in response.cookies


@pytest.mark.django_db
def test_a_refusal_is_worded_in_the_pages_language() -> None:
    client = Client()
    switch(client, "cy")
    html = switch(client, "xx").content.decode()
    assert "Nid oes modd gwneud hyn" in html and "Dewiswch Saesneg neu Gymraeg." in html
    assert "This cannot be done" not in html


@pytest.mark.django_db
def test_the_switch_only_accepts_a_post_with_the_forms_token() -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.get("/language/").status_code == 405
    assert switch(client, "cy").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "back",
    [
        "https://evil.example/",
        "//evil.example/x",
        "javascript:alert(1)",
        "",
        "/\\evil.example",
        "/\t/evil.example",
        "https:evil.example",
    ],
)
def test_the_switch_goes_back_only_to_a_page_of_this_site(back: str) -> None:
    response = switch(Client(), "cy", back)
    # Signed out, it lands on the sign-in page.
    assert response.status_code == 302 and response["Location"] == "/login/"


@pytest.mark.django_db
def test_the_switch_goes_back_to_the_page_with_its_query() -> None:
    response = switch(Client(), "cy", "/accessibility/?x=1")
    assert response["Location"] == "/accessibility/?x=1"


# Signed in ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_signed_in_persons_choice_is_stored_and_journaled_once(
    make_user: Callable[..., Any],
) -> None:
    person = make_user("inspector")
    client = verified_client(person)
    before = latest_seq()
    assert switch(client, "cy", "/").status_code == 302
    assert LanguageChoice.objects.get(user=person).language == "cy"
    [entry] = choices_journaled(before)
    assert entry.actor_id == person.pk and entry.detail == {"language": "cy", "before": ""}
    home = client.get("/").content.decode()
    assert '<html lang="cy"' in home and "Eich gwaith" in home and "Hafan" in home
    switch(client, "cy", "/")  # the language they already have: nothing to store or journal
    assert len(choices_journaled(before)) == 1
    switch(client, "en-gb", "/")
    assert [e.detail for e in choices_journaled(before)][1] == {"language": "en-gb", "before": "cy"}
    assert "Your work" in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_choice_follows_the_person_to_a_new_session_in_another_browser(
    make_user: Callable[..., Any],
) -> None:
    person = make_user("inspector")
    switch(verified_client(person), "cy", "/")
    elsewhere = verified_client(person)  # a fresh sign-in, no cookie
    assert "casereview_language" not in elsewhere.cookies
    assert '<html lang="cy"' in elsewhere.get("/").content.decode()


@pytest.mark.django_db
def test_the_persons_stored_choice_beats_the_cookie_a_shared_browser_kept(
    make_user: Callable[..., Any],
) -> None:
    english, other = make_user("inspector"), make_user("inspector", "another")
    switch(verified_client(english), "en-gb", "/")
    shared = verified_client(english)
    shared.cookies["casereview_language"] = "cy"  # the last person on this machine chose Welsh
    assert '<html lang="en-GB"' in shared.get("/").content.decode()
    # Someone who never chose gets the browser's choice.
    fresh = verified_client(other)
    fresh.cookies["casereview_language"] = "cy"
    assert '<html lang="cy"' in fresh.get("/").content.decode()


@pytest.mark.django_db
def test_before_the_second_factor_the_switch_works_but_stores_nothing(
    make_user: Callable[..., Any],
) -> None:
    person = make_user("inspector")
    client = Client()
    client.force_login(person)  # password accepted, second factor not yet passed
    before = latest_seq()
    response = switch(client, "cy", "/login/two-factor/setup/")
    assert response.status_code == 302 and response["Location"] == "/login/two-factor/setup/"
    assert response.cookies["casereview_language"].value == "cy"
    assert (
        not LanguageChoice.objects.filter(user=person).exists() and choices_journaled(before) == []
    )
    assert '<html lang="cy"' in client.get("/login/two-factor/setup/").content.decode()


@pytest.mark.django_db
def test_each_recipients_language_is_read_in_one_query(
    make_user: Callable[..., Any], django_assert_num_queries: Any
) -> None:
    welsh, english = make_user("inspector"), make_user("lead_inspector")
    switch(verified_client(welsh), "cy", "/")
    with django_assert_num_queries(1):
        assert languages_of(user_ids=[welsh.pk, english.pk]) == {
            welsh.pk: "cy",
            english.pk: "en-gb",
        }


# The error pages ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_not_found_is_in_the_browsers_language() -> None:
    client = Client()
    assert "Page not found" in client.get("/no-such-page/").content.decode()
    switch(client, "cy")
    page = client.get("/no-such-page/")
    html = page.content.decode()
    assert (
        page.status_code == 404
        and "Heb ddod o hyd i'r dudalen" in html
        and '<html lang="cy"' in html
    )


def test_the_standalone_error_pages_say_their_language() -> None:
    from django.template.loader import render_to_string

    for name, english, welsh in [
        ("500.html", "Sorry, there is a problem with the service", "mae problem gyda"),
        ("503.html", "Sorry, the service is unavailable", "nid yw'r gwasanaeth ar gael"),
    ]:
        assert '<html lang="en-GB">' in render_to_string(name) and english in render_to_string(name)
        with translation.override("cy"):
            html = render_to_string(name)
        assert '<html lang="cy">' in html and welsh in html and english not in html


# Plurals ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "dim cofnodion"),
        (1, "1 cofnod"),
        (2, "2 gofnod"),
        (3, "3 chofnod"),
        (6, "6 chofnod"),
        (7, "7 cofnod"),
    ],
)
def test_a_welsh_plural_takes_the_form_welsh_gives_that_number(n: int, words: str) -> None:
    with translation.override("cy"):
        said = translation.ngettext("%(shown)s entry", "%(shown)s entries", n) % {"shown": n}
    assert said == words


def test_djangos_own_welsh_catalogue_keeps_its_four_forms_beside_our_six() -> None:
    """Django's cy catalogue says two with its form 1; under our rule 2 is form 2 (a different mutation)."""
    message = "Ensure that there are no more than %(max)s digit in total."
    plural = "Ensure that there are no more than %(max)s digits in total."
    with translation.override("cy"):
        two = translation.ngettext(message, plural, 2) % {"max": 2}
        three = translation.ngettext(message, plural, 3) % {"max": 3}
    assert two == "Sicrhewch nad oes mwy na 2 ddigid i gyd."
    assert three == "Sicrhewch nad oes mwy na 3 digid i gyd."


def test_the_compiled_catalogue_chooses_forms_by_welshs_rule(welsh_compiled: Path) -> None:
    with welsh_compiled.open("rb") as compiled:
        catalogue_read = gettext.GNUTranslations(compiled)
    assert catalogue_read.info()["plural-forms"] == WELSH_PLURAL_FORMS
    assert [catalogue_read.plural(n) for n in range(200)] == [
        welsh_plural_form(n) for n in range(200)
    ]


#: Words of the English pages, exactly as the pages wrote them before casereview spoke Welsh.
@pytest.mark.django_db
def test_switching_on_the_sso_refusal_page_journals_no_second_refusal_and_lands_on_sign_in(
    settings: Any,
) -> None:
    settings.CASEREVIEW_OIDC = {
        "issuer": "https://id.example.org/",
        "client_id": "casereview",
        "client_secret": "synthetic-secret",
        "mapping": "",
    }
    client = Client()
    before = latest_seq()
    refused = client.get("/login/sso/callback/?code=one-time&state=forged")
    assert refused.status_code == 403
    refusals = JournalEntry.objects.filter(seq__gt=before, action=JournalAction.SSO_REFUSED)
    assert refusals.count() == 1
    back = switch_form_next(refused.content.decode())
    assert back == "/login/"
    response = switch(client, "cy", back)
    assert response["Location"] == "/login/"
    assert client.get(response["Location"]).status_code == 200
    # A hand-made post naming the callback is sent to the sign-in page too.
    assert (
        switch(client, "cy", "/login/sso/callback/?code=one-time&state=forged")["Location"]
        == "/login/"
    )
    assert refusals.count() == 1


@pytest.mark.django_db
def test_switching_after_sign_out_never_asks_for_the_post_only_logout_again(
    make_user: Callable[..., Any],
) -> None:
    client = verified_client(make_user("inspector"))
    client.post("/logout/")
    response = switch(
        client, "cy", "/logout/"
    )  # what a page answered by POST /logout/ used to post
    assert response["Location"] == "/login/"
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
def test_a_page_answered_by_a_post_sends_the_switch_to_the_start_page_not_to_itself(
    make_user: Callable[..., Any],
) -> None:
    client = verified_client(make_user("inspector"))
    page = client.post(
        "/users/password/", {"old_password": "wrong"}
    )  # the form again, with its errors
    assert page.status_code in {200, 400} and "old_password" in page.content.decode()
    assert switch_form_next(page.content.decode()) == "/"
    assert switch_form_next(client.get("/users/password/?x=1").content.decode()) == (
        "/users/password/?x=1"
    )


# A deployment that offers Welsh ---------------------------------------------------------------------------------


def test_a_missing_or_foreign_welsh_catalogue_is_found_and_the_compiled_one_passes(
    tmp_path: Path, welsh_compiled: Path
) -> None:
    assert "is missing" in str(catalogue.compiled_catalogue_problem(tmp_path))
    foreign = tmp_path / "cy" / "LC_MESSAGES" / "django.mo"
    foreign.parent.mkdir(parents=True)
    foreign.write_bytes(b"not a catalogue")
    assert "cannot be read" in str(catalogue.compiled_catalogue_problem(tmp_path))
    assert catalogue.compiled_catalogue_problem(welsh_compiled.parents[2]) is None


# make messages --------------------------------------------------------------------------------------------------


def copy_of_source(tmp_path: Path) -> Path:
    """The templates, Python and catalogue of casereview, somewhere makemessages may write."""
    copy = tmp_path / "casereview"
    shutil.copytree(
        SOURCE,
        copy,
        ignore=shutil.ignore_patterns("static", "__pycache__", "*.mo", "node_modules"),
    )
    return copy


def test_the_committed_welsh_catalogue_is_complete_and_current(tmp_path: Path) -> None:
    copy = copy_of_source(tmp_path)
    assert catalogue.check(copy) == []
    assert catalogue.catalogue_path(copy).read_text(encoding="utf-8").count('msgid "') > 70


def test_make_messages_fails_on_a_newly_marked_string_and_leaves_it_to_translate(
    tmp_path: Path,
) -> None:
    copy = copy_of_source(tmp_path)
    base = copy / "web" / "templates" / "base.html"
    base.write_text(
        base.read_text(encoding="utf-8").replace(
            "{% block content %}{% endblock %}",
            '{% block content %}{% endblock %}{% translate "A string nobody translated" %}',
        ),
        encoding="utf-8",
    )
    problems = catalogue.check(copy)
    assert len(problems) == 2
    assert (
        "was stale" in problems[0] and "'A string nobody translated' is untranslated" in problems[1]
    )
    # Left in the copy to translate (the checkout's own catalogue is untouched).
    assert 'msgid "A string nobody translated"' in catalogue.catalogue_path(copy).read_text("utf-8")
    assert 'msgid "A string nobody translated"' not in WELSH_PO.read_text("utf-8")
    # Translated, it passes; the catalogue is now current.
    po = catalogue.catalogue_path(copy)
    po.write_text(
        po.read_text("utf-8").replace(
            'msgid "A string nobody translated"\nmsgstr ""',
            'msgid "A string nobody translated"\nmsgstr "Llinyn na chyfieithodd neb"',
        ),
        encoding="utf-8",
    )
    assert catalogue.check(copy) == []


def test_make_messages_fails_when_a_marked_string_was_unmarked_or_changed(tmp_path: Path) -> None:
    copy = copy_of_source(tmp_path)
    page = copy / "web" / "templates" / "404.html"
    page.write_text(
        page.read_text("utf-8").replace("Go to the start page", "Go to the home page"), "utf-8"
    )
    problems = catalogue.check(copy)
    assert "was stale" in problems[0] and any("'Go to the home page'" in p for p in problems)


def test_make_messages_fails_on_a_fuzzy_translation(tmp_path: Path) -> None:
    copy = copy_of_source(tmp_path)
    po = catalogue.catalogue_path(copy)
    po.write_text(
        po.read_text("utf-8").replace('msgid "Menu"\n', '#, fuzzy\nmsgid "Menu"\n'), "utf-8"
    )
    problems = catalogue.check(copy)
    assert problems and all("fuzzy" in p for p in problems) and "'Menu'" in problems[0]


def test_the_make_target_exits_non_zero_and_says_why(tmp_path: Path, capsys: Any) -> None:
    copy = copy_of_source(tmp_path)
    po = catalogue.catalogue_path(copy)
    po.write_text(
        po.read_text("utf-8").replace('msgid "Menu"\nmsgstr "Dewislen"', 'msgid "Menu"\nmsgstr ""'),
        "utf-8",
    )
    assert catalogue.main(["--source", str(copy)]) == 1
    assert "'Menu' is untranslated" in capsys.readouterr().out
    assert not po.with_suffix(".mo").exists()  # nothing compiled from an incomplete catalogue


def test_make_messages_shows_gettexts_own_words_when_a_tool_fails(
    tmp_path: Path, capsys: Any
) -> None:
    copy = copy_of_source(tmp_path)
    po = catalogue.catalogue_path(copy)
    text = po.read_text("utf-8")
    entry = 'msgid "Sign out %(username)s"\nmsgstr "'
    assert entry in text
    po.write_text(
        re.sub(
            r'(msgid "Sign out %\(username\)s"\nmsgstr ")[^"]*"', r'\1Allgofnodi %(nope)s"', text
        ),
        "utf-8",
    )
    assert catalogue.main(["--source", str(copy)]) == 2
    out = capsys.readouterr().out
    assert "msgfmt" in out and "nope" in out and "Traceback" not in out


def test_make_says_gettext_is_needed_when_msgfmt_is_missing(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    result = subprocess.run(  # noqa: S603
        ["/usr/bin/make", "-s", "-C", str(SOURCE.parents[1]), "gettext"],  # noqa: S607
        env={"PATH": str(empty)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "GNU gettext is needed" in result.stderr and "apt-get install gettext" in result.stderr
