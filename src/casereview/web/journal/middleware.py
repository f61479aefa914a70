"""A signed-in user refused a page (403 or 404) is journaled: one place for every view."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .services import access_denied_record


class JournalDenialsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in (403, 404) and request.user.is_authenticated:
            access_denied_record(
                actor=request.user,
                path=request.path,
                status=response.status_code,
                method=request.method or "",
            )
        return response
