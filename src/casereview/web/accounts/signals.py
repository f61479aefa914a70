"""Sign-in events go to the journal: successes, failures and lock-outs (never passwords, nor unknown usernames).

The receivers only translate Django's and django-axes' signals; the entries are written by services.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from casereview.domain.sign_in import LockKind

from .lockout import REQUEST_LOCK, client_address
from .services import lock_out_record, sign_in_failed_record, sign_in_record, sign_out_record
from .usernames import axes_username


def _ip(request: Any) -> str:
    return (client_address(request) or "") if request is not None else ""


#: Set on the request by a sign-in other than the password form (single sign-on: accounts.sso_views), for
#: the journal's LOGIN entry: ``{"via": "sso", "second_factor": ...}``.
REQUEST_SIGN_IN_HOW = "casereview_sign_in_how"


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    sign_in_record(user=user, ip=_ip(request), how=getattr(request, REQUEST_SIGN_IN_HOW, None))


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        sign_out_record(user=user)


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # The username only when it is an existing user's; anything else (a password typed into the username
    # box) only as its keyed hash, the same one django-axes keeps (accounts.usernames).
    sign_in_failed_record(username=axes_username(request, credentials) or "", ip=_ip(request))


@receiver(user_locked_out)
def _locked_out(
    sender: Any,
    request: Any,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    lock = str(getattr(request, REQUEST_LOCK, LockKind.USERNAME))
    lock_out_record(username=str(username or ""), ip=ip_address or "", lock=lock)
