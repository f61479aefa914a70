"""What must not grow (issue 22's lists): the journal page, filtered and not, and the case list, at two sizes
of data.  Each page is asked for once (the first visit makes the session and fills the cache of a register's
drop-down values), then counted; the count must be the same at both sizes and within the pin (the most
SQLite or PostgreSQL needs: PostgreSQL takes the journal's lock with one more statement).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casereview.domain.journal import JournalAction, Operation
from casereview.web.journal.services import Record, journal_append
from casereview.web.registers.services import register_import

from . import factories
from .factories import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_automatic_anchors(settings: Any) -> None:
    # An anchor falls due every 1,000 entries: one would land in one size's count and not the other's.
    settings.CASEREVIEW_JOURNAL_ANCHOR_AUTOMATIC = False


def measured(client: Client, url: str) -> int:
    assert client.get(url).status_code == 200, url  # the first visit
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def assert_flat(bound: int, counts: list[int], what: str) -> None:
    small, big = counts
    print(f"{what}: {small} queries small, {big} big")
    assert big == small, f"{what}: {small} queries small but {big} big"
    assert small <= bound, f"{what}: {small} queries, pinned at {bound}"


def journal_of(size: int, who: str) -> None:
    """``size`` entries by ``who``: sign-ins, and cases consulted (object sampled_case 7)."""
    journal_append(
        actor=None,
        actor_name=who,
        records=[
            Record(
                operation=Operation.CONSULTATION,
                action=JournalAction.LOGIN if n % 2 else JournalAction.CASE_CONSULT,
                object_type="user" if n % 2 else "sampled_case",
                object_id=who if n % 2 else "7",
            )
            for n in range(size)
        ],
    )


def head() -> int:
    from .conftest import latest_seq

    return latest_seq()


JOURNAL_PAGES: dict[str, tuple[int, Callable[[str], str]]] = {
    # name: (bound, the page's address given the filtered user's name)
    "journal, first page": (9, lambda who: "/journal/"),
    "journal, an older page": (11, lambda who: f"/journal/?before={head() - 20}"),
    "journal, a newer page": (11, lambda who: f"/journal/?after={head() - 55}"),
    "journal, by user and action": (10, lambda who: f"/journal/?user={who}&action=login"),
    "journal, by object": (10, lambda who: "/journal/?object=sampled_case/7"),
    "journal, by dates, older page": (
        11,
        lambda who: (
            f"/journal/?user={who}&start={timezone.localdate():%d/%m/%Y}"
            f"&end={timezone.localdate():%d/%m/%Y}&before={head() - 30}"
        ),
    ),
}


@pytest.mark.parametrize("name", JOURNAL_PAGES)
def test_a_journal_page_makes_as_many_queries_at_600_entries_as_at_60(name: str) -> None:
    bound, address = JOURNAL_PAGES[name]
    client = verified_client(factories.user("administrator", "admin"))
    counts = []
    for size in (60, 600):
        journal_of(size, "pat")
        counts.append(measured(client, address("pat")))
    assert_flat(bound, counts, name)


CASE_PAGES: dict[str, tuple[int, str]] = {
    # name: (bound, query string)
    "case list, first page": (9, ""),
    "case list, by unit in small letters": (9, "?unit=ashgrove"),
    "case list, by status (counted)": (10, "?status=closed"),
    "case list, next page": (11, "?status=closed&after=SYN00000040"),
    "case list, previous page": (11, "?status=closed&before=SYN00000055"),
}


@pytest.mark.parametrize("name", CASE_PAGES)
def test_a_case_list_page_makes_as_many_queries_for_300_cases_as_for_60(
    name: str, tmp_path: Path
) -> None:
    bound, query = CASE_PAGES[name]
    factories.body()
    client = verified_client(factories.user("administrator", "admin"))
    counts = []
    for rows in (60, 300):
        register = register_import(
            path=factories.register_file(tmp_path, rows=rows, seed=rows, name=f"r{rows}.csv"),
            body_code="SYN",
        )
        counts.append(measured(client, f"/registers/{register.pk}/cases/{query}"))
    assert_flat(bound, counts, name)
