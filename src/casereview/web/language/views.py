"""The switch on every page (English | Cymraeg): open to everyone, signed in or not, the sign-in page too."""

from __future__ import annotations

from typing import Literal, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from casereview.domain.errors import Refused
from casereview.domain.language import WELSH, is_language, may_return_to
from casereview.web.core.access import is_verified

from .context_processors import fallback
from .services import language_choose
from .signals import SESSION_LANGUAGE


@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    """Speak ``language`` from now on, back to the page the switch was on (``next``: this site's only, and never
    a one-time or POST-only page; else the sign-in page signed out, the start page signed in).  Welsh is refused
    while CASEREVIEW_WELSH is off.

    A signed-in person's choice is stored (and journaled) once they are past the second factor; before that,
    and for everyone not signed in, the browser's cookie keeps it.
    """
    language = request.POST.get("language", "")
    if not is_language(language) or (language == WELSH and not settings.CASEREVIEW_WELSH):
        raise Refused(gettext("Choose English or Cymraeg."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) or not _may_return(back):
        back = fallback(request)
    if is_verified(request.user):
        language_choose(user=request.user, language=language)
    if request.user.is_authenticated:
        request.session[SESSION_LANGUAGE] = language
    response = HttpResponseRedirect(back)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=cast(Literal["Lax", "Strict", "None"], settings.LANGUAGE_COOKIE_SAMESITE),
    )
    return response


def _may_return(back: str) -> bool:
    """The page's own template already leaves out a page the switch may not repeat; this holds also for a
    ``next`` that names one anyway (an old form, a hand-made post): never a one-time or POST-only page."""
    try:
        match = resolve(back.split("?", 1)[0])
    except Resolver404:
        return True  # the page answers 404 again, harmlessly
    return may_return_to(method="GET", url_name=match.view_name)
