"""Reads for the administrators' pages: a user's account, sign-in locks in force, failed sign-ins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from casereview.domain.roles import ROLES, Role
from casereview.domain.sign_in import (
    Lock,
    LockKind,
    Tally,
    counting_since,
    lock_for,
    locks_in_force,
)
from casereview.web.referrals.models import BodyContact
from casereview.web.registers.models import Body

from .lockout import failures_since, lockout_limits
from .models import ProviderAssertion, ProviderIdentity
from .usernames import shown_usernames

#: Most tallies read per kind: locks are the tallies with the most failures, so these hold them all
#: unless more than this many usernames (or addresses) are locked at once.
TALLIES_READ = 500


def sign_in_locks(now: dt.datetime | None = None) -> list[Lock]:
    """Username and address locks in force now (django-axes' records, summed per username and per address)."""

    limits = lockout_limits()
    now = now or timezone.now()
    counting = AccessAttempt.objects.filter(attempt_time__gte=counting_since(now, limits))
    per_username = (
        counting.exclude(username__isnull=True)
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last_at=Max("attempt_time"))
        .order_by("-failures", "username")[:TALLIES_READ]
    )
    per_address = (
        counting.exclude(ip_address__isnull=True)
        .values("ip_address")
        .annotate(
            failures=Sum("failures_since_start"),
            last_at=Max("attempt_time"),
            usernames=Count("username", distinct=True),
        )
        .order_by("-failures", "ip_address")[:TALLIES_READ]
    )
    username_rows = list(per_username)
    shown = shown_usernames(
        r["username"] for r in username_rows
    )  # never a typed unknown username in clear
    return locks_in_force(
        usernames=[
            Tally(
                key=shown.get(r["username"], r["username"]),
                failures=r["failures"],
                last_at=r["last_at"],
            )
            for r in username_rows
        ],
        addresses=[
            Tally(
                key=r["ip_address"],
                failures=r["failures"],
                last_at=r["last_at"],
                usernames=r["usernames"],
            )
            for r in per_address
        ],
        limits=limits,
        now=now,
    )


def sign_in_lock(
    *, username: str = "", address: str = "", now: dt.datetime | None = None
) -> LockKind | None:
    """The lock, if any, that refuses a sign-in as ``username`` from ``address`` now (either may be "":
    not asked), read for these two keys alone (never through a list of the locks in force, which a page
    cuts short)."""
    limits = lockout_limits()
    since = counting_since(now or timezone.now(), limits)
    return lock_for(
        username_failures=failures_since(since=since, username=username),
        address_failures=failures_since(since=since, address=address),
        limits=limits,
    )


def failed_sign_ins(limit: int = 200) -> list[dict[str, Any]]:
    """Failed sign-ins on record (django-axes), most recent first: username, address, failures, last attempt."""

    attempts = list(
        AccessAttempt.objects.order_by("-attempt_time").values(
            "username", "ip_address", "failures_since_start", "attempt_time"
        )[:limit]
    )
    shown = shown_usernames(
        a["username"] for a in attempts
    )  # never a typed unknown username in clear
    return [{**a, "username": shown.get(a["username"], a["username"])} for a in attempts]


def liaison_bodies(user: Any) -> list[str]:
    """Codes of the bodies a user is a liaison officer for."""

    return sorted(
        BodyContact.objects.filter(user=user, kind=BodyContact.Kind.LIAISON).values_list(
            "body__code", flat=True
        )
    )


def auditor_bodies(user: Any) -> list[str]:
    """Codes of the bodies a user is one of the own auditors of (contacts of kind ``auditor``)."""

    return sorted(
        BodyContact.objects.filter(user=user, kind=BodyContact.Kind.AUDITOR).values_list(
            "body__code", flat=True
        )
    )


def bodies_listed() -> list[dict[str, str]]:

    return [
        {"code": code, "name": name}
        for code, name in Body.objects.order_by("code").values_list("code", "name")
    ]


def user_account(username: str) -> dict[str, Any] | None:
    """One user's account as an administrator sees it, or None if there is no such user."""
    user = get_user_model().objects.filter(username=username).prefetch_related("groups").first()
    if user is None:
        return None
    roles = [Role(g.name) for g in user.groups.all() if g.name in ROLES]
    return {
        "username": user.get_username(),
        "email": user.email,
        "active": user.is_active,
        "last_login": user.last_login,
        "role": roles[0].value if len(roles) == 1 else "",
        "roles": sorted(gettext(r.label) for r in roles),  # the page's language
        "second_factor": second_factor_kind(
            totp=TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
            provider=ProviderAssertion.objects.filter(user=user).exists(),
        ),
        "liaison_bodies": liaison_bodies(user),
    }


def second_factor_kind(*, totp: bool, provider: bool) -> str:
    """How a user passes the second factor, for the administrators' pages: ``provider`` once their
    organisation's sign-in has asserted multi-factor authentication for them (casereview then does not ask
    again), else ``authenticator`` with a confirmed authenticator app, else ``""`` (they set one up at
    their next sign-in)."""
    if provider:
        return "provider"
    return "authenticator" if totp else ""


def users_with_provider_mfa() -> set[int]:
    """Ids of the users whose organisation's sign-in has asserted multi-factor authentication."""
    return set(ProviderAssertion.objects.values_list("user_id", flat=True))


def has_provider_identity(user: Any) -> bool:
    """Whether ``user`` came through single sign-on (an identity at a provider is linked to them)."""
    return bool(user.pk) and ProviderIdentity.objects.filter(user_id=user.pk).exists()


def is_provider_identity(user: Any, *, issuer: str, subject: str) -> bool:
    """Whether (issuer, subject) is ``user``'s identity at the provider (the same person)."""
    return ProviderIdentity.objects.filter(user_id=user.pk, issuer=issuer, subject=subject).exists()
