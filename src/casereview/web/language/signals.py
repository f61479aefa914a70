"""At sign-in, the person's stored choice goes into their new session, so that each page reads it from there
(no query per page); a choice made in another browser since reaches this one at its next sign-in."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .selectors import language_chosen

#: The signed-in person's stored choice, in their session (absent: they never chose).
SESSION_LANGUAGE = "casereview_language"


@receiver(user_logged_in)
def _carry_choice(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    chosen = language_chosen(user_id=user.pk)
    if chosen is None:
        session.pop(SESSION_LANGUAGE, None)
    else:
        session[SESSION_LANGUAGE] = chosen
