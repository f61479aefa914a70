"""An import killed with SIGKILL part-way leaves no partial register, and the file imports cleanly after."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from casereview.synthetic import write_register_file

CLI = [sys.executable, "-m", "casereview.cli"]


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A database of its own (the test database is not visible to another process)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        name = f"casereview_kill_{uuid.uuid4().hex[:8]}"
        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        yield url.rsplit("/", 1)[0] + "/" + name, "postgresql"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'kill.sqlite3'}", "sqlite"


def count(url: str, vendor: str, table: str) -> int:
    if vendor == "sqlite":
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
        assert row is not None
        return int(row[0])


@pytest.mark.parametrize("delay", [0.6, 1.2, 1.8])
def test_an_import_killed_part_way_leaves_nothing_and_can_be_repeated(
    tmp_path: Path, database: tuple[str, str], delay: float
) -> None:
    url, vendor = database
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "casereview.web.settings.dev",
        "CASEREVIEW_VAR_DIR": str(tmp_path / "var"),
        "CASEREVIEW_IMPORT_BATCH_ROWS": "20000",
    }
    run = lambda *args: subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=300)  # noqa: E731
    assert run("migrate").returncode == 0
    assert run("body", "add", "SYN", "Synthetic").returncode == 0
    path = tmp_path / "big.csv"
    write_register_file(path, rows=150_000, seed=3)
    process = subprocess.Popen([*CLI, "import-register", str(path), "--body", "SYN"], env=env)  # noqa: S603
    time.sleep(delay)
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait()
    if process.returncode == 0:
        pytest.fail("the import finished before it could be killed; raise the row count")
    registers = count(url, vendor, "registers_register")
    cases = count(url, vendor, "registers_case")
    # Killed before its commit: nothing.  Killed in the instant after it: all of it.  Never a part.
    assert (registers, cases) in {(0, 0), (1, 150_000)}
    if delay < 1:  # well before any commit is possible
        assert (registers, cases) == (0, 0)
    again = run("import-register", str(path), "--body", "SYN", "--json", *(["--replace"] if registers else []))
    assert again.returncode == 0, again.stderr
    assert count(url, vendor, "registers_case") == 150_000 * (registers + 1)


def test_a_draw_in_one_process_is_seen_by_the_next_on_a_file_database(tmp_path: Path, database: tuple[str, str]) -> None:
    """Guards the bulk read path (ADBC on SQLite): it must leave the file's locking intact."""
    url, _ = database
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "casereview.web.settings.dev",
           "CASEREVIEW_VAR_DIR": str(tmp_path / "var")}
    run = lambda *args: subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=300)  # noqa: E731
    assert run("migrate").returncode == 0
    assert run("body", "add", "SYN", "Synthetic").returncode == 0
    assert run("inspection", "create", "--body", "SYN", "--name", "Q", "--period-start", "01/01/2023", "--period-end", "31/12/2024").returncode == 0
    assert run("seed", "commit", "--inspection", "1").returncode == 0
    path = tmp_path / "r.csv"
    write_register_file(path, rows=3000, seed=4)
    assert run("import-register", str(path), "--body", "SYN").returncode == 0
    plan = tmp_path / "plan.toml"
    plan.write_text('size = 40\nstrata = ["category"]\n')
    drawn = run("sample", "draw", "--inspection", "1", "--register", "1", "--plan", str(plan), "--json")
    assert drawn.returncode == 0, drawn.stderr
    assert count(url, url.split(":")[0].replace("postgres", "postgresql"), "inspections_sampledcase") >= 40
    moved = run("sample", "replace", "--inspection", "1", "--case", json.loads(drawn.stdout)["strata"][0]["sample"][0], "--reason", "x")
    assert moved.returncode == 0, moved.stderr
