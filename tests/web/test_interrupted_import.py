"""An import killed with SIGKILL at any point leaves all or nothing, and the file imports cleanly after.

The import process announces each point it reaches and waits there (the checkpoint hook,
``CASEREVIEW_CHECKPOINTS``, see casereview.importing.checkpoints); the test kills it while it waits.
Nothing here sleeps or races a timer, so a faster or a busier machine changes nothing.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

from casereview.importing.checkpoints import VARIABLE
from casereview.synthetic import write_register_file

CLI = [sys.executable, "-m", "casereview.cli"]
HANG = 120  # seconds: only a process that has hung takes this long; nothing waits for time to pass
BATCH_ROWS = 400
ROWS = 1_000  # three batches: killed after the first, the import is part-way
POINTS = [
    "register-import:first-batch",
    "register-import:before-commit",
    "register-import:after-commit",
]


def environment(url: str, var: Path) -> dict[str, str]:
    # One anchor key for the template database and its copies (dev makes one per var folder otherwise, and
    # the journal's first entry is anchored at once: a copy verified under another key would not match).
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "casereview.web.settings.dev",
        "CASEREVIEW_VAR_DIR": str(var),
        "CASEREVIEW_IMPORT_BATCH_ROWS": str(BATCH_ROWS),
        "CASEREVIEW_JOURNAL_ANCHOR_KEY": "test-only-interrupted-import-anchor-key-" + "z" * 24,
    }


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], env=env, capture_output=True, text=True, timeout=HANG, check=False
    )


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database with the body SYN, copied for each test (migrating is the slow part)."""
    url = os.environ.get("DATABASE_URL", "")
    folder = tmp_path_factory.mktemp("template")
    if url.startswith("postgres"):
        import psycopg

        name = f"casereview_kill_template_{uuid.uuid4().hex[:8]}"
        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        template = url.rsplit("/", 1)[0] + "/" + name
    else:
        template = f"sqlite:///{folder / 'template.sqlite3'}"
    env = environment(template, folder / "var")
    for args in (("migrate",), ("body", "add", "SYN", "Synthetic")):
        done = cli(env, *args)
        assert done.returncode == 0, done.stderr
    yield template
    if url.startswith("postgres"):
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database(tmp_path: Path, migrated: str) -> Iterator[tuple[str, str]]:
    """A database of its own (the test database is not visible to another process), migrated, with the body SYN."""
    if migrated.startswith("postgres"):
        import psycopg

        name = f"casereview_kill_{uuid.uuid4().hex[:8]}"
        admin = migrated.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{migrated.rsplit("/", 1)[1]}"')
        yield migrated.rsplit("/", 1)[0] + "/" + name, "postgresql"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    else:
        shutil.copyfile(migrated.removeprefix("sqlite:///"), tmp_path / "kill.sqlite3")
        yield f"sqlite:///{tmp_path / 'kill.sqlite3'}", "sqlite"


def count(url: str, vendor: str, table: str) -> int:
    if vendor == "sqlite":
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert row is not None
        return int(row[0])


