"""Users, roles and second factors; every change journaled."""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Any

from axes.models import AccessAttempt
from axes.utils import reset
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext_lazy
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from casereview.domain.errors import Refused
from casereview.domain.journal import JournalAction, Operation
from casereview.domain.language import Phrase, gettext_lazy, gettext_noop
from casereview.domain.roles import AUDITOR_CONTACT, ROLES, Role
from casereview.domain.sign_in import LockKind, counting_since
from casereview.web.api.services import tokens_revoke_for
from casereview.web.core.users import User, user_by_username
from casereview.web.journal.services import journal_record
from casereview.web.referrals.services import body_contact_add, body_contact_remove
from casereview.web.registers.selectors import body_by_code

from .lockout import lockout_limits
from .models import ProviderAssertion
from .selectors import (
    auditor_bodies,
    liaison_bodies,
    second_factor_kind,
    sign_in_locks,
    users_with_provider_mfa,
)

#: Django's own password validators' words (AUTH_PASSWORD_VALIDATORS), which Django's Welsh catalogue leaves
#: untranslated: marked here word for word so that casereview's catalogue holds their Welsh (a project's
#: catalogue is read before Django's), and the users page tells a Welsh reader what is wrong with a password
#: in Welsh.  Never used as values: Django's validators make the messages.
DJANGO_PASSWORD_WORDS = (
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
    ),
    gettext_noop("The password is too similar to the %(verbose_name)s."),
    gettext_noop("This password is too common."),
)

RECOVERY_DEVICE = "recovery"
AUTHENTICATOR_DEVICE = "authenticator"


class AccountError(Refused):
    """A user could not be created or changed; the message says why (``field``: the answer it is about, if one).

    A page shows it with ``refusal_words`` (a Phrase in the reader's language); ``str()`` is the English."""

    def __init__(self, message: str | Phrase, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def user_create(
    *,
    username: str,
    role: str,
    password: str | None,
    email: str = "",
    actor: User | None = None,
    now: dt.datetime | None = None,
    via: str = "",
) -> AbstractUser:
    """A user with one role; ``now`` is when they joined (the real clock unless given).

    ``password`` None: a user who signs in only through single sign-on (``via="sso"``), whose password
    is unusable (no password typed anywhere ever signs them in).
    """
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}; roles are: {', '.join(ROLES)}")
    user_model = get_user_model()
    if user_by_username(username) is not None:
        raise AccountError(
            gettext_lazy("A user called %(name)s already exists", name=repr(username))
        )
    user = user_model(username=username, email=email, date_joined=now or timezone.now())
    try:
        user.full_clean(exclude=["password"])
        if password is not None:
            validate_password(password, user)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages)) from exc
    user.set_password(password)  # None: unusable
    with transaction.atomic():
        user.save()
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        journal_record(
            actor=actor,
            operation=Operation.ADMINISTRATION,
            action=JournalAction.USER_CREATE,
            object_type="user",
            object_id=user.get_username(),
            detail={"role": role, **({"via": via} if via else {})},
            at=now,
        )
    return user


def _user(username: str) -> Any:
    user = user_by_username(username)
    if user is None:
        raise AccountError(gettext_lazy("No user called %(name)s", name=repr(username)))
    return user


