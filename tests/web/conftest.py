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


def latest_seq() -> int:
    """The journal's last sequence number: the suite never empties the journal, so count entries after it."""
    from casereview.web.journal.models import JournalEntry

    return JournalEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def verified_client(user: Any) -> Any:
    """A test client signed in as ``user`` who has passed the second factor."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="authenticator", confirmed=True
    )
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
