"""The checkpoint hook: off unless asked for; on, it announces each point and waits for the answer."""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from casereview.importing import checkpoints
from casereview.importing.checkpoints import VARIABLE, CheckpointUnavailable, checkpoint

HANG = 60  # seconds: only a hung test waits this long


@pytest.fixture
def listener(monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    """The test's end: a Unix socket named by CASEREVIEW_CHECKPOINTS (in a short folder: at most 107 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="cr-"))
    path = str(folder / "checkpoints")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    server.settimeout(HANG)
    monkeypatch.setenv(VARIABLE, path)
    yield server
    server.close()
    for sock, answers in checkpoints._connections.values():
        answers.close()
        sock.close()
    checkpoints._connections.clear()
    shutil.rmtree(folder)


def passing(*names: str) -> tuple[threading.Thread, list[str]]:
    """A thread that passes the checkpoints ``names`` in turn, noting each one it has got past."""
    passed: list[str] = []

    def run() -> None:
        for name in names:
            checkpoint(name)
            passed.append(name)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, passed


def test_without_the_variable_a_checkpoint_does_nothing_and_opens_no_socket(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(VARIABLE, raising=False)

    def no_socket(*args: object) -> None:
        raise AssertionError("a socket was opened")

    monkeypatch.setattr(checkpoints.socket, "socket", no_socket)
    assert checkpoint("register-import:first-batch") is None


def test_each_checkpoint_is_announced_and_waits_for_the_answer(listener: socket.socket) -> None:
    thread, passed = passing("one", "two")
    connection, _ = listener.accept()
    connection.settimeout(HANG)
    answers = connection.makefile("rb")
    assert answers.readline() == b"one\n"
    assert passed == []  # waiting at "one" until answered
    connection.sendall(b"continue\n")
    assert answers.readline() == b"two\n"  # on the same connection
    assert passed == ["one"]
    connection.sendall(b"continue\n")
    thread.join(HANG)
    assert passed == ["one", "two"]
    connection.close()


def test_once_the_test_closes_the_connection_the_process_runs_on(listener: socket.socket) -> None:
    thread, passed = passing("one", "two", "three")
    connection, _ = listener.accept()
    connection.settimeout(HANG)
    assert connection.makefile("rb").readline() == b"one\n"
    connection.close()
    thread.join(HANG)
    assert not thread.is_alive()
    assert passed == ["one", "two", "three"]


def test_a_variable_naming_nothing_that_listens_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(VARIABLE, str(tmp_path / "nobody"))
    with pytest.raises(CheckpointUnavailable, match=f"{VARIABLE}=.*nobody: nothing is listening"):
        checkpoint("one")
