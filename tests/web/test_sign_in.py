"""Sign-in: second factor, lock-out, session limits, deactivation, and their journal entries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from casereview.web.accounts.services import user_deactivate, user_unlock
from casereview.web.journal.models import JournalEntry

from .conftest import PASSWORD, latest_seq, verified_client

pytestmark = pytest.mark.django_db


def actions_since(seq: int) -> list[str]:
    return list(JournalEntry.objects.filter(seq__gt=seq).order_by("seq").values_list("action", flat=True))


def sign_in(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post("/login/", {"username": username, "password": password})


def code(device: TOTPDevice, drift: int = 0) -> str:
    totp = TOTP(device.bin_key, drift=drift)
    return f"{totp.token():06d}"


def test_enrolment_confirms_the_app_and_shows_ten_single_use_recovery_codes(make_user: Callable[..., Any]) -> None:
    make_user("inspector", "ina")
    client = Client()
    start = latest_seq()
    sign_in(client, "ina")
    page = client.get("/login/two-factor/setup/")
    assert page.status_code == 200 and b"data:image/svg+xml" in page.content
    device = TOTPDevice.objects.get(user__username="ina", confirmed=False)
    with time_machine.travel(dt.datetime.now(tz=dt.UTC), tick=True) as clock:
        wrong = "000000" if code(device) != "000000" else "111111"
        assert client.post("/login/two-factor/setup/", {"code": wrong}).status_code == 400
        clock.shift(dt.timedelta(seconds=5))  # django-otp slows guessing after a wrong code
        done = client.post("/login/two-factor/setup/", {"code": code(device)})
    assert done.status_code == 200 and done.content.count(b"<li><code>") == 10
    assert client.get("/").status_code == 200
    assert actions_since(start)[:2] == ["login", "second_factor_enrol_failed"]
    assert "second_factor_enrolled" in actions_since(start)


def test_a_code_is_accepted_once_and_a_wrong_one_is_journaled(make_user: Callable[..., Any]) -> None:
    user = make_user("inspector", "ina")
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    first = Client()
    sign_in(first, "ina")
    assert first.get("/").url == "/login/two-factor/"  # type: ignore[attr-defined]
    token = code(device)
    start = latest_seq()
    assert first.post("/login/two-factor/", {"code": token}).status_code == 302
    assert first.get("/").status_code == 200
    second = Client()
    sign_in(second, "ina")
    assert second.post("/login/two-factor/", {"code": token}).status_code == 400  # replayed
    assert second.get("/").status_code == 302
    assert "second_factor_failed" in actions_since(start)


def test_a_recovery_code_works_once(make_user: Callable[..., Any]) -> None:
    from casereview.web.accounts.services import recovery_codes_replace

    user = make_user("analyst", "ana")
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    recovery = recovery_codes_replace(user=user, count=3)
    client = Client()
    sign_in(client, "ana")
    assert client.post("/login/two-factor/", {"code": recovery[0]}).status_code == 302
    assert StaticToken.objects.filter(token=recovery[0]).count() == 0
    again = Client()
    sign_in(again, "ana")
    assert again.post("/login/two-factor/", {"code": recovery[0]}).status_code == 400


def test_the_session_key_changes_at_sign_in_and_at_the_second_factor(make_user: Callable[..., Any]) -> None:
    user = make_user("inspector", "ina")
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    client = Client()
    client.get("/login/")
    client.session.save()
    before = client.session.session_key
    sign_in(client, "ina")
    after_password = client.session.session_key
    client.post("/login/two-factor/", {"code": code(device)})
    after_code = client.session.session_key
    assert len({before, after_password, after_code}) == 3


def lock_out(client: Client, username: str) -> None:
    for _ in range(4):
        assert sign_in(client, username, "wrong password entirely").status_code == 200
    assert sign_in(client, username, "wrong password entirely").status_code == 429  # the fifth locks


def test_five_failures_lock_a_username_even_against_the_right_password(make_user: Callable[..., Any]) -> None:
    make_user("inspector", "ina")
    start = latest_seq()
    lock_out(Client(REMOTE_ADDR="10.0.0.1"), "ina")
    locked = sign_in(Client(REMOTE_ADDR="10.0.0.2"), "ina")  # the right password, another address
    assert locked.status_code == 429 and b"Sign-in is locked" in locked.content
    assert "locked_out" in actions_since(start)
    assert actions_since(start).count("login_failed") >= 5
    user_unlock(username="ina")
    assert sign_in(Client(REMOTE_ADDR="10.0.0.2"), "ina").status_code == 302


def test_unknown_and_known_usernames_get_the_same_responses(make_user: Callable[..., Any]) -> None:
    import re

    make_user("inspector", "ina")
    known, unknown = Client(REMOTE_ADDR="10.0.1.1"), Client(REMOTE_ADDR="10.0.1.2")

    def page(r: Any, name: str) -> tuple[int, str]:
        text = r.content.decode().replace(name, "NAME")
        return r.status_code, re.sub(r'(nonce|value)="[^"]*"', "", text)

    for attempt in range(6):  # four refusals, the lock-out, then locked even with the right password
        password = PASSWORD if attempt == 5 else "wrong password entirely"
        a = page(sign_in(known, "ina", password), "ina")
        b = page(sign_in(unknown, "nobody", password), "nobody")
        assert a == b
        assert a[0] == (200 if attempt < 4 else 429)


def test_five_failures_from_one_address_lock_that_address(make_user: Callable[..., Any]) -> None:
    make_user("inspector", "ina")
    attacker = Client(REMOTE_ADDR="10.9.9.9")
    for name in ("a1", "a2", "a3", "a4", "a5"):
        sign_in(attacker, name, "wrong password entirely")
    assert sign_in(attacker, "ina").status_code == 429
    assert sign_in(Client(REMOTE_ADDR="10.9.9.8"), "ina").status_code == 302


def test_sessions_end_after_15_idle_minutes(make_user: Callable[..., Any]) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        client = verified_client(make_user("inspector"))
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=14))
        assert client.get("/").status_code == 200  # activity moves the expiry on
        clock.shift(dt.timedelta(minutes=14))
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=16))
        assert client.get("/").status_code == 302


def test_an_active_session_is_written_at_most_once_a_minute_and_ends_early_never_late(make_user: Callable[..., Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def session_writes(client: Client) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return sum('"django_session"' in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
                   for q in queries.captured_queries)

    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        client = verified_client(make_user("inspector"))
        assert session_writes(client) == 1  # the first page moves the idle expiry on
        clock.shift(dt.timedelta(seconds=30))
        assert session_writes(client) == 0  # within the minute: no write
        clock.shift(dt.timedelta(seconds=29))
        assert session_writes(client) == 0
        clock.shift(dt.timedelta(seconds=2))
        assert session_writes(client) == 1  # a minute on: written again, expiry now 09:16:01
        clock.shift(dt.timedelta(seconds=50))
        assert session_writes(client) == 0  # 09:01:51, not written
        clock.shift(dt.timedelta(minutes=14, seconds=11))  # 09:16:02: 14 min 11 s after the last page
        assert client.get("/").status_code == 302  # early by under a minute, never late


def test_sessions_end_12_hours_after_sign_in_however_active(make_user: Callable[..., Any]) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC), tick=False) as clock:
        client = verified_client(make_user("inspector"))
        assert client.get("/").status_code == 200
        for _ in range(12 * 6 - 1):  # a request every 10 minutes for just under 12 hours
            clock.shift(dt.timedelta(minutes=10))
            assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=11))
        response = client.get("/")
        assert response.status_code == 302 and response["Location"] == "/login/?expired=1"


def test_deactivating_a_user_ends_all_their_sessions(make_user: Callable[..., Any]) -> None:
    user = make_user("inspector", "ina")
    other = verified_client(make_user("inspector", "other"))
    phone, laptop = verified_client(user), verified_client(user)
    assert phone.get("/").status_code == laptop.get("/").status_code == 200
    assert user_deactivate(username="ina") == 2
    assert phone.get("/").status_code == laptop.get("/").status_code == 302
    assert other.get("/").status_code == 200


def test_a_refused_page_is_journaled(make_user: Callable[..., Any]) -> None:
    client = verified_client(make_user("analyst"))
    start = latest_seq()
    assert client.get("/journal/").status_code == 404
    entry = JournalEntry.objects.get(seq__gt=start, action="access_denied")
    assert entry.object_id == "/journal/" and entry.detail["status"] == 404


def test_an_administrator_unlocks_a_username_from_the_page(make_user: Callable[..., Any]) -> None:
    make_user("inspector", "ina")
    lock_out(Client(REMOTE_ADDR="10.0.2.1"), "ina")
    admin = verified_client(make_user("administrator", "admin"))
    page = admin.get("/users/locked/").content.decode()
    assert "ina" in page
    start = latest_seq()
    assert admin.post("/users/locked/", {"username": "ina"}).status_code == 302
    assert "user_unlock" in actions_since(start)
    assert sign_in(Client(REMOTE_ADDR="10.0.2.2"), "ina").status_code == 302
    assert verified_client(make_user("lead_inspector")).post("/users/locked/", {"username": "ina"}).status_code == 404


@pytest.mark.django_db
def test_everyone_changes_their_own_password_and_it_is_journaled(make_user: Any) -> None:
    user = make_user("inspector", "ina")
    client = verified_client(user)
    weak = client.post("/users/password/", {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"})
    assert weak.status_code == 400 and b"There is a problem" in weak.content
    wrong = client.post("/users/password/", {"old_password": "not it at all 99", "new_password1": "a much longer passphrase 7",
                                               "new_password2": "a much longer passphrase 7"})
    assert wrong.status_code == 400
    changed = client.post("/users/password/", {"old_password": PASSWORD, "new_password1": "a much longer passphrase 7",
                                                 "new_password2": "a much longer passphrase 7"})
    assert changed.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a much longer passphrase 7")
    assert JournalEntry.objects.filter(action="password_change", object_id="ina").exists()
