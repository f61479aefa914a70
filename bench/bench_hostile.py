"""Hostile-file benchmark (`make bench-hostile`).

Builds each hostile file of the penetration test (issue 18) at full size with
casereview.importing.hostile, then imports it through the real CLI
(`casereview import-register --json`) in a fresh process into a fresh SQLite
database, with the default limits, and measures the wall time and peak RSS to
the refusal.  Target: every file refused (exit status 2) within 5 s and 500 MB.
Each file is measured ``--runs`` times (default 3) and the medians are kept.  The
reference, measured in the same run and the same way, is the CLI importing a
small well-formed synthetic register (1,000 cases): a hostile file's ratio to it
says what refusing costs beyond starting Python and Django and importing a little.
Prints a table; writes bench/results/hostile.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data" / "hostile"
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "src"))

from casereview.importing import hostile  # noqa: E402

TARGET_SECONDS = 5.0
TARGET_RSS = 500 * 1024**2

#: name -> (what it is, file name, builder)
FILES: dict[str, tuple[str, str, Callable[[Path], Path]]] = {
    "shared_string": (
        "XLSX, one shared string of 1,000,000,000 characters",
        "shared-string.xlsx",
        lambda p: hostile.xlsx_huge_shared_string(p, 1_000_000_000),
    ),
    "rich_shared_string": (
        "XLSX, one shared string of 500,000,000 characters in 50,000-character rich runs",
        "rich-shared-string.xlsx",
        lambda p: hostile.xlsx_rich_shared_string(p, 500_000_000),
    ),
    "many_shared_strings": (
        "XLSX, 500,000,000 characters of 99,000-character shared strings",
        "many-shared-strings.xlsx",
        lambda p: hostile.xlsx_many_shared_strings(p, 500_000_000),
    ),
    "rich_inline_string": (
        "XLSX, one inline string of 100,000,000 characters in 50,000-character rich runs",
        "rich-inline-string.xlsx",
        lambda p: hostile.xlsx_rich_inline_string(p, 100_000_000),
    ),
    "huge_styles": (
        "XLSX whose styles part expands to 1 GB",
        "huge-styles.xlsx",
        lambda p: hostile.xlsx_huge_styles(p, 1_000_000_000),
    ),
    "expanding_sheet": (
        "XLSX whose sheet expands to 1.2 GB",
        "expanding-sheet.xlsx",
        lambda p: hostile.xlsx_expanding_sheet(p, 1_200_000_000),
    ),
    "long_header": (
        "CSV, a 131,073-character header",
        "long-header.csv",
        lambda p: hostile.csv_long_header(p, 131_073),
    ),
    "long_value": (
        "CSV, a 250,000,000-character value",
        "long-value.csv",
        lambda p: hostile.csv_long_value(p, 250_000_000),
    ),
    "long_quoted_value": (
        "CSV, a quoted 250,000,000-character value with a comma every 1,000",
        "long-quoted-value.csv",
        lambda p: hostile.csv_long_quoted_value(p, 250_000_000),
    ),
    "bad_rows": (
        "CSV, 4,000,000 bad rows",
        "bad-rows.csv",
        lambda p: hostile.csv_bad_rows(p, 4_000_000),
    ),
    "late_nul": (
        "CSV, a NUL byte after 1,000,000 good rows",
        "late-nul.csv",
        lambda p: hostile.csv_late_nul(p, 1_000_000),
    ),
    "mixed_encoding": (
        "CSV mixing UTF-8 and Windows-1252",
        "mixed-encoding.csv",
        hostile.csv_mixed_encoding,
    ),
    "formulas": (
        "XLSX, 10,000 formula cells without saved values",
        "formulas.xlsx",
        lambda p: hostile.xlsx_formulas_without_values(p, 10_000),
    ),
}


def build(name: str) -> Path:
    _, filename, make = FILES[name]
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / filename
    if not path.exists():
        print(f"building {filename}", flush=True)
        part = path.with_name(path.name + ".part" + path.suffix)
        make(part)
        part.replace(path)
    return path


def environment(var: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{var / 'db.sqlite3'}",
        "CASEREVIEW_VAR_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "casereview.web.settings.dev",
    }
    for setting in [k for k in env if k.startswith("CASEREVIEW_MAX_")]:
        del env[setting]  # the defaults are what is measured
    return env


def refuse(path: Path, env: dict[str, str]) -> dict[str, Any]:
    """Import one file through the CLI; its wall time, peak RSS, exit status and message."""
    cmd = [str(BIN / "casereview"), "import-register", str(path), "--body", "HOS", "--json"]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as errs:
        process = subprocess.Popen(cmd, env=env, stdout=out, stderr=errs)  # noqa: S603
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        out.seek(0)
        errs.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), errs.read().decode(errors="replace")
    try:
        answer = json.loads(stdout)
        message = answer.get("error", "")
        problems = answer.get("problems", len(answer.get("errors", [])))
    except json.JSONDecodeError:
        message, problems = (stdout + stderr)[-300:], 0
    return {
        "seconds": round(seconds, 3),
        "peak_rss_bytes": usage.ru_maxrss * 1024,
        "exit_status": os.waitstatus_to_exitcode(status),
        "message": message[:300],
        "problems": problems,
        "file_bytes": path.stat().st_size,
        "traceback": "Traceback" in stderr,
    }


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The last run's details with the median time and peak RSS of all runs (and each run's, for the record)."""
    return {
        **runs[-1],
        "seconds": round(statistics.median(r["seconds"] for r in runs), 3),
        "peak_rss_bytes": int(statistics.median(r["peak_rss_bytes"] for r in runs)),
        "runs_seconds": [r["seconds"] for r in runs],
        "runs": len(runs),
    }


