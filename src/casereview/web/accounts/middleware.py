"""Session limits, the page's view of them, and the second-factor gate.

Every signed-in request passes here: a session older than 12 hours is ended
whatever its activity; the 15-minute idle limit is the session's own expiry,
moved on by saving the session at most once a minute (so an active session is
not written on every page); and a user who has not passed the second factor
reaches only the sign-in pages, carrying the page they asked for (``next``).

The session's real expiry is remembered in the session each time it is saved
(``SESSION_EXPIRES``), so a page can say exactly how long it has left
(``request.session_timeout``, rendered by base.html for the timeout warning).
A POST that arrives after the session ended, to a page whose answers are worth
keeping, has them kept (``kept.py``) before the person is sent to sign in. The
timeout warning's last request (header ``X-Casereview-Timeout``) never reaches a
view and never moves the expiry on: it learns whether the session is still there
and, if not, keeps what the page held.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import resolve, reverse
from django.urls.exceptions import Resolver404

from casereview.web.core.access import is_verified
from casereview.web.core.kept import TAKER

from .kept import (
    is_keepable,
    keep_posted,
    kept_answers_take,
    signin_url,
    user_cookie_delete,
    user_cookie_id,
    user_cookie_set,
)
from .services import has_confirmed_device

SESSION_STARTED = "casereview_started"
SESSION_TOUCHED = "casereview_touched"
SESSION_EXPIRES = "casereview_expires"
#: Sent by the timeout warning's script when the page's time is up (static/accounts/session-timeout.js).
TIMEOUT_HEADER = "X-Casereview-Timeout"
#: On every signed-in response: the seconds the session has left after it (the page's script reads it).
EXPIRES_HEADER = "X-Session-Expires-In"
#: Views a signed-in user may reach before the second factor, by their namespaced name (``view_name``), so
#: that another app's page of the same bare name is never let through.
BEFORE_SECOND_FACTOR = frozenset(
    {
        "login",
        "logout",
        "sso_start",
        "sso_callback",
        "signed_out",
        "two_factor_setup",
        "two_factor_verify",
        "healthz",
        "accounts:sign_in_help",
        "accessibility",
        "language",  # the English | Cymraeg switch (casereview.web.language)
    }
)


def session_seconds_left(request: HttpRequest, now: float | None = None) -> int:
    """Seconds until the session's idle expiry, as last saved (never later than the real one)."""
    now = time.time() if now is None else now
    expires = request.session.get(SESSION_EXPIRES)
    if expires is None:
        touched = request.session.get(SESSION_TOUCHED)
        expires = (float(touched) if touched else now) + settings.SESSION_COOKIE_AGE
    return max(0, int(float(expires) - now))


def session_touch(request: HttpRequest, now: float) -> None:
    """Save the session at this response, which moves its idle expiry on."""
    request.session[SESSION_TOUCHED] = now
    request.session[SESSION_EXPIRES] = now + settings.SESSION_COOKIE_AGE


class SessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        setattr(
            request, TAKER, partial(kept_answers_take, request)
        )  # pages below accounts reach it (core/kept.py)
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED)
            now = time.time()
            if started is None:
                request.session[SESSION_STARTED] = now
            elif now - float(started) > settings.CASEREVIEW_SESSION_ABSOLUTE_SECONDS:
                # The page's CSRF token is not checked yet: keep_posted's Origin check and SameSite=Strict
                # cookie stand in for it.
                kept = keep_posted(request, user=request.user, reason="session_limit")
                logout(request)
                if kept or request.path != "/":
                    asked = request.get_full_path() if request.method == "GET" else request.path
                    return redirect(signin_url(asked, reason="expired"))
                return redirect(f"{settings.LOGIN_URL_PATH}?expired=1")
            probe = TIMEOUT_HEADER in request.headers
            if (
                not probe
                and now - float(request.session.get(SESSION_TOUCHED, 0))
                >= settings.CASEREVIEW_SESSION_TOUCH_SECONDS
            ):
                session_touch(request, now)  # saved with a new idle expiry at the response
            request.session_timeout = {  # type: ignore[attr-defined]  # for base.html's timeout warning
                "expires_in": session_seconds_left(request, now),
                "warn_before": settings.CASEREVIEW_SESSION_WARNING_SECONDS,
                "touch": settings.CASEREVIEW_SESSION_TOUCH_SECONDS,
                "keeps": is_keepable(request),  # the warning says typed answers will be kept
            }
        response = self.get_response(request)
        if request.user.is_authenticated:
            saved = request.session.modified
            if saved:  # saved at this response: the idle expiry moves on
                request.session[SESSION_EXPIRES] = time.time() + settings.SESSION_COOKIE_AGE
            response[EXPIRES_HEADER] = str(
                session_seconds_left(request)
            )  # e.g. for the review's autosave
            # The cookie naming the user outlives the session by a day from the last activity (kept.py).
            if is_verified(request.user) and (saved or user_cookie_id(request) != request.user.pk):
                user_cookie_set(response, request.user)
        elif (
            request.method == "POST"
            and getattr(request.resolver_match, "url_name", None) == "logout"
        ):
            user_cookie_delete(
                response
            )  # signed out on purpose: nothing more is kept from this browser
        return response

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        """Runs after the CSRF check has passed (CsrfViewMiddleware comes first)."""
        if request.method != "POST":
            return None
        if TIMEOUT_HEADER in request.headers:
            if request.user.is_authenticated:  # another tab kept the session: the page carries on
                return JsonResponse(
                    {"signed_in": True, "expires_in": session_seconds_left(request)}
                )
            return JsonResponse(
                {"signed_in": False, "kept": keep_posted(request, reason="timed_out")}
            )
        if not request.user.is_authenticated and keep_posted(request, reason="session_ended"):
            return redirect(signin_url(request.path))
        return None


class RequireSecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not is_verified(user):
            if request.path.startswith(("/static/", "/assets/")):
                return self.get_response(request)
            try:
                name = resolve(request.path_info).view_name
            except Resolver404:
                name = None
            if name not in BEFORE_SECOND_FACTOR:
                target = reverse(
                    "two_factor_verify" if has_confirmed_device(user) else "two_factor_setup"
                )
                if request.path != "/":  # the page asked for survives the second step
                    asked = request.get_full_path() if request.method == "GET" else request.path
                    target = f"{target}?{urlencode({'next': asked}, safe='/')}"
                return redirect(target)
        return self.get_response(request)
