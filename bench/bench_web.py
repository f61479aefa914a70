"""Web load benchmark (`make bench-web`): gunicorn on PostgreSQL, a 1,000,000-case register, an inspection of
2,000 sampled cases; locust (headless) runs 50 inspectors reviewing and 5 lead inspectors browsing the case
list for --seconds.  Targets on this 2-core machine: 0 errors, p95 < 100 ms for review pages, < 150 ms for
the case list.  Also times the case list's queries on a 10,000,000-case register (rows made with
generate_series, the queries the page runs).  Writes bench/results/web.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from bench_import import BIN, RESULTS, Postgres, register_file  # noqa: E402

PASSWORD = "benchmark passphrase synthetic only"  # noqa: S105 (synthetic bench users)
PORT = 8766


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--big-rows", type=int, default=10_000_000)
    parser.add_argument(
        "--keep", action="store_true", help="leave the database and server files for profiling"
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--runs", type=int, default=3, help="load runs on the same server; figures are medians"
    )
    parser.add_argument(
        "--think", default="1-4", help="seconds between one page and the next, MIN-MAX"
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=10,
        help="seconds from the last sign-in to the start of the measurement",
    )
    parser.add_argument(
        "--users", type=int, default=55, help="simulated people (50 inspectors : 5 leads)"
    )
    parser.add_argument("--out", default="web.json", help="results file name under bench/results/")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="casereview-bench-web-"))
    pg = Postgres()
    try:
        db = pg.database(work / "var")
        os.environ.update(db.env)
        subprocess.run(
            db.cli("import-register", str(register_file(args.rows)), "--body", "BEN"),
            env=db.env,
            check=False,
            capture_output=True,
        )  # noqa: S603
        import django

        django.setup()
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from casereview.domain.plans import SamplePlan
        from casereview.web.accounts.services import user_create
        from casereview.web.inspections.services import inspection_create, sample_draw, seed_commit
        from casereview.web.registers.models import Register
        from casereview.web.reviews.services import assignments_balance

        people = []
        for role, count in (("inspector", 50), ("lead_inspector", 5)):
            for i in range(count):
                user = user_create(username=f"{role}-{i}", role=role, password=PASSWORD)
                device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
                people.append(
                    {"username": user.get_username(), "role": role, "key": device.key, "user": user}
                )
        leads = [p["user"] for p in people if p["role"] == "lead_inspector"]
        inspection = inspection_create(
            body_code="BEN",
            name="Bench",
            period_start=dt.date(2020, 1, 1),
            period_end=dt.date(2024, 12, 31),
            lead=leads[0],
        )
        seed_commit(inspection=inspection)
        inspection.refresh_from_db()
        register = Register.objects.get()
        sample_draw(
            inspection=inspection,
            register=register,
            plan=SamplePlan(size=2000, reserve=0),
            allow_late_commitment=True,
        )
        assignments_balance(
            inspection=inspection,
            inspectors=[p["user"] for p in people if p["role"] == "inspector"],
        )
        users_file = work / "users.json"
        users_file.write_text(
            json.dumps(
                {
                    "password": PASSWORD,
                    "register": register.pk,
                    "users": [{k: v for k, v in p.items() if k != "user"} for p in people],
                }
            )
        )

        # Measure the steady state, not the aftermath of loading a million rows: without this, the checkpoint
        # writing the import's pages out and autovacuum's first pass over the new table stalled commits for
        # hundreds of milliseconds inside the measured minute.
        from django.db import connection

        connection.close()
        with psycopg.connect(db.url, autocommit=True) as maintenance:
            maintenance.execute("VACUUM (ANALYZE)")
            maintenance.execute("CHECKPOINT")
        access_log = (work / "access.log").open("w")
        server = subprocess.Popen(
            [
                str(BIN / "casereview"),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(PORT),  # noqa: S603
                "--workers",
                str(args.workers),
            ],
            env=db.env,
            stdout=access_log,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(150):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)  # noqa: S310
                    break
                except OSError:
                    time.sleep(0.2)
            pids = {
                "server": server.pid,
                **({"database": pg.postmaster_pid()} if pg.postmaster_pid() else {}),
            }
            runs = [
                locust_run(
                    work / f"run{i}",
                    users_file,
                    {
                        **db.env,
                        "CASEREVIEW_BENCH_PIDS": ",".join(f"{k}={v}" for k, v in pids.items()),
                    },
                    args,
                )
                for i in range(args.runs)
            ]
        finally:
            server.terminate()
            server.wait(timeout=30)
            access_log.close()
        server_side = server_times(work / "access.log", [r["window"] for r in runs if r["window"]])
        web = {
            name: summarised([r["requests"][name] for r in runs if name in r["requests"]])
            for name in NAMES
            if any(name in r["requests"] for r in runs)
        }

        big = big_register(register.pk, args.big_rows, leads[0]) if args.big_rows else None
    finally:
        pg.stop()
    result = {
        "measured_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": f"{os.cpu_count()} cores",
        "database": "postgresql 15 (fsync on)",
        "server": f"gunicorn, {args.workers} sync workers",
        "register_cases": args.rows,
        "inspection_cases": 2000,
        "users": {"simulated": args.users, "inspectors": 50, "lead_inspectors": 5},
        "seconds": args.seconds,
        "runs": args.runs,
        "think_seconds": args.think,
        "warmup_seconds": args.warmup,
        "requests": web,  # per request type: the median over the runs of each figure, and every run's figures
        "total_requests": sum(r["total_requests"] for r in runs),
        "total_failures": sum(r["total_failures"] for r in runs),
        "throughput_rps": statistics.median(r["throughput_rps"] for r in runs),
        "throughput_rps_runs": [r["throughput_rps"] for r in runs],
        # CPU the server and the database spent per request (user + system), each run: steadier than latency
        "cpu_ms_per_request_runs": [r["cpu_ms_per_request"] for r in runs],
        "cpu_ms_per_request": {
            name: statistics.median(r["cpu_ms_per_request"][name] for r in runs)
            for name in (runs[0]["cpu_ms_per_request"] if runs else {})
        },
        "targets_ms": {"review_p95": 100, "case_list_p95": 150},
        # the 55 sign-ins before the measurement (Argon2 on purpose, all within a few seconds), each run
        "sign_in_runs": [r["sign_in"] for r in runs],
        "case_list_10m": big,
        # what gunicorn's workers spent on each request (its access log, the measured seconds of every run):
        # the rest of locust's figure is waiting for a worker, the network and the client
        "server_side_ms": server_side,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


NAMES = ("review page", "review save", "case list", "my cases", "sign in")
FIGURES = ("p50_ms", "p95_ms", "p99_ms", "rps")


def locust_run(
    stats: Path, users_file: Path, env: dict[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    """One headless locust run; the locustfile measures for --seconds from the moment the last person has
    signed in (the steady state, not the 55 Argon2 sign-ins), then stops."""
    cpu_file = Path(f"{stats}_cpu.json")
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "-u",
            str(args.users),  # noqa: S603
            "-r",
            "11",
            "-t",
            f"{args.seconds + 180}s",
            "--host",
            f"http://127.0.0.1:{PORT}",
            "--csv",
            str(stats),
            "--only-summary",
        ],
        env={
            **env,
            "CASEREVIEW_BENCH_USERS": str(users_file),
            "CASEREVIEW_BENCH_SECONDS": str(args.seconds),
            "CASEREVIEW_BENCH_CPU_FILE": str(cpu_file),
            "CASEREVIEW_BENCH_THINK": args.think,
            "CASEREVIEW_BENCH_WARMUP": str(args.warmup),
        },
        check=False,
        capture_output=True,
    )
    with Path(f"{stats}_stats.csv").open() as fh:
        rows = {r["Name"]: r for r in csv.DictReader(fh)}

    def figure(r: dict[str, str]) -> dict[str, float]:
        return {
            "requests": int(r["Request Count"]),
            "failures": int(r["Failure Count"]),
            "p50_ms": float(r["50%"]),
            "p95_ms": float(r["95%"]),
            "p99_ms": float(r["99%"]),
            "rps": round(float(r["Requests/s"]), 1),
        }

    total = rows["Aggregated"]
    requests = int(total["Request Count"])
    measured = json.loads(cpu_file.read_text()) if cpu_file.exists() else {}
    cpu = measured.get("cpu", {})
    return {
        "requests": {
            name: figure(rows[name])
            for name in NAMES
            if name in rows and int(rows[name]["Request Count"])
        },
        "total_requests": requests,
        "total_failures": int(total["Failure Count"]),
        "throughput_rps": round(float(total["Requests/s"]), 1),
        "cpu_ms_per_request": {
            name: round(1000 * seconds / requests, 2) for name, seconds in cpu.items()
        }
        if requests
        else {},
        "window": measured.get("window"),
        "sign_in": measured.get("sign_in", {}),
    }


SERVER_KINDS = {
    "review page": re.compile(r'"GET /reviews/\d+/ '),
    "review save": re.compile(r'"POST /reviews/\d+/ '),
    "case list": re.compile(r'"GET /registers/\d+/cases/'),
}


def server_times(log: Path, windows: list[list[float]]) -> dict[str, dict[str, float]]:
    """p50/p95/p99 of the milliseconds gunicorn logged for requests that ended inside a measured window."""
    times: dict[str, list[float]] = {name: [] for name in SERVER_KINDS}
    for line in log.read_text(errors="replace").splitlines():
        found = re.search(r" (\d+)ms$", line)
        stamp = re.search(r"\[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\]", line)
        if not found or not stamp:
            continue
        ended = dt.datetime.strptime(stamp.group(1), "%d/%b/%Y:%H:%M:%S %z").timestamp()
        if not any(
            start - 1 < ended < end + 1 for start, end in windows
        ):  # the log has whole seconds
            continue
        for name, pattern in SERVER_KINDS.items():
            if pattern.search(line):
                times[name].append(float(found.group(1)))
    return {
        name: {
            "requests": len(v),
            "p50_ms": statistics.median(v),
            "p95_ms": statistics.quantiles(v, n=20)[-1],
            "p99_ms": statistics.quantiles(v, n=100)[-1],
        }
        for name, v in times.items()
        if len(v) > 20
    }


def summarised(runs: list[dict[str, float]]) -> dict[str, Any]:
    return {
        "requests": sum(int(r["requests"]) for r in runs),
        "failures": sum(int(r["failures"]) for r in runs),
        **{f: statistics.median(r[f] for r in runs) for f in FIGURES},
        "runs": runs,
    }


def big_register(template_register: int, rows: int, reader: Any) -> dict[str, object]:
    """A register of `rows` synthetic cases made in the database; the case list's queries timed on it, and the
    whole page (Django's middleware, view and template, in-process, signed in as `reader`, a lead inspector)."""
    from django.db import connection
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from casereview.web.registers.models import Register
    from casereview.web.registers.selectors import case_page

    source = Register.objects.get(pk=template_register)
    big = Register.objects.create(
        **{
            f.name: getattr(source, f.name)
            for f in Register._meta.concrete_fields
            if f.name not in {"id", "sha256", "rows"}
        },
        sha256="0" * 64,
        rows=rows,
    )
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO registers_case (register_id, case_ref, category, reported_on, unit, status) "
            "SELECT %s, 'BIG' || lpad(n::text, 9, '0'), "
            "(ARRAY['missing_child','domestic_abuse','child_sexual_exploitation','neglect','online_abuse','honour_based_abuse_fgm'])[1 + n %% 6], "
            "DATE '2020-01-01' + (n %% 1800), 'Unit ' || (n %% 40), CASE WHEN n %% 3 = 0 THEN 'closed' ELSE 'open' END "
            "FROM generate_series(1, %s) AS n",
            [big.pk, rows],
        )
        cursor.execute("ANALYZE registers_case")
    made = time.perf_counter() - start
    queries = {
        "first page": {},
        "page 100,000 deep": {"after": f"BIG{rows // 2:09d}"},
        "category filter": {"category": "neglect"},
        "reference search": {"q": "BIG00012"},
        "unit filter": {"unit": "Unit 7"},
        "status filter, deep": {"status": "closed", "after": f"BIG{rows // 3:09d}"},
    }
    client = Client(HTTP_HOST="localhost")
    client.force_login(reader)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=reader).persistent_id
    session.save()

    def page(params: dict[str, str]) -> None:
        response = client.get(f"/registers/{big.pk}/cases/", params)
        if response.status_code != 200 or b"<table" not in response.content:
            raise SystemExit(f"the case list did not show ({response.status_code})")

    def timed(run: Any) -> dict[str, float]:
        run()  # the first call warms the caches, as any page after the first
        samples = []
        for _ in range(21):
            t = time.perf_counter()
            run()
            samples.append((time.perf_counter() - t) * 1000)
        return {
            "median_ms": round(statistics.median(samples), 2),
            "p95_ms": round(statistics.quantiles(samples, n=20)[-1], 2),
        }

    timings = {
        name: timed(lambda p=params: case_page(big, **p)) for name, params in queries.items()
    }
    pages = {name: timed(lambda p=params: page(p)) for name, params in queries.items()}
    return {"cases": rows, "made_in_s": round(made, 1), "queries": timings, "pages": pages}


if __name__ == "__main__":
    main()
