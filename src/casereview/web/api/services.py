"""Issuing, revoking and checking API tokens; every use is journaled by the API itself."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from casereview.domain import tokens
from casereview.domain.errors import Refused
from casereview.domain.journal import JournalAction, Operation
from casereview.domain.language import gettext_lazy, joined
from casereview.web.core.users import User
from casereview.web.journal.services import journal_record

from .models import ApiToken


class TokenError(Refused):
    """Refused; the message (a Phrase, in the reader's language on the tokens page) says why."""


@dataclass(frozen=True)
class Issued:
    token: ApiToken
    secret: str  # the whole token, shown once


def token_create(
    *,
    user: Any,
    name: str,
    scopes: list[str],
    days: int = 90,
    rate_per_minute: int | None = None,
    actor: User | None = None,
) -> Issued:
    problems = tokens.scopes_problems(scopes)
    if not name.strip():
        problems.append(gettext_lazy("Give the token a name (what will use it)"))
    if not 1 <= days <= settings.CASEREVIEW_API_TOKEN_MAX_DAYS:
        problems.append(
            gettext_lazy(
                "A token lasts from 1 to %(most)s days", most=settings.CASEREVIEW_API_TOKEN_MAX_DAYS
            )
        )
    if rate_per_minute is not None and rate_per_minute < 1:
        problems.append(gettext_lazy("The rate must be at least 1 request a minute"))
    if not user.is_active:
        problems.append(gettext_lazy("The user is deactivated"))
    if problems:
        raise TokenError(joined(problems))
    secret = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        made = ApiToken.objects.create(
            user=user,
            name=name.strip()[:100],
            key_id=secrets.token_hex(6),
            secret_sha256=tokens.digest(secret),
            scopes=sorted(set(scopes)),
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
            rate_per_minute=rate_per_minute or settings.CASEREVIEW_API_RATE_PER_MINUTE,
        )
        journal_record(
            actor=actor or user,
            operation=Operation.ADMINISTRATION,
            action=JournalAction.API_TOKEN_CREATE,
            object_type="api_token",
            object_id=made.pk,
            detail={"user": user.get_username(), "scopes": made.scopes, "days": days},
        )
    return Issued(made, tokens.compose(made.key_id, secret))


def token_revoke(*, token: ApiToken, actor: User | None = None) -> ApiToken:
    with transaction.atomic():
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if changed:
            journal_record(
                actor=actor,
                operation=Operation.ADMINISTRATION,
                action=JournalAction.API_TOKEN_REVOKE,
                object_type="api_token",
                object_id=token.pk,
                detail={"user": token.user.get_username()},
            )
    token.refresh_from_db()
    return token


def tokens_revoke_for(user: Any) -> int:
    """Revoke every token of a user (on deactivation)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def token_check(raw: str) -> ApiToken | None:
    """The live token this string proves, or None (malformed, unknown, wrong secret, expired, revoked, user gone)."""
    parsed = tokens.parse(raw)
    if parsed is None:
        return None
    key_id, secret = parsed
    found = ApiToken.objects.select_related("user").filter(key_id=key_id).first()
    if found is None or not tokens.matches(secret, found.secret_sha256):
        return None
    if (
        found.revoked_at is not None
        or found.expires_at <= timezone.now()
        or not found.user.is_active
    ):
        return None
    return found


def token_count_use(token: ApiToken) -> int | None:
    """Count one request in the token's rate window; None when allowed, else seconds until the next window."""
    now = time.time()
    current = tokens.window(now)
    ApiToken.objects.filter(pk=token.pk).update(
        window_count=Case(When(window=current, then=F("window_count") + 1), default=Value(1)),
        window=current,
        last_used_at=timezone.now(),
    )
    count = ApiToken.objects.filter(pk=token.pk).values_list("window_count", flat=True).first() or 0
    return None if count <= token.rate_per_minute else tokens.retry_after(now)


def api_request_record(*, token: ApiToken | None, method: str, path: str, status: int) -> None:
    """One journal entry for an API request that presented a token: what it did and how it ended."""
    if token is None or status in (401, 403, 429):
        operation, actor = Operation.ACCESS, None if token is None else token.user
    elif method in ("GET", "HEAD"):
        operation, actor = Operation.CONSULTATION, token.user
    else:
        operation, actor = Operation.ALTERATION, token.user
    journal_record(
        actor=actor,
        operation=operation,
        action=JournalAction.API_REQUEST,
        object_type="api_token",
        object_id=token.pk if token is not None else "",
        actor_name=None if actor else "api (no valid token)",
        detail={"method": method, "path": path[:200], "status": status},
    )
