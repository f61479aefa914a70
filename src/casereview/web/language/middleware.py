"""Every request runs in the language casereview.domain.language picks, and says so (Content-Language) while
Welsh is offered (CASEREVIEW_WELSH)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from casereview.domain.language import page_language, tag

from .signals import SESSION_LANGUAGE


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        language = page_language(
            stored=request.session.get(SESSION_LANGUAGE) if signed_in else None,
            browser=request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME),
            welsh=settings.CASEREVIEW_WELSH,
        )
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            # The next request on this thread (or a test after this one) starts from English, not from here.  A
            # streaming response's generator runs after this: one that writes words must take the language
            # (request.LANGUAGE_CODE) and use translation.override itself.
            translation.deactivate()
        if settings.CASEREVIEW_WELSH:
            # Only where a page may be in either language; with Welsh off the responses stay as they were
            # before casereview spoke Welsh (no Content-Language).
            response.headers.setdefault("Content-Language", tag(language))
        return response
