"""Single sign-on's writes: the person the provider vouched for, signed in as their casereview user.

The identity is the provider's (issuer, ``sub``), linked to one user when single sign-on first creates
that user.  A local account that happens to bear the same username is never taken over: whoever controls
a username at the provider must not become an existing casereview user (a break-glass administrator, say).
Role and body come from the provider's groups at every sign-in, through ``user_role_change`` (the one home
of the role and contact rules), and are journaled only when they change.  Lock-outs and deactivation
refuse a single sign-on as they refuse a password.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from casereview.domain.errors import Refused
from casereview.domain.journal import JournalAction, Operation
from casereview.domain.sign_in import LockKind
from casereview.domain.sso import REFUSAL_WORDS, RefusalReason, SsoGrant
from casereview.web.core.users import user_by_username
from casereview.web.journal.services import journal_record
from casereview.web.registers.selectors import body_by_code

from .models import ProviderAssertion, ProviderIdentity
from .selectors import sign_in_locks
from .services import user_create, user_role_change, user_role_holds

#: The one ProviderAssertion device each user has (django-otp devices carry a name).
PROVIDER_DEVICE = "identity provider"


class SsoRefused(Refused):
    """The provider vouched for the person, but casereview does not sign them in: ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(REFUSAL_WORDS[reason][0])
        self.reason = reason


def _locked(username: str, ip: str) -> bool:
    return any(
        (lock.kind == LockKind.USERNAME and lock.key == username)
        or (lock.kind == LockKind.ADDRESS and lock.key == ip)
        for lock in sign_in_locks()
    )


def _email(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value


def sso_sign_in(
    *, issuer: str, subject: str, grant: SsoGrant, ip: str, now: dt.datetime | None = None
) -> Any:
    """The user the provider's (issuer, subject) signs in as, made on their first sign-in and given the
    grant's role (and body); raises ``SsoRefused``.  The caller signs the session in."""
    now = now or timezone.now()
    identity = (
        ProviderIdentity.objects.filter(issuer=issuer, subject=subject)
        .select_related("user")
        .first()
    )
    user: Any = identity.user if identity is not None else None
    if user is None and user_by_username(grant.username) is not None:
        raise SsoRefused(RefusalReason.USERNAME_TAKEN)
    if _locked(user.get_username() if user is not None else grant.username, ip):
        raise SsoRefused(RefusalReason.LOCKED)
    if user is not None and not user.is_active:
        raise SsoRefused(RefusalReason.INACTIVE)
    if grant.body_code and body_by_code(grant.body_code) is None:
        raise SsoRefused(RefusalReason.UNKNOWN_BODY)
    with transaction.atomic():
        if user is None:
            user = user_create(
                username=grant.username,
                role=grant.role,
                password=None,
                email=_email(grant.email),
                now=now,
                via="sso",
            )
            ProviderIdentity.objects.create(
                user=user, issuer=issuer, subject=subject, created_at=now, last_seen_at=now
            )
        else:
            ProviderIdentity.objects.filter(pk=identity.pk).update(last_seen_at=now)  # type: ignore[union-attr]
        body_code = grant.body_code or ""
        if not user_role_holds(user=user, role=grant.role, body_code=body_code):
            user_role_change(
                username=user.get_username(), role=grant.role, body_code=body_code, via="sso"
            )
    return user


def provider_assertion_device(*, user: Any) -> ProviderAssertion:
    """The user's device that stands for the provider's MFA assertion (made on first use)."""
    device: ProviderAssertion = ProviderAssertion.objects.get_or_create(
        user=user, name=PROVIDER_DEVICE, defaults={"confirmed": True}
    )[0]
    return device


def sso_refusal_record(
    *,
    reason: str,
    ip: str,
    issuer: str = "",
    subject: str = "",
    error: str = "",
    groups: tuple[str, ...] = (),
    actor: Any = None,
) -> None:
    """A refused single sign-on, journaled: the reason, and what is known of who (never the token, never
    any claim but the ids of the groups that mapped).  ``actor``: the signed-in user whose *Confirm it's
    you* at the provider was refused (``detail["confirming"]``)."""
    detail: dict[str, Any] = {"reason": reason, "ip": ip}
    if issuer:
        detail["issuer"] = issuer[:255]
    if subject:
        detail["subject"] = subject[:255]
    if error:
        detail["error"] = error[:100]
    if groups:
        detail["groups"] = list(groups)
    if actor is not None:
        detail["confirming"] = True
    journal_record(
        actor=actor,
        operation=Operation.AUTHENTICATION,
        action=JournalAction.SSO_REFUSED,
        object_type="user",
        object_id=actor.get_username() if actor is not None else subject[:64],
        detail=detail,
        actor_name=None if actor is not None else "anonymous",
    )
