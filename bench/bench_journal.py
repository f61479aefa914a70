"""Journal page benchmark (`make bench-journal`): the journal page at 1,000,000 entries.

For each database (SQLite, and PostgreSQL in a throwaway cluster unless CASEREVIEW_BENCH_POSTGRES_URL names a
server) a fresh database is migrated and filled with --entries synthetic journal entries in one pass: each
entry's digest is computed as `journal_append` computes it (so `journal verify` passes: checked and timed),
and the rows are written by SQLite's executemany or PostgreSQL's COPY.  Then the page is asked for, signed in
as an administrator through Django's test client (middleware, view, its own journal entry, template; one
request at a time): the first page, filtered pages, and keyset pages deep into the journal.  Each figure is
the median of --runs requests after one to warm the caches.  Target: under 150 ms a page.

Writes bench/results/journal.json; `bench/update_readme.py` puts it in the README's performance table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from bench_import import RESULTS, Postgres  # noqa: E402

TARGET_MS = 150
COLUMNS = (
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "operation",
    "action",
    "object_type",
    "object_id",
    "reason",
    "recipient",
    "detail",
    "previous",
    "digest",
)
#: The column names are this file's constants.
INSERT = f"INSERT INTO journal_journalentry ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"  # noqa: S608

#: (action, operation, object kind, share of entries): roughly a working service's mix.
MIX: list[tuple[str, str, str, float]] = [
    ("case_consult", "consultation", "sampled_case", 0.30),
    ("review_save", "alteration", "assignment", 0.20),
    ("api_request", "consultation", "path", 0.12),
    ("case_list", "consultation", "register", 0.08),
    ("case_links", "combination", "sampled_case", 0.08),
    ("login", "authentication", "user", 0.05),
    ("second_factor_passed", "authentication", "user", 0.05),
    ("logout", "authentication", "user", 0.04),
    ("review_submit", "alteration", "assignment", 0.03),
    ("access_denied", "access", "path", 0.02),
    ("journal_view", "consultation", "journal", 0.01),
    ("send_back_open", "disclosure", "send_back", 0.01),
    ("login_failed", "authentication", "user", 0.005),
    ("register_import", "collection", "register", 0.0005),
]
USERS = [f"user-{n:03d}" for n in range(200)]

#: The pages asked for (query parameters); "{middle}" and "{deep}" are filled in from --entries.
PAGES: dict[str, dict[str, str]] = {
    "first page": {},
    "action filter (sign-in failed, 0.5%)": {"action": "login_failed"},
    "user filter (any case)": {"user": "USER-042"},
    "object filter (register 12)": {"object": "register 12"},
    "object filter (one word)": {"object": "user-007"},
    "date range (one week)": {"start": "{week_start}", "end": "{week_end}"},
    "user and action": {"user": "user-042", "action": "login"},
    "deep keyset page (Next, half way)": {"before": "{middle}"},
    "deepest keyset page": {"before": "{deep}"},
    "Previous from half way": {"after": "{middle}"},
    "filtered and deep": {"action": "case_list", "before": "{middle}"},
}


def build(entries: int, seed: int = 22) -> float:
    """Write `entries` journal entries chained after the head straight into the table; seconds taken."""
    from django.db import connection, transaction

    from casereview.domain.journal import GENESIS, entry_digest
    from casereview.web.journal.selectors import journal_head

    head = journal_head()  # preparing the database journaled already (the bench body's addition)
    rng = random.Random(seed)
    actions = [m[0] for m in MIX]
    weights = [m[3] for m in MIX]
    by_action = {m[0]: m for m in MIX}
    now = dt.datetime.now(tz=dt.UTC).replace(microsecond=0)
    first = now - dt.timedelta(days=730)
    step = (now - first) / entries
    previous = head["digest"] or GENESIS
    started = time.perf_counter()
    batch: list[tuple[Any, ...]] = []
    pg = connection.vendor == "postgresql"

    def flush() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            if pg:
                raw = cursor.cursor
                with raw.copy(
                    f"COPY journal_journalentry ({', '.join(COLUMNS)}) FROM STDIN"
                ) as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                cursor.executemany(INSERT, batch)
        batch.clear()

    chosen = rng.choices(actions, weights, k=entries)
    for i in range(entries):
        n = head["seq"] + 1 + i
        action = chosen[i]
        _, operation, kind, _ = by_action[action]
        user_index = rng.randrange(len(USERS))
        actor = USERS[user_index]
        if kind == "user":
            object_id = actor
        elif kind == "path":
            object_id = f"/api/v1/inspections/{rng.randrange(1, 60)}/"
        elif kind == "journal":
            object_id = ""
        elif kind == "register":
            object_id = str(rng.randrange(1, 40))
        else:
            object_id = str(rng.randrange(1, 50_000))
        at = first + step * i + dt.timedelta(microseconds=rng.randrange(1_000_000))
        detail: dict[str, Any] = {"status": 403} if action == "access_denied" else {}
        payload = {
            "seq": n,
            "at": at.isoformat(),
            "actor": actor,
            "actor_id": user_index + 2,
            "operation": operation,
            "action": action,
            "object_type": kind,
            "object_id": object_id,
            "reason": "",
            "recipient": "",
            "detail": detail,
        }
        digest = entry_digest(previous, payload)
        stored_at: Any = at if pg else connection.ops.adapt_datetimefield_value(at)
        batch.append(
            (
                n,
                stored_at,
                user_index + 2,
                actor,
                operation,
                action,
                kind,
                object_id,
                "",
                "",
                json.dumps(detail),
                previous,
                digest,
            )
        )
        previous = digest
        if len(batch) >= 20_000:
            flush()
    flush()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE journal_journalentry" if pg else "ANALYZE")
    return time.perf_counter() - started


def one(database: str, entries: int, runs: int, work: Path) -> dict[str, Any]:
    """Fill one database and time the pages on it (run in a process of its own: Django is set up once)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from casereview.web.accounts.services import user_create
    from casereview.web.journal.services import journal_verify

    call_command("collectstatic", "--no-input", "--verbosity", "0")  # as `casereview serve` does
    made_s = build(entries)
    print(f"{database}: {entries:,} entries written in {made_s:.1f} s", flush=True)
    start = time.perf_counter()
    broken = journal_verify()
    verify_s = time.perf_counter() - start
    if broken is not None:
        raise SystemExit(f"{database}: the bench's journal does not verify: {broken}")
    print(f"{database}: journal verify passed in {verify_s:.1f} s", flush=True)
    if connection.vendor == "postgresql":
        connection.close()
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as maintenance:
            maintenance.execute("VACUUM (ANALYZE) journal_journalentry")
            maintenance.execute("CHECKPOINT")
    admin = user_create(
        username="bench-admin",
        role="administrator",
        password="benchmark passphrase synthetic only",  # noqa: S106 (a synthetic bench user)
    )
    device = TOTPDevice.objects.create(user=admin, name="authenticator", confirmed=True)
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    week = dt.date.today() - dt.timedelta(days=365)
    fill = {
        "middle": str(entries // 2),
        "deep": str(min(60, entries)),
        "week_start": week.strftime("%d/%m/%Y"),
        "week_end": (week + dt.timedelta(days=6)).strftime("%d/%m/%Y"),
    }
    pages: dict[str, Any] = {}
    load_before = os.getloadavg()[0]
    for name, template in PAGES.items():
        params = {k: v.format(**fill) for k, v in template.items()}
        response = client.get("/journal/", params)  # warms the caches, as any page after the first
        if response.status_code != 200 or b"data-journal-count" not in response.content:
            raise SystemExit(f"{database}: the journal page did not show ({response.status_code})")
        rows = response.content.count(b"data-seq=")
        samples = []
        for _ in range(runs):
            t = time.perf_counter()
            client.get("/journal/", params)
            samples.append((time.perf_counter() - t) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get("/journal/", params)
        pages[name] = {
            "params": params,
            "rows": rows,
            "median_ms": round(statistics.median(samples), 1),
            "p95_ms": round(statistics.quantiles(samples, n=20)[-1], 1),
            "queries": len(queries),
            "ratio_to_target": round(statistics.median(samples) / TARGET_MS, 2),
        }
        print(
            f"{database}: {name}: median {pages[name]['median_ms']:.1f} ms, p95 {pages[name]['p95_ms']:.1f} ms, "
            f"{len(queries)} queries, {rows} rows ({pages[name]['ratio_to_target']}× the {TARGET_MS} ms target)",
            flush=True,
        )
    return {
        "database": connection.vendor,
        #: The machine's 1-minute load average as the timing began and ended (2 cores: above 2, requests wait
        #: for a CPU, and the figures say more about the neighbours than about the page).
        "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "build_s": round(made_s, 1),
        "verify_s": round(verify_s, 1),
        "pages": pages,
        "met": all(p["median_ms"] < TARGET_MS for p in pages.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument(
        "--runs", type=int, default=11, help="requests per page; figures are medians"
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--out", default="journal.json", help="results file under bench/results/")
    parser.add_argument(
        "--one", help=argparse.SUPPRESS
    )  # internal: this process fills one database
    parser.add_argument("--part", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        result = one(args.one, args.entries, args.runs, Path(args.part).parent)
        Path(args.part).write_text(json.dumps(result))
        return
    work = Path(tempfile.mkdtemp(prefix="casereview-bench-journal-"))
    results: dict[str, Any] = {}
    pg: Postgres | None = None
    try:
        for database in args.databases.split(","):
            if database == "postgresql":
                pg = pg or Postgres()
                db = pg.database(work / "pg-var")
            else:
                from bench_import import sqlite_database

                db = sqlite_database(work)
            part = work / f"{database}.json"
            subprocess.run(  # noqa: S603
                [
                    sys.executable,
                    __file__,
                    "--one",
                    database,
                    "--part",
                    str(part),
                    "--entries",
                    str(args.entries),
                    "--runs",
                    str(args.runs),
                ],
                env=db.env,
                check=True,
            )
            results[database] = json.loads(part.read_text())
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(work, ignore_errors=True)  # a million entries take half a gigabyte
    data = {
        "entries": args.entries,
        "runs": args.runs,
        "target_ms": TARGET_MS,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "measured_at": dt.date.today().isoformat(),
        "results": results,
        "met": all(r["met"] for r in results.values()),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / args.out).write_text(json.dumps(data, indent=2) + "\n")
    print(f"wrote {RESULTS / args.out}")


if __name__ == "__main__":
    main()
