"""Reads of API tokens (never their secrets: only a hash is stored)."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import ApiToken


def tokens_listed(username: str | None = None) -> QuerySet[ApiToken]:
    """Every API token with its owner, oldest first; only ``username``'s when given."""
    found = ApiToken.objects.select_related("user").order_by("id")
    if username:
        found = found.filter(user__username=username)
    return found


def token_by_id(token_id: int) -> ApiToken | None:
    """The token with this id, with its owner, or None."""
    return ApiToken.objects.select_related("user").filter(pk=token_id).first()


def tokens_of(user_id: int) -> QuerySet[ApiToken]:
    """A user's own tokens, newest first (as their tokens page lists them)."""
    return ApiToken.objects.filter(user_id=user_id)


def token_of(user_id: int, token_id: int) -> ApiToken | None:
    """One of a user's own tokens, or None (someone else's token is as good as absent)."""
    return ApiToken.objects.filter(pk=token_id, user_id=user_id).first()
