"""Sign-in events go to the journal: successes, failures and lock-outs (never passwords, nor unknown usernames)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from casereview.domain.journal import Operation
from casereview.domain.sign_in import LockKind
from casereview.web.journal.services import journal_record

from .lockout import REQUEST_LOCK, client_address
from .usernames import axes_username


def _ip(request: Any) -> str:
    return (client_address(request) or "") if request is not None else ""


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    journal_record(
        actor=user,
        operation=Operation.AUTHENTICATION,
        action="login",
        object_type="user",
        object_id=user.get_username(),
        detail={"ip": _ip(request)},
    )


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        journal_record(
            actor=user,
            operation=Operation.AUTHENTICATION,
            action="logout",
            object_type="user",
            object_id=user.get_username(),
        )


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # The username only when it is an existing user's; anything else (a password typed into the username
    # box) only as its keyed hash, the same one django-axes keeps (accounts.usernames).
    username = axes_username(request, credentials) or ""
    journal_record(
        actor=None,
        operation=Operation.AUTHENTICATION,
        action="login_failed",
        object_type="user",
        object_id=username[:64],
        detail={"ip": _ip(request)},
        actor_name="anonymous",
    )


@receiver(user_locked_out)
def _locked_out(
    sender: Any,
    request: Any,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    journal_record(
        actor=None,
        operation=Operation.AUTHENTICATION,
        action="locked_out",
        object_type="user",
        object_id=str(username or "")[:64],
        detail={
            "ip": ip_address or "",
            "lock": str(getattr(request, REQUEST_LOCK, LockKind.USERNAME)),
        },
        actor_name="anonymous",
    )
