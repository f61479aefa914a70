"""Answers posted after the session ended are kept for the person who typed them, and for nobody else.

A session ends after 15 idle minutes (``SessionLimitsMiddleware``); a review, a resolution or a send-back
response posted after that would otherwise be lost.  Once someone has passed the second factor their browser
holds a signed, HttpOnly, SameSite=Strict cookie naming them (``user_cookie_set``).  A POST to one of the
``KEEPABLE`` pages that arrives without a session, or with an expired CSRF token, has its fields kept
(``kept_answers_keep``; never the CSRF token) when that cookie verifies and the request's Origin (or Referer)
is this site: a cross-site POST does not carry a SameSite=Strict cookie, and a forged Origin is refused, so
nobody can plant answers for someone else.  One row per person and page, the latest winning, for
``CASEREVIEW_KEPT_ANSWERS_SECONDS`` (a day).  After signing in again the page asks ``kept_answers_take``: the
row is deleted and its answers are shown back, not saved (the person saves or submits them).  Keeping,
restoring and dropping expired rows are journaled, without the answers (they are case content).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import ngettext

from casereview.domain.journal import JournalAction, Operation
from casereview.web.journal.services import journal_record

from .models import KeptAnswers

#: The pages whose posted answers are kept (URL names); each shows them back on a GET of the same address.
KEEPABLE = frozenset({"reviews:review", "inspections:resolve", "referrals:detail"})
USER_COOKIE = "casereview_user"
USER_COOKIE_SALT = "casereview.accounts.kept.user"
#: Fields never kept: the CSRF token belongs to the form that expired.
NEVER_KEPT = frozenset({"csrfmiddlewaretoken"})
MAX_VALUE_CHARS = 10_000
#: Pages one person can have answers kept on at once (the oldest go first).
MAX_PAGES_PER_USER = 20


def idle_minutes() -> int:
    return max(1, round(settings.SESSION_COOKIE_AGE / 60))


def kept_message() -> str:
    minutes = idle_minutes()
    return ngettext(
        "You were signed out after %(minutes)s minute without activity. Your answers were kept.",
        "You were signed out after %(minutes)s minutes without activity. Your answers were kept.",
        minutes,
    ) % {"minutes": minutes}


def user_cookie_name() -> str:
    # Where cookies are Secure (production), the __Host- prefix pins this one to this host and path.
    return f"__Host-{USER_COOKIE}" if settings.SESSION_COOKIE_SECURE else USER_COOKIE


def user_cookie_id(request: HttpRequest) -> int | None:
    """The user the browser's signed cookie names, if it verifies and is younger than kept answers live."""
    value = request.COOKIES.get(user_cookie_name())
    if not value:
        return None
    try:
        found = signing.loads(
            value, salt=USER_COOKIE_SALT, max_age=settings.CASEREVIEW_KEPT_ANSWERS_SECONDS
        )
    except signing.BadSignature:
        return None
    return found.get("id") if isinstance(found, dict) and isinstance(found.get("id"), int) else None


