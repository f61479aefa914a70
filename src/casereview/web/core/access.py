"""Who may do what: a user's roles, the second-factor check, and the view decorator.

A user without the role gets 404 from ``role_required``, never a hint that the page exists. Every app reads
roles through here (the groups are read once per request and kept on the user object).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from casereview.domain.roles import ROLES, Role


def user_roles(user: Any) -> frozenset[Role]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    names = getattr(user, "_casereview_roles", None)
    if names is None:
        names = frozenset(user.groups.values_list("name", flat=True))
        user._casereview_roles = names
    return frozenset(Role(n) for n in names if n in ROLES)


def has_any_role(user: Any, roles: frozenset[Role] | set[Role]) -> bool:
    return bool(user_roles(user) & set(roles))


def is_verified(user: Any) -> bool:
    """Signed in and past the second factor in this session (set by django-otp's middleware)."""
    check = getattr(user, "is_verified", None)
    return bool(getattr(user, "is_authenticated", False) and check is not None and check())


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