class Checkpoints:
    """The test's end of CASEREVIEW_CHECKPOINTS: a Unix socket the process under test announces each point on."""

    def __init__(self) -> None:
        self.folder = Path(
            tempfile.mkdtemp(prefix="cr-")
        )  # short: a socket's path has at most 107 bytes
        self.path = str(self.folder / "checkpoints")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(1)
        self.answers: Any = None
        self.connection: socket.socket | None = None
        self.reached: list[str] = []

    def wait_at(self, point: str, process: subprocess.Popen[Any]) -> None:
        """Answer every checkpoint before ``point``; return while the process waits at ``point``."""
        while (reached := self.next(process)) is not None:
            self.reached.append(reached)
            if reached == point:
                return
            assert self.connection is not None
            self.connection.sendall(b"continue\n")
        pytest.fail(
            f"the process ended (exit {process.wait(HANG)}) before {point}; it reached {self.reached}"
        )

    def next(self, process: subprocess.Popen[Any]) -> str | None:
        """The next checkpoint announced, or None once the process has ended."""
        if self.connection is None:
            ended = os.pidfd_open(process.pid)
            try:
                ready, _, _ = select.select([self.listener, ended], [], [], HANG)
            finally:
                os.close(ended)
            assert ready, "the process neither connected nor ended: it hangs"
            if self.listener not in ready:
                return None
            self.connection, _ = self.listener.accept()
            self.connection.settimeout(HANG)
            self.answers = self.connection.makefile("rb")
        return self.answers.readline().decode().strip() or None  # b"": the process has gone

    def __enter__(self) -> Checkpoints:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.connection is not None:
            self.answers.close()
            self.connection.close()
        self.listener.close()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.mark.parametrize(
    ("point", "committed"),
    [(POINTS[0], False), (POINTS[1], False), (POINTS[2], True)],
    ids=["after-the-first-batch", "before-the-commit", "after-the-commit"],
)
def test_an_import_killed_at_any_point_leaves_all_or_nothing_and_can_be_repeated(
    tmp_path: Path, database: tuple[str, str], point: str, committed: bool
) -> None:
    url, vendor = database
    env = environment(url, tmp_path / "var")
    path = tmp_path / "register.csv"
    write_register_file(path, rows=ROWS, seed=3)
    log = tmp_path / "import.log"
    with Checkpoints() as points, log.open("w") as out:
        process = subprocess.Popen(
            [*CLI, "import-register", str(path), "--body", "SYN"],
            env={**env, VARIABLE: points.path},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            points.wait_at(point, process)
            process.send_signal(signal.SIGKILL)  # it waits at the point: nothing races the kill
        finally:
            process.kill()
            process.wait(HANG)
    assert process.returncode == -signal.SIGKILL, log.read_text()
    assert (
        points.reached == POINTS[: POINTS.index(point) + 1]
    )  # in order, the first batch announced once

    # Killed before its commit: nothing.  Killed after it: all of it.  Never a part.
    registers, cases = (
        count(url, vendor, "registers_register"),
        count(url, vendor, "registers_case"),
    )
    assert (registers, cases) == ((1, ROWS) if committed else (0, 0))
    verified = cli(env, "journal", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr

    again = cli(
        env,
        "import-register",
        str(path),
        "--body",
        "SYN",
        "--json",
        *(["--replace"] if committed else []),
    )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["rows"] == ROWS
    assert count(url, vendor, "registers_register") == registers + 1
    assert count(url, vendor, "registers_case") == ROWS * (registers + 1)


def test_a_draw_in_one_process_is_seen_by_the_next_on_a_file_database(
    tmp_path: Path, database: tuple[str, str]
) -> None:
    """Guards the bulk read path (ADBC on SQLite): it must leave the file's locking intact."""
    url, vendor = database
    env = environment(url, tmp_path / "var")
    assert (
        cli(
            env,
            "inspection",
            "create",
            "--body",
            "SYN",
            "--name",
            "Q",
            "--period-start",
            "01/01/2023",
            "--period-end",
            "31/12/2024",
        ).returncode
        == 0
    )
    assert cli(env, "seed", "commit", "--inspection", "1").returncode == 0
    path = tmp_path / "r.csv"
    write_register_file(path, rows=3000, seed=4)
    assert cli(env, "import-register", str(path), "--body", "SYN").returncode == 0
    plan = tmp_path / "plan.toml"
    plan.write_text('size = 40\nstrata = ["category"]\n')
    drawn = cli(
        env, "sample", "draw", "--inspection", "1", "--register", "1", "--plan", str(plan), "--json"
    )
    assert drawn.returncode == 0, drawn.stderr
    assert count(url, vendor, "inspections_sampledcase") >= 40
    moved = cli(
        env,
        "sample",
        "replace",
        "--inspection",
        "1",
        "--case",
        json.loads(drawn.stdout)["strata"][0]["sample"][0],
        "--reason",
        "x",
    )
    assert moved.returncode == 0, moved.stderr
