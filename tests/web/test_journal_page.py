"""The journal page (issue 22): filters by user, action, object and dates; a bounded count; keyset pages with
Previous and Next; actions and dates in words; the export narrowed as the page is; every reading journaled.

The suite never empties the journal, so each test names its own people and objects (a random suffix) and
compares the page with the entries the database holds for them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from casereview.domain.journal import JournalAction, Operation
from casereview.domain.words import JOURNAL_ACTION_WORDS
from casereview.web.journal import selectors
from casereview.web.journal.models import JournalEntry
from casereview.web.journal.services import Record, journal_append

from .conftest import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_automatic_anchors(settings: Any) -> None:
    settings.CASEREVIEW_JOURNAL_ANCHOR_AUTOMATIC = False


def tag() -> str:
    return uuid.uuid4().hex[:8]


def seqs(html: str) -> list[int]:
    return [int(s) for s in re.findall(r'data-seq="(\d+)"', html)]


def count_line(html: str) -> str:
    found = re.search(r"<p class=\"govuk-body\" data-journal-count>([^<]+)</p>", html)
    assert found is not None
    return found.group(1)


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'href="\?([^"]+)" rel="{rel}"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def appended(actor: str, n: int, action: JournalAction, object_type: str, object_id: str) -> None:
    journal_append(
        actor=None,
        actor_name=actor,
        records=[
            Record(
                operation=Operation.CONSULTATION,
                action=action,
                object_type=object_type,
                object_id=object_id,
            )
            for _ in range(n)
        ],
    )


def expected(**match: Any) -> list[int]:
    return list(JournalEntry.objects.filter(**match).order_by("-seq").values_list("seq", flat=True))


def test_each_filter_shows_exactly_its_entries_newest_first_in_words(
    make_user: Callable[..., Any],
) -> None:
    client = verified_client(make_user("administrator", "admin"))
    who, other, ref = f"pat-{tag()}", f"sam-{tag()}", tag()
    appended(who, 3, JournalAction.LOGIN_FAILED, "user", who)
    appended(who, 2, JournalAction.CASE_CONSULT, "sampled_case", ref)
    appended(other, 4, JournalAction.CASE_CONSULT, "sampled_case", ref)

    by_user = client.get("/journal/", {"user": who.upper()}).content.decode()
    assert seqs(by_user) == expected(actor_name=who)
    assert count_line(by_user) == "5 entries match"
    # The action in words, never its code; the object's kind in words.
    assert JOURNAL_ACTION_WORDS[JournalAction.LOGIN_FAILED] in by_user
    assert ">login_failed<" not in by_user and f"Sampled case {ref}" in by_user

    by_action = client.get(
        "/journal/", {"user": who, "action": JournalAction.LOGIN_FAILED}
    ).content.decode()
    assert seqs(by_action) == expected(actor_name=who, action="login_failed")
    assert count_line(by_action) == "3 entries match"

    for typed in (f"sampled case {ref}", f"sampled_case/{ref}", ref):
        by_object = client.get("/journal/", {"object": typed}).content.decode()
        assert seqs(by_object) == expected(object_id=ref), typed
    assert seqs(client.get("/journal/", {"object": f"register {ref}"}).content.decode()) == []
    # The filters are kept in the form.
    assert f'value="{ref}"' in client.get("/journal/", {"object": ref}).content.decode()


def test_a_date_range_shows_the_entries_of_those_days_and_dates_read_in_words(
    make_user: Callable[..., Any],
) -> None:
    client = verified_client(make_user("administrator", "admin"))
    who = f"dot-{tag()}"
    for day in (dt.date(2025, 3, 9), dt.date(2025, 3, 10), dt.date(2025, 3, 12)):
        noon = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
        with time_machine.travel(noon, tick=False):
            appended(who, 1, JournalAction.LOGIN, "user", who)
    page = client.get(
        "/journal/", {"user": who, "start": "10/03/2025", "end": "12/03/2025"}
    ).content.decode()
    in_range = expected(actor_name=who, at__date__gte=dt.date(2025, 3, 10))
    assert seqs(page) == in_range and len(in_range) == 2
    assert "12 March 2025" in page and "10 March 2025" in page and "9 March 2025" not in page
    assert "2025-03" not in page  # no ISO dates
    one_day = client.get("/journal/", {"user": who, "start": "9/3/2025", "end": "9/3/2025"})
    assert len(seqs(one_day.content.decode())) == 1


def test_next_and_previous_walk_a_filtered_journal_by_keyset(
    make_user: Callable[..., Any],
) -> None:
    client = verified_client(make_user("administrator", "admin"))
    who = f"kit-{tag()}"
    appended(who, selectors.PAGE_SIZE * 2 + 7, JournalAction.CASE_CONSULT, "sampled_case", "1")
    want = expected(actor_name=who)
    first = client.get("/journal/", {"user": who}).content.decode()
    assert link(first, "prev") is None
    pages, html = [seqs(first)], first
    while (older := link(html, "next")) is not None:
        html = client.get(f"/journal/?{older}").content.decode()
        pages.append(seqs(html))
    assert [len(p) for p in pages] == [selectors.PAGE_SIZE, selectors.PAGE_SIZE, 7]
    assert [s for p in pages for s in p] == want
    newer = link(html, "prev")
    assert newer is not None and f"user={who}" in newer
    back = client.get(f"/journal/?{newer}").content.decode()
    assert seqs(back) == pages[1] and link(back, "prev") is not None
    assert link(back, "next") is not None


def test_the_count_is_the_head_unfiltered_and_stops_at_the_cap_filtered(
    make_user: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = verified_client(make_user("administrator", "admin"))
    who = f"cap-{tag()}"
    appended(who, 8, JournalAction.LOGIN, "user", who)
    page = client.get("/journal/").content.decode()
    head = JournalEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    assert head is not None and count_line(page) == f"{head:,} entries in the journal"
    assert "Latest entries" in page and seqs(page)[0] == head  # its own reading is the newest entry
    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    capped = client.get("/journal/", {"user": who}).content.decode()
    assert count_line(capped) == "More than 5 entries match"
    assert len(seqs(capped)) == 8


def test_a_date_that_is_not_a_date_is_reported_and_kept(make_user: Callable[..., Any]) -> None:
    client = verified_client(make_user("administrator", "admin"))
    nobody = f"nobody-{tag()}"
    page = client.get("/journal/", {"start": "31/02/2026", "user": nobody})
    html = page.content.decode()
    assert page.status_code == 400 and "There is a problem" in html
    assert 'href="#filter-start"' in html and 'value="31/02/2026"' in html
    assert f'value="{nobody}"' in html  # the other filter is kept and applied
    assert count_line(html) == "0 entries match"


def test_the_export_honours_the_filters_and_each_reading_is_journaled_with_them(
    make_user: Callable[..., Any],
) -> None:
    client = verified_client(make_user("administrator", "admin"))
    who, other = f"exp-{tag()}", f"oth-{tag()}"
    appended(who, 3, JournalAction.LOGIN, "user", who)
    appended(other, 2, JournalAction.LOGIN, "user", other)
    page = client.get("/journal/", {"user": who, "action": "login"}).content.decode()
    viewed = JournalEntry.objects.filter(action="journal_view").latest("seq")
    assert viewed.detail == {"user": who, "action": "login"}
    assert f'action="?user={who}&amp;action=login"' in page
    today = timezone.localdate().strftime("%d/%m/%Y")
    download = client.post(
        f"/journal/?user={who}&action=login",
        {"start": today, "end": today, "purpose": "internal_audit"},
    )
    assert download.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert [r["actor_name"] for r in rows] == [who] * 3
    exported = JournalEntry.objects.filter(action="journal_export").latest("seq")
    assert exported.detail["user"] == who and exported.detail["entries"] == 3
