"""django-axes, told about the second limit: failures per address (casereview.domain.sign_in).

axes compares all its lock-out parameters against one failure limit, so it
counts per username only (``AXES_LOCKOUT_PARAMETERS = ["username"]``, limit
``AXES_FAILURE_LIMIT``).  Its records still carry the address each failure
came from; this handler (``AXES_HANDLER``, the extension point axes documents)
sums them per address and applies ``CASEREVIEW_LOCKOUT_IP_FAILURES``, both
before a sign-in is tried and after each failure, through the one rule in
``domain.sign_in.lock_for``.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum

from casereview.domain.sign_in import LockKind, LockoutLimits, lock_for

#: Set on the request when the address limit refused it, for the journal (never shown to the visitor).
REQUEST_LOCK = "casereview_lock"


def client_address(request: Any) -> str | None:
    """The address a sign-in came from (``AXES_CLIENT_IP_CALLABLE``; the journal uses it too).

    Behind ``CASEREVIEW_PROXY_COUNT`` proxies that each append to X-Forwarded-For,
    it is the entry the outermost proxy added (earlier entries are whatever the
    client sent); with none, the connection's own address.  Without this, every
    sign-in behind a proxy would come from the proxy, and one address limit
    would lock everyone out.
    """
    meta = getattr(request, "META", {})
    proxies = int(getattr(settings, "CASEREVIEW_PROXY_COUNT", 0))
    if proxies > 0:
        forwarded = [part.strip() for part in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",") if part.strip()]
        if len(forwarded) >= proxies:
            try:
                return str(ipaddress.ip_address(forwarded[-proxies]))
            except ValueError:
                pass
    address = meta.get("REMOTE_ADDR")
    return str(address) if address else None


def lockout_limits() -> LockoutLimits:
    return LockoutLimits(
        username=int(settings.AXES_FAILURE_LIMIT),
        address=int(settings.CASEREVIEW_LOCKOUT_IP_FAILURES),
        cool_off=settings.AXES_COOLOFF_TIME,
    )


class LockoutHandler(AxesDatabaseHandler):  # type: ignore[misc]  # axes has no type hints
    def address_failures(self, request: Any) -> int:
        address = getattr(request, "axes_ip_address", None)
        if not address:
            return 0
        total = AccessAttempt.objects.filter(
            ip_address=address, attempt_time__gte=get_cool_off_threshold(request)
        ).aggregate(total=Sum("failures_since_start"))["total"]
        return int(total or 0)

    def lock(self, request: Any, credentials: dict[str, Any] | None = None) -> LockKind | None:
        return lock_for(
            username_failures=self.get_failures(request, credentials),
            address_failures=self.address_failures(request),
            limits=lockout_limits(),
        )

    def is_locked(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        if not getattr(settings, "AXES_LOCK_OUT_AT_FAILURE", True):
            return False
        return self.lock(request, credentials) is not None

    def user_login_failed(self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
        # axes records the failure and locks the username at its limit; the address limit is checked here.
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or not getattr(settings, "AXES_LOCK_OUT_AT_FAILURE", True) or self.is_whitelisted(request, credentials):
            return
        if request.axes_locked_out:  # the username's limit, reached by axes itself
            return
        kind = self.lock(request, credentials)
        if kind is not None:
            request.axes_locked_out = True
            request.axes_credentials = credentials
            setattr(request, REQUEST_LOCK, kind)
            user_locked_out.send(
                "axes", request=request, username=get_client_username(request, credentials), ip_address=request.axes_ip_address,
            )
