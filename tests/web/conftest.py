from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from casereview.web.registers.models import Body

from . import factories
from .factories import PASSWORD, verified_client

__all__ = ["PASSWORD", "latest_seq", "verified_client"]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def make_user(db: None) -> Callable[..., Any]:
    return factories.user


@pytest.fixture
def body(db: None) -> Body:
    return factories.body()


@pytest.fixture
def register_csv(tmp_path: Path) -> Callable[..., Path]:
    def make(rows: int = 50, seed: int = 1, name: str = "register.csv") -> Path:
        return factories.register_file(tmp_path, rows=rows, seed=seed, name=name)

    return make


@pytest.fixture
def world(db: None, body: Body, tmp_path: Path) -> dict[str, Any]:
    """A lead, inspectors ina and ben, the body's liaison officer, an inspection with a drawn sample of 4 all
    assigned to ina for first review; ``assignment`` is ina's first."""
    made = factories.inspection_world(tmp_path, rows=100, size=4)
    return {k: made[k] for k in ("lead", "ina", "ben", "liaison", "inspection", "assignment")}


def latest_seq() -> int:
    """The journal's last sequence number: the suite never empties the journal, so count entries after it."""
    from casereview.web.journal.models import JournalEntry

    return JournalEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


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


@pytest.fixture
def published_in_two_languages(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path], welsh: Path
) -> dict[str, Any]:
    """An inspection of 12 cases, every one graded, published in English and Welsh: its lead, the inspection,
    the publication and its Welsh document."""
    from casereview.domain.language import WELSH
    from casereview.web.registers.services import register_import
    from casereview.web.reports.services import report_publish

    lead, ina = make_user("lead_inspector", "lead-l1"), make_user("inspector", "ina-l1")
    inspection = factories.inspection(
        lead=lead, name="Q1 2024", period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 3, 31)
    )
    register = register_import(path=register_csv(rows=200, seed=3), body_code="SYN")
    factories.sample(inspection, register, size=12)
    grades = ["good"] * 3 + ["requires_improvement"] * 2 + ["inadequate"] * 7
    for assignment, grade in zip(factories.assigned(inspection, [ina]), grades, strict=True):
        factories.submitted(assignment, grade, weaknesses=("W02",) if grade != "good" else ())
    made = report_publish(inspection=inspection, actor=lead)
    return {
        "lead": lead,
        "inspection": inspection,
        "publication": made,
        "welsh": made.translations[WELSH],
    }
