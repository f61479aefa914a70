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


def trusted_proxies() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The networks of ``CASEREVIEW_TRUSTED_PROXIES`` (settings parse and check them at start-up)."""
    return [
        ipaddress.ip_network(p, strict=False)
        for p in getattr(settings, "CASEREVIEW_TRUSTED_PROXIES", [])
    ]


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as proxies write it: bare, ``1.2.3.4:port`` or ``[v6]:port`` (the port is dropped)."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def client_address(request: Any) -> str | None:
    """The address a sign-in came from (``AXES_CLIENT_IP_CALLABLE``; the journal uses it too).

    With ``CASEREVIEW_TRUSTED_PROXIES`` (addresses or networks of the proxies in
    front), X-Forwarded-For is read only when the connection comes from one of
    them, and the address is its right-most entry that is not itself a trusted
    proxy: every entry to the left of that one is whatever the client wrote.  A
    malformed entry there (no trusted proxy writes one) means the connection's
    own address is used.  A connection from anywhere else (e.g. straight to the
    application server, past the proxy) is taken at its own address, so a
    forged header is ignored.

    ``CASEREVIEW_PROXY_COUNT`` (deprecated, used only when no trusted proxies
    are set) trusts the entry the N-th proxy from the right added, whoever
    connected.  With neither, the connection's own address.  Without this,
    every sign-in behind a proxy would come from the proxy, and one address
    limit would lock everyone out.
    """
    meta = getattr(request, "META", {})
    remote = meta.get("REMOTE_ADDR")
    own = str(remote) if remote else None
    forwarded = [
        part.strip()
        for part in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if part.strip()
    ]
    networks = trusted_proxies()
    if networks:
        peer = _address(own or "")
        if peer is None or not any(peer in net for net in networks):
            return own
        for entry in reversed(forwarded):
            hop = _address(entry)
            if hop is None:
                return own
            if not any(hop in net for net in networks):
                return str(hop)
            peer = hop
        return str(peer)  # every hop a trusted proxy: the request began at the left-most of them
    proxies = int(getattr(settings, "CASEREVIEW_PROXY_COUNT", 0))
    if (
        proxies > 0
        and len(forwarded) >= proxies
        and (hop := _address(forwarded[-proxies])) is not None
    ):
        return str(hop)
    return own


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

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        # axes records the failure and locks the username at its limit; the address limit is checked here.
        super().user_login_failed(sender, credentials, request, **kwargs)
        if (
            request is None
            or not getattr(settings, "AXES_LOCK_OUT_AT_FAILURE", True)
            or self.is_whitelisted(request, credentials)
        ):
            return
        if request.axes_locked_out:  # the username's limit, reached by axes itself
            return
        kind = self.lock(request, credentials)
        if kind is not None:
            request.axes_locked_out = True
            request.axes_credentials = credentials
            setattr(request, REQUEST_LOCK, kind)
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )
