"""Links benchmark (`make bench-links`): links between cases for a 1,000,000-case register.

Measures in one run, each in a fresh process so peak RSS is its own (median of --runs):
  * the computation alone (`casereview.domain.links`: the three patterns, related cases of a
    2,000-case sample, recorded cases per quarter) on the register read by polars.read_csv,
    against the floor of one polars group-by over the same frame;
  * `casereview links INSPECTION --recompute` as a whole process on SQLite and on PostgreSQL: read the
    register from the database, compute, store, journal; against `casereview links INSPECTION` (the
    same process reading the stored links: Python, Django and the query, without the computation).
Target: at most 10 seconds for a 1,000,000-case register.  Writes bench/results/links.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from bench_import import (  # noqa: E402
    LAST_STDOUT,
    RESULTS,
    Database,
    Postgres,
    measure,
    register_file,
    sqlite_database,
)

TARGET_SECONDS = 10.0


def child_domain(path: str, sample: int) -> None:
    """One run of the computation alone (prints JSON): the register read as the database gives it."""
    import polars as pl

    from casereview.domain.links import LinkRules, register_links, related_cases, volume_by_quarter

    frame = pl.read_csv(path, infer_schema=False).select(
        "case_ref",
        "category",
        pl.col("reported_on").str.to_date("%d/%m/%Y"),
        child_pseudonym=pl.col("child_id"),
        suspect_pseudonym=pl.col("suspect_id"),
        location_ref=pl.col("location_ref"),
    )
    refs = frame["case_ref"].sample(sample, seed=1).to_list()
    start = time.perf_counter()
    frame.group_by("child_pseudonym").agg(pl.len())
    floor = time.perf_counter() - start
    start = time.perf_counter()
    found = register_links(frame, LinkRules())
    related_cases(frame, refs, LinkRules())
    volume_by_quarter(frame)
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "seconds": seconds,
                "floor_seconds": floor,
                "summary": found.summary,
                "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            }
        )
    )


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def database_runs(db: Database, path: Path, runs: int, sample: int) -> dict[str, Any]:
    subprocess.run(
        db.cli("import-register", str(path), "--body", "BEN"),
        env=db.env,
        check=True,
        capture_output=True,
    )  # noqa: S603
    made = subprocess.run(
        db.cli(
            "inspection",
            "create",
            "--body",
            "BEN",
            "--name",
            "Links bench",
            "--period-start",  # noqa: S603
            "01/01/2023",
            "--period-end",
            "31/12/2024",
            "--json",
        ),
        env=db.env,
        check=True,
        capture_output=True,
        text=True,
    )
    inspection = str(json.loads(made.stdout)["inspection_id"])
    subprocess.run(
        db.cli("seed", "commit", "--inspection", inspection),
        env=db.env,
        check=True,
        capture_output=True,
    )  # noqa: S603
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as plan:
        plan.write(f"size = {sample}\nreserve = 0\n")
    start = time.perf_counter()
    subprocess.run(
        db.cli(
            "sample",
            "draw",
            "--inspection",
            inspection,
            "--register",
            "1",
            "--plan",
            plan.name,  # noqa: S603
            "--allow-late-commitment",
        ),
        env=db.env,
        check=True,
        capture_output=True,
    )
    draw_with_links = time.perf_counter() - start
    recompute, stored, rss = [], [], []
    for _ in range(runs):
        seconds, peak = measure(
            db.cli("links", inspection, "--recompute", "--format", "json"), db.env
        )
        recompute.append(seconds)
        rss.append(peak)
        stored.append(measure(db.cli("links", inspection, "--format", "json"), db.env)[0])
    summary = json.loads(LAST_STDOUT[0])
    return {
        "seconds": median(recompute),
        "all_seconds": [round(s, 3) for s in recompute],
        "reading_stored_links_seconds": median(stored),
        "computation_seconds": median([r - s for r, s in zip(recompute, stored, strict=True)]),
        "peak_rss_bytes": max(rss),
        "draw_and_links_seconds": round(draw_with_links, 2),
        "sampled_cases_with_related": summary["sampled_cases_with_related"],
        "register": summary["register"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_domain(args.child, args.sample)
        return
    path = register_file(args.rows)
    domain_runs = []
    for _ in range(args.runs):
        measure([sys.executable, __file__, "--child", str(path), "--sample", str(args.sample)])
        domain_runs.append(json.loads(LAST_STDOUT[0]))
    domain = {
        "seconds": median([r["seconds"] for r in domain_runs]),
        "all_seconds": [round(r["seconds"], 3) for r in domain_runs],
        "floor_seconds": median([r["floor_seconds"] for r in domain_runs]),
        "peak_rss_bytes": max(r["peak_rss_bytes"] for r in domain_runs),
        "summary": domain_runs[0]["summary"],
    }
    domain["times_floor"] = round(domain["seconds"] / domain["floor_seconds"], 1)
    work = Path(tempfile.mkdtemp(prefix="casereview-bench-links-"))
    sqlite = database_runs(sqlite_database(work), path, args.runs, args.sample)
    pg = Postgres()
    try:
        postgres = database_runs(pg.database(work / "pg"), path, args.runs, args.sample)
    finally:
        pg.stop()
    result = {
        "measured_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "rows": args.rows,
        "sample": args.sample,
        "runs": args.runs,
        "target_seconds": TARGET_SECONDS,
        "domain": domain,
        "sqlite": sqlite,
        "postgresql": postgres,
        "met": max(sqlite["seconds"], postgres["seconds"]) <= TARGET_SECONDS,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "links.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
