"""Sampling benchmark (`make bench-sample`): a stratified draw of 1,000 cases from 1,000,000.

Imports a synthetic 1,000,000-case register into a fresh SQLite database (not
timed), then times `casereview sample draw` (category x unit strata, 1,000
cases) in a fresh process, --runs times (one inspection each, seeds committed
before the import), and, in this process, the share of a draw spent computing
the 1,000,000 HMAC rank keys.  Writes bench/results/sample.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_import import BIN, RESULTS, measure, register_file  # noqa: E402

PLAN = """size = 1000
strata = ["category", "unit"]
allocation = "proportional"
minimum_per_stratum = 2
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    path = register_file(args.rows)
    work = Path(tempfile.mkdtemp(prefix="casereview-bench-sample-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "CASEREVIEW_VAR_DIR": str(work),
        "DJANGO_SETTINGS_MODULE": "casereview.web.settings.dev",
        "CASEREVIEW_MAX_REGISTER_BYTES": str(4 * 1024**3),
    }

    def cli(*a: str) -> str:
        return subprocess.run(
            [str(BIN / "casereview"), *a], env=env, check=True, capture_output=True, text=True
        ).stdout  # noqa: S603

    cli("migrate")
    cli("body", "add", "BEN", "Benchmark (synthetic)")
    ids = []
    for i in range(args.runs):
        made = json.loads(
            cli(
                "inspection",
                "create",
                "--body",
                "BEN",
                "--name",
                f"run {i}",
                "--period-start",
                "01/01/2023",
                "--period-end",
                "31/12/2024",
                "--json",
            )
        )
        cli("seed", "commit", "--inspection", str(made["inspection_id"]))
        ids.append(made["inspection_id"])
    register = json.loads(cli("import-register", str(path), "--body", "BEN", "--json"))[
        "register_id"
    ]
    plan = work / "plan.toml"
    plan.write_text(PLAN)
    seconds, rss = [], []
    for inspection in ids:
        s, r = measure(
            [
                str(BIN / "casereview"),
                "sample",
                "draw",
                "--inspection",
                str(inspection),
                "--register",
                str(register),
                "--plan",
                str(plan),
                "--json",
            ],
            env,
        )
        seconds.append(s)
        rss.append(r)

    import polars as pl

    from casereview.domain.sampling import rank_keys

    refs = pl.read_csv(path, columns=["case_ref"], infer_schema=False)["case_ref"].to_list()
    hashing = []
    for _ in range(args.runs):
        start = time.perf_counter()
        rank_keys(bytes(32), refs)
        hashing.append(time.perf_counter() - start)
    draw_s, hash_s = statistics.median(seconds), statistics.median(hashing)
    result = {
        "rows": args.rows,
        "sample": 1000,
        "strata": ["category", "unit"],
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "draw_seconds_median": draw_s,
        "draw_seconds": seconds,
        "draw_peak_rss_bytes": max(rss),
        "hashing_seconds_median": hash_s,
        "hashing_share": hash_s / draw_s,
        "target_seconds": 5,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sample.json").write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"Stratified draw of 1,000 from {args.rows:,} cases: median {draw_s:.2f} s over {args.runs} runs "
        f"({', '.join(f'{s:.2f}' for s in seconds)}); peak RSS {max(rss) / 1024**2:,.0f} MB"
    )
    print(
        f"Hashing 1,000,000 rank keys: {hash_s:.2f} s = {100 * hash_s / draw_s:.0f}% of the draw; target 5 s: "
        + ("met" if draw_s <= 5 else "NOT met")
    )


if __name__ == "__main__":
    main()
