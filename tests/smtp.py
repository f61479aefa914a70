"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 on a free port, and Django's mail pointed at it."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Mailbox:
    """What the test's mail server received; ``refuse`` makes it answer every recipient with that reply."""

    received: list[tuple[list[str], Any]] = field(default_factory=list)
    refuse: str = ""
    port: int = 0
    #: Hold every message until this many clients have sent a recipient (0: never hold).
    hold_until_senders: int = 0
    _peers: set[Any] = field(default_factory=set)
    _enough: Any = None
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        self._peers.add(session.peer)
        if self.hold_until_senders and len(self._peers) >= self.hold_until_senders:
            self._gate().set()
        return "250 OK"

    def _gate(self) -> asyncio.Event:
        if self._enough is None:
            self._enough = asyncio.Event()
        return self._enough  # type: ignore[no-any-return]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.hold_until_senders:
            with contextlib.suppress(
                TimeoutError
            ):  # a bound for a broken test, never reached when it works
                await asyncio.wait_for(self._gate().wait(), timeout=120)
        self.received.append(
            (
                list(envelope.rcpt_tos),
                email.message_from_bytes(envelope.content, policy=email.policy.default),
            )
        )
        with self._arrived:
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Any]:
        return [message for rcpt, message in self.received if address in rcpt]

    def wait_for(self, address: str, timeout: float = 60) -> Any:
        """The first message to ``address``, waiting for it to arrive (the timeout only catches a broken test)."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: self.to(address), timeout=timeout):
                pytest.fail(f"no message reached {address}")
        return self.to(address)[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def use_mail_server(settings: Any, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10


@pytest.fixture
def smtp(settings: Any) -> Iterator[Mailbox]:
    """aiosmtpd on 127.0.0.1 on a free port, and Django's mail pointed at it."""
    mailbox = Mailbox()
    for _ in range(5):  # another process may take the free port between looking and binding
        controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
        try:
            controller.start()
            break
        except OSError:
            continue
    else:
        pytest.fail("could not start the test's SMTP server")
    mailbox.port = controller.port
    use_mail_server(settings, controller.port)
    yield mailbox
    controller.stop()
