"""The username a failed sign-in is recorded under: the user's when it names one, else a keyed hash.

People type their password into the username box.  The journal (``login_failed``,
``locked_out``), django-axes' failure records and the *Locked sign-ins* page
therefore keep what was typed only when it is an existing user's username;
anything else is kept as ``domain.pseudonyms.unknown_username`` (a keyed hash
under ``CASEREVIEW_PSEUDONYM_KEY``).  ``axes_username`` is django-axes'
``AXES_USERNAME_CALLABLE``: the same typed text gives the same hash, so the
per-username lock-out still counts repeated unknown usernames, and a real
username is counted under itself as before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from casereview.domain.pseudonyms import (
    PseudonymKeyError,
    derive_key,
    is_unknown_username,
    unknown_username,
)

#: Where one request remembers the names it has resolved (axes asks several times per sign-in).
_CACHE = "_casereview_recorded_usernames"


def _key() -> bytes:
    try:
        return derive_key(getattr(settings, "CASEREVIEW_PSEUDONYM_KEY", ""))
    except (
        PseudonymKeyError
    ):  # never let a missing key break signing in: fall back to Django's own secret
        return hashlib.sha512(b"casereview-sign-in:" + settings.SECRET_KEY.encode("utf-8")).digest()


def _max_length() -> int:
    field = get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD)
    return int(getattr(field, "max_length", None) or 150)


def recorded_username(typed: str | None) -> str | None:
    """What the records keep for this typed username (None and "" stay as they are)."""
    if not typed:
        return typed
    if (
        len(typed) <= _max_length()
        and get_user_model()
        ._default_manager.filter(**{get_user_model().USERNAME_FIELD: typed})
        .exists()
    ):
        return typed
    return unknown_username(typed, key=_key())


def shown_usernames(names: Iterable[str | None]) -> dict[str, str]:
    """For a page: each name as the records should keep it (older records may hold typed text in clear)."""
    wanted = {n for n in names if n and not is_unknown_username(n)}
    model = get_user_model()
    real = (
        set(
            model._default_manager.filter(**{f"{model.USERNAME_FIELD}__in": wanted}).values_list(
                model.USERNAME_FIELD, flat=True
            )
        )
        if wanted
        else set()
    )
    key = _key() if wanted - real else b""
    return {n: (n if n in real else unknown_username(n, key=key)) for n in wanted}


def typed_username(request: Any, credentials: dict[str, Any] | None = None) -> str | None:
    """What was typed in the username box, as django-axes would read it."""
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    if credentials:
        value = credentials.get(field)
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        value = data.get(field) if hasattr(data, "get") else None
    return None if value is None else str(value)


def axes_username(request: Any, credentials: dict[str, Any] | None = None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: the typed username as the records keep it."""
    typed = typed_username(request, credentials)
    cache: dict[str | None, str | None] | None = (
        getattr(request, _CACHE, None) if request is not None else None
    )
    if cache is None:
        cache = {}
        if request is not None:
            setattr(request, _CACHE, cache)
    if typed not in cache:
        cache[typed] = recorded_username(typed)
    return cache[typed]
