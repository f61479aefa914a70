"""The synthetic demo `make run` loads: a living system at once, every figure from the synthetic generator.

Users for every role (one password, TOTP keys kept in var/ for `casereview demo-code`); the body DEMO
with its liaison officer; a published earlier quarter and a baseline; the current quarter part-way:
its sample drawn, cases assigned, some reviews submitted, a moderation disagreement waiting for the
lead, one send back open and one overdue.  Everything goes through the same services as the pages, so
the journal tells the story too.

Every event is dated as it would have happened (`_Clock`): the users and the body on the first working day
after the earlier quarter, each inspection created, its seed committed, its register imported and its sample
drawn in the days after its quarter ends, its reviews spread over the working days that follow, the earlier
one moderated and published weeks before the current one starts, and the current one's send backs opened
by the reviews that said so (one 40 days ago, so now overdue).  The services take these times as their
``now``, so every page (a send back's history, a review's, the journal, a report's dates) tells one story;
the journal is appended in story order and still verifies.  Load it into a database whose journal is empty
(as `make run` does): entries already there would be dated after the story's.
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

from casereview.demo_calibration import calibration_story
from casereview.demo_followup import findings_story
from casereview.domain.grading import ReviewAnswers
from casereview.domain.plans import SamplePlan
from casereview.domain.referrals import Urgency
from casereview.importing.frameworks import load_framework
from casereview.synthetic import COLUMNS, PERIOD_DAYS, PERIOD_START, synthetic_rows
from casereview.web.accounts.services import user_create
from casereview.web.core.exports import csv_writer
from casereview.web.core.users import User, user_by_username, users_by_username
from casereview.web.inspections.models import Inspection
from casereview.web.inspections.services import inspection_create, sample_draw, seed_commit
from casereview.web.referrals.models import SendBack
from casereview.web.referrals.services import bank_holidays, body_contact_add
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
    ("auditor", "body_auditor"),
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


#: The current quarter's story (register, reviews, a send back 40 days old) needs this long after it ends.
STORY_DAYS = 56
#: How long ago the overdue send back was opened (routine: 20 working days to answer).
OVERDUE_DAYS = 40


class _Clock:
    """The demo's story clock: each event at the time it would have happened, in story order, none after now.

    A time asked for out of order (or in the future) is a mistake in the story, not something to quietly
    adjust: the journal is appended in the order events happen, so its times must never go back.
    """

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.last: dt.datetime | None = None
        self._holidays = bank_holidays(range(now.year - 2, now.year + 1))

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        """The moment ``day`` at ``hour``:``minute`` (UK time), taken as the story's next event."""
        when = timezone.make_aware(
            dt.datetime.combine(day, dt.time(hour, minute)), timezone.get_default_timezone()
        )
        if when > self.now or (self.last is not None and when < self.last):
            raise RuntimeError(f"The demo's story is out of order at {when.isoformat()}")
        self.last = when
        return when

    def working(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self._holidays

    def after(self, day: dt.date, n: int = 1) -> dt.date:
        """The ``n``-th working day after ``day``."""
        while n > 0:
            day += dt.timedelta(days=1)
            n -= self.working(day)
        return day

    def on_or_before(self, day: dt.date) -> dt.date:
        while not self.working(day):
            day -= dt.timedelta(days=1)
        return day

    def days(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """The working days from ``first`` to ``last``, both included."""
        return [
            first + dt.timedelta(days=i)
            for i in range((last - first).days + 1)
            if self.working(first + dt.timedelta(days=i))
        ]


def _spread(
    days: Sequence[dt.date], n: int, start: int = 9 * 60 + 30
) -> list[tuple[dt.date, int, int]]:
    """``n`` moments of work spread evenly over ``days``: (day, hour, minute), each day from ``start``
    (minutes after midnight; 09:30) every 40 minutes."""
    if n and not days:
        raise RuntimeError("The demo's story has no working day for its reviews")
    moments: list[tuple[dt.date, int, int]] = []
    for k in range(n):
        day = days[k * len(days) // n]
        minutes = start + 40 * sum(1 for d, _, _ in moments if d == day)
        moments.append((day, minutes // 60, minutes % 60))
    return moments


def grade_case(
    assignment: Any,
    overall: str,
    *,
    weaknesses: Sequence[str] = (),
    send_back: bool = False,
    actor: User | None = None,
    reason: str = "",
    urgency: str = "",
    at: dt.datetime | None = None,
) -> Any:
    """Submit the assignment's review with every area graded ``overall``, through the real service.

    A ``send_back`` yes needs its ``reason`` and ``urgency``: the submission opens the send back.  ``at``
    dates the submission (the draft opened 25 minutes before); the real clock when not given.
    """
    review = review_start(
        assignment=assignment, now=at - dt.timedelta(minutes=25) if at is not None else None
    )
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
        now=at,
    )


def demo_code(var: Path, username: str) -> str | None:
    """The current authenticator code of a demo user (from var/demo-totp.json only), or None if not one."""
    path = var / TOTP_FILE
    keys = json.loads(path.read_text()) if path.exists() else {}
    if username not in keys:
        return None
    return f"{TOTP(bytes.fromhex(keys[username])).token():06d}"


def _users(var: Path, joined: dt.datetime) -> dict[str, User]:
    credentials, totp_file = var / CREDENTIALS_FILE, var / TOTP_FILE
    if user_by_username("admin") is None:
        password = secrets.token_urlsafe(12)
        keys = {}
        for username, role in DEMO_USERS:
            user = user_create(username=username, role=role, password=password, now=joined)
            device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
            TOTPDevice.objects.filter(pk=device.pk).update(created_at=joined)
            keys[username] = device.key
        credentials.write_text(password)
        credentials.chmod(0o600)
        totp_file.write_text(json.dumps(keys))
        totp_file.chmod(0o600)
    found = users_by_username([n for n, _ in DEMO_USERS], active_only=False)
    return {u.get_username(): u for u in found}


def _uk_date(text: str) -> dt.date:
    day, month, year = text.split("/")
    return dt.date(int(year), int(month), int(day))


def _register_for_period(
    path: Path, *, rows: int, seed: int, start: dt.date, end: dt.date, imported: dt.date
) -> None:
    """The body's register for the period: the generator's cases, their dates moved into [start, end].

    The draw's frame is the inspection's period by default, so the demo's registers hold cases reported
    in it (the generator's own dates span 2023-24).  A case whose closing date would come after the day
    the register is ``imported`` is open in it.
    """
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
                    if closed <= imported
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
    clock: _Clock,
) -> tuple[Inspection, dt.date]:
    """Created and its seed committed the first working day after ``end``; two working days later its
    register imported, its sample drawn and its cases assigned.  Returns it and the day of the draw."""
    opened = clock.after(end)
    lead = users["lead"]
    inspection = inspection_create(
        body_code="DEMO",
        name=name,
        period_start=start,
        period_end=end,
        lead=lead,
        actor=lead,
        now=clock.at(opened, 9, 0),
    )
    # The seed before the register arrives.
    seed_commit(inspection=inspection, actor=lead, now=clock.at(opened, 9, 10))
    inspection.refresh_from_db()
    drawn = clock.after(opened, 2)
    _register_for_period(register_path, rows=rows, seed=seed, start=start, end=end, imported=drawn)
    register = register_import(
        path=register_path, body_code="DEMO", actor=lead, now=clock.at(drawn, 10, 0)
    )
    sample_draw(
        inspection=inspection,
        register=register,
        plan=SamplePlan(size=size, reserve=2),
        actor=lead,
        now=clock.at(drawn, 10, 30),
    )
    assignments_balance(
        inspection=inspection,
        inspectors=[users["inspector1"], users["inspector2"]],
        actor=lead,
        now=clock.at(drawn, 11, 0),
    )
    return inspection, drawn


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
    clock: _Clock,
    assigned: dt.datetime,
    days: Sequence[dt.date],
    limit: int | None = None,
    start: int = 9 * 60 + 30,
) -> list[Any]:
    """Moderation assigned at ``assigned``, and the blind second marks spread over ``days``."""
    moderation_assign(
        inspection=inspection,
        inspectors=[users["inspector1"], users["inspector2"]],
        actor=users["lead"],
        now=assigned,
    )
    marks = []
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
        marks.append((a, grade))
        if limit is not None and len(marks) >= limit:
            break
    for (a, grade), (day, hour, minute) in zip(
        marks, _spread(days, len(marks), start), strict=True
    ):
        grade_case(a, grade, at=clock.at(day, hour, minute))
    return [a for a, _ in marks]


def _previous_quarter(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last days of the quarter before the one ``day`` is in."""
    end = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1) - dt.timedelta(days=1)
    return dt.date(end.year, end.month - 2, 1), end


def _quarters(today: dt.date) -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """The current quarter (the latest to have ended at least STORY_DAYS ago, so that its story fits before
    today) and the earlier one before it: their first and last days."""
    current_start, current_end = _previous_quarter(today)
    if (today - current_end).days < STORY_DAYS:
        current_start, current_end = _previous_quarter(current_start)
    earlier_start, earlier_end = _previous_quarter(current_start)
    return earlier_start, earlier_end, current_start, current_end


def _body_and_baseline(
    users: dict[str, User], day: dt.date, earlier_end: dt.date, clock: _Clock
) -> None:
    """The body DEMO with its liaison officer, and a result published two years before casereview."""
    body = body_add(
        code="DEMO",
        name="Demonstration Constabulary (synthetic)",
        actor=users["admin"],
        now=clock.at(day, 8, 40),
    )
    body_contact_add(
        body=body,
        user=users["liaison"],
        kind="liaison",
        actor=users["admin"],
        now=clock.at(day, 8, 45),
    )
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
        now=clock.at(day, 8, 50),
    )


def _earlier_quarter(
    users: dict[str, User],
    rng: random.Random,
    var: Path,
    rows: int,
    start: dt.date,
    end: dt.date,
    clock: _Clock,
) -> Inspection:
    """The earlier quarter: every case graded over five weeks, moderated, disagreements resolved, published."""
    earlier, drawn = _inspection(
        f"{start:%B} to {end:%B %Y}",
        start,
        end,
        users,
        var / "demo-register-earlier.csv",
        2023,
        max(rows // 2, 500),
        40,
        clock,
    )
    plan = []
    for a in _firsts(earlier):
        grade = rng.choices(GRADES, (0.15, 0.5, 0.35))[0]
        weaknesses = (
            rng.sample(["W02", "W07", "W09", "W15"], k=rng.choice((0, 1, 2)))
            if grade != "good"
            else ()
        )
        plan.append((a, grade, weaknesses))
    reviewing = clock.days(clock.after(drawn, 3), clock.after(drawn, 27))
    for (a, grade, weaknesses), (day, hour, minute) in zip(
        plan, _spread(reviewing, len(plan)), strict=True
    ):
        grade_case(a, grade, weaknesses=weaknesses, at=clock.at(day, hour, minute))
    moderation_day = clock.after(reviewing[-1])
    _moderate(
        earlier,
        users,
        rng,
        agree=0.85,
        clock=clock,
        assigned=clock.at(moderation_day, 9, 0),
        days=clock.days(clock.after(moderation_day), clock.after(moderation_day, 6)),
    )
    resolved = clock.after(moderation_day, 8)  # two working days after the last second mark
    for i, d in enumerate(disagreements(earlier)):
        resolution_record(
            sampled_case=d.sampled_case,
            final_overall=d.second.overall,
            rationale="Moderated: the second marker's reading of the case file is the better evidenced",
            actor=users["lead"],
            now=clock.at(resolved, 10 + i // 4, 15 * (i % 4)),
        )
    published = clock.after(resolved, 3)
    report_publish(inspection=earlier, actor=users["lead"], now=clock.at(published, 11, 0))
    return earlier


def _current_quarter(
    users: dict[str, User],
    rng: random.Random,
    var: Path,
    rows: int,
    start: dt.date,
    end: dt.date,
    clock: _Clock,
) -> tuple[Inspection, list[SendBack]]:
    """The current quarter, part-way through; returns it and its two send backs (the second overdue).

    The first 24 cases are graded over the weeks since the draw; the two at-risk ones were submitted
    OVERDUE_DAYS ago (routine, so now overdue) and two days ago (priority, still due), each opening its
    send back; on that last day one case was second-marked, blind, and disagrees (the lead resolves it).
    """
    current, drawn = _inspection(
        f"{start:%B} to {end:%B %Y}",
        start,
        end,
        users,
        var / "demo-register.csv",
        2024,
        rows,
        60,
        clock,
    )
    today = timezone.localdate(clock.now)
    late_day = clock.on_or_before(today - dt.timedelta(days=OVERDUE_DAYS))
    fresh_day = clock.on_or_before(today - dt.timedelta(days=2))
    firsts = _firsts(current)
    plan = []
    for i, a in enumerate(firsts[:24]):
        grade = "inadequate" if i in AT_RISK else rng.choices(GRADES, (0.1, 0.5, 0.4))[0]
        weaknesses = (
            rng.sample(["W02", "W07", "W11", "W15"], k=rng.choice((1, 2)))
            if grade != "good"
            else ()
        )
        plan.append((i, a, grade, weaknesses))
    others = [p for p in plan if p[0] not in AT_RISK]
    reviewing = clock.days(clock.after(drawn, 3), fresh_day - dt.timedelta(days=1))
    moments = dict(zip((p[0] for p in others), _spread(reviewing, len(others)), strict=True))
    moments[1] = (late_day, 12, 15)  # routine: sent back OVERDUE_DAYS ago
    moments[0] = (fresh_day, 10, 0)  # priority: sent back two days ago
    for i, a, grade, weaknesses in sorted(plan, key=lambda p: moments[p[0]]):
        reason, urgency = AT_RISK.get(i, ("", ""))
        grade_case(
            a,
            grade,
            send_back=i in AT_RISK,
            reason=reason,
            urgency=urgency,
            weaknesses=weaknesses,
            at=clock.at(*moments[i]),
        )
    _moderate(
        current,
        users,
        rng,
        agree=0.0,
        limit=1,
        clock=clock,
        assigned=clock.at(fresh_day, 11, 30),
        days=[fresh_day],
        start=15 * 60,
    )  # one blind second mark that disagrees: the lead resolves it
    fresh, late = (SendBack.objects.get(sampled_case=firsts[i].sampled_case) for i in AT_RISK)
    return current, [fresh, late]


def load_demo(var: Path, rows: int = 5000, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Load the demo once; returns the demo password and what was made.  ``now``: the moment the story
    leads up to (the real clock unless given; every event is dated before it)."""
    clock = _Clock(now or timezone.now())
    earlier_start, earlier_end, current_start, current_end = _quarters(
        timezone.localdate(clock.now)
    )
    # The story starts as last quarter does: the body's own audit of the quarter before and its calibration
    # fill last quarter's working days, before last quarter's inspection opens.
    first = clock.after(earlier_start - dt.timedelta(days=1))
    users = _users(var, clock.at(first, 8, 30))
    password = (var / CREDENTIALS_FILE).read_text().strip()
    if body_by_code("DEMO") is not None:
        return {"password": password, "loaded": False}
    rng = random.Random(2024)
    _body_and_baseline(users, first, earlier_end, clock)
    before_start, before_end = _previous_quarter(earlier_start)
    calibration = calibration_story(
        users,
        rng=random.Random(2025),
        register_path=var / "demo-register-own-audit.csv",
        write_register=lambda path, start, end, imported: _register_for_period(
            path, rows=max(rows // 4, 300), seed=2022, start=start, end=end, imported=imported
        ),
        period=(before_start, before_end),
        days=clock.days(first, earlier_end),
        at=clock.at,
        grade_case=grade_case,
    )
    earlier = _earlier_quarter(users, rng, var, rows, earlier_start, earlier_end, clock)
    followup = findings_story(
        earlier, users, at=clock.at, after=clock.after, until=clock.after(current_end)
    )
    current, send_backs = _current_quarter(users, rng, var, rows, current_start, current_end, clock)
    return {
        "password": password,
        "loaded": True,
        "inspections": [earlier.pk, current.pk],
        "send_backs": [s.pk for s in send_backs],
        "followup": followup,
        "calibration": calibration,
        "current": current.name,
    }
