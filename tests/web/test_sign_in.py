"""Sign-in: second factor, lock-out, session limits, deactivation, and their journal entries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client, override_settings
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from casereview.web.accounts.services import user_deactivate, user_unlock
from casereview.web.journal.models import JournalEntry

from . import factories
from .conftest import PASSWORD, latest_seq, verified_client
from .factories import sign_in

pytestmark = pytest.mark.django_db


def actions_since(seq: int) -> list[str]:
    return list(
        JournalEntry.objects.filter(seq__gt=seq).order_by("seq").values_list("action", flat=True)
    )


def code(device: TOTPDevice, drift: int = 0) -> str:
    return factories.totp_code(device, drift)


def test_enrolment_confirms_the_app_and_shows_ten_single_use_recovery_codes(
    make_user: Callable[..., Any],
) -> None:
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


def test_a_code_is_accepted_once_and_a_wrong_one_is_journaled(
    make_user: Callable[..., Any],
) -> None:
    user = make_user("inspector", "ina")
    device = factories.authenticator(user)
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
    factories.authenticator(user)
    recovery = recovery_codes_replace(user=user, count=3)
    client = Client()
    sign_in(client, "ana")
    assert client.post("/login/two-factor/", {"code": recovery[0]}).status_code == 302
    assert StaticToken.objects.filter(token=recovery[0]).count() == 0
    again = Client()
    sign_in(again, "ana")
    assert again.post("/login/two-factor/", {"code": recovery[0]}).status_code == 400


def test_the_session_key_changes_at_sign_in_and_at_the_second_factor(
    make_user: Callable[..., Any],
) -> None:
    user = make_user("inspector", "ina")
    device = factories.authenticator(user)
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
    assert (
        sign_in(client, username, "wrong password entirely").status_code == 429
    )  # the fifth locks


def test_five_failures_lock_a_username_even_against_the_right_password(
    make_user: Callable[..., Any],
) -> None:
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

    for attempt in range(
        6
    ):  # four refusals, the lock-out, then locked even with the right password
        password = PASSWORD if attempt == 5 else "wrong password entirely"
        a = page(sign_in(known, "ina", password), "ina")
        b = page(sign_in(unknown, "nobody", password), "nobody")
        assert a == b
        assert a[0] == (200 if attempt < 4 else 429)


def test_five_different_unknown_usernames_from_one_address_do_not_stop_a_sixth_person_signing_in(
    make_user: Callable[..., Any],
) -> None:
    make_user("inspector", "ina")
    office = Client(REMOTE_ADDR="10.9.9.9")
    for name in ("a1", "a2", "a3", "a4", "a5"):  # five people's typos, one shared address
        assert sign_in(office, name, "wrong password entirely").status_code == 200
    assert sign_in(office, "ina").status_code == 302


def test_a_username_is_still_locked_at_five_failures_and_other_people_at_its_address_are_not(
    make_user: Callable[..., Any],
) -> None:
    make_user("inspector", "ina")
    make_user("inspector", "bob")
    office = Client(REMOTE_ADDR="10.9.9.7")
    lock_out(office, "ina")
    assert sign_in(office, "ina").status_code == 429  # the right password, still locked
    assert sign_in(Client(REMOTE_ADDR="10.9.9.7"), "bob").status_code == 302


@override_settings(CASEREVIEW_LOCKOUT_IP_FAILURES=8)
def test_an_address_is_locked_at_its_own_limit_even_against_a_right_password(
    make_user: Callable[..., Any],
) -> None:
    make_user("inspector", "ina")
    sprayer = Client(REMOTE_ADDR="10.9.8.1")
    start = latest_seq()
    for n in range(7):  # seven usernames, one try each: under both limits
        assert sign_in(sprayer, f"guess{n}", "Summer2026!").status_code == 200
    assert (
        sign_in(sprayer, "guess7", "Summer2026!").status_code == 429
    )  # the eighth failure from the address
    refused = sign_in(sprayer, "ina")  # a right password from the locked address
    assert refused.status_code == 429 and b"Sign-in is locked" in refused.content
    assert (
        sign_in(Client(REMOTE_ADDR="10.9.8.2"), "ina").status_code == 302
    )  # ina herself is not locked
    locked = JournalEntry.objects.filter(seq__gt=start, action="locked_out").order_by("seq").first()
    assert locked is not None and locked.detail == {"ip": "10.9.8.1", "lock": "address"}


def test_the_address_limit_is_100_failures_unless_set() -> None:
    from django.conf import settings

    assert settings.CASEREVIEW_LOCKOUT_IP_FAILURES == 100
    assert settings.AXES_FAILURE_LIMIT == 5


def test_by_default_99_failures_from_one_address_leave_it_open_and_the_100th_locks_it(
    make_user: Callable[..., Any],
) -> None:
    make_user("inspector", "ina")
    sprayer = Client(REMOTE_ADDR="10.9.7.1")
    for n in range(99):
        assert sign_in(sprayer, f"guess{n}", "Summer2026!").status_code == 200, n
    assert sign_in(Client(REMOTE_ADDR="10.9.7.1"), "ina").status_code == 302  # still open after 99
    assert sign_in(sprayer, "guess99", "Summer2026!").status_code == 429


def test_a_locked_address_gets_the_same_response_as_a_locked_username(
    make_user: Callable[..., Any],
) -> None:
    import re

    make_user("inspector", "ina")
    with override_settings(CASEREVIEW_LOCKOUT_IP_FAILURES=5):
        by_address = Client(REMOTE_ADDR="10.9.6.1")
        for n in range(5):
            sign_in(by_address, f"guess{n}", "wrong password entirely")
        address_locked = sign_in(by_address, "nobody", "wrong password entirely")
    lock_out(Client(REMOTE_ADDR="10.9.6.2"), "nobody2")
    username_locked = sign_in(Client(REMOTE_ADDR="10.9.6.3"), "nobody2", "wrong password entirely")

    def page(r: Any, name: str) -> tuple[int, str]:
        return r.status_code, re.sub(
            r'(nonce|value)="[^"]*"', "", r.content.decode().replace(name, "NAME")
        )

    assert page(address_locked, "nobody") == page(username_locked, "nobody2")
    assert address_locked.status_code == 429


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


def test_an_active_session_is_written_at_most_once_a_minute_and_ends_early_never_late(
    make_user: Callable[..., Any],
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def session_writes(client: Client) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return sum(
            '"django_session"' in q["sql"]
            and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
            for q in queries.captured_queries
        )

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
        clock.shift(
            dt.timedelta(minutes=14, seconds=11)
        )  # 09:16:02: 14 min 11 s after the last page
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
    assert (
        verified_client(make_user("lead_inspector"))
        .post("/users/locked/", {"username": "ina"})
        .status_code
        == 404
    )


@override_settings(CASEREVIEW_LOCKOUT_IP_FAILURES=6)
def test_an_administrator_sees_an_address_lock_and_lifts_it(make_user: Callable[..., Any]) -> None:
    make_user("inspector", "ina")
    sprayer = Client(REMOTE_ADDR="10.0.4.4")
    for n in range(6):
        sign_in(sprayer, f"guess{n}", "wrong password entirely")
    assert sign_in(sprayer, "ina").status_code == 429
    admin = verified_client(make_user("administrator", "admin"))
    page = admin.get("/users/locked/").content.decode()
    addresses = page[page.index("Locked addresses") : page.index("Failed sign-ins on record")]
    assert "10.0.4.4" in addresses and 'name="address" value="10.0.4.4"' in addresses
    assert "No username is locked" in page  # one try per username: no username lock
    assert (
        verified_client(make_user("lead_inspector"))
        .post("/users/locked/", {"address": "10.0.4.4"})
        .status_code
        == 404
    )
    assert (
        sign_in(Client(REMOTE_ADDR="10.0.4.4"), "ina").status_code == 429
    )  # a refused POST lifted nothing
    start = latest_seq()
    assert admin.post("/users/locked/", {"address": "10.0.4.4"}).status_code == 302
    entry = JournalEntry.objects.get(seq__gt=start, action="address_unlock")
    assert (
        entry.object_id == "10.0.4.4"
        and entry.operation == "administration"
        and entry.actor_name == "admin"
    )
    assert "No address is locked" in admin.get("/users/locked/").content.decode()
    assert sign_in(Client(REMOTE_ADDR="10.0.4.4"), "ina").status_code == 302


def test_lifting_a_lock_needs_the_csrf_token(make_user: Callable[..., Any]) -> None:
    admin = verified_client(make_user("administrator", "admin"))
    admin.handler.enforce_csrf_checks = True
    assert admin.post("/users/locked/", {"address": "10.0.4.5"}).status_code == 403


@pytest.mark.django_db
def test_everyone_changes_their_own_password_and_it_is_journaled(make_user: Any) -> None:
    user = make_user("inspector", "ina")
    client = verified_client(user)
    weak = client.post(
        "/users/password/",
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert weak.status_code == 400 and b"There is a problem" in weak.content
    wrong = client.post(
        "/users/password/",
        {
            "old_password": "not it at all 99",
            "new_password1": "a much longer passphrase 7",
            "new_password2": "a much longer passphrase 7",
        },
    )
    assert wrong.status_code == 400
    changed = client.post(
        "/users/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a much longer passphrase 7",
            "new_password2": "a much longer passphrase 7",
        },
    )
    assert changed.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a much longer passphrase 7")
    assert JournalEntry.objects.filter(action="password_change", object_id="ina").exists()


def test_problem_signing_in_is_linked_from_sign_in_and_the_lock_out_and_open_signed_out(
    make_user: Callable[..., Any],
) -> None:
    visitor = Client()
    assert (
        'href="/users/sign-in-help/">Problem signing in?</a>'
        in visitor.get("/login/").content.decode()
    )
    lock_out(Client(REMOTE_ADDR="10.0.5.1"), "someone")
    locked = sign_in(Client(REMOTE_ADDR="10.0.5.1"), "someone")
    assert locked.status_code == 429 and 'href="/users/sign-in-help/"' in locked.content.decode()
    page = visitor.get("/users/sign-in-help/")
    text = page.content.decode()
    assert page.status_code == 200 and "<title>Problem signing in? – casereview</title>" in text
    assert "Contact the administrator of casereview" in text  # the default when no contact is set
    assert verified_client(make_user("analyst")).get("/users/sign-in-help/").status_code == 200
    # Someone past the password but stuck at the code reaches it too, from the code page.

    stuck_user = make_user("inspector", "stuck")
    factories.authenticator(stuck_user)
    stuck = Client()
    stuck.force_login(stuck_user)
    assert 'href="/users/sign-in-help/"' in stuck.get("/login/two-factor/").content.decode()
    assert stuck.get("/users/sign-in-help/").status_code == 200


@override_settings(
    CASEREVIEW_SUPPORT_CONTACT="<script>alert(1)</script> Service desk\n0100 000 0000"
)
def test_the_support_contact_is_shown_as_plain_text() -> None:
    text = Client().get("/users/sign-in-help/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Service desk<br>0100 000 0000" in text
    assert "<script>alert(1)" not in text
    assert "Contact the administrator of casereview" not in text


@override_settings(CASEREVIEW_LOCKOUT_IP_FAILURES=5, CASEREVIEW_PROXY_COUNT=1)
def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw_and_cannot_be_forged(
    make_user: Callable[..., Any],
) -> None:
    make_user("inspector", "ina")

    def via_proxy(forwarded_for: str) -> Client:
        return Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)

    sprayer = via_proxy("203.0.113.9")
    for n in range(5):
        sign_in(sprayer, f"guess{n}", "wrong password entirely")
    assert sign_in(via_proxy("203.0.113.9"), "ina").status_code == 429
    assert (
        sign_in(via_proxy("1.2.3.4, 203.0.113.9"), "ina").status_code == 429
    )  # what the client wrote is ignored
    assert (
        sign_in(via_proxy("198.51.100.7"), "ina").status_code == 302
    )  # the office next door is not locked
    from axes.models import AccessAttempt

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


def test_without_a_proxy_count_or_with_a_malformed_header_the_connections_address_is_used() -> None:
    from django.test import RequestFactory

    from casereview.web.accounts.lockout import client_address

    request = RequestFactory().get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_address(request) == "10.1.1.1"
    with override_settings(CASEREVIEW_PROXY_COUNT=1):
        assert client_address(request) == "203.0.113.9"
        assert (
            client_address(
                RequestFactory().get(
                    "/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="not-an-address"
                )
            )
            == "10.1.1.1"
        )
    with override_settings(CASEREVIEW_PROXY_COUNT=2):
        assert (
            client_address(request) == "10.1.1.1"
        )  # fewer entries than proxies: misconfigured, not trusted
