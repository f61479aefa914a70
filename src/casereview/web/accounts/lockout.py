"""django-axes, told about the second limit: failures per address (casereview.domain.sign_in).

axes compares all its lock-out parameters against one failure limit, so it
counts per username only (``AXES_LOCKOUT_PARAMETERS = ["username"]``, limit
``AXES_FAILURE_LIMIT``).  Its records still carry the address each failure
came from; this handler (``AXES_HANDLER``, the extension point axes documents)
sums them per address and applies ``CASEREVIEW_LOCKOUT_IP_FAILURES``, both
before a sign-in is tried and after each failure, through the one rule in
``domain.sign_in.lock_for``.

Single sign-on's refusals count towards the address limit too (``address_failure_record``): each one is
journaled, and nothing else stops anyone from sending endless made-up answers to the sign-on callback.
They are kept as axes keeps a failure, in a record of their own with no username, so they count for the
address and never lock a username.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

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


def failures_since(*, since: dt.datetime, address: str = "", username: str = "") -> int:
    """Failures on record for one address or one username whose last failure is after ``since``."""
    if not address and not username:
        return 0
    records = AccessAttempt.objects.filter(attempt_time__gte=since)
    records = records.filter(ip_address=address) if address else records.filter(username=username)
    return int(records.aggregate(total=Sum("failures_since_start"))["total"] or 0)


def _counting_since(now: dt.datetime) -> dt.datetime:
    return now - lockout_limits().cool_off


def address_locked(address: str, now: dt.datetime | None = None) -> bool:
    """Whether the address limit refuses sign-ins from ``address`` now."""
    failures = failures_since(since=_counting_since(now or timezone.now()), address=address)
    return (
        bool(getattr(settings, "AXES_LOCK_OUT_AT_FAILURE", True))
        and lock_for(username_failures=0, address_failures=failures, limits=lockout_limits())
        is not None
    )


def address_failure_record(request: Any, now: dt.datetime | None = None) -> bool:
    """A refused single sign-on from the request's address, counted as a failed sign-in from there;
    True when this failure locks the address (the lock is journaled once, as a password's is)."""
    address = client_address(request)
    if not address:
        return False
    now = now or timezone.now()
    agent = str(getattr(request, "META", {}).get("HTTP_USER_AGENT", "<unknown>"))[:255]
    was_locked = address_locked(address, now)
    with transaction.atomic():
        record, created = AccessAttempt.objects.select_for_update().get_or_create(
            username=None,
            ip_address=address,
            user_agent=agent,
            defaults={
                "get_data": "",
                "post_data": "",
                "http_accept": "",
                "path_info": str(getattr(request, "path", ""))[:255],
                "failures_since_start": 1,
                "attempt_time": now,
            },
        )
        if not created:
            # An old record's failures no longer count: start again, as axes does after the cool-off.
            stale = record.attempt_time < _counting_since(now)
            record.failures_since_start = 1 if stale else F("failures_since_start") + 1
            record.attempt_time = now
            record.save(update_fields=["failures_since_start", "attempt_time"])
    if was_locked or not address_locked(address, now):
        return False
    setattr(request, REQUEST_LOCK, LockKind.ADDRESS)
    user_locked_out.send("axes", request=request, username=None, ip_address=address)
    return True


class LockoutHandler(AxesDatabaseHandler):  # type: ignore[misc]  # axes has no type hints
    def address_failures(self, request: Any) -> int:
        address = getattr(request, "axes_ip_address", None)
        return failures_since(since=get_cool_off_threshold(request), address=address or "")

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
