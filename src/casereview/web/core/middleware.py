"""Pages may hold case data: never let a browser or proxy cache them."""

from __future__ import annotations

import contextlib
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


class DatabaseUnavailableMiddleware:
    """The database went away (restart, failover, network): a clear 503, never a half-written change.

    Every change runs in one transaction, which the database rolls back when the connection breaks; this
    turns the error into a page that says so, drops the broken connection so the next request opens a
    fresh one, and asks the client to retry.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.db import InterfaceError, OperationalError, connections
        from django.template.loader import render_to_string

        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        for conn in connections.all():
            with contextlib.suppress(Exception):  # a broken connection may fail to close; it is dropped either way
                conn.close()
        if request.path.startswith("/api/"):
            import json

            body = json.dumps({"error": {"status": 503, "code": "database_unavailable",
                                         "message": "The database is unavailable; nothing was changed. Try again shortly.",
                                         "details": []}})
            response = HttpResponse(body, status=503, content_type="application/json")
        else:
            response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
