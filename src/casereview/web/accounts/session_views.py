"""The timeout warning's "Stay signed in", and the page an expired form gets instead of a bare CSRF refusal."""

from __future__ import annotations

import time

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from .kept import is_keepable, keep_posted, kept_message, signin_url
from .middleware import session_seconds_left, session_touch


@login_required
@require_POST
def keep_alive(request: HttpRequest) -> HttpResponse:
    """Moves the session's idle expiry on now (CSRF-protected like every POST) and says how long it has.
    Without a session it sends to sign in, as every page does (the page's script sees the redirect)."""
    now = time.time()
    session_touch(request, now)
    return JsonResponse({"signed_in": True, "expires_in": session_seconds_left(request, now)})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the form had expired (its token is from an earlier session).  A same-origin POST of
    a page worth keeping, from a browser whose signed cookie names the person, is kept as after a timeout."""
    user = request.user if request.user.is_authenticated else None
    kept = keep_posted(request, user=user, reason="form_expired")
    again = ""
    if is_keepable(request):
        again = request.path if user is not None else signin_url(request.path)
    return render(
        request,
        "accounts/page_expired.html",
        {
            "kept": kept,
            "kept_message": kept_message(),
            "again": again,
            "signed_in": user is not None,
        },
        status=403,
    )
