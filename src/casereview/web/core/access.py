"""Role checks for views: a user without the role gets 404, never a hint that the page exists."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from casereview.domain.roles import Role
from casereview.web.accounts.services import has_any_role


def role_required(
    *roles: Role,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not has_any_role(request.user, set(roles)):
                raise Http404
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator
