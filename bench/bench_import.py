"""Register import benchmark (`make bench-import`).

Measures in one run, each in a fresh process so peak RSS is its own:
  * polars.read_csv of the file: the floor;
  * a straightforward Django import (csv.DictReader + bulk_create x 1,000) into SQLite;
  * `casereview import-register` into SQLite and into PostgreSQL (COPY);
  * `casereview import-register` of a 5,000,000-row file into SQLite (memory scaling).
Prints seconds (median of --runs), peak RSS and ratios; writes bench/results/import.json.
PostgreSQL: CASEREVIEW_BENCH_POSTGRES_URL, or a throwaway cluster started here (as root).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
PGBIN = Path("/usr/lib/postgresql/15/bin")


LAST_STDOUT: list[str] = [""]


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one process (its stdout is kept in LAST_STDOUT)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.PIPE)  # noqa: S603
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(
                f"{' '.join(cmd)} failed: {process.stderr.read().decode() if process.stderr else ''}"
            )
        out.seek(0)
        LAST_STDOUT[0] = out.read().decode()
    return seconds, usage.ru_maxrss * 1024


def register_file(rows: int) -> Path:
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"register-{rows}.csv"
    if not path.exists():
        print(f"generating {rows:,} synthetic rows -> {path}", flush=True)
        subprocess.run(
            [
                str(BIN / "casereview"),
                "demo-register",
                "--rows",
                str(rows),
                "--seed",
                "2024",
                "--out",
                str(path),
            ],
            check=True,
        )  # noqa: S603
    return path


class Database:
    def __init__(self, url: str, var: Path) -> None:
        self.url = url
        self.env = {
            **os.environ,
            "DATABASE_URL": url,
            "CASEREVIEW_VAR_DIR": str(var),
            "DJANGO_SETTINGS_MODULE": "casereview.web.settings.dev",
            "CASEREVIEW_MAX_REGISTER_BYTES": str(4 * 1024**3),
        }

    def cli(self, *args: str) -> list[str]:
        return [str(BIN / "casereview"), *args]

    def prepare(self) -> None:
        subprocess.run(self.cli("migrate"), env=self.env, check=True, capture_output=True)  # noqa: S603
        subprocess.run(
            self.cli("body", "add", "BEN", "Benchmark (synthetic)"),
            env=self.env,
            check=True,
            capture_output=True,
        )  # noqa: S603


def sqlite_database(folder: Path) -> Database:
    name = folder / f"bench-{uuid.uuid4().hex[:6]}"
    name.mkdir(parents=True)
    db = Database(f"sqlite:///{name / 'db.sqlite3'}", name)
    db.prepare()
    return db


class Postgres:
    """A throwaway cluster, unless CASEREVIEW_BENCH_POSTGRES_URL names a server."""

    def __init__(self) -> None:
        self.base = os.environ.get("CASEREVIEW_BENCH_POSTGRES_URL", "")
        self.data: Path | None = None
        if not self.base:
            self.data = Path(tempfile.mkdtemp(prefix="casereview-bench-pg-"))
            shutil.chown(self.data, "postgres", "postgres")
            run = ["runuser", "-u", "postgres", "--"]
            subprocess.run(
                [
                    *run,
                    str(PGBIN / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                ],
                check=True,
                capture_output=True,
            )  # noqa: S603
            subprocess.run(
                [
                    *run,
                    str(PGBIN / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-w",
                    "-l",
                    str(self.data / "log"),
                    "-o",
                    f"-h 127.0.0.1 -p 55499 -k {self.data}",
                    "start",
                ],
                check=True,
                capture_output=True,
            )  # noqa: S603
            self.base = "postgres://postgres@127.0.0.1:55499/postgres"

    def database(self, var: Path) -> Database:
        import psycopg

        name = f"casereview_bench_{uuid.uuid4().hex[:6]}"
        with psycopg.connect(self.base, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        var.mkdir(parents=True, exist_ok=True)
        db = Database(self.base.rsplit("/", 1)[0] + "/" + name, var)
        db.prepare()
        return db

    def postmaster_pid(self) -> int | None:
        """The throwaway cluster's postmaster (None for a server named by CASEREVIEW_BENCH_POSTGRES_URL)."""
        if self.data is None or not (self.data / "postmaster.pid").exists():
            return None
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        if self.data is not None:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            os.kill(pid, 2)
            for _ in range(100):
                if not (self.data / "postmaster.pid").exists():
                    break
                time.sleep(0.1)
            shutil.rmtree(self.data, ignore_errors=True)


