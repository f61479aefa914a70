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

from collections.abc import Mapping

ENGLISH = "en-gb"
WELSH = "cy"
DEFAULT = ENGLISH
#: Every language casereview offers, in the order the switch shows them, with each one's name in itself
#: (a switch names each language in that language, so a reader finds their own whatever the page's).
LANGUAGES: Mapping[str, str] = {ENGLISH: "English", WELSH: "Cymraeg"}

WELSH_PLURAL_FORMS = (
    "nplurals=6; plural=(n==0) ? 0 : (n==1) ? 1 : (n==2) ? 2 : (n==3) ? 3 : (n==6) ? 4 : 5;"
)


def is_language(code: object) -> bool:
    """A language casereview offers, exactly as it is stored (``en-gb``, ``cy``)."""
    return isinstance(code, str) and code in LANGUAGES


def page_language(*, stored: str | None, browser: str | None) -> str:
    """The language of a page: the signed-in person's stored choice, else this browser's choice, else English.

    ``stored`` is None when nobody is signed in or the person never chose; ``browser`` is the language cookie's
    value, which anyone can set to anything, so a value casereview does not offer counts as no choice.
    """
    for choice in (stored, browser):
        if is_language(choice):
            return str(choice)
    return DEFAULT


def welsh_plural_form(n: int) -> int:
    """The index of the Welsh plural form for ``n`` (0 zero, 1 one, 2 two, 3 few, 4 many, 5 other)."""
    return {0: 0, 1: 1, 2: 2, 3: 3, 6: 4}.get(n, 5)