def user_cookie_set(response: HttpResponse, user: Any) -> None:
    response.set_cookie(
        user_cookie_name(),
        signing.dumps({"id": user.pk}, salt=USER_COOKIE_SALT),
        max_age=settings.CASEREVIEW_KEPT_ANSWERS_SECONDS,
        path="/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def user_cookie_delete(response: HttpResponse) -> None:
    response.delete_cookie(user_cookie_name(), path="/", samesite="Strict")


def is_keepable(request: HttpRequest) -> bool:
    try:
        return resolve(request.path_info).view_name in KEEPABLE
    except Resolver404:
        return False


def same_origin(request: HttpRequest) -> bool:
    """The POST came from a page of this site: its Origin, or failing that its Referer, names this host."""
    here = f"{request.scheme}://{request.get_host()}"
    origin = request.META.get("HTTP_ORIGIN")
    if origin:
        return str(origin) == here
    referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    return bool(referer.netloc) and f"{referer.scheme}://{referer.netloc}" == here


def signin_url(path: str, *, reason: str = "timeout") -> str:
    """The sign-in page, saying why the person is there, that returns them to ``path`` afterwards."""
    query = {reason: "1"} if reason else {}
    return f"{settings.LOGIN_URL_PATH}?{urlencode({**query, 'next': path}, safe='/')}"


def keep_posted(request: HttpRequest, *, user: Any = None, reason: str) -> bool:
    """Keep this request's posted answers if it may be kept (see the module's docstring); says whether it was.

    ``user`` is the signed-in user when there still is one (the cookie must then name the same person).
    """
    if request.method != "POST" or not is_keepable(request) or not same_origin(request):
        return False
    named = user_cookie_id(request)
    if named is None:
        return False
    if user is not None and getattr(user, "is_authenticated", False):
        if user.pk != named:
            return False
    else:
        user = get_user_model().objects.filter(pk=named, is_active=True).first()
        if user is None:
            return False
    kept_answers_keep(user=user, path=request.path, data=request.POST, reason=reason)
    return True


def kept_answers_keep(*, user: Any, path: str, data: QueryDict, reason: str) -> KeptAnswers:
    """Keep ``data`` (less the CSRF token) for ``user`` on ``path``, replacing what was kept there before;
    rows past their day are dropped at the same time."""
    now = timezone.now()
    fields = {
        key: [value[:MAX_VALUE_CHARS] for value in data.getlist(key)]
        for key in data
        if key not in NEVER_KEPT
    }
    with transaction.atomic():
        _drop_expired(now)
        KeptAnswers.objects.filter(user=user, path=path[:255]).delete()
        kept = KeptAnswers.objects.create(
            user=user,
            path=path[:255],
            data=fields,
            kept_at=now,
            expires_at=now + dt.timedelta(seconds=settings.CASEREVIEW_KEPT_ANSWERS_SECONDS),
        )
        older = (
            KeptAnswers.objects.filter(user=user)
            .order_by("-kept_at", "-pk")
            .values_list("pk", flat=True)
        )
        KeptAnswers.objects.filter(pk__in=list(older[MAX_PAGES_PER_USER:])).delete()
        journal_record(
            actor=user,
            operation=Operation.COLLECTION,
            action=JournalAction.ANSWERS_KEPT,
            object_type="page",
            object_id=kept.path,
            detail={"fields": len(fields), "reason": reason},
        )
    return kept


def _drop_expired(now: dt.datetime) -> None:
    dropped, _ = KeptAnswers.objects.filter(expires_at__lte=now).delete()
    if dropped:
        journal_record(
            actor=None,
            operation=Operation.ERASURE,
            action=JournalAction.KEPT_ANSWERS_EXPIRED,
            object_type="kept_answers",
            detail={"count": dropped},
            actor_name="system",
        )


def kept_answers_waiting(request: HttpRequest, path: str) -> bool:
    """Whether answers are kept on ``path`` for the person this browser's cookie names (the sign-in page says so)."""
    named = user_cookie_id(request)
    return (
        named is not None
        and bool(path)
        and KeptAnswers.objects.filter(
            user_id=named,
            path=path[:255],
            expires_at__gt=timezone.now(),
        ).exists()
    )


def kept_answers_take(request: HttpRequest) -> QueryDict | None:
    """The answers kept for the signed-in user on this page, once: the row is deleted, the restoring journaled,
    and the page gets the message saying so.  None when there are none (or they have expired)."""
    if not request.user.is_authenticated:
        return None
    # One indexed read on every GET of these pages; a transaction (a write lock on SQLite) only when found.
    kept = KeptAnswers.objects.filter(
        user_id=request.user.pk, path=request.path[:255], expires_at__gt=timezone.now()
    ).first()
    if kept is None:
        return None
    with transaction.atomic():
        taken, _ = KeptAnswers.objects.filter(pk=kept.pk).delete()
        if not taken:  # another tab showed them first
            return None
        journal_record(
            actor=request.user,
            operation=Operation.CONSULTATION,
            action=JournalAction.ANSWERS_RESTORED,
            object_type="page",
            object_id=request.path[:255],
            detail={"fields": len(kept.data)},
        )
    answers = QueryDict(mutable=True)
    for key, values in kept.data.items():
        answers.setlist(
            str(key), [str(v) for v in values] if isinstance(values, list) else [str(values)]
        )
    messages.warning(request, kept_message())
    return answers
