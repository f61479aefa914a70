"""A failed sign-in is kept under the username only when it is an existing user's; otherwise under a keyed hash.

People type their password into the username box: it must never reach the journal, django-axes' records
or the *Locked sign-ins* page, while the per-username lock-out keeps counting real and repeated unknown names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from casereview.web.accounts.usernames import recorded_username
from casereview.web.journal.models import JournalEntry

from .conftest import latest_seq, verified_client
from .factories import sign_in

pytestmark = pytest.mark.django_db

SECRET = "Hunter2=HYPERLINK(x)!"  # a password, typed into the username box


def journal_text(since: int) -> str:
    return repr(list(JournalEntry.objects.filter(seq__gt=since).values()))


def test_a_password_typed_as_the_username_is_kept_nowhere_only_its_keyed_hash(
    make_user: Callable[..., Any],
) -> None:
    admin = verified_client(make_user("administrator", "admin"))
    start = latest_seq()
    for _ in range(5):  # five failures: a lock-out, journaled too
        sign_in(Client(REMOTE_ADDR="10.3.0.1"), SECRET, "whatever")
    label = recorded_username(SECRET)
    assert label is not None and label.startswith("unknown username (hash ") and SECRET not in label
    failed = JournalEntry.objects.filter(seq__gt=start, action="login_failed")
    assert failed.count() == 5 and set(failed.values_list("object_id", flat=True)) == {label}
    assert JournalEntry.objects.filter(seq__gt=start, action="locked_out", object_id=label).exists()
    assert "Hunter2" not in journal_text(start)
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {label}
    assert not [
        a
        for a in AccessAttempt.objects.values("username", "post_data", "get_data")
        if "Hunter2" in repr(a)
    ]
    page = admin.get("/users/locked/").content.decode()
    assert "Hunter2" not in page and page.count(label) >= 2  # the lock and the failures on record


def test_an_existing_users_failed_sign_in_is_kept_under_their_username(
    make_user: Callable[..., Any],
) -> None:
    make_user("inspector", "ina")
    start = latest_seq()
    sign_in(Client(REMOTE_ADDR="10.3.0.2"), "ina", "wrong password entirely")
    entry = JournalEntry.objects.get(seq__gt=start, action="login_failed")
    assert entry.object_id == "ina" and entry.actor_name == "anonymous"
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["ina"]


def test_a_repeated_unknown_username_is_still_locked_at_five_failures_and_another_is_not(
    make_user: Callable[..., Any],
) -> None:
    make_user("inspector", "ina")
    for n in range(5):
        expected = 429 if n == 4 else 200
        assert (
            sign_in(Client(REMOTE_ADDR=f"10.3.1.{n}"), SECRET, "whatever").status_code == expected
        )
    assert sign_in(Client(REMOTE_ADDR="10.3.1.9"), SECRET, "whatever").status_code == 429
    assert sign_in(Client(REMOTE_ADDR="10.3.1.9"), SECRET + "x", "whatever").status_code == 200
    assert sign_in(Client(REMOTE_ADDR="10.3.1.9"), "ina").status_code == 302


def test_a_real_username_is_still_locked_at_five_failures_under_its_own_name(
    make_user: Callable[..., Any],
) -> None:
    make_user("inspector", "ina")
    for n in range(5):
        sign_in(Client(REMOTE_ADDR=f"10.3.2.{n}"), "ina", "wrong password entirely")
    assert sign_in(Client(REMOTE_ADDR="10.3.2.9"), "ina").status_code == 429
    admin = verified_client(make_user("administrator", "admin"))
    page = admin.get("/users/locked/").content.decode()
    assert 'name="username" value="ina"' in page


def test_records_kept_in_clear_before_this_change_are_shown_as_their_hash(
    make_user: Callable[..., Any],
) -> None:
    make_user("inspector", "ina")
    now = timezone.now()
    for name in (SECRET, "ina"):
        AccessAttempt.objects.create(
            username=name,
            ip_address="10.3.3.1",
            user_agent="",
            http_accept="",
            path_info="/login/",
            attempt_time=now - dt.timedelta(minutes=1),
            get_data="",
            post_data="",
            failures_since_start=5,
        )
    page = (
        verified_client(make_user("administrator", "admin")).get("/users/locked/").content.decode()
    )
    assert (
        "Hunter2" not in page and str(recorded_username(SECRET)) in page and 'value="ina"' in page
    )