def sessions_end(user: Any) -> int:
    """End every session the user holds; returns how many ended (inside a caller's journaled service)."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


#: What an administrator may not do to their own account, each as a whole sentence (Welsh words it otherwise).
_OWN_REFUSALS: dict[str, Phrase] = {
    "deactivate": gettext_lazy("You cannot deactivate your own account; ask another administrator"),
    "change the role of": gettext_lazy(
        "You cannot change the role of your own account; ask another administrator"
    ),
    "reset the second factor of": gettext_lazy(
        "You cannot reset the second factor of your own account; ask another administrator"
    ),
}


#: Each role inside a sentence ("ina is already lead inspector"): its words in lower case, each a Phrase.
_ROLE_IN_SENTENCE: dict[str, Phrase] = {
    Role.ADMINISTRATOR: gettext_lazy("administrator"),
    Role.LEAD_INSPECTOR: gettext_lazy("lead inspector"),
    Role.INSPECTOR: gettext_lazy("inspector"),
    Role.LIAISON_OFFICER: gettext_lazy("liaison officer"),
    Role.ANALYST: gettext_lazy("analyst"),
    Role.BODY_AUDITOR: gettext_lazy("body's own auditor"),
}


def _refuse_own(user: Any, actor: User | None, doing: str) -> None:
    if actor is not None and getattr(actor, "pk", None) == user.pk:
        raise AccountError(_OWN_REFUSALS[doing])


def user_deactivate(*, username: str, actor: User | None = None) -> int:
    """Deactivate a user and end every session they hold; returns how many sessions ended."""
    user = _user(username)
    _refuse_own(user, actor, "deactivate")
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        ended = sessions_end(user)

        revoked = tokens_revoke_for(user)
        journal_record(
            actor=actor,
            operation=Operation.ADMINISTRATION,
            action=JournalAction.USER_DEACTIVATE,
            object_type="user",
            object_id=username,
            detail={"sessions_ended": ended, "api_tokens_revoked": revoked},
        )
    return ended


def user_reactivate(*, username: str, actor: User | None = None) -> None:
    """Let a deactivated user sign in again (with their password and second factor as before)."""
    user = _user(username)
    if user.is_active:
        raise AccountError(gettext_lazy("%(username)s is already active", username=username))
    with transaction.atomic():
        user.is_active = True
        user.save(update_fields=["is_active"])
        journal_record(
            actor=actor,
            operation=Operation.ADMINISTRATION,
            action=JournalAction.USER_REACTIVATE,
            object_type="user",
            object_id=username,
        )


#: The kind of body contact each role that serves one body holds (``domain.sso.BODY_ROLES`` are these).
CONTACT_OF_ROLE: dict[str, str] = {
    Role.LIAISON_OFFICER: "liaison",
    Role.BODY_AUDITOR: AUDITOR_CONTACT,
}


def _served(user: Any) -> dict[str, list[str]]:
    """The bodies ``user`` is a contact of, by kind (liaison, auditor)."""
    return {"liaison": liaison_bodies(user), AUDITOR_CONTACT: auditor_bodies(user)}


def user_role_holds(*, user: Any, role: str, body_code: str = "") -> bool:
    """Whether ``user`` already holds ``role`` alone (and, for a role that serves a body, serves that one
    body only): ``user_role_change`` would change nothing."""
    if sorted(user.groups.values_list("name", flat=True)) != [role]:
        return False
    served = _served(user)
    kind = CONTACT_OF_ROLE.get(role)
    wanted = {k: ([body_code] if k == kind and body_code else []) for k in served}
    if kind == AUDITOR_CONTACT and not body_code:
        wanted[kind] = served[kind]  # a body auditor given no body keeps the bodies they audit
    return served == wanted


def user_role_change(
    *, username: str, role: str, body_code: str = "", actor: User | None = None, via: str = ""
) -> None:
    """Give a user another role (one role each); a liaison officer with the body they work for, a body's
    own auditor with the body they audit (optional here: an administrator may name them on the body later).

    A liaison officer serves one body: moving them to another takes them off the
    first body's contacts in the same transaction (they stop seeing its send backs
    at once), and a role other than liaison officer takes them off every body's
    liaison contacts.  The same for a body's own auditor and the auditor contacts,
    except that a body auditor given no body keeps the bodies they audit.
    ``via="sso"``: the change came from the identity provider's groups at a sign-in.
    """

    if role not in ROLES:
        raise AccountError(gettext_lazy("Choose a role"))
    user = _user(username)
    _refuse_own(user, actor, "change the role of")
    body = None
    served = _served(user)
    kind = CONTACT_OF_ROLE.get(role)
    if role == Role.LIAISON_OFFICER and not body_code:
        raise AccountError(
            gettext_lazy("Choose the body this liaison officer works for"), field="body"
        )
    if kind is not None and body_code:
        body = body_by_code(body_code)
        if body is None:
            raise AccountError(
                gettext_lazy("There is no body with the code %(code)s", code=repr(body_code)),
                field="body",
            )
    before = sorted(user.groups.values_list("name", flat=True))
    if user_role_holds(user=user, role=role, body_code=body_code):
        held = _ROLE_IN_SENTENCE[role]
        raise AccountError(
            gettext_lazy(
                "%(username)s is already %(role)s for %(body)s",
                username=username,
                role=held,
                body=body.code,
            )
            if body
            else gettext_lazy("%(username)s is already %(role)s", username=username, role=held)
        )
    kept = {k: ({body.code} if k == kind and body is not None else set()) for k in served}
    if kind == AUDITOR_CONTACT and body is None:
        kept[kind] = set(served[kind])
    with transaction.atomic():
        user.groups.set([Group.objects.get_or_create(name=role)[0]])
        if hasattr(user, "_casereview_roles"):  # core.access caches the roles on the user object
            del user._casereview_roles
        for contact_kind, codes in served.items():
            for code in codes:
                if code not in kept[contact_kind]:
                    body_contact_remove(
                        body=body_by_code(code), user=user, kind=contact_kind, actor=actor
                    )
        if body is not None and kind is not None and body.code not in served[kind]:
            body_contact_add(body=body, user=user, kind=kind, actor=actor)
        journal_record(
            actor=actor,
            operation=Operation.ADMINISTRATION,
            action=JournalAction.USER_ROLE_CHANGE,
            object_type="user",
            object_id=username,
            detail={
                "from": before,
                "to": role,
                "body": body.code if body is not None else "",
                "bodies_left": sorted(set(served["liaison"]) - kept["liaison"]),
                **(
                    {"audited_left": left}
                    if (left := sorted(set(served[AUDITOR_CONTACT]) - kept[AUDITOR_CONTACT]))
                    else {}
                ),
                **({"via": via} if via else {}),
            },
        )


def user_second_factor_reset(*, username: str, actor: User | None = None) -> int:
    """Remove a user's authenticator and recovery codes and end their sessions; returns the sessions ended.

    At their next sign-in they set up an authenticator app again (and get new recovery codes).  The
    provider's word for a person of single sign-on (``ProviderAssertion``) goes too: while it is there, a
    sign-in without the provider's MFA may not set up an authenticator (accounts.sso_services), so the
    reset is what lets such a person set one up, once.
    """
    user = _user(username)
    _refuse_own(user, actor, "reset the second factor of")
    with transaction.atomic():
        removed = (
            TOTPDevice.objects.filter(user=user).count()
            + StaticDevice.objects.filter(user=user).count()
            + ProviderAssertion.objects.filter(user=user).count()
        )
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()  # and its codes
        ProviderAssertion.objects.filter(user=user).delete()
        ended = sessions_end(user)
        journal_record(
            actor=actor,
            operation=Operation.ADMINISTRATION,
            action=JournalAction.USER_SECOND_FACTOR_RESET,
            object_type="user",
            object_id=username,
            detail={"devices_removed": removed, "sessions_ended": ended},
        )
    return ended


def user_unlock(*, username: str, actor: User | None = None) -> tuple[int, list[str]]:
    """Lift every lock that blocks this username; returns the failure records cleared and the addresses unlocked.

    The username's own failures are cleared (its lock); so is every address lock in force whose counting
    failures include this username (their failures helped lock it, and it blocks them wherever they sign in
    from there): that address's records are cleared for everyone, as ``address_unlock`` would.  One journal
    entry names the addresses.  An address locked only by other usernames' failures is left alone.
    """

    with transaction.atomic():
        locked = [lock.key for lock in sign_in_locks() if lock.kind == LockKind.ADDRESS]
        addresses = (
            sorted(
                set(
                    AccessAttempt.objects.filter(
                        username=username,
                        ip_address__in=locked,
                        attempt_time__gte=counting_since(timezone.now(), lockout_limits()),
                    ).values_list("ip_address", flat=True)
                )
            )
            if locked
            else []
        )
        cleared = int(reset(username=username) or 0)
        for address in addresses:
            cleared += int(reset(ip=address) or 0)
        journal_record(
            actor=actor,
            operation=Operation.ADMINISTRATION,
            action=JournalAction.USER_UNLOCK,
            object_type="user",
            object_id=username,
            detail={"attempts_cleared": cleared, "addresses_unlocked": addresses},
        )
    return cleared, addresses


def address_unlock(*, address: str, actor: User | None = None) -> int:
    """Lift a lock-out on an address: clears the failed sign-ins recorded from it; returns the records cleared.

    Usernames locked only by failures from this address are unlocked with it (their failures are the same records).
    """

    try:
        address = str(ipaddress.ip_address(address.strip()))
    except ValueError as exc:
        raise AccountError(
            gettext_lazy("%(address)s is not an IP address", address=repr(address[:45]))
        ) from exc
    with transaction.atomic():
        cleared = int(reset(ip=address) or 0)
        journal_record(
            actor=actor,
            operation=Operation.ADMINISTRATION,
            action=JournalAction.ADDRESS_UNLOCK,
            object_type="address",
            object_id=address,
            detail={"attempts_cleared": cleared},
        )
    return cleared


def has_confirmed_device(user: Any) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def totp_device_for_enrolment(user: Any) -> TOTPDevice:
    """The user's unconfirmed authenticator, made if need be (one at a time)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_DEVICE, confirmed=False)
    return device


