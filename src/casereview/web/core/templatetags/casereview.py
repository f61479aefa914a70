from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable
from html import escape

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext

from casereview.domain import words as _words
from casereview.domain.framework import Grade, Weakness
from casereview.domain.language import PLURAL_SAMPLES
from casereview.web.core.phrases import active_language

register = template.Library()


@register.filter
def state_words(state: str) -> str:
    """A send back's state as a person reads it ("Response submitted", never "response_submitted")."""
    return _words.words(_words.Kind.SEND_BACK_STATE, state, gettext)


@register.filter
def category_label(code: str) -> str:
    """A category code in the page's language ("Neglect", "Esgeulustod")."""
    return _words.words(_words.Kind.CATEGORY, code, gettext)


@register.filter
def words(code: object, kind: str) -> str:
    """``{{ code|words:"journal_action" }}``: the code in words (domain/words.py is the one table), in the
    page's language (the tables' English is marked for the catalogue; an unknown code's fallback stays as it
    is)."""
    return _words.words(kind, code, gettext)


@register.filter
def number(value: object, places: int | None = None) -> str:
    """``{{ n|number }}``: "1,234"; ``{{ x|number:1 }}``: "1,234.5"; a marker ("[c]") as it is; nothing: ""."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, str):
        return value
    if not isinstance(value, int | float) or value != value:
        return ""
    if places is not None:
        return f"{float(value):,.{int(places)}f}"
    return _words.number(value)


@register.filter
def count(n: int | str | None, nouns: str) -> str:
    """``{{ n|count:"case" }}`` or ``{{ n|count:"inspection,inspections" }}``: "1 case", "1,234 cases"."""
    singular, _, plural = nouns.partition(",")
    if n is None:
        return ""
    if isinstance(n, str):  # a hidden count, "[c]": never singular
        return f"{n} {plural or singular + 's'}"
    return _words.count(n, singular, plural or None)


@register.filter
def percentage_points(share: object) -> str:
    """``{{ margin|percentage_points }}``: 0.125 -> "12.5 percentage points" (never "0.125 (as a share)"),
    "12.5 pwynt canran" on a Welsh page."""
    if not isinstance(share, int | float):
        return ""
    return _words.percentage_points(share, language=active_language())


@register.filter
def uk_date(day: object) -> str:
    """``{{ day|uk_date }}``: "22 October 2026", "22 Hydref 2026" on a Welsh page (an aware datetime is shown
    in UK local time; an ISO text read)."""
    import datetime as dt

    from django.utils import timezone

    if isinstance(day, dt.datetime) and timezone.is_aware(day):
        day = timezone.localtime(day)
    if not isinstance(day, dt.date | str):
        return ""
    return _words.uk_date(day, language=active_language())


@register.simple_tag
def timeout_words() -> SafeString:
    """The session-timeout warning's words (static/accounts/session-timeout.js), as data attributes of its
    dialog, in the page's language: each unit's words for one number of each Welsh plural form
    (``PLURAL_SAMPLES``; the script picks by the same rule and puts the number for ``{n}``), and the live
    region's sentence (``{time}`` for the time left)."""

    def forms(say: Callable[[int], str]) -> str:
        return escape(json.dumps([say(n) % {"count": "{n}"} for n in PLURAL_SAMPLES]))

    minutes = forms(lambda n: ngettext("%(count)s minute", "%(count)s minutes", n))
    seconds = forms(lambda n: ngettext("%(count)s second", "%(count)s seconds", n))
    announce = escape(gettext("You will be signed out in %(time)s.") % {"time": "{time}"})
    return SafeString(
        f'data-minutes="{minutes}" data-seconds="{seconds}" data-announce="{announce}"'
    )


# The review page draws one radio per grade and one checkbox per weakness for every area (several hundred
# inputs); rendered by the template language each input costs ~20 variable lookups, which made the page's
# markup most of a request's time.  These tags write the same GOV.UK markup, every value escaped (by the
# standard library's `html.escape`, which Django's own `escape` calls; Django's lazy-string wrappers were
# the next largest cost).

_RADIO = (
    '<div class="govuk-radios__item"><input class="govuk-radios__input" id="{0}-{1}" name="{2}" type="radio" '
    'value="{3}"{4}><label class="govuk-label govuk-radios__label" for="{0}-{1}">{5}</label></div>'
)
_CHECKBOX = (
    '<div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" id="{0}-{1}" name="{2}" '
    'type="checkbox" value="{1}"{3}><label class="govuk-label govuk-checkboxes__label" for="{0}-{1}">'
    "{1} {4}</label></div>"
)
_CHECKED = " checked"


@register.simple_tag
def grade_radios(
    id_prefix: str,
    name: str,
    grades: Iterable[Grade],
    chosen: str,
    *,
    not_applicable: Grade | None = None,
) -> SafeString:
    """Radios for `grades` (and "not applicable" with id suffix `na`), the one whose code is `chosen` checked."""
    prefix, name = escape(id_prefix), escape(name)
    rows = [
        _RADIO.format(
            prefix,
            escape(g.code),
            name,
            escape(g.code),
            _CHECKED if g.code == chosen else "",
            escape(g.label),
        )
        for g in grades
    ]
    if not_applicable is not None:
        na = not_applicable
        rows.append(
            _RADIO.format(
                prefix,
                "na",
                name,
                escape(na.code),
                _CHECKED if na.code == chosen else "",
                escape(na.label),
            )
        )
    return SafeString("".join(rows))


@register.simple_tag
def weakness_checkboxes(
    id_prefix: str, name: str, weaknesses: Iterable[Weakness], ticked: Collection[str]
) -> SafeString:
    """One checkbox per weakness ("W01 text"), ticked where its code is in `ticked`."""
    prefix, name = escape(id_prefix), escape(name)
    return SafeString(
        "".join(
            _CHECKBOX.format(
                prefix, escape(w.code), name, _CHECKED if w.code in ticked else "", escape(w.text)
            )
            for w in weaknesses
        )
    )
