"""Which language a page is in (casereview.domain.language), and Welsh's six plural forms."""

from __future__ import annotations

import pytest

from casereview.domain.language import (
    DEFAULT,
    ENGLISH,
    LANGUAGES,
    WELSH,
    WELSH_PLURAL_FORMS,
    is_language,
    may_return_to,
    page_language,
    tag,
    welsh_plural_form,
)


def test_with_no_choice_anywhere_the_page_is_in_english() -> None:
    assert page_language(stored=None, browser=None) == ENGLISH == DEFAULT


def test_the_browsers_choice_applies_when_the_person_never_chose() -> None:
    assert page_language(stored=None, browser=WELSH) == WELSH


def test_the_persons_stored_choice_beats_the_browsers() -> None:
    assert page_language(stored=ENGLISH, browser=WELSH) == ENGLISH
    assert page_language(stored=WELSH, browser=ENGLISH) == WELSH


@pytest.mark.parametrize("junk", ["", "fr", "CY", "cy-GB", "en", "en-GB", "cy;q=1", "x" * 200])
def test_a_language_casereview_does_not_offer_counts_as_no_choice(junk: str) -> None:
    assert not is_language(junk)
    assert page_language(stored=junk, browser=None) == ENGLISH
    assert page_language(stored=junk, browser=WELSH) == WELSH
    assert page_language(stored=WELSH, browser=junk) == WELSH


def test_the_switch_names_each_language_in_itself_english_first() -> None:
    assert list(LANGUAGES.items()) == [("en-gb", "English"), ("cy", "Cymraeg")]


@pytest.mark.parametrize(
    ("n", "form"),
    [(0, 0), (1, 1), (2, 2), (3, 3), (4, 5), (5, 5), (6, 4), (7, 5), (8, 5), (11, 5), (100, 5)],
)
def test_welsh_has_six_plural_forms_zero_one_two_few_many_other(n: int, form: int) -> None:
    assert welsh_plural_form(n) == form


def test_the_gettext_header_says_the_same_rule_as_the_python_one() -> None:
    """The header's C expression, evaluated by Python's gettext, agrees with welsh_plural_form everywhere."""
    import gettext

    expression = WELSH_PLURAL_FORMS.split("plural=", 1)[1].rstrip(";")
    rule = gettext.c2py(expression)
    assert WELSH_PLURAL_FORMS.startswith("nplurals=6;")
    assert [rule(n) for n in range(1000)] == [welsh_plural_form(n) for n in range(1000)]


def test_with_welsh_not_offered_every_page_is_english_whatever_was_chosen() -> None:
    assert page_language(stored=WELSH, browser=WELSH, welsh=False) == ENGLISH
    assert page_language(stored=None, browser=WELSH, welsh=True) == WELSH


def test_the_lang_attribute_is_written_as_bcp_47_writes_it() -> None:
    assert (tag(ENGLISH), tag(WELSH), tag("xx")) == ("en-GB", "cy", "en-GB")


@pytest.mark.parametrize(
    ("method", "url_name", "returns"),
    [
        ("GET", "login", True),
        ("GET", "accounts:users", True),
        ("GET", None, True),  # a page not found: asking again is harmless
        ("POST", "login", False),  # a form answered with its errors
        ("POST", "logout", False),  # the page POST /logout/ answers
        ("GET", "sso_callback", False),  # one-time: spends its state, journals a refusal
        ("GET", "sso_start", False),
        ("GET", "accounts:confirm_identity_sso", False),
        ("HEAD", "login", False),
    ],
)
def test_the_switch_returns_only_to_a_get_page_it_may_repeat(
    method: str, url_name: str | None, returns: bool
) -> None:
    assert may_return_to(method=method, url_name=url_name) is returns


def test_a_translators_quote_cannot_end_the_attribute_and_nothing_is_escaped_twice() -> None:
    from casereview.web.language.templatetags.language_tags import attribute

    assert (
        attribute('Dewislen "x" <b> & it\'s') == "Dewislen &quot;x&quot; &lt;b&gt; &amp; it&#x27;s"
    )
    assert attribute("Cofrestrau A &amp; B &#39;") == "Cofrestrau A &amp; B &#39;"