def reference(env: dict[str, str], runs: int) -> dict[str, Any]:
    """A well-formed 1,000-case synthetic register imported the same way (imported, so replaced each time)."""
    from casereview.synthetic import write_register_file

    path = DATA / "reference-1000.csv"
    DATA.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        write_register_file(path, rows=1000, seed=18)
    measured = []
    for _ in range(runs):
        cmd = [
            str(BIN / "casereview"),
            "import-register",
            str(path),
            "--body",
            "REF",
            "--json",
            "--replace",
        ]
        start = time.perf_counter()
        process = subprocess.Popen(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )  # noqa: S603
        _, status, usage = os.wait4(process.pid, 0)
        measured.append(
            {
                "seconds": round(time.perf_counter() - start, 3),
                "peak_rss_bytes": usage.ru_maxrss * 1024,
                "exit_status": os.waitstatus_to_exitcode(status),
            }
        )
    return {**median_of(measured), "file": "a well-formed 1,000-case synthetic register (imported)"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", choices=sorted(FILES), help="measure only these files")
    parser.add_argument("--runs", type=int, default=3, help="runs per file; medians are kept")
    args = parser.parse_args()
    names = args.only or list(FILES)
    with tempfile.TemporaryDirectory(prefix="casereview-bench-hostile-") as folder:
        var = Path(folder)
        env = environment(var)
        subprocess.run(
            [str(BIN / "casereview"), "migrate"], env=env, check=True, capture_output=True
        )  # noqa: S603
        for code in ("HOS", "REF"):
            subprocess.run(
                [str(BIN / "casereview"), "body", "add", code, "Hostile files (synthetic)"],  # noqa: S603
                env=env,
                check=True,
                capture_output=True,
            )
        ref = reference(env, args.runs)
        print(
            f"{'reference: ' + ref['file']:<55} {ref['seconds']:6.2f} s {ref['peak_rss_bytes'] / 1024**2:6.0f} MB",
            flush=True,
        )
        results: dict[str, Any] = {}
        for name in names:
            path = build(name)
            result = median_of([refuse(path, env) for _ in range(args.runs)])
            result["ratio_seconds"] = round(result["seconds"] / ref["seconds"], 2)
            result["ratio_rss"] = round(result["peak_rss_bytes"] / ref["peak_rss_bytes"], 2)
            result["file"] = FILES[name][0]
            result["met"] = (
                result["exit_status"] == 2
                and not result["traceback"]
                and result["seconds"] <= TARGET_SECONDS
                and result["peak_rss_bytes"] <= TARGET_RSS
            )
            results[name] = result
            print(
                f"{FILES[name][0]:<55} {result['seconds']:6.2f} s {result['peak_rss_bytes'] / 1024**2:6.0f} MB "
                f"(x{result['ratio_seconds']} time, x{result['ratio_rss']} memory of the reference) "
                f"exit {result['exit_status']}  {'met' if result['met'] else 'NOT MET'}  {result['message'][:90]}",
                flush=True,
            )
    data = {
        "measured_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "targets": {
            "seconds_max": TARGET_SECONDS,
            "peak_rss_bytes_max": TARGET_RSS,
            "exit_status": 2,
        },
        "runs": args.runs,
        "reference": ref,
        "results": results,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "hostile.json"
    if args.only and out.exists():  # measuring some files keeps the others' last results
        previous = json.loads(out.read_text())
        data["results"] = {**previous.get("results", {}), **results}
    out.write_text(json.dumps(data, indent=2) + "\n")
    print(f"wrote {out}")
    if not all(r["met"] for r in data["results"].values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
