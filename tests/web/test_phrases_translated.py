"""Phrases the domain made, in the reader's language at the edge (casereview.web.core.phrases)."""

from __future__ import annotations

from pathlib import Path

from django.template import Context, Template
from django.utils import translation

from casereview.domain.errors import Refused
from casereview.domain.language import gettext_lazy, ngettext_lazy
from casereview.web.core.phrases import refusal_words, translated
from tests.welsh import cy

# Both are in the committed catalogue (base.html and the journal page mark them).
SIGN_OUT = gettext_lazy("Sign out %(username)s", username="ina")
ENTRIES = "%(shown)s entry", "%(shown)s entries"


def test_a_phrase_is_translated_in_the_active_language_and_english_elsewhere(welsh: Path) -> None:
    assert translated(SIGN_OUT) == "Sign out ina"
    with translation.override("cy"):
        assert translated(SIGN_OUT) == "Allgofnodi ina"
    assert translated(SIGN_OUT) == "Sign out ina"


def test_a_plural_phrase_takes_each_languages_own_form(welsh: Path) -> None:
    def entries(n: int) -> str:
        return translated(ngettext_lazy(*ENTRIES, n, shown=n))

    with translation.override("cy"):
        assert [entries(n) for n in (0, 1, 2, 3, 6, 7)] == [
            "dim cofnodion",
            "1 cofnod",
            "2 gofnod",
            "3 chofnod",
            "6 chofnod",
            "7 cofnod",
        ]
    assert [entries(n) for n in (1, 2)] == ["1 entry", "2 entries"]


def test_values_that_are_phrases_are_translated_too_and_text_is_left_as_it_is(
    welsh: Path,
) -> None:
    outer = gettext_lazy("Sign out %(username)s", username=ngettext_lazy(*ENTRIES, 2, shown=2))
    with translation.override("cy"):
        assert translated(outer) == "Allgofnodi 2 gofnod"
        assert translated("Not a phrase") == "Not a phrase" and translated(None) == ""


def test_a_refusal_and_a_template_say_the_phrase_in_the_readers_language(welsh: Path) -> None:
    with translation.override("cy"):
        assert refusal_words(Refused(SIGN_OUT)) == "Allgofnodi ina"
        assert refusal_words(Refused("plain text")) == "plain text"
        shown = Template("{% load language_tags %}{{ words|translated }}").render(
            Context({"words": SIGN_OUT})
        )
        assert shown == "Allgofnodi ina"


def test_grades_counted_together_are_joined_in_the_readers_language(welsh: Path) -> None:
    from casereview.domain.report_words import concern_phrase, concern_words

    labels = ["Requires improvement", "Inadequate", "Awful"]
    assert str(concern_phrase(labels)) == concern_words(labels)  # the English as before
    assert concern_phrase(["Good"]) == "good" and concern_phrase([]) == ""
    with translation.override("cy"):
        joined = translated(concern_phrase(["Angen gwella", "Annigonol"]))
        neu = cy("%(these)s or %(that)s", these="angen gwella", that="annigonol")
    assert joined == neu and " or " not in joined