def median_of(runs: int, make: Any) -> dict[str, float]:
    seconds, rss = [], []
    for _ in range(runs):
        s, r = make()
        seconds.append(s)
        rss.append(r)
    return {
        "seconds": statistics.median(seconds),
        "runs": runs,
        "all_seconds": seconds,
        "peak_rss_bytes": max(rss),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--naive-runs", type=int, default=1)
    parser.add_argument("--scale-rows", type=int, default=5_000_000)
    args = parser.parse_args()
    path = register_file(args.rows)
    work = Path(tempfile.mkdtemp(prefix="casereview-bench-"))
    py = str(Path(sys.executable))
    results: dict[str, Any] = {}
    try:
        floor_cmd = [
            py,
            "-c",
            "import time, polars as pl; t = time.perf_counter(); "
            f"pl.read_csv({str(path)!r}, infer_schema=False); print(time.perf_counter() - t)",
        ]
        measure(floor_cmd)  # warm the page cache so every contender reads from memory
        inside: list[float] = []

        def floor() -> tuple[float, int]:
            measured = measure(floor_cmd)
            inside.append(float(LAST_STDOUT[0]))
            return measured

        results["polars_read_csv"] = median_of(args.runs, floor)
        # The read alone, without starting Python and importing polars: stricter than the floor.
        results["polars_read_csv"]["in_process_seconds"] = statistics.median(inside)
        print("polars floor", results["polars_read_csv"], flush=True)

        def casereview_sqlite() -> tuple[float, int]:
            db = sqlite_database(work)
            return measure(db.cli("import-register", str(path), "--body", "BEN", "--json"), db.env)

        results["casereview_sqlite"] = median_of(args.runs, casereview_sqlite)
        print("casereview sqlite", results["casereview_sqlite"], flush=True)

        pg = Postgres()
        try:

            def casereview_pg() -> tuple[float, int]:
                db = pg.database(work / uuid.uuid4().hex[:6])
                return measure(
                    db.cli("import-register", str(path), "--body", "BEN", "--json"), db.env
                )

            results["casereview_postgresql"] = median_of(args.runs, casereview_pg)
            print("casereview postgresql", results["casereview_postgresql"], flush=True)
        finally:
            pg.stop()

        def naive() -> tuple[float, int]:
            db = sqlite_database(work)
            import sqlite3

            conn = sqlite3.connect(db.url.removeprefix("sqlite:///"))
            conn.execute(
                "INSERT INTO registers_register (body_id, sha256, filename, size_bytes, file_type, encoding, profile, rows, unmapped_columns, state, imported_at) "
                "SELECT id, 'naive', 'naive', 0, 'csv', 'utf-8', 'default', 0, '[]', 'locked', '2026-01-01' FROM registers_body"
            )
            conn.commit()
            register_id = conn.execute("SELECT max(id) FROM registers_register").fetchone()[0]
            conn.close()
            return measure(
                [py, str(ROOT / "bench" / "naive_import.py"), str(path), str(register_id)], db.env
            )

        results["django_bulk_create_sqlite"] = median_of(args.naive_runs, naive)
        print("django bulk_create", results["django_bulk_create_sqlite"], flush=True)

        if args.scale_rows:
            big = register_file(args.scale_rows)
            db = sqlite_database(work)
            seconds, rss = measure(
                db.cli("import-register", str(big), "--body", "BEN", "--json"), db.env
            )
            results["casereview_sqlite_scale"] = {
                "rows": args.scale_rows,
                "seconds": seconds,
                "peak_rss_bytes": rss,
            }
            print("casereview sqlite at scale", results["casereview_sqlite_scale"], flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    floor = results["polars_read_csv"]["seconds"]
    naive_s = results["django_bulk_create_sqlite"]["seconds"]
    summary = {
        "rows": args.rows,
        "file_bytes": path.stat().st_size,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "results": results,
        "ratios": {
            "sqlite_to_polars_floor": results["casereview_sqlite"]["seconds"] / floor,
            "postgresql_to_polars_floor": results["casereview_postgresql"]["seconds"] / floor,
            "django_bulk_create_to_sqlite": naive_s / results["casereview_sqlite"]["seconds"],
            "django_bulk_create_to_postgresql": naive_s
            / results["casereview_postgresql"]["seconds"],
            "sqlite_to_in_process_read": results["casereview_sqlite"]["seconds"]
            / results["polars_read_csv"]["in_process_seconds"],
        },
        "targets": {
            "within_12x_floor": 12,
            "at_least_5x_faster_than_bulk_create": 5,
            "peak_rss_bytes_max": int(1.5 * 1024**3),
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "import.json").write_text(json.dumps(summary, indent=2) + "\n")

    def mb(n: int) -> str:
        return f"{n / 1024**2:,.0f} MB"

    print()
    print(
        f"Register import, {args.rows:,} rows ({mb(summary['file_bytes'])}), median of {args.runs} runs"
    )
    print(f"{'contender':<42}{'seconds':>10}{'peak RSS':>12}{'x floor':>10}")
    for name, label in (
        ("polars_read_csv", "polars.read_csv (floor)"),
        ("casereview_sqlite", "casereview import-register, SQLite"),
        ("casereview_postgresql", "casereview import-register, PostgreSQL"),
        ("django_bulk_create_sqlite", "DictReader + bulk_create(1000), SQLite"),
    ):
        r = results[name]
        print(
            f"{label:<42}{r['seconds']:>10.2f}{mb(r['peak_rss_bytes']):>12}{r['seconds'] / floor:>10.1f}"
        )
    if "casereview_sqlite_scale" in results:
        r = results["casereview_sqlite_scale"]
        print(
            f"{'casereview, SQLite, ' + format(r['rows'], ',') + ' rows':<42}{r['seconds']:>10.2f}{mb(r['peak_rss_bytes']):>12}"
        )
    for key, value in summary["ratios"].items():
        print(f"{key}: {value:.2f}")


if __name__ == "__main__":
    main()
