"""Load for `make bench-web`: inspectors reviewing, lead inspectors browsing the case list.

Each simulated person signs in with their password and a real authenticator code (keys from the file named
by CASEREVIEW_BENCH_USERS), then works with a few seconds' thought between pages, as people do.  FastHttpUser
(geventhttpclient) rather than HttpUser (requests): it needs a fraction of the CPU per request, and on this
2-core machine the load generator shares the CPU with the server it measures.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from urllib.parse import urlencode

import gevent
import psutil
from django_otp.oath import TOTP
from locust import between, task
from locust.contrib.fasthttp import FastHttpUser
from locust.runners import Runner

PEOPLE = json.loads(open(os.environ["CASEREVIEW_BENCH_USERS"]).read())  # noqa: SIM115,PTH123
CATEGORIES = [
    "missing_child",
    "domestic_abuse",
    "child_sexual_exploitation",
    "neglect",
    "online_abuse",
    "honour_based_abuse_fgm",
]


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf(page: str) -> str:
    """The form's CSRF token, read from the page as a browser's form would carry it."""
    found = CSRF.search(page)
    return found.group(1) if found else ""


def pool(role: str) -> list[dict[str, str]]:
    return [p for p in PEOPLE["users"] if p["role"] == role]


INSPECTORS, LEADS = pool("inspector"), pool("lead_inspector")
#: Measure this long once everyone has signed in: the sign-ins (Argon2, one per person) would otherwise
#: load the server during the first part of the measurement.
MEASURE_SECONDS = int(os.environ.get("CASEREVIEW_BENCH_SECONDS", "60"))
#: Seconds of thought between one page and the next, "MIN-MAX" (1-4 by default: far quicker than people read).
THINK = tuple(float(x) for x in os.environ.get("CASEREVIEW_BENCH_THINK", "1-4").split("-", 1))
#: Seconds between the last sign-in and the start of the measurement.  The 55 sign-ins (Argon2, deliberately
#: ~0.5 s of CPU each) queue up on the server and release everyone's first pages in the same few seconds;
#: requests started then, or still in flight from the sign-in storm, are the ramp-up, not the steady state.
WARMUP_SECONDS = float(os.environ.get("CASEREVIEW_BENCH_WARMUP", "10"))
READY: list[object] = []
#: CPU the server (gunicorn and its workers) and the database (postgres and its backends) spend during the
#: measurement, read from /proc at its start and end: a cost per request that noisy neighbours barely move.
CPU_FILE = os.environ.get("CASEREVIEW_BENCH_CPU_FILE", "")
PIDS = {
    name: int(pid)
    for name, pid in (
        item.split("=") for item in os.environ.get("CASEREVIEW_BENCH_PIDS", "").split(",") if item
    )
}


def cpu_seconds() -> dict[str, float]:
    """CPU (user + system) of each named process and all its descendants, those already ended included
    (their time is in their parent's children_* once reaped), and of this process."""
    out = {}
    for name, pid in PIDS.items():
        try:
            root = psutil.Process(pid)
            times = root.cpu_times()
            total = times.user + times.system + times.children_user + times.children_system
            family = root.children(recursive=True)
        except psutil.Error:
            continue
        for process in family:
            try:
                times = process.cpu_times()
                total += times.user + times.system
            except psutil.Error:
                continue
        out[name] = total
    own = (
        psutil.Process().cpu_times()
    )  # the load generator shares the two cores with what it measures
    out["load generator"] = own.user + own.system
    return out


class Person(FastHttpUser):
    abstract = True
    wait_time = between(*THINK)
    people: list[dict[str, str]] = []

    def on_start(self) -> None:
        me = self.people.pop(0) if self.people else random.choice(type(self).people_all)  # type: ignore[attr-defined]
        self.me = me
        page = self.client.get("/login/", name="sign in").text
        page = self.client.post(
            "/login/",
            urlencode(
                {
                    "username": me["username"],
                    "password": PEOPLE["password"],
                    "csrfmiddlewaretoken": csrf(page),
                }
            ),
            headers={**FORM, "Referer": self.host + "/login/"},
            name="sign in",
        ).text
        token = f"{TOTP(bytes.fromhex(me['key'])).token():06d}"
        self.client.post(
            "/login/two-factor/",
            urlencode({"code": token, "csrfmiddlewaretoken": csrf(page)}),
            headers={**FORM, "Referer": self.host + "/login/two-factor/"},
            name="sign in",
        )

    def ready(self) -> None:
        """Counted once signed in; WARMUP_SECONDS after the last person is in, the statistics are reset and the
        clock starts.  Each person then thinks before their first page, as before every other: without it,
        everyone the sign-in queue held back would ask for a page in the same second."""
        READY.append(self)
        runner = self.environment.runner
        if runner is not None and len(READY) == runner.target_user_count:
            gevent.spawn(measure, runner)
        gevent.sleep(random.uniform(*THINK))


def measure(runner: Runner) -> None:
    """Wait out the ramp-up, reset the statistics, measure for MEASURE_SECONDS, record the server's and the
    database's CPU and the window (so the server's access log can be read for the same seconds), stop."""
    gevent.sleep(WARMUP_SECONDS)
    sign_in = runner.stats.get("sign in", "POST")
    signed_in = (
        {
            "requests": sign_in.num_requests,
            "p50_ms": sign_in.get_response_time_percentile(0.5),
            "p95_ms": sign_in.get_response_time_percentile(0.95),
        }
        if sign_in.num_requests
        else {}
    )
    runner.stats.reset_all()
    started, window_start = cpu_seconds(), time.time()
    gevent.sleep(MEASURE_SECONDS)
    ended, window_end = cpu_seconds(), time.time()
    if CPU_FILE:
        with open(CPU_FILE, "w") as fh:  # noqa: PTH123
            json.dump(
                {
                    "cpu": {name: ended[name] - started.get(name, 0.0) for name in ended},
                    "window": [window_start, window_end],
                    "sign_in": signed_in,
                },
                fh,
            )
    runner.quit()


class Inspector(Person):
    weight = 50
    people = list(INSPECTORS)
    people_all = INSPECTORS

    def on_start(self) -> None:
        super().on_start()
        page = self.client.get("/reviews/", name="my cases").text
        self.cases = [int(n) for n in re.findall(r'href="/reviews/(\d+)/"', page)]
        self.ready()

    @task
    def review(self) -> None:
        if not self.cases:
            return
        case = random.choice(self.cases)
        with self.client.get(
            f"/reviews/{case}/", name="review page", catch_response=True
        ) as response:
            page = response.text or ""
            version = re.search(r'name="version" value="(\d+)"', page)
            if (
                version is None
            ):  # signed out, refused or not the review form: a failure, not a fast success
                response.failure("no review form on the page")
                return
        # The save is measured on its own (the POST, answered by a redirect); the page it redirects to is one
        # more review page, as in a browser.
        with self.client.post(
            f"/reviews/{case}/",
            urlencode(
                {
                    "csrfmiddlewaretoken": csrf(page),
                    "version": version.group(1),
                    "action": "save",
                    "grade_initial_contact": random.choice(
                        ["good", "requires_improvement", "inadequate"]
                    ),
                    "comment_initial_contact": "synthetic load-test note",
                }
            ),
            headers={**FORM, "Referer": f"{self.host}/reviews/{case}/"},
            name="review save",
            catch_response=True,
            allow_redirects=False,
        ) as saved:
            if saved.status_code != 302 or saved.headers.get("Location") != f"/reviews/{case}/":
                saved.failure(f"the save was not accepted ({saved.status_code})")
                return
            saved.success()
        with self.client.get(
            f"/reviews/{case}/", name="review page", catch_response=True
        ) as response:
            if 'name="version"' not in (response.text or ""):
                response.failure("no review form after the save")


class Lead(Person):
    weight = 5
    people = list(LEADS)
    people_all = LEADS

    def on_start(self) -> None:
        super().on_start()
        self.ready()

    @task
    def browse_cases(self) -> None:
        register = PEOPLE["register"]
        params: dict[str, str] = random.choice(
            [
                {},
                {"category": random.choice(CATEGORIES)},
                {"q": f"SYN{random.randint(0, 99):02d}"},
                {"status": "open"},
            ]
        )
        page = self.case_list(f"/registers/{register}/cases/?{urlencode(params)}")
        for _ in range(random.randint(0, 3)):  # read on a few pages
            found = re.search(r'href="\?([^"]+)" rel="next"', page)
            if not found:
                break
            page = self.case_list(
                f"/registers/{register}/cases/?{found.group(1).replace('&amp;', '&')}"
            )

    def case_list(self, url: str) -> str:
        with self.client.get(url, name="case list", catch_response=True) as response:
            page = response.text or ""
            if "<table" not in page and "No cases" not in page:
                response.failure("not the case list")
            return page
