"""One journal entry for every API request that presented a token, with what it did and how it ended."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from casereview.domain.journal import Operation

API_PREFIX = "/api/v1/"


class ApiJournalMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or "HTTP_AUTHORIZATION" not in request.META:
            return response
        from casereview.web.journal.services import journal_record

        token = getattr(request, "api_token", None)
        status = response.status_code
        if token is None or status in (401, 403, 429):
            operation, actor = Operation.ACCESS, None if token is None else token.user
        elif request.method in ("GET", "HEAD"):
            operation, actor = Operation.CONSULTATION, token.user
        else:
            operation, actor = Operation.ALTERATION, token.user
        journal_record(
            actor=actor,
            operation=operation,
            action="api_request",
            object_type="api_token",
            object_id=token.pk if token is not None else "",
            actor_name=None if actor else "api (no valid token)",
            detail={"method": request.method, "path": request.path[:200], "status": status},
        )
        return response
