"""One journal entry for every API request that presented a token, with what it did and how it ended."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .services import api_request_record

API_PREFIX = "/api/v1/"


class ApiJournalMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or "HTTP_AUTHORIZATION" not in request.META:
            return response
        api_request_record(
            token=getattr(request, "api_token", None),
            method=request.method or "",
            path=request.path,
            status=response.status_code,
        )
        return response
