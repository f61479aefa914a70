"""Follow-up words for templates: ``{% load followup %}`` then ``state|fu:"recommendation_state"``.

The tables are the domain's (``casereview.domain.followup``); an unknown code falls back to its words with the
underscores taken out, never to the code itself.  The words are English in the tables (the domain cannot import
Django, so it only marks them for the catalogue) and are translated here, into the page's language.
"""

from __future__ import annotations

from collections.abc import Mapping

from django import template
from django.utils.translation import gettext

from casereview.domain.followup import (
    ACTION_STATE_WORDS,
    FINDING_KIND_WORDS,
    FINDING_STATE_WORDS,
    JUDGEMENT_WORDS,
    PLAN_STATE_WORDS,
    RAG_WORDS,
    RECOMMENDATION_STATE_WORDS,
)
from casereview.domain.words import plain

register = template.Library()

TABLES: Mapping[str, Mapping[str, str]] = {
    "finding_kind": FINDING_KIND_WORDS,
    "finding_state": FINDING_STATE_WORDS,
    "recommendation_state": RECOMMENDATION_STATE_WORDS,
    "judgement": JUDGEMENT_WORDS,
    "plan_state": PLAN_STATE_WORDS,
    "action_state": ACTION_STATE_WORDS,
    "rag": RAG_WORDS,
}

#: The GOV.UK tag colour of each state (the words say it too: never colour alone).
TAG_COLOURS: Mapping[str, str] = {
    "red": "red",
    "amber": "orange",
    "green": "green",
    "draft": "grey",
    "open": "blue",
    "met": "green",
    "partly_met": "orange",
    "not_met": "red",
    "no_longer_relevant": "grey",
    "withdrawn": "grey",
    "published": "blue",
    "awaiting": "blue",
    "submitted": "purple",
    "returned": "orange",
    "accepted": "green",
    "escalated": "red",
    "done": "green",
}


@register.filter
def fu(code: object, kind: str) -> str:
    """A follow-up code in words, in the page's language (``kind``: one of ``TABLES``)."""
    if code is None or code == "":
        return ""
    text = str(code)
    words = TABLES.get(kind, {}).get(text, plain(text))
    return gettext(words) if words else ""  # gettext("") is the catalogue's header, never words


@register.inclusion_tag("followup/_tag.html")
def fu_tag(code: object, kind: str) -> dict[str, str]:
    """A GOV.UK tag for a state, a judgement or a rating: its words, and a colour that repeats them."""
    text = str(code or "")
    return {"words": fu(text, kind), "colour": TAG_COLOURS.get(text, "grey")}
