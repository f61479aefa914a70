"""The API's frame: the NinjaAPI object, token authentication, the one error shape and its mappings
(every refusal included: ``casereview.domain.errors``), scope checks, strict query strings and paging.
The operations are in ``api.py`` and (the recommendations') ``recommendations_api.py``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer
from pydantic import Field

from casereview.domain.errors import Conflict, NotFound, Refused
from casereview.domain.tokens import Scope

from . import schemas as s
from .services import token_check, token_count_use


def error_responses(*extra: int) -> dict[int, Any]:
    """The error responses every operation may give, and ``extra`` ones (409, 413)."""
    return dict.fromkeys((400, 401, 403, 404, 422, 429, *extra), s.Error)


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or []
        self.headers = headers or {}


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        found = token_check(token)
        if found is None:
            return None
        request.api_token = found  # type: ignore[attr-defined]
        wait = token_count_use(found)
        if wait is not None:
            raise ApiError(
                429,
                "rate_limited",
                f"More than {found.rate_per_minute} requests a minute; try again in {wait} s",
                headers={"Retry-After": str(wait)},
            )
        if length > settings.CASEREVIEW_MAX_REGISTER_BYTES + 1024 * 1024:
            raise ApiError(
                413,
                "too_large",
                f"The request is larger than the largest register accepted "
                f"({settings.CASEREVIEW_MAX_REGISTER_BYTES:,} bytes)",
            )
        return found


api = NinjaAPI(
    title="casereview API",
    version="1",
    description=(
        "Registers, sample manifests, send backs and reports for the inspected bodies' systems and for analysts. "
        "Authenticate with a personal access token: `Authorization: Bearer cr_…` (made on the *API tokens* page or "
        "with `casereview token create`). A token carries scopes (`read`, `register_upload`, `send_back_response`), "
        "an expiry and a rate limit, and never reaches more than its user could on the web. Every error is "
        '`{"error": {"status", "code", "message", "details"}}`. See docs/api.md.'
    ),
    urls_namespace="api",
    auth=TokenAuth(),
    docs_url=None,  # the interactive page would fetch scripts from a CDN
    openapi_url="/openapi.json",
)


def error_response(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    response = api.create_response(
        request,
        {"error": {"status": status, "code": code, "message": message, "details": details or []}},
        status=status,
    )
    for key, value in (headers or {}).items():
        response[key] = value
    return response


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(request, exc.status, exc.code, exc.message, exc.details, exc.headers)


@api.exception_handler(Refused)
def _refused(request: HttpRequest, exc: Refused) -> HttpResponse:
    """The API's one mapping of a refusal an operation did not map to a documented code of its own."""
    if isinstance(exc, NotFound):
        return error_response(request, 404, "not_found", "No such resource, or not one you may see")
    if isinstance(exc, Conflict):
        return error_response(request, 409, "conflict", str(exc))
    return error_response(request, 422, "refused", str(exc))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request,
        401,
        "unauthenticated",
        "A valid, unexpired, unrevoked token is needed: Authorization: Bearer cr_…",
        headers={"WWW-Authenticate": 'Bearer realm="casereview"'},
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details = [
        {"location": ".".join(str(p) for p in e.get("loc", ())), "message": str(e.get("msg", ""))}
        for e in exc.errors
    ]
    return error_response(
        request, 422, "invalid_request", "The request does not match the API description", details
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", "No such resource, or not one you may see")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}.get(
        exc.status_code, "error"
    )
    return error_response(request, exc.status_code, code, str(exc.message))


def token_user(request: HttpRequest, scope: Scope) -> Any:
    """The user whose token made the request; 403 (``scope_missing``) unless the token has ``scope``."""
    token = request.api_token  # type: ignore[attr-defined]
    if scope.value not in token.scopes:
        raise ApiError(403, "scope_missing", f"This token lacks the {scope.value!r} scope")
    return token.user


class Page(Schema):
    limit: int = Field(100, ge=1, le=500, description="At most this many, newest first")
    offset: int = Field(0, ge=0, le=1_000_000)


# ninja reads an operation's annotations (``Query[Page]``) in the globals of the function it is given, which for
# a wrapped operation are this module's: so the modules of the operations (``api.py``, ``recommendations_api.py``)
# do not use ``from __future__ import annotations``, and give ninja the types themselves, not their names.
def strict_query(*allowed: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Refuse query parameters the operation does not have: a misspelt filter must not be ignored silently."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            unknown = sorted(set(request.GET) - set(allowed))
            if unknown:
                raise ApiError(
                    422,
                    "invalid_request",
                    "The request does not match the API description",
                    [
                        {
                            "location": f"query.{name[:50]}",
                            "message": "not a parameter of this operation",
                        }
                        for name in unknown[:20]
                    ],
                )
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
