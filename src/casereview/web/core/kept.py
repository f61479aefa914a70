"""Answers kept after a session ended, as the pages that show them back reach them.

Keeping and restoring live in ``accounts/kept.py`` (the accounts app owns the sign-in and the stored rows), and
``accounts`` sits above the apps whose pages are kept. Its middleware attaches the taker to each request; a page
asks for its answers through here, so no app below accounts imports it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, QueryDict

#: The request attribute the accounts middleware sets: a callable taking this page's kept answers once.
TAKER = "casereview_take_kept_answers"


def take_kept_answers(request: HttpRequest) -> QueryDict | None:
    """The answers kept for the signed-in person on this page, once (then they are gone); None when none."""
    take: Callable[[], QueryDict | None] | None = getattr(request, TAKER, None)
    return take() if take is not None else None
