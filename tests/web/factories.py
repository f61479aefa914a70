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
