"""The language each person chose: for their pages (read once per sign-in) and for mail to them."""

from __future__ import annotations

from collections.abc import Iterable

from casereview.domain.language import DEFAULT

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
