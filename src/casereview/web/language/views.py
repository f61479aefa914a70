"""The switch on every page (English | Cymraeg): open to everyone, signed in or not, the sign-in page too."""

from __future__ import annotations

from typing import Literal, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from casereview.domain.errors import Refused
from casereview.domain.language import is_language
from casereview.web.core.access import is_verified

from .services import language_choose
from .signals import SESSION_LANGUAGE


@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    """Speak ``language`` from now on, back to the page the switch was on (``next``, this site's only).

    A signed-in person's choice is stored (and journaled) once they are past the second factor; before that,
    and for everyone not signed in, the browser's cookie keeps it.
    """
    language = request.POST.get("language", "")
    if not is_language(language):
        raise Refused(gettext("Choose English or Cymraeg."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("home")
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
