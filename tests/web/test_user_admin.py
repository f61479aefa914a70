"""Administrators change accounts: reactivate, change a role (a liaison officer's body too), reset a second
factor, deactivate after confirming; each journaled, each only after a recent sign-in, each 404 for others."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from casereview.domain.roles import ROLES
from casereview.web.accounts.services import recovery_codes_replace, user_deactivate
from casereview.web.journal.models import JournalEntry
from casereview.web.referrals.models import BodyContact
from casereview.web.registers.services import body_add

from . import factories
from .conftest import PASSWORD, latest_seq, verified_client

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
CONFIRM = "/users/confirm-it-is-you/"


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def admin(make_user: Callable[..., Any], clock: Any) -> Client:
    """An administrator who has just signed in (the first page records the time)."""
    client = verified_client(make_user("administrator", "admin"))
    assert client.get("/users/").status_code == 200
    return client


def entries(start: int, action: str) -> list[JournalEntry]:
    return list(JournalEntry.objects.filter(seq__gt=start, action=action).order_by("seq"))


def roles_of(username: str) -> list[str]:
    return sorted(
        get_user_model().objects.get(username=username).groups.values_list("name", flat=True)
    )


def code(user: Any) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return factories.totp_code(device)


def sign_in_long_ago(client: Client, clock: Any) -> None:
    """Keep the session alive (a page every 10 minutes) until the sign-in is 20 minutes old."""
    clock.shift(dt.timedelta(minutes=10))
    assert client.get("/users/").status_code == 200
    clock.shift(dt.timedelta(minutes=10))


def test_the_users_list_links_to_each_users_page_which_says_who_they_are(
    admin: Client, make_user: Callable[..., Any], body: Any
) -> None:
    from casereview.web.referrals.services import body_contact_add

    liaison = make_user("liaison_officer", "lia")
    body_contact_add(body=body, user=liaison, kind="liaison")
    listing = admin.get("/users/").content.decode()
    assert 'href="/users/user/lia/"' in listing
    page = admin.get("/users/user/lia/")
    text = page.content.decode()
    assert (
        page.status_code == 200
        and "<title>lia – casereview</title>" in text
        and text.count("<h1") == 1
    )
    assert "Liaison officer" in text and "SYN" in text and "Active" in text
    assert admin.get("/users/user/nobody/").status_code == 404


def test_reactivating_lets_a_user_sign_in_again_and_is_journaled(
    admin: Client, make_user: Callable[..., Any]
) -> None:
    make_user("inspector", "ina")
    user_deactivate(username="ina")
    assert (
        Client().post("/login/", {"username": "ina", "password": PASSWORD}).status_code == 200
    )  # refused
    start = latest_seq()
    done = admin.post("/users/user/ina/reactivate/")
    assert done.status_code == 302 and done["Location"] == "/users/user/ina/"
    assert [e.actor_name for e in entries(start, "user_reactivate")] == ["admin"]
    assert entries(start, "user_reactivate")[0].operation == "administration"
    assert Client().post("/login/", {"username": "ina", "password": PASSWORD}).status_code == 302
    again = admin.post("/users/user/ina/reactivate/")  # already active: said, not journaled
    assert again.status_code == 400 and "ina is already active" in again.content.decode()
    assert len(entries(start, "user_reactivate")) == 1


def test_changing_a_role_is_journaled_and_takes_effect_on_the_next_page(
    admin: Client, make_user: Callable[..., Any]
) -> None:
    ina = verified_client(make_user("inspector", "ina"))
    assert ina.get("/reviews/").status_code == 200
    start = latest_seq()
    assert admin.post("/users/user/ina/role/", {"role": "analyst"}).status_code == 302
    assert roles_of("ina") == ["analyst"]
    entry = entries(start, "user_role_change")[0]
    assert entry.object_id == "ina" and entry.detail == {
        "from": ["inspector"],
        "to": "analyst",
        "body": "",
        "bodies_left": [],
    }
    assert ina.get("/reviews/").status_code == 404
    assert ina.get("/reports/").status_code == 200


def test_a_liaison_officer_gets_their_body_through_the_body_contact_service(
    admin: Client, make_user: Callable[..., Any], body: Any
) -> None:
    make_user("inspector", "ina")
    missing = admin.post("/users/user/ina/role/", {"role": "liaison_officer"})
    assert (
        missing.status_code == 400
        and "Choose the body this liaison officer works for" in missing.content.decode()
    )
    assert 'href="#id_body"' in missing.content.decode()
    assert roles_of("ina") == ["inspector"]
    start = latest_seq()
    assert (
        admin.post("/users/user/ina/role/", {"role": "liaison_officer", "body": "SYN"}).status_code
        == 302
    )
    assert roles_of("ina") == ["liaison_officer"]
    assert list(
        BodyContact.objects.filter(user__username="ina").values_list("body__code", "kind")
    ) == [("SYN", "liaison")]
    actions = [e.action for e in JournalEntry.objects.filter(seq__gt=start).order_by("seq")]
    assert "body_contact_add" in actions and "user_role_change" in actions
    assert entries(start, "user_role_change")[0].detail["body"] == "SYN"


def test_moving_a_liaison_officer_to_another_body_takes_them_off_the_first_so_they_never_see_two_bodies(
    admin: Client, make_user: Callable[..., Any], body: Any
) -> None:
    body_add(code="OTH", name="Other Constabulary")
    make_user("inspector", "ina")
    assert (
        admin.post("/users/user/ina/role/", {"role": "liaison_officer", "body": "SYN"}).status_code
        == 302
    )
    start = latest_seq()
    moved = admin.post("/users/user/ina/role/", {"role": "liaison_officer", "body": "OTH"})
    assert moved.status_code == 302
    assert list(
        BodyContact.objects.filter(user__username="ina").values_list("body__code", flat=True)
    ) == ["OTH"]
    actions = [e.action for e in JournalEntry.objects.filter(seq__gt=start).order_by("seq")]
    assert (
        actions.index("body_contact_remove")
        < actions.index("body_contact_add")
        < actions.index("user_role_change")
    )
    assert entries(start, "user_role_change")[0].detail["bodies_left"] == ["SYN"]
    # Another role takes them off every body's liaison contacts.
    assert admin.post("/users/user/ina/role/", {"role": "analyst"}).status_code == 302
    assert not BodyContact.objects.filter(user__username="ina").exists()


def test_an_administrator_does_not_change_their_own_role(admin: Client) -> None:
    refused = admin.post("/users/user/admin/role/", {"role": "analyst"})
    assert refused.status_code == 400 and "ask another administrator" in refused.content.decode()
    assert roles_of("admin") == ["administrator"]
    own_reset = admin.post("/users/user/admin/second-factor/reset/")
    assert (
        own_reset.status_code == 400 and "ask another administrator" in own_reset.content.decode()
    )
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert TOTPDevice.objects.filter(user__username="admin").exists()


def test_resetting_a_second_factor_removes_it_ends_their_sessions_and_they_enrol_again(
    admin: Client, make_user: Callable[..., Any]
) -> None:
    user = make_user("inspector", "ina")
    phone = verified_client(user)
    recovery_codes_replace(user=user, count=3)
    assert phone.get("/").status_code == 200
    start = latest_seq()
    assert admin.post("/users/user/ina/second-factor/reset/").status_code == 302
    assert (
        not TOTPDevice.objects.filter(user=user).exists()
        and not StaticDevice.objects.filter(user=user).exists()
    )
    entry = entries(start, "user_second_factor_reset")[0]
    assert (
        entry.detail == {"devices_removed": 2, "sessions_ended": 1} and entry.actor_name == "admin"
    )
    assert phone.get("/").status_code == 302  # signed out
    again = Client()
    assert again.post("/login/", {"username": "ina", "password": PASSWORD}).status_code == 302
    assert again.get("/")["Location"] == "/login/two-factor/setup/"


def test_deactivating_asks_first_naming_the_user_then_ends_their_sessions(
    admin: Client, make_user: Callable[..., Any]
) -> None:
    ina = verified_client(make_user("inspector", "ina"))
    assert ina.get("/").status_code == 200
    page = admin.get("/users/user/ina/").content.decode()
    assert 'href="/users/user/ina/deactivate/"' in page
    start = latest_seq()
    asking = admin.get("/users/user/ina/deactivate/")
    text = asking.content.decode()
    assert (
        asking.status_code == 200
        and "Deactivate ina?" in text
        and "<title>Deactivate ina – casereview</title>" in text
    )
    assert get_user_model().objects.get(username="ina").is_active  # asking changed nothing
    assert entries(start, "user_deactivate") == []
    done = admin.post("/users/user/ina/deactivate/")
    assert done.status_code == 302 and not get_user_model().objects.get(username="ina").is_active
    assert entries(start, "user_deactivate")[0].detail["sessions_ended"] == 1
    assert ina.get("/").status_code == 302


def test_an_administrator_does_not_deactivate_themselves(admin: Client) -> None:
    asking = admin.get("/users/user/admin/deactivate/")
    assert asking.status_code == 400 and "ask another administrator" in asking.content.decode()
    assert admin.post("/users/user/admin/deactivate/").status_code == 400
    assert get_user_model().objects.get(username="admin").is_active


ACTIONS = [
    ("reactivate/", {}, "user_reactivate"),
    ("role/", {"role": "analyst"}, "user_role_change"),
    ("second-factor/reset/", {}, "user_second_factor_reset"),
    ("deactivate/", {}, "user_deactivate"),
]


@pytest.mark.parametrize(("path", "data", "action"), ACTIONS)
def test_each_change_is_refused_without_a_sign_in_in_the_last_15_minutes(
    admin: Client,
    make_user: Callable[..., Any],
    clock: Any,
    path: str,
    data: dict[str, str],
    action: str,
) -> None:
    ina = make_user("inspector", "ina")
    if action == "user_reactivate":
        user_deactivate(username="ina")
    factories.authenticator(ina)
    sign_in_long_ago(admin, clock)
    start = latest_seq()
    refused = admin.post(f"/users/user/ina/{path}", data)
    assert (
        refused.status_code == 302
        and refused["Location"] == f"{CONFIRM}?next=%2Fusers%2Fuser%2Fina%2F"
    )
    assert entries(start, action) == []
    ina.refresh_from_db()
    assert ina.is_active == (action != "user_reactivate") and roles_of("ina") == ["inspector"]
    assert TOTPDevice.objects.filter(user=ina).exists()


def test_confirming_it_is_you_lets_the_change_through_and_back_to_the_page(
    admin: Client, make_user: Callable[..., Any], clock: Any
) -> None:
    make_user("inspector", "ina")
    sign_in_long_ago(admin, clock)
    asking = admin.get(
        "/users/user/ina/deactivate/"
    )  # a page that changes nothing yet still asks first
    assert (
        asking.status_code == 302
        and asking["Location"] == f"{CONFIRM}?next=%2Fusers%2Fuser%2Fina%2Fdeactivate%2F"
    )
    form = admin.get(asking["Location"])
    assert form.status_code == 200 and "Confirm it’s you" in form.content.decode()
    start = latest_seq()
    me = get_user_model().objects.get(username="admin")
    wrong = admin.post(
        CONFIRM,
        {
            "password": "not my password at all",
            "code": code(me),
            "next": "/users/user/ina/deactivate/",
        },
    )
    assert wrong.status_code == 400 and "Your password is not right" in wrong.content.decode()
    confirmed = admin.post(
        CONFIRM, {"password": PASSWORD, "code": code(me), "next": "/users/user/ina/deactivate/"}
    )
    assert confirmed.status_code == 302 and confirmed["Location"] == "/users/user/ina/deactivate/"
    assert [e.action for e in JournalEntry.objects.filter(seq__gt=start).order_by("seq")] == [
        "login_failed",
        "identity_confirmed",
    ]
    assert admin.post("/users/user/ina/deactivate/").status_code == 302
    assert not get_user_model().objects.get(username="ina").is_active
    sign_in_long_ago(admin, clock)  # and the confirmation, too, lasts 15 minutes
    assert admin.post("/users/user/ina/reactivate/")["Location"].startswith(CONFIRM)


def test_confirming_needs_a_right_code_and_ignores_a_next_page_elsewhere(
    admin: Client, clock: Any
) -> None:
    me = get_user_model().objects.get(username="admin")
    start = latest_seq()
    right = code(me)
    wrong = "000000" if right != "000000" else "111111"
    refused = admin.post(CONFIRM, {"password": PASSWORD, "code": wrong})
    assert refused.status_code == 400 and 'href="#id_code"' in refused.content.decode()
    assert entries(start, "second_factor_failed")[0].object_id == "admin"
    clock.shift(
        dt.timedelta(seconds=31)
    )  # a new code, and django-otp's pause after a wrong one is over
    outside = admin.post(
        CONFIRM, {"password": PASSWORD, "code": code(me), "next": "https://evil.example/"}
    )
    assert outside.status_code == 302 and outside["Location"] == "/users/"


@pytest.mark.parametrize("role", [r for r in ROLES if r != "administrator"])
def test_other_roles_get_404_for_every_account_page_and_change(
    make_user: Callable[..., Any], role: str
) -> None:
    make_user("inspector", "ina")
    client = verified_client(make_user(role, f"someone-{role}"))
    for path in ["/users/user/ina/", "/users/user/ina/deactivate/", CONFIRM]:
        assert client.get(path).status_code == 404, path
    for path, data, _ in ACTIONS:
        assert client.post(f"/users/user/ina/{path}", data).status_code == 404, path
    assert get_user_model().objects.get(username="ina").is_active and roles_of("ina") == [
        "inspector"
    ]


def test_account_changes_need_the_csrf_token(admin: Client, make_user: Callable[..., Any]) -> None:
    make_user("inspector", "ina")
    admin.handler.enforce_csrf_checks = True
    for path, data, _ in ACTIONS:
        assert admin.post(f"/users/user/ina/{path}", data).status_code == 403, path
    assert get_user_model().objects.get(username="ina").is_active


def test_the_same_changes_from_the_command_line(make_user: Callable[..., Any], body: Any) -> None:
    from typer.testing import CliRunner

    from casereview.cli import app

    runner = CliRunner()
    user = make_user("inspector", "ina")
    factories.authenticator(user)
    start = latest_seq()
    assert runner.invoke(app, ["user", "role", "ina", "liaison_officer"]).exit_code == 2  # no body
    done = runner.invoke(app, ["user", "role", "ina", "liaison_officer", "--body", "SYN"])
    assert done.exit_code == 0, done.output
    assert roles_of("ina") == ["liaison_officer"]
    assert runner.invoke(app, ["user", "reset-second-factor", "ina"]).exit_code == 0
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert runner.invoke(app, ["user", "deactivate", "ina"]).exit_code == 0
    assert runner.invoke(app, ["user", "reactivate", "ina"]).exit_code == 0
    assert runner.invoke(app, ["user", "reactivate", "ina"]).exit_code == 2  # already active
    assert runner.invoke(app, ["user", "unlock-address", "not an address"]).exit_code == 2
    assert runner.invoke(app, ["user", "unlock-address", "10.1.2.3"]).exit_code == 0
    actions = [e.action for e in JournalEntry.objects.filter(seq__gt=start).order_by("seq")]
    assert actions == [
        "body_contact_add",
        "user_role_change",
        "user_second_factor_reset",
        "user_deactivate",
        "user_reactivate",
        "address_unlock",
    ]