def second_factor_enrol(
    *, user: Any, device: TOTPDevice, token: str, codes: int
) -> list[str] | None:
    """Confirm an authenticator with its first code; returns new recovery codes, or None if wrong."""
    if not device.verify_token(token):
        journal_record(
            actor=user,
            operation=Operation.AUTHENTICATION,
            action=JournalAction.SECOND_FACTOR_ENROL_FAILED,
            object_type="user",
            object_id=user.get_username(),
        )
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        recovery = recovery_codes_replace(user=user, count=codes)
        journal_record(
            actor=user,
            operation=Operation.AUTHENTICATION,
            action=JournalAction.SECOND_FACTOR_ENROLLED,
            object_type="user",
            object_id=user.get_username(),
        )
    return recovery


def recovery_codes_replace(*, user: Any, count: int) -> list[str]:
    """Replace the user's single-use recovery codes; the codes are shown once, stored as given."""
    StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(count)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def users_listed() -> list[dict[str, Any]]:
    """Every user with their roles, whether they have a second factor, and their last sign-in."""
    user_model = get_user_model()
    confirmed = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    provider = users_with_provider_mfa()
    return [
        {
            "username": u.get_username(),
            "email": u.email,
            "active": u.is_active,
            "last_login": u.last_login,
            # shown on the users page, in its reader's language
            "roles": sorted(gettext(Role(g.name).label) for g in u.groups.all() if g.name in ROLES),
            "second_factor": second_factor_kind(totp=u.pk in confirmed, provider=u.pk in provider),
        }
        for u in user_model.objects.prefetch_related("groups").order_by("username")
    ]


