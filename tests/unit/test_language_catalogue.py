"""What `make messages` refuses in a catalogue (casereview.web.language.catalogue), read from .po text."""

from __future__ import annotations

from casereview.domain.language import WELSH_PLURAL_FORMS
from casereview.web.language.catalogue import (
    catalogue_problems,
    entries,
    messages,
    plural_forms,
)

HEADER = f"""msgid ""
msgstr ""
"Project-Id-Version: casereview\\n"
"POT-Creation-Date: 2026-12-03 17:00+0000\\n"
"Language: cy\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: {WELSH_PLURAL_FORMS}\\n"
"""

PLURAL = """
#, python-format
msgid "%(shown)s entry"
msgid_plural "%(shown)s entries"
msgstr[0] "dim cofnodion"
msgstr[1] "%(shown)s cofnod"
msgstr[2] "%(shown)s gofnod"
msgstr[3] "%(shown)s chofnod"
msgstr[4] "%(shown)s chofnod"
msgstr[5] "%(shown)s cofnod"
"""


def test_a_complete_catalogue_has_no_problems() -> None:
    text = HEADER + '\nmsgid "Home"\nmsgstr "Hafan"\n' + PLURAL
    assert catalogue_problems(text) == []


def test_the_reader_joins_continued_lines_and_undoes_escapes() -> None:
    text = HEADER + '\nmsgid ""\n"Say \\"hi\\"\\n"\n"twice"\nmsgstr "Dywedwch \\"helo\\""\n'
    found = entries(text)
    assert found[1].msgid == 'Say "hi"\ntwice' and found[1].msgstr == {0: 'Dywedwch "helo"'}
    assert plural_forms(text) == WELSH_PLURAL_FORMS


def test_an_untranslated_string_is_a_problem_that_names_it() -> None:
    problems = catalogue_problems(HEADER + '\nmsgid "Home"\nmsgstr ""\n')
    assert len(problems) == 1 and "'Home' is untranslated" in problems[0]


def test_a_plural_with_one_empty_form_is_untranslated_though_gettext_counts_it_translated() -> None:
    text = HEADER + PLURAL.replace('msgstr[4] "%(shown)s chofnod"', 'msgstr[4] ""')
    problems = catalogue_problems(text)
    assert len(problems) == 1 and "plural form(s) 4 of 6" in problems[0]


def test_a_plural_with_fewer_forms_than_welsh_has_is_untranslated() -> None:
    text = HEADER + PLURAL.replace('msgstr[5] "%(shown)s cofnod"\n', "")
    assert "plural form(s) 5 of 6" in " ".join(catalogue_problems(text))


def test_a_fuzzy_entry_is_a_problem_even_when_it_has_a_translation() -> None:
    problems = catalogue_problems(HEADER + '\n#, fuzzy\nmsgid "Home"\nmsgstr "Cartref"\n')
    assert len(problems) == 1 and "fuzzy" in problems[0]


def test_an_obsolete_entry_is_a_problem() -> None:
    problems = catalogue_problems(HEADER + '\n#~ msgid "Gone"\n#~ msgstr "Wedi mynd"\n')
    assert len(problems) == 1 and "obsolete" in problems[0]


def test_a_header_without_welshs_six_forms_is_a_problem() -> None:
    four = "nplurals=4; plural=(n==1) ? 0 : (n==2) ? 1 : (n != 8 && n != 11) ? 2 : 3;"
    problems = catalogue_problems(HEADER.replace(WELSH_PLURAL_FORMS, four))
    assert len(problems) == 1 and "Plural-Forms" in problems[0]


def test_the_creation_and_revision_dates_do_not_make_a_catalogue_stale() -> None:
    later = HEADER.replace("2026-12-03 17:00", "2027-01-01 09:00")
    assert later != HEADER and messages(later) == messages(HEADER)
    assert messages(HEADER + PLURAL) != messages(HEADER)


def test_only_what_the_catalogue_says_counts_never_how_gettext_wrote_it() -> None:
    """Another gettext may wrap long strings, order entries or comment differently: not stale."""
    one = HEADER + PLURAL + '\nmsgid "Menu"\nmsgstr "Dewislen"\n'
    rewritten = HEADER + '\n# a comment\nmsgid "Menu"\nmsgstr ""\n"Dewis"\n"len"\n' + PLURAL
    assert messages(one) == messages(rewritten)
    for changed in (
        one.replace('"Dewislen"', '"Dewislen arall"'),  # a translation
        one.replace('msgid "Menu"', 'msgid "Menus"'),  # an English string
        one.replace("#, python-format\n", "#, python-format, fuzzy\n"),  # a flag
        one.replace("Language: cy", "Language: cy-GB"),  # the header's other lines
    ):
        assert messages(changed) != messages(one)
