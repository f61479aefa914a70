"""The synthetic demo `make run` loads: a living system at once, every figure from the synthetic generator.

Users for every role (one password, TOTP keys kept in var/ for `casereview demo-code`); the body DEMO
with its liaison officer; a published earlier quarter and a baseline; the current quarter part-way:
its sample drawn, cases assigned, some reviews submitted, a moderation disagreement waiting for the
lead, one send back open and one overdue.  Everything goes through the same services as the pages, so
the journal tells the story too.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from casereview.domain.grading import ReviewAnswers
from casereview.domain.plans import SamplePlan
from casereview.domain.referrals import Urgency, due_date
from casereview.importing.frameworks import load_framework
from casereview.synthetic import COLUMNS, PERIOD_DAYS, PERIOD_START, synthetic_rows
from casereview.web.accounts.services import user_create
from casereview.web.core.exports import csv_writer
from casereview.web.core.users import User, user_by_username, users_by_username
from casereview.web.inspections.models import Inspection
from casereview.web.inspections.services import inspection_create, sample_draw, seed_commit
from casereview.web.referrals.models import SendBack
from casereview.web.referrals.services import bank_holidays, body_contact_add, working_days
from casereview.web.registers.selectors import body_by_code
from casereview.web.registers.services import body_add, register_import
from casereview.web.reports.services import baseline_add, report_publish
from casereview.web.reviews.models import Assignment, Review
from casereview.web.reviews.selectors import disagreements
from casereview.web.reviews.services import (
    assignments_balance,
    moderation_assign,
    resolution_record,
    review_save,
    review_start,
)

DEMO_USERS = (
    ("admin", "administrator"),
    ("lead", "lead_inspector"),
    ("inspector1", "inspector"),
    ("inspector2", "inspector"),
    ("liaison", "liaison_officer"),
    ("analyst", "analyst"),
)
GRADES = ("good", "requires_improvement", "inadequate")
CREDENTIALS_FILE = "demo-credentials.txt"
TOTP_FILE = "demo-totp.json"
#: The two current-quarter cases whose reviews say a child may still be at risk: submitting sends them back.
AT_RISK = {
    0: (
        "The child was reported missing again after the review period; no strategy discussion is recorded.",
        Urgency.PRIORITY.value,
    ),
    1: (
        "Links to two other cases at the same address were not made; please review the joint risk assessment.",
        Urgency.ROUTINE.value,
    ),
}


def grade_case(
    assignment: Any,
    overall: str,
    *,
    weaknesses: Sequence[str] = (),
    send_back: bool = False,
    actor: User | None = None,
    reason: str = "",
    urgency: str = "",
) -> Any:
    """Submit the assignment's review with every area graded ``overall``, through the real service.

    A ``send_back`` yes needs its ``reason`` and ``urgency``: the submission opens the send back.
    """
    review = review_start(assignment=assignment)
    areas = [a.slug for a in load_framework(review.framework).areas]
    answers = ReviewAnswers(
        area_grades=dict.fromkeys(areas, overall),
        area_weaknesses={areas[0]: list(weaknesses)} if weaknesses else {},
        overall=overall,
        departure_reason="",
        send_back=send_back,
        send_back_reason=reason,
        send_back_urgency=urgency,
    )
    return review_save(
        review=review,
        answers=answers,
        base_version=review.version,
        submit=True,
        actor=actor or assignment.inspector,
    )


def demo_code(var: Path, username: str) -> str | None:
    """The current authenticator code of a demo user (from var/demo-totp.json only), or None if not one."""
    path = var / TOTP_FILE
    keys = json.loads(path.read_text()) if path.exists() else {}
    if username not in keys:
        return None
    return f"{TOTP(bytes.fromhex(keys[username])).token():06d}"


def _users(var: Path) -> dict[str, User]:
    credentials, totp_file = var / CREDENTIALS_FILE, var / TOTP_FILE
    if user_by_username("admin") is None:
        password = secrets.token_urlsafe(12)
        keys = {}
        for username, role in DEMO_USERS:
            user = user_create(username=username, role=role, password=password)
            keys[username] = TOTPDevice.objects.create(
                user=user, name="authenticator", confirmed=True
            ).key
        credentials.write_text(password)
        credentials.chmod(0o600)
        totp_file.write_text(json.dumps(keys))
        totp_file.chmod(0o600)
    found = users_by_username([n for n, _ in DEMO_USERS], active_only=False)
    return {u.get_username(): u for u in found}


def _uk_date(text: str) -> dt.date:
    day, month, year = text.split("/")
    return dt.date(int(year), int(month), int(day))


def _register_for_period(path: Path, *, rows: int, seed: int, start: dt.date, end: dt.date) -> None:
    """The body's register for the period: the generator's cases, their dates moved into [start, end].

    The draw's frame is the inspection's period by default, so the demo's registers hold cases reported
    in it (the generator's own dates span 2023-24).  A case whose closing date would still be to come is
    open.
    """
    today = timezone.localdate()
    span = (end - start).days + 1
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv_writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in synthetic_rows(rows, seed):
            reported = _uk_date(row[2])
            moved = start + dt.timedelta(days=(reported - PERIOD_START).days * span // PERIOD_DAYS)
            row[2] = moved.strftime("%d/%m/%Y")
            if row[11]:
                closed = _uk_date(row[11]) + (moved - reported)
                row[9:12] = (
                    ["closed", row[10], closed.strftime("%d/%m/%Y")]
                    if closed <= today
                    else ["open", "", ""]
                )
            writer.writerow(row)


def _inspection(
    name: str,
    start: dt.date,
    end: dt.date,
    users: dict[str, User],
    register_path: Path,
    seed: int,
    rows: int,
    size: int,
) -> Inspection:
    inspection = inspection_create(
        body_code="DEMO",
        name=name,
        period_start=start,
        period_end=end,
        lead=users["lead"],
        actor=users["lead"],
    )
    seed_commit(inspection=inspection, actor=users["lead"])  # before the register arrives
    inspection.refresh_from_db()
    _register_for_period(register_path, rows=rows, seed=seed, start=start, end=end)
    register = register_import(path=register_path, body_code="DEMO", actor=users["lead"])
    sample_draw(
        inspection=inspection,
        register=register,
        plan=SamplePlan(size=size, reserve=2),
        actor=users["lead"],
    )
    assignments_balance(
        inspection=inspection,
        inspectors=[users["inspector1"], users["inspector2"]],
        actor=users["lead"],
    )
    return inspection


def _firsts(inspection: Inspection) -> list[Assignment]:
    return list(
        Assignment.objects.filter(
            sampled_case__sample__inspection=inspection, kind=Assignment.Kind.FIRST
        )
        .select_related("inspector", "sampled_case")
        .order_by("id")
    )


def _moderate(
    inspection: Inspection,
    users: dict[str, User],
    rng: random.Random,
    *,
    agree: float,
    limit: int | None = None,
) -> list[Any]:
    moderation_assign(
        inspection=inspection,
        inspectors=[users["inspector1"], users["inspector2"]],
        actor=users["lead"],
    )
    done = []
    for a in Assignment.objects.filter(
        sampled_case__sample__inspection=inspection, kind=Assignment.Kind.MODERATION
    ).order_by("id"):
        first = Review.objects.filter(
            assignment__sampled_case=a.sampled_case,
            assignment__kind=Assignment.Kind.FIRST,
            state=Review.State.SUBMITTED,
        ).first()
        if first is None:
            continue
        grade = (
            first.overall
            if rng.random() < agree
            else rng.choice([g for g in GRADES if g != first.overall])
        )
        grade_case(a, grade)
        done.append(a)
        if limit is not None and len(done) >= limit:
            break
    return done


def _quarters(today: dt.date) -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """The quarter before last (earlier) and the quarter just ended (current): their first and last days."""
    quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    current_end = quarter_start - dt.timedelta(days=1)  # the quarter just ended
    current_start = dt.date(current_end.year, current_end.month - 2, 1)
    earlier_end = current_start - dt.timedelta(days=1)
    earlier_start = dt.date(earlier_end.year, earlier_end.month - 2, 1)
    return earlier_start, earlier_end, current_start, current_end


def _body_and_baseline(users: dict[str, User], earlier_end: dt.date) -> None:
    """The body DEMO with its liaison officer, and a result published two years before casereview."""
    body = body_add(
        code="DEMO", name="Demonstration Constabulary (synthetic)", actor=users["admin"]
    )
    body_contact_add(body=body, user=users["liaison"], kind="liaison", actor=users["admin"])
    baseline_add(
        body_code="DEMO",
        label="Published inspection (before casereview)",
        period_end=dt.date(earlier_end.year - 2, 3, 31),
        total=135,
        ri_or_inadequate=125,
        good=10,
        requires_improvement=64,
        inadequate=61,
        weaknesses={"W02": 58, "W07": 40, "W15": 33},
        actor=users["admin"],
    )


def _earlier_quarter(
    users: dict[str, User], rng: random.Random, var: Path, rows: int, start: dt.date, end: dt.date
) -> Inspection:
    """The earlier quarter: every case graded, moderated, disagreements resolved, published."""
    earlier = _inspection(
        f"{start:%B} to {end:%B %Y}",
        start,
        end,
        users,
        var / "demo-register-earlier.csv",
        2023,
        max(rows // 2, 500),
        40,
    )
    for a in _firsts(earlier):
        grade = rng.choices(GRADES, (0.15, 0.5, 0.35))[0]
        grade_case(
            a,
            grade,
            weaknesses=rng.sample(["W02", "W07", "W09", "W15"], k=rng.choice((0, 1, 2)))
            if grade != "good"
            else (),
        )
    _moderate(earlier, users, rng, agree=0.85)
    for d in disagreements(earlier):
        resolution_record(
            sampled_case=d.sampled_case,
            final_overall=d.second.overall,
            rationale="Moderated: the second marker's reading of the case file is the better evidenced",
            actor=users["lead"],
        )
    report_publish(inspection=earlier, actor=users["lead"])
    return earlier


def _current_quarter(
    users: dict[str, User], rng: random.Random, var: Path, rows: int, start: dt.date, end: dt.date
) -> tuple[Inspection, list[SendBack]]:
    """The current quarter, part-way through; returns it and its two send backs (the second overdue)."""
    current = _inspection(
        f"{start:%B} to {end:%B %Y}", start, end, users, var / "demo-register.csv", 2024, rows, 60
    )
    firsts = _firsts(current)
    for i, a in enumerate(firsts[:24]):
        grade = "inadequate" if i in AT_RISK else rng.choices(GRADES, (0.1, 0.5, 0.4))[0]
        reason, urgency = AT_RISK.get(i, ("", ""))
        grade_case(
            a,
            grade,
            send_back=i in AT_RISK,
            reason=reason,
            urgency=urgency,
            weaknesses=rng.sample(["W02", "W07", "W11", "W15"], k=rng.choice((1, 2)))
            if grade != "good"
            else (),
        )
    _moderate(
        current, users, rng, agree=0.0, limit=1
    )  # one blind second mark that disagrees: the lead resolves it
    fresh, late = (SendBack.objects.get(sampled_case=firsts[i].sampled_case) for i in AT_RISK)
    _make_overdue(late)
    return current, [fresh, late]


def _make_overdue(send_back: SendBack) -> None:
    """Sent back 40 days ago, so now overdue (the only backdating in the demo)."""
    opened = timezone.now() - dt.timedelta(days=40)
    local = timezone.localtime(opened).replace(tzinfo=None)
    SendBack.objects.filter(pk=send_back.pk).update(
        opened_at=opened,
        due_on=due_date(
            local, Urgency.ROUTINE, bank_holidays(range(local.year, local.year + 2)), working_days()
        ),
    )


def load_demo(var: Path, rows: int = 5000) -> dict[str, Any]:
    """Load the demo once; returns the demo password and what was made."""
    users = _users(var)
    password = (var / CREDENTIALS_FILE).read_text().strip()
    if body_by_code("DEMO") is not None:
        return {"password": password, "loaded": False}
    rng = random.Random(2024)
    earlier_start, earlier_end, current_start, current_end = _quarters(timezone.localdate())
    _body_and_baseline(users, earlier_end)
    earlier = _earlier_quarter(users, rng, var, rows, earlier_start, earlier_end)
    current, send_backs = _current_quarter(users, rng, var, rows, current_start, current_end)
    return {
        "password": password,
        "loaded": True,
        "inspections": [earlier.pk, current.pk],
        "send_backs": [s.pk for s in send_backs],
        "current": current.name,
    }
