"""Single sign-on's writes: the person the provider vouched for, signed in as their casereview user.

The identity is the provider's (issuer, ``sub``), linked to one user when single sign-on first creates
that user.  A local account that happens to bear the same username is never taken over: whoever controls
a username at the provider must not become an existing casereview user (a break-glass administrator, say).
Role and body come from the provider's groups at every sign-in, through ``user_role_change`` (the one home
of the role and contact rules), and are journaled only when they change.  Deactivation and an address
lock refuse a single sign-on as they refuse a password; a username lock only when the user has a password
of casereview's (failed passwords typed for a person of single sign-on guess nothing, and must not let
anyone keep them out: the provider locks its own password).  Without the provider's MFA, a person whose
earlier sign-ins carried it and who has no casereview authenticator is refused (``mfa_required``,
``domain.sso.second_factor_step``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from casereview.domain.errors import Refused
from casereview.domain.journal import JournalAction, Operation
from casereview.domain.sso import (
    REFUSAL_WORDS,
    RefusalReason,
    SecondFactorStep,
    SsoGrant,
    second_factor_step,
)
from casereview.web.api.services import tokens_revoke_for
from casereview.web.journal.services import journal_record
from casereview.web.registers.selectors import body_by_code

from .models import ProviderAssertion, ProviderIdentity
from .selectors import sign_in_lock
from .services import (
    AccountError,
    has_confirmed_device,
    sessions_end,
    user_create,
    user_role_change,
    user_role_holds,
)

#: The one ProviderAssertion device each user has (django-otp devices carry a name).
PROVIDER_DEVICE = "identity provider"


class SsoRefused(Refused):
    """The provider vouched for the person, but casereview does not sign them in: ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(REFUSAL_WORDS[reason][0])
        self.reason = reason


@dataclass(frozen=True)
class SsoSignedIn:
    """Whom a single sign-on signs in, and what it does about the second factor (never REFUSE)."""

    user: Any
    step: SecondFactorStep


def _locked(user: Any, ip: str) -> bool:
    # A username lock counts only for a user with a password of casereview's (it is that password that is
    # guessed); an address lock counts for everyone.
    username = user.get_username() if user is not None and user.has_usable_password() else ""
    return sign_in_lock(username=username, address=ip) is not None


def _taken(username: str) -> bool:
    # Case-insensitively: "Admin" from the provider beside a local "admin" is a lookalike, not a new person.
    return bool(get_user_model().objects.filter(username__iexact=username).exists())


def _email(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value


def sso_sign_in(
    *,
    issuer: str,
    subject: str,
    grant: SsoGrant,
    ip: str,
    now: dt.datetime | None = None,
    _again: bool = True,
) -> SsoSignedIn:
    """The user the provider's (issuer, subject) signs in as, made on their first sign-in and given the
    grant's role (and body), and the second factor's step; raises ``SsoRefused``.  The caller signs the
    session in."""
    now = now or timezone.now()
    identity = (
        ProviderIdentity.objects.filter(issuer=issuer, subject=subject)
        .select_related("user")
        .first()
    )
    user: Any = identity.user if identity is not None else None
    if user is None and _taken(grant.username):
        raise SsoRefused(RefusalReason.USERNAME_TAKEN)
    if _locked(user, ip):
        raise SsoRefused(RefusalReason.LOCKED)
    if user is not None and not user.is_active:
        raise SsoRefused(RefusalReason.INACTIVE)
    if grant.body_code and body_by_code(grant.body_code) is None:
        raise SsoRefused(RefusalReason.UNKNOWN_BODY)
    step = second_factor_step(
        provider_mfa=grant.provider_mfa,
        has_authenticator=user is not None and has_confirmed_device(user),
        provider_vouched_before=user is not None
        and ProviderAssertion.objects.filter(user=user).exists(),
    )
    if step == SecondFactorStep.REFUSE:
        raise SsoRefused(RefusalReason.MFA_REQUIRED)
    try:
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
    except (IntegrityError, AccountError) as exc:
        # Two first sign-ins of one person at once: the other made the user and the link, so look again
        # (once).  Anything else that stops the user being made is a refusal, never a 500.
        if _again:
            return sso_sign_in(
                issuer=issuer, subject=subject, grant=grant, ip=ip, now=now, _again=False
            )
        raise SsoRefused(RefusalReason.CONFIGURATION) from exc
    return SsoSignedIn(user=user, step=step)


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
    with transaction.atomic():
        if reason == RefusalReason.UNMAPPED and issuer and subject:
            detail.update(_leaver_cut_off(issuer=issuer, subject=subject))
        _refusal_journaled(detail=detail, actor=actor, subject=subject)


def _leaver_cut_off(*, issuer: str, subject: str) -> dict[str, int]:
    """A linked person the provider no longer puts in any mapped group (a leaver, or someone moved out of
    casereview): their other sessions end and their API tokens are revoked now, not when they run out.
    The account stays active with its old role until an administrator deactivates it (docs/security.md);
    a sign-in is refused while the provider's groups give no role."""
    identity = (
        ProviderIdentity.objects.filter(issuer=issuer, subject=subject)
        .select_related("user")
        .first()
    )
    if identity is None:
        return {}
    return {
        "sessions_ended": sessions_end(identity.user),
        "api_tokens_revoked": tokens_revoke_for(identity.user),
    }


def _refusal_journaled(*, detail: dict[str, Any], actor: Any, subject: str) -> None:
    journal_record(
        actor=actor,
        operation=Operation.AUTHENTICATION,
        action=JournalAction.SSO_REFUSED,
        object_type="user",
        object_id=actor.get_username() if actor is not None else subject[:64],
        detail=detail,
        actor_name=None if actor is not None else "anonymous",
    )
