"""The load benchmark reads the server's own timings from gunicorn's access log for the measured seconds only."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
import bench_web  # noqa: E402


def line(at: dt.datetime, request: str, ms: int) -> str:
    stamp = at.strftime("%d/%b/%Y:%H:%M:%S +0000")
    return f'127.0.0.1 - - [{stamp}] "{request} HTTP/1.1" 200 6209 "-" "python/gevent-http-client" {ms}ms'


def test_server_times_counts_only_requests_ending_inside_a_window(tmp_path: Path) -> None:
    start = dt.datetime(2026, 11, 29, 22, 0, 0, tzinfo=dt.UTC)
    lines = [
        line(start - dt.timedelta(seconds=30), "GET /reviews/7/", 5000)
    ]  # the sign-in storm: outside
    lines += [
        line(start + dt.timedelta(seconds=s % 60), "GET /reviews/7/", 10 + s) for s in range(40)
    ]
    lines += [line(start + dt.timedelta(seconds=s), "POST /reviews/7/", 20) for s in range(30)]
    lines += [
        line(start + dt.timedelta(seconds=s), "GET /registers/1/cases/?q=SYN01", 30)
        for s in range(25)
    ]
    lines += [
        line(start + dt.timedelta(seconds=5), "GET /healthz", 1) for _ in range(30)
    ]  # not a measured kind
    lines += [line(start + dt.timedelta(seconds=200), "GET /reviews/7/", 9000)]  # after the window
    log = tmp_path / "access.log"
    log.write_text("\n".join(lines) + "\nnot a log line\n")

    window = [start.timestamp(), (start + dt.timedelta(seconds=60)).timestamp()]
    times = bench_web.server_times(log, [window])

    assert times["review page"]["requests"] == 40
    assert times["review page"]["p50_ms"] == 29.5
    assert times["review page"]["p99_ms"] < 50  # neither 5000 nor 9000 ms came in
    assert times["review save"] == {"requests": 30, "p50_ms": 20, "p95_ms": 20, "p99_ms": 20}
    assert times["case list"]["requests"] == 25
    assert bench_web.server_times(log, []) == {}
