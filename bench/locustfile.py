"""Load for `make bench-web`: inspectors reviewing, lead inspectors browsing the case list.

Each simulated person signs in with their password and a real authenticator code (keys from the file named
by CASEREVIEW_BENCH_USERS), then works with a few seconds' thought between pages, as people do.
"""

from __future__ import annotations

import json
import os
import random
import re

from django_otp.oath import TOTP
from locust import HttpUser, between, task

PEOPLE = json.loads(open(os.environ["CASEREVIEW_BENCH_USERS"]).read())  # noqa: SIM115,PTH123
CATEGORIES = ["missing_child", "domestic_abuse", "child_sexual_exploitation", "neglect", "online_abuse",
              "honour_based_abuse_fgm"]


def pool(role: str) -> list[dict[str, str]]:
    return [p for p in PEOPLE["users"] if p["role"] == role]


INSPECTORS, LEADS = pool("inspector"), pool("lead_inspector")


class Person(HttpUser):
    abstract = True
    wait_time = between(1, 4)
    people: list[dict[str, str]] = []

    def on_start(self) -> None:
        me = self.people.pop(0) if self.people else random.choice(type(self).people_all)  # type: ignore[attr-defined]
        self.me = me
        self.client.get("/login/", name="sign in")
        self.client.post("/login/", {"username": me["username"], "password": PEOPLE["password"],
                                     "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")},
                         headers={"Referer": self.host + "/login/"}, name="sign in")
        token = f"{TOTP(bytes.fromhex(me['key'])).token():06d}"
        self.client.post("/login/two-factor/", {"code": token, "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")},
                         headers={"Referer": self.host + "/login/two-factor/"}, name="sign in")


class Inspector(Person):
    weight = 50
    people = list(INSPECTORS)
    people_all = INSPECTORS

    def on_start(self) -> None:
        super().on_start()
        page = self.client.get("/reviews/", name="my cases").text
        self.cases = [int(n) for n in re.findall(r'href="/reviews/(\d+)/"', page)]

    @task
    def review(self) -> None:
        if not self.cases:
            return
        case = random.choice(self.cases)
        page = self.client.get(f"/reviews/{case}/", name="review page")
        version = re.search(r'name="version" value="(\d+)"', page.text)
        if version is None:
            return
        self.client.post(f"/reviews/{case}/", {
            "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""), "version": version.group(1), "action": "save",
            "grade_initial_contact": random.choice(["good", "requires_improvement", "inadequate"]),
            "comment_initial_contact": "synthetic load-test note",
        }, headers={"Referer": f"{self.host}/reviews/{case}/"}, name="review save")


class Lead(Person):
    weight = 5
    people = list(LEADS)
    people_all = LEADS

    @task
    def browse_cases(self) -> None:
        register = PEOPLE["register"]
        params: dict[str, str] = random.choice([{}, {"category": random.choice(CATEGORIES)},
                                                {"q": f"SYN{random.randint(0, 99):02d}"}, {"status": "open"}])
        page = self.client.get(f"/registers/{register}/cases/", params=params, name="case list").text
        for _ in range(random.randint(0, 3)):  # read on a few pages
            found = re.search(r'href="\?([^"]+)" rel="next"', page)
            if not found:
                break
            page = self.client.get(f"/registers/{register}/cases/?{found.group(1).replace('&amp;', '&')}", name="case list").text
