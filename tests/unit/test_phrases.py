"""Phrases: sentences the domain makes for people, English as text, translated where shown (issue 25)."""

from __future__ import annotations

from casereview.domain.errors import Refused
from casereview.domain.language import Phrase, gettext_lazy, ngettext_lazy


def test_a_phrase_reads_as_its_english_with_its_values_put_in() -> None:
    phrase = gettext_lazy("Choose a grade for %(area)s", area="Initial contact")
    assert phrase == Phrase("Choose a grade for %(area)s", {"area": "Initial contact"})
    assert str(phrase) == "Choose a grade for Initial contact"
    assert str(gettext_lazy("No values, 100% as written")) == "No values, 100% as written"


def test_a_plural_phrase_takes_englishs_form_for_its_number() -> None:
    for number, english in ((0, "0 cases"), (1, "1 case"), (2, "2 cases"), (6, "6 cases")):
        assert str(ngettext_lazy("%(n)s case", "%(n)s cases", number, n=number)) == english


def test_a_phrase_inside_a_phrase_reads_as_english_too() -> None:
    inner = ngettext_lazy("%(n)s case", "%(n)s cases", 3, n=3)
    assert str(gettext_lazy("Drawn: %(what)s.", what=inner)) == "Drawn: 3 cases."


def test_a_refusal_made_with_a_phrase_says_its_english_as_any_refusal_does() -> None:
    refusal = Refused(gettext_lazy("Case %(ref)s is closed", ref="C-1"))
    assert str(refusal) == "Case C-1 is closed"
