"""Response and request rules for every page: never cached, a lost database a clear 503, NUL characters
refused up front, and an HTTPS redirect never cached (static files: core/static_headers.py; refusals are
journaled by journal/middleware.py)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connections
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext

from casereview.domain.errors import Conflict, NotFound, Refused

from .phrases import refusal_words


class NoStoreMiddleware:
    """Outermost: every response but static files', the HTTPS redirect and early refusals included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(("/static/", "/assets/")):
            response["Cache-Control"] = "no-store"
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

        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        for conn in connections.all():
            with contextlib.suppress(
                Exception
            ):  # a broken connection may fail to close; it is dropped either way
                conn.close()
        if request.path.startswith("/api/"):
            body = json.dumps(
                {
                    "error": {
                        "status": 503,
                        "code": "database_unavailable",
                        "message": "The database is unavailable; nothing was changed. Try again shortly.",
                        "details": [],
                    }
                }
            )
            response = HttpResponse(body, status=503, content_type="application/json")
        else:
            response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response


class RefuseNulMiddleware:
    """A NUL character in a query or form field is refused with a 400 before any view reads it.

    PostgreSQL cannot store or even compare text holding NUL (the driver raises), so a NUL typed into any field a
    view hands to the database would otherwise be a 500; Django's form fields refuse it, hand-read fields did not.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        fields = [request.GET]
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            fields.append(request.POST)
        if any(
            "\x00" in key or any("\x00" in value for value in data.getlist(key))
            for data in fields
            for key in data
        ):
            message = "A field holds a NUL character (\\x00); remove it and try again."
            if request.path.startswith("/api/"):
                body = json.dumps(
                    {
                        "error": {
                            "status": 400,
                            "code": "bad_request",
                            "message": message,
                            "details": [],
                        }
                    }
                )
                return HttpResponse(body, status=400, content_type="application/json")
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class RefusalsMiddleware:
    """Every page's one mapping of a refusal no view handled itself (``casereview.domain.errors``).

    A view that can show a refusal beside the form that caused it catches it; anything else reaches here and
    gets a page with its message: 404 for ``NotFound`` (the usual "Page not found"), 409 for ``Conflict``, 400
    for any other ``Refused`` — never a 500 for a refusal a person can act on.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            raise Http404 from exception
        if isinstance(exception, Conflict):
            heading, status = gettext("Someone changed this first"), 409
        elif isinstance(exception, Refused):
            heading, status = gettext("This cannot be done"), 400
        else:
            return None
        context = {"heading": heading, "message": refusal_words(exception)}
        return render(request, "refused.html", context, status=status)
