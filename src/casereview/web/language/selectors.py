"""The language each person chose: for their pages (read once per sign-in) and for mail to them."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from casereview.domain.language import DEFAULT, LANGUAGES

from .models import LanguageChoice


def language_chosen(*, user_id: int) -> str | None:
    """The person's stored choice, or None when they never chose (their browser's choice then applies)."""
    return LanguageChoice.objects.filter(user_id=user_id).values_list("language", flat=True).first()


def languages_of(*, user_ids: Iterable[int]) -> dict[int, str]:
    """Each person's language for what casereview writes to them (e-mail): their choice, else English; one
    query for any number of people."""
    ids = set(user_ids)
    chosen = dict(LanguageChoice.objects.filter(user_id__in=ids).values_list("user_id", "language"))
    return {user_id: chosen.get(user_id, DEFAULT) for user_id in ids}


def languages_offered() -> list[str]:
    """The languages the service offers, English first: what its pages switch between and its reports are
    made, published and offered in.  English, and Welsh unless the installation turned it off
    (``CASEREVIEW_WELSH=0``)."""
    return list(LANGUAGES) if settings.CASEREVIEW_WELSH else [DEFAULT]
