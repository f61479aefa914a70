"""Checkpoints: a test hook that stops a process at a named point until the test says go on.

A test that must interrupt work at a given moment (kill an import after its
first batch, just before its commit, just after it) cannot do it with a timer:
a faster or a busier machine moves the moment.  So the process announces each
point it reaches and waits there; the test acts on the announcement.

Off unless the environment variable ``CASEREVIEW_CHECKPOINTS`` is set; unset,
``checkpoint()`` is one dictionary look-up.  Set, it names a Unix socket the
test listens on.  At each checkpoint the process (connected on first use, one
connection for its lifetime) sends the checkpoint's name and a newline, then
blocks until it reads a line back (any line: ``continue`` by convention).  The
test answers, or kills the process while it waits.  When the test closes the
connection, the process runs on without stopping again.  A set variable with
nothing listening is an error, never silently ignored.

For tests only: never set it in production.  docs/development.md lists the
checkpoints.
"""

from __future__ import annotations

import os
import socket
import threading
from typing import BinaryIO

VARIABLE = "CASEREVIEW_CHECKPOINTS"

_lock = threading.Lock()
_connections: dict[
    str, tuple[socket.socket, BinaryIO]
] = {}  # by path; one for the process's lifetime


class CheckpointUnavailable(RuntimeError):
    """``CASEREVIEW_CHECKPOINTS`` is set but nothing listens at the path it names."""


def checkpoint(name: str) -> None:
    """Announce ``name`` and wait for the test's answer; nothing at all unless the hook is switched on."""
    path = os.environ.get(VARIABLE)
    if not path:
        return
    with _lock:
        sock, answers = _connect(path)
        try:
            sock.sendall(name.encode("utf-8") + b"\n")
            answers.readline()  # an answer, or b"" at once when the test has closed the connection
        except (BrokenPipeError, ConnectionResetError):
            return  # the test has gone: run on


def _connect(path: str) -> tuple[socket.socket, BinaryIO]:
    if path not in _connections:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
        except OSError as exc:
            sock.close()
            raise CheckpointUnavailable(
                f"{VARIABLE}={path}: nothing is listening there ({exc.strerror or exc})"
            ) from exc
        _connections[path] = (sock, sock.makefile("rb"))
    return _connections[path]
