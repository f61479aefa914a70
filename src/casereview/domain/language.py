"""Which language a page is in: English unless the person chose Welsh.

The rule (docs/welsh.md): a signed-in person's own stored choice wins; without one, the choice this browser
made (the language cookie, set by the switch on every page, also before sign-in); without either, English.
The browser's Accept-Language is never read: casereview is an English-first service that offers Welsh, as
GOV.UK services do, so nobody is moved into Welsh (or out of it) by a setting they may not know they have, on
a shared office machine least of all; the switch is on every page and one press away.

A stored choice beats the browser's because the browser may be someone else's (a shared machine keeps the
last person's cookie), while the stored choice is the person's own and follows them to any browser.

Welsh has six plural forms (CLDR): zero, one, two, few (3), many (6) and other.  ``WELSH_PLURAL_FORMS`` is
the gettext header every Welsh catalogue of casereview carries, and ``welsh_plural_form`` the same rule in
Python; a test holds the two to each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date

ENGLISH = "en-gb"
WELSH = "cy"
DEFAULT = ENGLISH
#: Every language casereview offers, in the order the switch shows them, with each one's name in itself
#: (a switch names each language in that language, so a reader finds their own whatever the page's).
LANGUAGES: Mapping[str, str] = {ENGLISH: "English", WELSH: "Cymraeg"}
#: Each language's BCP 47 tag, for ``lang`` attributes and Content-Language: Django's codes are lower case
#: (``en-gb``), the service's documents and the pages before Welsh said ``en-GB``, as BCP 47 writes it.
TAGS: Mapping[str, str] = {ENGLISH: "en-GB", WELSH: "cy"}
#: The switch's visually hidden words for each language, written in that language (GOV.UK's language
#: navigation): a reader who needs the other language reads the offer in it.  Not in the catalogue, on purpose.
SWITCH_TO: Mapping[str, str] = {
    ENGLISH: "Change the language to English",
    WELSH: "Newid yr iaith i'r Gymraeg",
}
#: Pages the switch must never send the browser back to (by URL name): they are one-time (a single sign-on
#: callback spends its state, and a second request journals a second refusal and counts a second failure),
#: start a flow at the provider, or answer only POST.  A page answered by POST is never returned to either.
NO_RETURN: frozenset[str] = frozenset(
    {"sso_callback", "sso_start", "logout", "accounts:confirm_identity_sso", "language"}
)

WELSH_PLURAL_FORMS = (
    "nplurals=6; plural=(n==0) ? 0 : (n==1) ? 1 : (n==2) ? 2 : (n==3) ? 3 : (n==6) ? 4 : 5;"
)


def gettext_noop(message: str) -> str:
    """Mark ``message`` for the Welsh catalogue and return it unchanged.

    ``casereview.domain`` cannot import Django, so its word tables mark their English with this function, whose
    name ``makemessages`` (xgettext) knows; the page's edge translates the words with ``gettext`` (the
    ``words`` template filter).  The tables, and every caller that does not translate, keep their English.
    """
    return message


@dataclass(frozen=True)
class Phrase:
    """Words the domain makes for people, translated where they are shown.

    ``casereview.domain`` cannot import Django, so a rule that writes a sentence with values in it ("Choose a
    grade for Initial contact") gives a Phrase: its English template (marked for the catalogue by the maker
    below), the plural template and the number that chooses the form when there is one, and the values.
    ``str()`` is the English (logs, the journal, the command line, tests); a page, e-mail or message writes
    ``casereview.web.core.phrases.translated(phrase)``, which translates the template in the reader's
    language and each value that is itself a Phrase.  Values are put in as given: a value that is words must
    be a Phrase (or come from the page's own language, like a framework in_language), never English text.
    """

    template: str
    values: Mapping[str, object] = field(default_factory=dict)
    plural: str | None = None
    number: int | None = None

    def english(self, template: str | None = None) -> str:
        if template is None:
            template = self.template
            if self.plural is not None and self.number != 1:
                template = self.plural
        if not self.values:
            return template
        return template % {name: str(value) for name, value in self.values.items()}

    def __str__(self) -> str:
        return self.english()


def gettext_lazy(template: str, /, **values: object) -> Phrase:
    """A Phrase: ``template`` (``%(name)s`` placeholders) with its values, translated where it is shown.

    Named as Django's lazy translation is, which it mirrors (words translated when shown, not when made), so
    that ``makemessages`` finds the template without a setting of its own."""
    return Phrase(template, values)


def ngettext_lazy(singular: str, plural: str, number: int, /, **values: object) -> Phrase:
    """A Phrase with a plural: ``number`` chooses the form (Welsh has six, English two) where it is shown."""
    return Phrase(singular, values, plural=plural, number=number)


def joined(parts: Sequence[object], separator: str = "; ") -> Phrase:
    """Several Phrases (or plain values) as one, in order, ``separator`` between them: a refusal that names
    every problem at once.  The template is punctuation only, not in the catalogue, so it is left as it is
    and each part is translated where the whole is shown; ``str()`` is the parts' English joined as before."""
    names = [f"part{i}" for i in range(len(parts))] or ["none"]
    values: dict[str, object] = dict(zip(names, parts, strict=False)) or {"none": ""}
    return Phrase(separator.join(f"%({name})s" for name in names), values)


def day_words(day: date) -> Phrase:
    """A UK date in words, "14 January 2027", translated where shown (the month's name is in Django's own
    catalogue); the template is not catalogued (Welsh writes a date in the same order: "14 Ionawr 2027")."""
    return Phrase(
        "%(day)s %(month)s %(year)s",
        {"day": day.day, "month": Phrase(f"{day:%B}"), "year": day.year},
    )


@dataclass(frozen=True)
class Speaking:
    """The language a document is being written in, and how its Phrases are written in it."""

    language: str
    write: Callable[[Phrase], str]


_IN_ENGLISH = Speaking(ENGLISH, str)
_SPEAKING: ContextVar[Speaking | None] = ContextVar("casereview_speaking", default=None)


@contextmanager
def speaking(language: str, write: Callable[[Phrase], str]) -> Iterator[None]:
    """Write every document made inside in ``language``: ``say`` writes each Phrase with ``write``.

    A page translates the domain's Phrases where it shows them; a document is different: a report is frozen
    when it is published, words and all, so its words are final text in the language it is written in when it
    is made.  The shell (``casereview.web.core.phrases.written_in``) sets the language and its writer (Django's
    translation) around the making; without it every document is English, as the command line, the journal
    and the stored English version have it.  The same context-local way as Django's active language, so that
    the report's many makers need no language threaded through them."""
    token = _SPEAKING.set(Speaking(language, write))
    try:
        yield
    finally:
        _SPEAKING.reset(token)


def say(words: Phrase) -> str:
    """``words`` as text in the language the document is being written in (English unless ``speaking``)."""
    return (_SPEAKING.get() or _IN_ENGLISH).write(words)


def say_word(english: str) -> str:
    """Words from a table marked with ``gettext_noop`` (or a catalogued template), in the document's language:
    the ``translate`` a ``words()`` call takes in a document."""
    return say(Phrase(english))


def saying() -> str:
    """The language code the document is being written in (``en-gb`` unless ``speaking``): for dates and
    measures written by language (``uk_date(day, language=saying())``)."""
    return (_SPEAKING.get() or _IN_ENGLISH).language


def is_language(code: object) -> bool:
    """A language casereview offers, exactly as it is stored (``en-gb``, ``cy``)."""
    return isinstance(code, str) and code in LANGUAGES


def tag(code: str) -> str:
    """The BCP 47 tag of a language casereview offers (``en-GB``, ``cy``); English for anything else."""
    return TAGS.get(code, TAGS[DEFAULT])


def page_language(*, stored: str | None, browser: str | None, welsh: bool = True) -> str:
    """The language of a page: the signed-in person's stored choice, else this browser's choice, else English.

    ``stored`` is None when nobody is signed in or the person never chose; ``browser`` is the language cookie's
    value, which anyone can set to anything, so a value casereview does not offer counts as no choice.
    ``welsh`` False (CASEREVIEW_WELSH=0: an installation that serves no Welsh body) makes every page English,
    whatever was chosen before.
    """
    if not welsh:
        return DEFAULT
    for choice in (stored, browser):
        if is_language(choice):
            return str(choice)
    return DEFAULT


#: One number of each Welsh plural form, in the forms' order (zero, one, two, few, many, other).  A script
#: that counts (the session-timeout warning) is given each form's words for these numbers and picks by
#: ``welsh_plural_form``; English's two forms (1, and every other number) are each a union of Welsh's, so
#: the same six words serve an English page.
PLURAL_SAMPLES: tuple[int, ...] = (0, 1, 2, 3, 6, 7)


def welsh_plural_form(n: int) -> int:
    """The index of the Welsh plural form for ``n`` (0 zero, 1 one, 2 two, 3 few, 4 many, 5 other)."""
    return {0: 0, 1: 1, 2: 2, 3: 3, 6: 4}.get(n, 5)


def may_return_to(*, method: str, url_name: str | None) -> bool:
    """Whether the switch may send the browser back to the page it was pressed on: only a GET page, and not
    one of ``NO_RETURN`` (else it lands on the sign-in page, signed out, or the start page)."""
    return method == "GET" and url_name not in NO_RETURN
