"""What base.html needs for the language switch: the languages it shows (none while CASEREVIEW_WELSH is off)
and where it comes back to (casereview.domain.language.may_return_to)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation

from casereview.domain.language import LANGUAGES, SWITCH_TO, may_return_to, tag


def fallback(request: HttpRequest) -> str:
    """Where the switch goes when it may not go back: the sign-in page signed out, else the start page."""
    user = getattr(request, "user", None)
    return reverse("home") if user is not None and user.is_authenticated else reverse("login")


def back_address(request: HttpRequest) -> str:
    match = request.resolver_match
    if may_return_to(method=request.method or "", url_name=match.view_name if match else None):
        return request.get_full_path()
    return fallback(request)


def language(request: HttpRequest) -> dict[str, Any]:
    current = translation.get_language()
    return {
        # A view (or template, with {% with %}) may pass its own ``language_back``: a view's context wins
        # over a context processor's.
        "language_back": back_address(request),
        "language_switch": [
            {
                "code": code,
                "lang": tag(code),
                "name": name,
                "description": SWITCH_TO[code],
                "current": code == current,
            }
            for code, name in LANGUAGES.items()
        ]
        if settings.CASEREVIEW_WELSH
        else [],
    }
