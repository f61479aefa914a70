from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from casereview.synthetic import write_register_file
from casereview.web.accounts.services import user_create
from casereview.web.registers.models import Body
from casereview.web.registers.services import body_add

PASSWORD = "correct horse battery staple 42"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def make_user(db: None) -> Callable[..., Any]:
    def make(role: str, username: str | None = None) -> Any:
        return user_create(username=username or role, role=role, password=PASSWORD)

    return make


@pytest.fixture
def body(db: None) -> Body:
    return body_add(code="SYN", name="Synthetic Constabulary")


@pytest.fixture
def register_csv(tmp_path: Path) -> Callable[..., Path]:
    def make(rows: int = 50, seed: int = 1, name: str = "register.csv") -> Path:
        path = tmp_path / name
        write_register_file(path, rows=rows, seed=seed)
        return path

    return make


@pytest.fixture
def world(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path]
) -> dict[str, Any]:
    """A lead, inspectors ina and ben, the body's liaison officer, an inspection with a drawn sample of 4 all
    assigned to ina for first review; ``assignment`` is ina's first."""
    import datetime as dt

    from casereview.domain.sampling import SamplePlan
    from casereview.web.inspections.services import inspection_create, sample_draw, seed_commit
    from casereview.web.referrals.services import body_contact_add
    from casereview.web.registers.services import register_import
    from casereview.web.reviews.models import Assignment
    from casereview.web.reviews.services import assignments_balance

    lead = make_user("lead_inspector", "lead")
    ina, ben = make_user("inspector", "ina"), make_user("inspector", "ben")
    liaison = make_user("liaison_officer", "liaison")
    body_contact_add(body=body, user=liaison, kind="liaison")
    inspection = inspection_create(
        body_code="SYN",
        name="Q1",
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 3, 31),
        lead=lead,
    )
    seed_commit(inspection=inspection)
    inspection.refresh_from_db()
    register = register_import(path=register_csv(rows=100), body_code="SYN")
    sample_draw(inspection=inspection, register=register, plan=SamplePlan(size=4))
    assignments_balance(inspection=inspection, inspectors=[ina])
    assignment = Assignment.objects.filter(kind="first").order_by("id").first()
    assert assignment is not None
    return {
        "lead": lead,
        "ina": ina,
        "ben": ben,
        "liaison": liaison,
        "inspection": inspection,
        "assignment": assignment,
    }


def latest_seq() -> int:
    """The journal's last sequence number: the suite never empties the journal, so count entries after it."""
    from casereview.web.journal.models import JournalEntry

    return JournalEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def verified_client(user: Any) -> Any:
    """A test client signed in as ``user`` who has passed the second factor."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(
        user=user, confirmed=True
    ).first() or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def scratch_database(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Makes databases of their own, of the kind under test (the test database is invisible to other processes)."""
    import uuid

    made: list[str] = []
    url = os.environ.get("DATABASE_URL", "")
    admin = url.rsplit("/", 1)[0] + "/postgres" if url.startswith("postgres") else ""

    def make(label: str) -> str:
        if not admin:
            return f"sqlite:///{tmp_path / f'{label}.sqlite3'}"
        import psycopg

        name = f"casereview_{label}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return url.rsplit("/", 1)[0] + "/" + name

    yield make
    if made:
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            for name in made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
