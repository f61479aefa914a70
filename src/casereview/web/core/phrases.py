"""Words the domain made (``casereview.domain.language.Phrase``), in the reader's language (docs/welsh.md).

The domain cannot import Django, so it hands its sentences over as Phrases: an English template marked for
the catalogue, maybe a plural and its number, and values.  Here, at the edge, the template is translated in
the active language (a page's, or the e-mail recipient's under ``translation.override``) and the values put
in, each Phrase among them translated the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import translation
from django.utils.translation import gettext, ngettext

from casereview.domain.language import ENGLISH, Phrase, is_language, speaking


def translated(words: object) -> str:
    """``words`` in the active language: a Phrase translated, anything else as its text ("" for None)."""
    if not isinstance(words, Phrase):
        return "" if words is None else str(words)
    if words.plural is not None and words.number is not None:
        template = ngettext(words.template, words.plural, words.number)
    else:
        template = gettext(words.template)
    if not words.values:
        return template
    return template % {name: translated(value) for name, value in words.values.items()}


def refusal_words(exc: BaseException) -> str:
    """What a refusal (``casereview.domain.errors.Refused`` and kin) says, in the reader's language: its
    message is a Phrase when the rule that refused wrote one, else its text as it is."""
    return translated(exc.args[0]) if len(exc.args) == 1 else str(exc)


def message_of(exc: BaseException) -> object:
    """A refusal's message as it was made (a Phrase stays one), to raise it again as another refusal of the
    same words, so that a page can still show it in the reader's language."""
    return exc.args[0] if len(exc.args) == 1 else str(exc)


def active_language() -> str:
    """The language being written in now: the page's (or ``written_in``'s), English outside any or when the
    active one is not one casereview offers.  The one way the shell asks which language to write dates,
    measures and the framework's words in."""
    language = translation.get_language()
    return language if is_language(language) else ENGLISH


@contextmanager
def written_in(language: str) -> Iterator[None]:
    """Everything made inside in ``language``: Django's templates and gettext, and the documents the domain
    writes (``casereview.domain.language.say``), whose Phrases are translated here as they are made.  In
    English the Phrases are the domain's own words (``str``), never read through a catalogue, so that English
    is the same whoever asks for it and whatever the page's language."""
    write = str if language == ENGLISH else translated
    with translation.override(language), speaking(language, write):
        yield
