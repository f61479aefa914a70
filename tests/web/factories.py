"""Worlds for the web tests, built through the services a person's clicks reach (never raw model writes).

Each function does one step of an inspection's life the way the application does it (and so journals it):
people with roles, bodies and their contacts, registers from the synthetic generator, an inspection with its
committed seed, a drawn sample, assignments, submitted reviews, send backs.  ``inspection_world`` puts the
usual steps together: a lead, inspectors, a liaison officer and an inspection whose sample is assigned.

The one exception is the second factor: ``authenticator`` (and so ``verified_client``) confirms an
authenticator directly, as a person who scanned the QR code would have, without journaling an enrolment the
test did not ask for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from casereview.demo import grade_case
from casereview.domain.plans import Frame, SamplePlan
from casereview.synthetic import write_register_file
from casereview.web.accounts.services import user_create
from casereview.web.core.users import User
from casereview.web.inspections.models import Inspection, Sample
from casereview.web.inspections.services import inspection_create, sample_draw, seed_commit
from casereview.web.referrals.models import BodyContact, SendBack
from casereview.web.referrals.services import body_contact_add, sendback_open
from casereview.web.registers.models import Body, Register
from casereview.web.registers.selectors import body_by_code
from casereview.web.registers.services import body_add, register_import
from casereview.web.reviews.models import Assignment, Review
from casereview.web.reviews.services import assignments_balance, moderation_assign

PASSWORD = "correct horse battery staple 42"
#: The quarter every test inspection covers unless told otherwise.
PERIOD_START, PERIOD_END = dt.date(2024, 1, 1), dt.date(2024, 3, 31)


# People ---------------------------------------------------------------------------------------------------


def user(role: str, username: str | None = None, *, email: str = "") -> User:
    """A person with one role (the username is the role's name unless given) and the test password."""
    return user_create(username=username or role, role=role, password=PASSWORD, email=email)  # type: ignore[return-value]


def authenticator(person: Any) -> TOTPDevice:
    """The person's confirmed authenticator app, made if need be (as if they had scanned the QR code)."""
    return TOTPDevice.objects.filter(
        user=person, confirmed=True
    ).first() or TOTPDevice.objects.create(user=person, name="authenticator", confirmed=True)


def totp_code(device: TOTPDevice, drift: int = 0) -> str:
    """The code the authenticator shows now (``drift``: that many 30-second steps away)."""
    return f"{TOTP(device.bin_key, drift=drift).token():06d}"


def sign_in(client: Client, username: str, password: str = PASSWORD) -> Any:
    """The first step of signing in, as the sign-in page posts it; returns the response."""
    return client.post("/login/", {"username": username, "password": password})


def verified_client(person: Any) -> Client:
    """A test client signed in as ``person``, who has passed the second factor (their authenticator is
    confirmed, made if need be)."""
    device = authenticator(person)
    client = Client()
    client.force_login(person)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def reader(person: Any, language: str) -> Client:
    """``verified_client`` for ``person`` in a browser whose language switch chose ``language``."""
    client = verified_client(person)
    client.cookies["casereview_language"] = language
    return client


# Bodies and registers -------------------------------------------------------------------------------------


def body(code: str = "SYN", name: str = "Synthetic Constabulary") -> Body:
    return body_add(code=code, name=name)


def contact(body: Body, person: Any, kind: str = "liaison") -> BodyContact:
    """Make ``person`` one of the body's contacts: its ``liaison`` officer or a ``senior_lead``."""
    return body_contact_add(body=body, user=person, kind=kind)


def register_file(
    directory: Path, *, rows: int = 50, seed: int = 1, name: str = "register.csv"
) -> Path:
    """A synthetic register file of ``rows`` cases (the same ``seed`` gives the same file)."""
    path = directory / name
    write_register_file(path, rows=rows, seed=seed)
    return path


def register(
    directory: Path,
    *,
    rows: int = 50,
    seed: int = 1,
    name: str = "register.csv",
    body_code: str = "SYN",
) -> Register:
    """A synthetic register of ``rows`` cases, imported (and locked) for the body."""
    return register_import(
        path=register_file(directory, rows=rows, seed=seed, name=name), body_code=body_code
    )


# Inspections ----------------------------------------------------------------------------------------------


def inspection(
    *,
    lead: Any = None,
    body_code: str = "SYN",
    name: str = "Q1",
    period_start: dt.date = PERIOD_START,
    period_end: dt.date = PERIOD_END,
    committed: bool = True,
) -> Inspection:
    """An inspection of the body, opened by ``lead``; its seed committed unless ``committed`` is false."""
    made = inspection_create(
        body_code=body_code,
        name=name,
        period_start=period_start,
        period_end=period_end,
        lead=lead,
    )
    if committed:
        seed_commit(inspection=made)
        made.refresh_from_db()
    return made


def sample(inspection: Inspection, register: Register, *, size: int, **plan: Any) -> Sample:
    """Draw the inspection's sample of ``size`` cases (``plan``: the rest of the ``SamplePlan``).

    Synthetic registers span 2023-24, wider than the test quarter, so the frame is every reported date
    (an explicit choice) unless ``plan`` gives a frame; a draw's default is the inspection's period.
    """
    plan.setdefault("frame", Frame(any_date=True))
    return sample_draw(inspection=inspection, register=register, plan=SamplePlan(size=size, **plan))


def assignments(inspection: Inspection, *, kind: str = Assignment.Kind.FIRST) -> list[Assignment]:
    """The inspection's assignments of one kind, in the order they were made."""
    return list(
        Assignment.objects.filter(sampled_case__sample__inspection=inspection, kind=kind)
        .select_related("sampled_case", "inspector")
        .order_by("id")
    )


def assigned(inspection: Inspection, inspectors: Sequence[Any]) -> list[Assignment]:
    """Balance the sample's cases over ``inspectors`` for first review; every first assignment, in order."""
    assignments_balance(inspection=inspection, inspectors=list(inspectors))
    return assignments(inspection)


def moderated(
    inspection: Inspection, inspectors: Sequence[Any], *, share: float
) -> list[Assignment]:
    """Give the moderation share (and every case graded worst or sent back) to a second marker, blind."""
    moderation_assign(inspection=inspection, inspectors=list(inspectors), share=share)
    return assignments(inspection, kind=Assignment.Kind.MODERATION)


def submitted(
    assignment: Assignment,
    overall: str = "good",
    *,
    weaknesses: Iterable[str] = (),
    send_back: bool = False,
    reason: str = "",
    urgency: str = "",
) -> Review:
    """Submit the assignment's review, every area graded ``overall``; a ``send_back`` yes opens one."""
    return grade_case(  # type: ignore[no-any-return]
        assignment,
        overall,
        weaknesses=tuple(weaknesses),
        send_back=send_back,
        reason=reason,
        urgency=urgency,
    )


def sent_back(
    assignment: Assignment,
    *,
    actor: Any = None,
    reason: str = "A child may still be at risk",
    urgency: str = "priority",
) -> SendBack:
    """Send the assignment's case back to its body (by its inspector unless ``actor`` says otherwise)."""
    return sendback_open(
        sampled_case=assignment.sampled_case,
        reason=reason,
        urgency=urgency,
        actor=actor or assignment.inspector,
    )


def inspection_world(
    directory: Path,
    *,
    body_code: str = "SYN",
    rows: int = 100,
    size: int = 4,
    prefix: str = "",
    **plan: Any,
) -> dict[str, Any]:
    """A lead, inspectors ina and ben, the body's liaison officer, and an inspection of the body with a drawn
    sample of ``size`` all assigned to ina for first review; ``assignment`` is ina's first.

    ``prefix`` goes before every username, so two worlds (of two bodies) can live side by side.
    """
    lead = user("lead_inspector", f"{prefix}lead")
    ina, ben = user("inspector", f"{prefix}ina"), user("inspector", f"{prefix}ben")
    liaison = user("liaison_officer", f"{prefix}liaison")
    found = body_by_code(body_code)
    assert found is not None, f"add the body {body_code} first"
    contact(found, liaison)
    made = inspection(lead=lead, body_code=body_code)
    drawn_from = register(directory, rows=rows, name=f"{prefix}register.csv", body_code=body_code)
    sample(made, drawn_from, size=size, **plan)
    first = assigned(made, [ina])
    return {
        "lead": lead,
        "ina": ina,
        "ben": ben,
        "liaison": liaison,
        "inspection": made,
        "register": drawn_from,
        "assignments": first,
        "assignment": first[0],
    }


# Follow-up: findings, recommendations, the body's action plan (issue 24) ----------------------------------


def published_inspection(
    directory: Path,
    *,
    body_code: str = "SYN",
    prefix: str = "",
    size: int = 2,
    overall: str = "inadequate",
    weaknesses: Iterable[str] = ("W04",),
) -> dict[str, Any]:
    """A body (made if missing) with its liaison officer and senior lead, and an inspection of it led by a lead
    inspector (all with e-mail addresses), its ``size`` cases graded ``overall`` and its report published.
    ``prefix`` goes before every username and address (two bodies side by side)."""
    from casereview.web.reports.services import report_publish

    found = body_by_code(body_code) or body(body_code, f"{body_code} Constabulary")
    lead = user("lead_inspector", f"{prefix}lead", email=f"{prefix}lead@inspectorate.example")
    ina = user("inspector", f"{prefix}ina")
    liaison = user("liaison_officer", f"{prefix}liaison", email=f"{prefix}liaison@force.example")
    senior = user("liaison_officer", f"{prefix}senior", email=f"{prefix}senior@force.example")
    contact(found, liaison)
    contact(found, senior, "senior_lead")
    made = inspection(lead=lead, body_code=body_code)
    sample(
        made,
        register(directory, rows=60, name=f"{prefix}register.csv", body_code=body_code),
        size=size,
    )
    for assignment in assigned(made, [ina]):
        submitted(assignment, overall, weaknesses=weaknesses)
    report_publish(inspection=made, actor=lead)
    return {
        "body": found,
        "lead": lead,
        "ina": ina,
        "liaison": liaison,
        "senior": senior,
        "inspection": made,
    }


def followup_world(
    directory: Path, *, body_code: str = "SYN", prefix: str = "", publish: bool = True
) -> dict[str, Any]:
    """``published_inspection`` with, added through the services by its lead: finding 1, a cause of concern
    resting on W04 (R1 due by a date, R2 due in 20 working days), and finding 2, an area for improvement (R3,
    immediate); both published unless ``publish`` is false (then the body's plan, awaiting, does not exist
    yet).  Also a later inspection of the body (the next quarter) led by the same lead, to judge at."""
    from django.utils import timezone

    from casereview.web.followup.models import Recommendation
    from casereview.web.followup.selectors import plan_for
    from casereview.web.followup.services import (
        finding_add,
        finding_publish,
        recommendation_add,
    )

    made = published_inspection(directory, body_code=body_code, prefix=prefix)
    lead, inspected = made["lead"], made["inspection"]
    concern = finding_add(
        inspection=inspected,
        kind="cause_of_concern",
        text="Children at risk were not always seen and spoken to",
        basis=[{"kind": "weakness", "code": "W04", "count": 2, "total": 2}],
        actor=lead,
    )
    first = recommendation_add(
        finding=concern,
        text="See and speak to every child at risk",
        by=timezone.localdate() + dt.timedelta(days=180),
        working_days=None,
        immediate=False,
        actor=lead,
    )
    second = recommendation_add(
        finding=concern,
        text="Record the child's voice",
        by=None,
        working_days=20,
        immediate=False,
        actor=lead,
    )
    area = finding_add(
        inspection=inspected,
        kind="area_for_improvement",
        text="Supervision of investigations",
        basis=[],
        actor=lead,
    )
    third = recommendation_add(
        finding=area,
        text="Supervise every investigation",
        by=None,
        working_days=None,
        immediate=True,
        actor=lead,
    )
    if publish:
        concern = finding_publish(finding=concern, actor=lead, expected_version=concern.version)
        area = finding_publish(finding=area, actor=lead, expected_version=area.version)
    later = inspection(
        lead=lead,
        body_code=body_code,
        name="Q2",
        period_start=dt.date(2024, 4, 1),
        period_end=dt.date(2024, 6, 30),
    )
    return {
        **made,
        "findings": [concern, area],
        "recommendations": [Recommendation.objects.get(pk=r.pk) for r in (first, second, third)],
        "plan": plan_for(inspected, made["body"]),
        "later": later,
    }


# Calibration: a body's own audit, and the inspectorate's blind re-grading of it (issue 24) -----------------


def graded_as(
    assignment: Assignment, overall: str, *, actor: Any = None, comment: str = "", **areas: str
) -> Review:
    """Submit the assignment's review graded ``overall``, every area too unless ``areas`` says otherwise
    (area slug=grade), each area's comment ``comment`` (so a test can look for it where it must not be)."""
    from casereview.domain.grading import ReviewAnswers
    from casereview.importing.frameworks import load_framework
    from casereview.web.reviews.services import review_save, review_start

    review = review_start(assignment=assignment)
    slugs = [a.slug for a in load_framework(review.framework).areas]
    answers = ReviewAnswers(
        area_grades={slug: areas.get(slug, overall) for slug in slugs},
        area_comments=dict.fromkeys(slugs, comment) if comment else {},
        overall=overall,
        send_back=False,
    )
    return review_save(  # type: ignore[no-any-return]
        review=review,
        answers=answers,
        base_version=review.version,
        submit=True,
        actor=actor or assignment.inspector,
    )


def own_audit_world(
    directory: Path,
    grades: Sequence[str],
    *,
    body_code: str = "SYN",
    rows: int = 120,
    prefix: str = "",
) -> dict[str, Any]:
    """One of the body's own auditors and the body's own audit (kind own audit) of ``len(grades)`` cases drawn
    from a register of ``rows``, case i graded ``grades[i]`` overall by the auditor (trusted by children one
    grade better where the overall grade is requires improvement), each comment naming the case."""
    auditor = user("body_auditor", f"{prefix}auditor")
    found = body_by_code(body_code)
    assert found is not None, f"add the body {body_code} first"
    contact(found, auditor, kind="auditor")
    audit = inspection_create(
        body_code=body_code,
        name=f"{body_code} own audit",
        period_start=PERIOD_START,
        period_end=PERIOD_END,
        lead=auditor,
        kind="own_audit",
    )
    seed_commit(inspection=audit)
    audit.refresh_from_db()
    drawn_from = register(directory, rows=rows, name=f"{prefix}audit.csv", body_code=body_code)
    sample(audit, drawn_from, size=len(grades), strata=())
    cases = assigned(audit, [auditor])
    for assignment, grade in zip(cases, grades, strict=True):
        better = {"trusted_by_children": "good"} if grade == "requires_improvement" else {}
        graded_as(
            assignment,
            grade,
            actor=auditor,
            comment=f"Body audit note on {assignment.sampled_case.case_ref}",
            **better,
        )
    return {"auditor": auditor, "audit": audit, "register": drawn_from, "assignments": cases}