def sign_in_record(*, user: Any, ip: str, how: dict[str, str] | None = None) -> None:
    """``how``: for a single sign-on, ``{"via": "sso", "second_factor": "provider" | "totp"}``."""
    journal_record(
        actor=user,
        operation=Operation.AUTHENTICATION,
        action=JournalAction.LOGIN,
        object_type="user",
        object_id=user.get_username(),
        detail={"ip": ip, **(how or {})},
    )


def sign_out_record(*, user: Any) -> None:
    journal_record(
        actor=user,
        operation=Operation.AUTHENTICATION,
        action=JournalAction.LOGOUT,
        object_type="user",
        object_id=user.get_username(),
    )


def sign_in_failed_record(*, username: str, ip: str) -> None:
    """``username`` is an existing user's name or the keyed hash of what was typed (accounts.usernames)."""
    journal_record(
        actor=None,
        operation=Operation.AUTHENTICATION,
        action=JournalAction.LOGIN_FAILED,
        object_type="user",
        object_id=username[:64],
        detail={"ip": ip},
        actor_name="anonymous",
    )


def lock_out_record(*, username: str, ip: str, lock: str) -> None:
    journal_record(
        actor=None,
        operation=Operation.AUTHENTICATION,
        action=JournalAction.LOCKED_OUT,
        object_type="user",
        object_id=username[:64],
        detail={"ip": ip, "lock": lock},
        actor_name="anonymous",
    )


def second_factor_result_record(*, user: Any, device: Any, confirming: bool = False) -> None:
    """A second-factor code was checked: ``device`` is the one it matched, or None when it matched none.

    ``confirming``: the code confirmed an administrator's identity before an account change, not a sign-in.
    """
    if device is None:
        action, detail = JournalAction.SECOND_FACTOR_FAILED, None
    else:
        action = (
            JournalAction.IDENTITY_CONFIRMED if confirming else JournalAction.SECOND_FACTOR_PASSED
        )
        method = (
            "organisation's sign-in"
            if isinstance(device, ProviderAssertion)
            else "recovery code"
            if device.name == "recovery"
            else "authenticator"
        )
        detail = {"method": method}
    journal_record(
        actor=user,
        operation=Operation.AUTHENTICATION,
        action=action,
        object_type="user",
        object_id=user.get_username(),
        detail=detail,
    )


def password_change_record(*, user: Any) -> None:
    journal_record(
        actor=user,
        operation=Operation.ADMINISTRATION,
        action=JournalAction.PASSWORD_CHANGE,
        object_type="user",
        object_id=user.get_username(),
    )
