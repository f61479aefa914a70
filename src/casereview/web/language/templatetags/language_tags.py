"""Template filters for the language of a page.

``{{ LANGUAGE_CODE|bcp47 }}``: the ``lang`` attribute as BCP 47 writes it (``en-GB``, not Django's ``en-gb``).

``{{ label|attribute }}``: translated words made safe to write into an attribute.  Django marks a translation
of a literal safe (``{% translate "Menu" as menu %}`` too, and ``blocktranslate ... asvar``), so neither
``{{ menu }}`` nor autoescaping would stop a translator's ``"`` from ending the attribute; ``force_escape``
would, but would escape twice the values a ``blocktranslate`` has already escaped (``&amp;`` → ``&amp;amp;``).
This escapes what can still be raw: quotes, ``<``, ``>`` and an ``&`` that does not begin an entity.
"""

from __future__ import annotations

import re

from django import template
from django.utils.safestring import SafeString, mark_safe

from casereview.domain.language import tag
from casereview.web.core.phrases import translated as in_language

register = template.Library()

_RAW = re.compile(r"&(?!#\d+;|#x[0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)|[\"'<>]")
_ESCAPED = {"&": "&amp;", '"': "&quot;", "'": "&#x27;", "<": "&lt;", ">": "&gt;"}


@register.filter
def bcp47(code: str) -> str:
    return tag(code)


@register.filter(is_safe=True)
def attribute(words: str) -> SafeString:
    return mark_safe(_RAW.sub(lambda m: _ESCAPED[m.group(0)], str(words)))  # noqa: S308 (escaped here)


@register.filter
def translated(words: object) -> str:
    """``{{ problem.message|translated }}``: words the domain made (a Phrase) in the page's language."""
    return in_language(words)
