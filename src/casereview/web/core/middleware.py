"""Pages may hold case data: never let a browser or proxy cache them."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(("/static/", "/assets/")):
            response["Cache-Control"] = "no-store"
        return response


class JournalDenialsMiddleware:
    """A signed-in user refused a page (403 or 404) is journaled: one place for every view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in (403, 404) and request.user.is_authenticated:
            from casereview.domain.journal import Operation
            from casereview.web.journal.services import journal_record

            journal_record(
                actor=request.user,
                operation=Operation.ACCESS,
                action="access_denied",
                object_type="path",
                object_id=request.path[:64],
                detail={"status": response.status_code, "method": request.method},
            )
        return response
