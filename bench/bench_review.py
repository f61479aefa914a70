"""Review page benchmark (`make bench-review`): render and save with a 1,000-case inspection.

Sets up a fresh SQLite database (synthetic 20,000-case register, a 1,000-case
sample assigned to one inspector), serves the app with `casereview serve`
(gunicorn, 2 workers) on loopback, signs in with both factors, then for
--requests cases opens the review page and saves a draft, timing each HTTP
request.  Targets: render p95 < 50 ms, save p95 < 100 ms.  Writes
bench/results/review.json.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from bench_import import BIN, RESULTS  # noqa: E402

PASSWORD = "benchmark passphrase synthetic only"  # noqa: S105  (a synthetic bench user)
PORT = 8765


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="casereview-bench-review-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "CASEREVIEW_VAR_DIR": str(work),
        "DJANGO_SETTINGS_MODULE": "casereview.web.settings.dev",
    }
    os.environ.update(env)

    def cli(*a: str) -> str:
        return subprocess.run(
            [str(BIN / "casereview"), *a], env=env, check=True, capture_output=True, text=True
        ).stdout  # noqa: S603

    cli("migrate")
    import django

    django.setup()
    import datetime as dt

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from casereview.domain.plans import SamplePlan
    from casereview.synthetic import write_register_file
    from casereview.web.accounts.services import user_create
    from casereview.web.inspections.services import inspection_create, sample_draw, seed_commit
    from casereview.web.registers.services import body_add, register_import
    from casereview.web.reviews.models import Assignment
    from casereview.web.reviews.services import assignments_balance

    lead = user_create(username="lead", role="lead_inspector", password=PASSWORD)
    inspector = user_create(username="ina", role="inspector", password=PASSWORD)
    device = TOTPDevice.objects.create(user=inspector, name="authenticator", confirmed=True)
    body_add(code="BEN", name="Benchmark (synthetic)")
    inspection = inspection_create(
        body_code="BEN",
        name="Bench",
        period_start=dt.date(2023, 1, 1),
        period_end=dt.date(2024, 12, 31),
        lead=lead,
    )
    seed_commit(inspection=inspection)
    inspection.refresh_from_db()
    register_path = work / "register.csv"
    write_register_file(register_path, rows=20_000, seed=11)
    register = register_import(path=register_path, body_code="BEN")
    sample_draw(inspection=inspection, register=register, plan=SamplePlan(size=1000, reserve=0))
    assignments_balance(inspection=inspection, inspectors=[inspector])
    assignment_ids = list(Assignment.objects.values_list("id", flat=True))
    assert len(assignment_ids) == 1000

    server = subprocess.Popen(  # noqa: S603
        [
            str(BIN / "casereview"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(PORT),
            "--workers",
            "2",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{PORT}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

        def csrf() -> str:
            return next(c.value for c in jar if c.name == "csrftoken")

        def request(path: str, data: dict[str, str] | None = None) -> tuple[int, str, float]:
            body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
            req = urllib.request.Request(base + path, data=body, headers={"Referer": base + path})  # noqa: S310
            start = time.perf_counter()
            try:
                with opener.open(req, timeout=30) as response:
                    text = response.read().decode()
                    status = response.status
            except urllib.error.HTTPError as exc:
                text, status = exc.read().decode(), exc.code
            return status, text, (time.perf_counter() - start) * 1000

        request("/login/")
        status, _, _ = request(
            "/login/", {"username": "ina", "password": PASSWORD, "csrfmiddlewaretoken": csrf()}
        )
        assert status == 302, f"sign-in refused ({status})"
        request("/login/two-factor/")
        status, _, _ = request(
            "/login/two-factor/",
            {"code": f"{TOTP(device.bin_key).token():06d}", "csrfmiddlewaretoken": csrf()},
        )
        assert status == 302, "second factor refused"
        status, html, _ = request("/reviews/")
        listed = re.findall(r'href="/reviews/(\d+)/"', html)
        assert status == 200 and len(listed) == 1000, (
            f"not signed in, or not the bench's database ({status}, {len(listed)} cases, {listed[:5]})"
        )
        rng = random.Random(5)
        renders, saves = [], []
        for assignment_id in rng.sample(assignment_ids, min(args.requests, len(assignment_ids))):
            status, html, ms = request(f"/reviews/{assignment_id}/")
            assert status == 200, (status, assignment_id, str(work))
            renders.append(ms)
            version = re.search(r'name="version" value="(\d+)"', html)
            assert version
            status, _, ms = request(
                f"/reviews/{assignment_id}/",
                {
                    "csrfmiddlewaretoken": csrf(),
                    "version": version.group(1),
                    "action": "save",
                    "grade_initial_contact": "good",
                    "grade_investigation": "requires_improvement",
                    "weaknesses_investigation": ["W06", "W07"],
                    "comment_investigation": "Synthetic comment",
                    "overall": "requires_improvement",
                },
            )
            assert status == 302, status
            saves.append(ms)
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = {
        "inspection_cases": 1000,
        "requests": len(renders),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "render_ms": {"p50": statistics.median(renders), "p95": p95(renders)},
        "save_ms": {"p50": statistics.median(saves), "p95": p95(saves)},
        "targets_ms": {"render_p95": 50, "save_p95": 100},
        "server": "gunicorn, 2 workers, SQLite, loopback, one client",
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "review.json").write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"Review page, {len(renders)} requests each: render p50 {result['render_ms']['p50']:.1f} ms, "
        f"p95 {result['render_ms']['p95']:.1f} ms (target 50); save p50 {result['save_ms']['p50']:.1f} ms, "
        f"p95 {result['save_ms']['p95']:.1f} ms (target 100)"
    )


if __name__ == "__main__":
    main()
