"""Issue 18's smaller holes, each test built from the failure the penetration test found."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, RequestFactory, override_settings

from casereview.web.journal.models import JournalEntry

from . import factories
from .conftest import PASSWORD, latest_seq, verified_client
from .factories import sign_in

pytestmark = pytest.mark.django_db


# Lock-out: unlocking a user lifts every lock that blocks them ---------------------------------------------------


@override_settings(CASEREVIEW_LOCKOUT_IP_FAILURES=6)
def test_unlocking_a_user_also_lifts_the_address_lock_their_failures_were_counted_in(
    make_user: Callable[..., Any],
) -> None:
    from casereview.web.accounts.services import user_unlock

    make_user("inspector", "ina")
    make_user("inspector", "bob")
    office = Client(REMOTE_ADDR="10.0.7.7")
    for n in range(3):
        sign_in(office, "ina", "wrong password entirely")
        sign_in(
            office, f"guess{n}", "wrong password entirely"
        )  # six failures: the office's address locks
    elsewhere = Client(REMOTE_ADDR="10.0.8.8")
    for n in range(6):
        sign_in(
            elsewhere, f"spray{n}", "wrong password entirely"
        )  # another locked address, without ina
    assert sign_in(office, "ina").status_code == 429
    start = latest_seq()
    cleared, addresses = user_unlock(username="ina")
    assert (
        addresses == ["10.0.7.7"] and cleared == 4
    )  # ina's record, then the three guesses from her office
    assert sign_in(Client(REMOTE_ADDR="10.0.7.7"), "ina").status_code == 302
    assert (
        sign_in(Client(REMOTE_ADDR="10.0.8.8"), "bob").status_code == 429
    )  # an address ina never used stays locked
    entry = JournalEntry.objects.get(seq__gt=start, action="user_unlock")
    assert entry.object_id == "ina" and entry.detail == {
        "attempts_cleared": 4,
        "addresses_unlocked": ["10.0.7.7"],
    }


@override_settings(CASEREVIEW_LOCKOUT_IP_FAILURES=5)
def test_the_administrators_page_and_the_cli_unlock_the_users_address_too(
    make_user: Callable[..., Any],
) -> None:
    make_user("inspector", "ina")
    office = Client(REMOTE_ADDR="10.0.9.9")
    for n in range(4):
        sign_in(office, f"typo{n}", "wrong password entirely")
    assert (
        sign_in(office, "ina", "wrong password entirely").status_code == 429
    )  # the address locks, not ina
    admin = verified_client(make_user("administrator", "admin"))
    done = admin.post("/users/locked/", {"username": "ina"}, follow=True).content.decode()
    assert (
        "Sign-in for ina is unlocked, and from 10.0.9.9" in done and "No address is locked" in done
    )
    assert sign_in(Client(REMOTE_ADDR="10.0.9.9"), "ina").status_code == 302
    from typer.testing import CliRunner

    from casereview.cli import app

    for n in range(5):
        sign_in(office, "ina" if n == 0 else f"again{n}", "wrong password entirely")
    assert sign_in(office, "ina").status_code == 429
    result = CliRunner().invoke(app, ["user", "unlock", "ina"])
    assert result.exit_code == 0 and "address(es) unlocked too: 10.0.9.9" in " ".join(
        result.output.split()
    )
    assert sign_in(Client(REMOTE_ADDR="10.0.9.9"), "ina").status_code == 302


# Lock-out: the client address comes from the trusted proxy's header ---------------------------------------------


def address(remote: str, forwarded: str | None = None) -> str | None:
    from casereview.web.accounts.lockout import client_address

    extra: dict[str, Any] = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


@override_settings(CASEREVIEW_TRUSTED_PROXIES=["10.0.0.5", "10.1.0.0/16"])
def test_with_trusted_proxies_the_address_is_the_right_most_that_is_not_a_proxy() -> None:
    assert address("10.0.0.5", "203.0.113.9") == "203.0.113.9"
    assert (
        address("10.0.0.5", "1.2.3.4, 203.0.113.9") == "203.0.113.9"
    )  # what the client wrote is ignored
    assert (
        address("10.0.0.5", "1.2.3.4, 203.0.113.9, 10.1.4.4") == "203.0.113.9"
    )  # through two trusted proxies
    assert address("10.0.0.5", "garbage, 203.0.113.9") == "203.0.113.9"
    assert (
        address("10.0.0.5", "203.0.113.9, not-an-address") == "10.0.0.5"
    )  # no trusted proxy writes that
    assert address("10.0.0.5") == "10.0.0.5"
    assert (
        address("10.0.0.5", "10.1.2.3") == "10.1.2.3"
    )  # only proxies: the request began at the left-most
    # A connection from anywhere else (past the proxy, straight to the server) cannot choose its address.
    assert address("198.51.100.1", "203.0.113.9") == "198.51.100.1"
    # Proxies that write the port: the address is still read, never the proxy's own for everyone.
    assert address("10.0.0.5", "203.0.113.9:51234") == "203.0.113.9"
    assert address("10.0.0.5", "[2001:db8::7]:443") == "2001:db8::7"
    assert (
        address("10.0.0.5", "2001:db8::8") == "2001:db8::8"
    )  # a bare IPv6 address has many colons


@override_settings(CASEREVIEW_TRUSTED_PROXIES=["10.0.0.5"], CASEREVIEW_PROXY_COUNT=2)
def test_trusted_proxies_win_over_the_deprecated_proxy_count() -> None:
    assert address("10.0.0.5", "203.0.113.1, 203.0.113.9") == "203.0.113.9"
    assert address("198.51.100.1", "203.0.113.1, 203.0.113.9") == "198.51.100.1"


@override_settings(CASEREVIEW_LOCKOUT_IP_FAILURES=5, CASEREVIEW_TRUSTED_PROXIES=["127.0.0.1"])
def test_behind_a_trusted_proxy_a_sprayer_is_locked_at_its_own_address_and_the_office_next_door_is_not(
    make_user: Callable[..., Any],
) -> None:
    make_user("inspector", "ina")
    for n in range(5):
        sign_in(
            Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.{n}.0.1, 203.0.113.9"),
            f"g{n}",
            "wrong one",
        )
    assert (
        sign_in(
            Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"), "ina"
        ).status_code
        == 429
    )
    assert (
        sign_in(
            Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7"), "ina"
        ).status_code
        == 302
    )
    from axes.models import AccessAttempt

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


PRODUCTION = {
    "DJANGO_SECRET_KEY": "k" * 60,
    "CASEREVIEW_ALLOWED_HOSTS": "casereview.example.org",
    "CASEREVIEW_PSEUDONYM_KEY": "p" * 40,
    "CASEREVIEW_JOURNAL_ANCHOR_KEY": "a" * 40,
    "CASEREVIEW_EMAIL_URL": "smtp://smtp.example.org:25",
    "CASEREVIEW_EMAIL_FROM": "casereview@example.org",
    "CASEREVIEW_BASE_URL": "https://casereview.example.org",
}


def production_settings(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    import os

    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CASEREVIEW_", "DJANGO_", "DATABASE_URL"))
    }
    code = "import casereview.web.settings.production as s; print(s.CASEREVIEW_TRUSTED_PROXIES, s.CASEREVIEW_PROXY_COUNT)"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**keep, "CASEREVIEW_HOME": str(tmp_path), **env},  # noqa: S603
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_needs_the_proxies_named_and_refuses_a_bad_one(tmp_path: Path) -> None:
    missing = production_settings(PRODUCTION, tmp_path)
    assert (
        missing.returncode != 0
        and "CASEREVIEW_TRUSTED_PROXIES must be set in production" in missing.stderr
    )
    named = production_settings(
        {**PRODUCTION, "CASEREVIEW_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16"}, tmp_path
    )
    assert named.returncode == 0 and named.stdout.split("]")[0] == "['10.0.0.5', '10.1.0.0/16'"
    assert (
        production_settings(
            {**PRODUCTION, "CASEREVIEW_TRUSTED_PROXIES": "none"}, tmp_path
        ).stdout.strip()
        == "[] 0"
    )
    assert (
        production_settings({**PRODUCTION, "CASEREVIEW_PROXY_COUNT": "1"}, tmp_path).stdout.strip()
        == "[] 1"
    )
    bad = production_settings(
        {**PRODUCTION, "CASEREVIEW_TRUSTED_PROXIES": "10.0.0.5,proxy.example.org"}, tmp_path
    )
    assert bad.returncode != 0 and "'proxy.example.org' is not an address or network" in bad.stderr


# The API's loser of two simultaneous send-back actions gets the documented 409 ---------------------------------


def test_the_loser_of_two_simultaneous_api_actions_gets_the_409_json_not_a_500(
    world: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from casereview.web.api.services import token_create
    from casereview.web.referrals import services as referrals
    from casereview.web.referrals.models import SendBack
    from casereview.web.referrals.services import sendback_open

    send_back = sendback_open(
        sampled_case=world["assignment"].sampled_case,
        reason="At risk",
        urgency="priority",
        actor=world["ina"],
    )
    token = token_create(
        user=world["liaison"], name="system", scopes=["read", "send_back_response"]
    ).secret
    real = referrals.sendback_act

    def other_acts_first(**kwargs: Any) -> Any:
        # The other request read the same version and committed between this request's read and its write.
        real(
            send_back=SendBack.objects.get(pk=send_back.pk),
            action="acknowledge",
            actor=world["liaison"],
            expected_version=0,
        )
        return real(**kwargs)

    from casereview.web.api import api as api_operations  # the name the API calls

    monkeypatch.setattr(api_operations, "sendback_act", other_acts_first)
    lost = Client(raise_request_exception=False).post(
        f"/api/v1/send-backs/{send_back.pk}/actions",
        {"action": "acknowledge", "version": 0},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert lost.status_code == 409 and lost["Content-Type"].startswith("application/json")
    assert lost.json()["error"]["code"] == "stale_version"
    assert lost.json()["error"]["details"] == [{"state": "acknowledged", "version": 1}]
    assert (
        SendBack.objects.get(pk=send_back.pk).events.count() == 2
    )  # open, and the winner's one acknowledge


# Only a submitted yes opens a send back from the review ----------------------------------------------------------


def review_form(review: Any, **over: str) -> dict[str, str]:
    from casereview.importing.frameworks import load_framework

    data = {f"grade_{a.slug}": "inadequate" for a in load_framework("child-protection/1").areas}
    data.update(
        {
            "overall": "inadequate",
            "send_back": "no",
            "version": str(review.version),
            "action": "submit",
        }
    )
    return {**data, **over}


def test_a_send_back_is_opened_from_a_review_only_when_it_was_submitted_with_a_yes(
    world: dict[str, Any],
) -> None:
    from casereview.web.referrals.models import SendBack
    from casereview.web.reviews.models import Review

    ina, a = verified_client(world["ina"]), world["assignment"]
    url, post = (
        f"/send-backs/from-review/{a.pk}/",
        {"reason": "Child at risk", "urgency": "immediate"},
    )
    assert ina.post(url, post).status_code == 400  # no review at all yet
    assert ina.get(f"/reviews/{a.pk}/").status_code == 200  # a draft
    draft = Review.objects.get(assignment=a)
    ina.post(f"/reviews/{a.pk}/", review_form(draft, action="save", send_back="yes"))
    assert Review.objects.get(assignment=a).send_back is True  # a draft that says yes ...
    refused = ina.post(url, post)
    assert (
        refused.status_code == 400 and "Submit the review first" in refused.content.decode()
    )  # ... opens nothing
    assert not SendBack.objects.exists()
    review = Review.objects.get(assignment=a)
    assert ina.post(f"/reviews/{a.pk}/", review_form(review, send_back="no")).status_code == 302
    assert Review.objects.get(assignment=a).state == "submitted"
    assert ina.post(url, post).status_code == 400  # a submitted no opens nothing either
    assert not SendBack.objects.exists()


def test_a_submitted_yes_may_still_open_a_second_send_back_from_the_review(
    world: dict[str, Any],
) -> None:
    from casereview.web.referrals.models import SendBack
    from casereview.web.reviews.models import Review

    ina, a = verified_client(world["ina"]), world["assignment"]
    ina.get(f"/reviews/{a.pk}/")
    review = Review.objects.get(assignment=a)
    submitted = ina.post(
        f"/reviews/{a.pk}/",
        review_form(review, send_back="yes", send_back_reason="r", send_back_urgency="priority"),
    )
    assert submitted.status_code == 302 and SendBack.objects.count() == 1
    again = ina.post(
        f"/send-backs/from-review/{a.pk}/",
        {"reason": "More", "urgency": "routine", "confirm_another": "yes"},
    )
    assert again.status_code == 302 and SendBack.objects.count() == 2


# Forms that gave a 500 -------------------------------------------------------------------------------------------


def test_resolving_with_a_case_that_is_not_a_number_is_a_404_not_a_500(
    world: dict[str, Any],
) -> None:
    lead = verified_client(world["lead"])
    url = f"/inspections/{world['inspection'].pk}/resolve/"
    for case in (":", "1e3", "٣", "9" * 40, ""):
        assert (
            lead.post(
                url, {"sampled_case": case, "final_overall": "good", "rationale": "r"}
            ).status_code
            == 404
        ), case


def test_a_nul_in_any_field_is_refused_before_it_reaches_the_database(
    make_user: Callable[..., Any],
) -> None:
    from django.contrib.auth import get_user_model

    admin = verified_client(make_user("administrator", "admin"))
    refused = admin.post(
        "/users/", {"username": "nobody\x00", "role": "inspector", "password": PASSWORD * 2}
    )
    assert refused.status_code == 400 and "NUL" in refused.content.decode()
    assert refused["X-Frame-Options"] == "DENY" and refused["Cache-Control"] == "no-store"
    assert not get_user_model().objects.filter(username__startswith="nobody").exists()
    assert admin.get("/", {"q": "\x00"}).status_code == 400
    api = Client().get("/api/v1/registers", {"q": "a\x00"})
    assert api.status_code == 400 and api.json()["error"]["code"] == "bad_request"


def test_a_next_that_is_not_a_path_of_this_site_goes_home_not_to_a_500(
    make_user: Callable[..., Any],
) -> None:
    client = verified_client(make_user("inspector", "ina"))
    for target in ("0", "home", "https://evil.example/", "//evil.example/"):
        response = client.post("/login/two-factor/", {"next": target})
        assert response.status_code == 302 and response["Location"] == "/", target


# Replacing the authenticator from a signed-in session needs the password ------------------------------------------


def totp_code(device: Any) -> str:
    return factories.totp_code(device)


def test_replacing_the_authenticator_from_a_signed_in_session_needs_the_password(
    make_user: Callable[..., Any],
) -> None:
    import datetime as dt

    import time_machine
    from django_otp.plugins.otp_static.models import StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from casereview.web.accounts.services import recovery_codes_replace

    user = make_user("inspector", "ina")
    session = verified_client(user)  # a session left open, or a stolen cookie
    old = TOTPDevice.objects.get(user=user, confirmed=True)
    recovery_codes_replace(user=user, count=3)
    codes_before = set(
        StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
    )
    page = session.get("/login/two-factor/setup/").content.decode()
    assert 'name="password"' in page and "replaces it and your recovery codes" in page
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    with time_machine.travel(dt.datetime.now(tz=dt.UTC), tick=True) as clock:
        without = session.post("/login/two-factor/setup/", {"code": totp_code(new)})
        assert without.status_code == 400 and "Enter your password" in without.content.decode()
        wrong = session.post(
            "/login/two-factor/setup/",
            {"code": totp_code(new), "password": "not my password at all"},
        )
        assert wrong.status_code == 400 and "Your password is not right" in wrong.content.decode()
        assert list(TOTPDevice.objects.filter(user=user, confirmed=True)) == [
            old
        ]  # nothing replaced
        assert (
            set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
            == codes_before
        )
        clock.shift(dt.timedelta(seconds=31))
        done = session.post(
            "/login/two-factor/setup/", {"code": totp_code(new), "password": PASSWORD}
        )
    assert done.status_code == 200 and done.content.count(b"<li><code>") == 10
    assert list(TOTPDevice.objects.filter(user=user, confirmed=True)) == [new]
    assert not codes_before & set(
        StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
    )


def test_after_an_administrators_reset_the_user_enrols_at_sign_in_without_the_password_again(
    make_user: Callable[..., Any],
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from casereview.web.accounts.services import user_second_factor_reset

    user = make_user("inspector", "ina")
    factories.authenticator(user)
    user_second_factor_reset(username="ina", actor=make_user("administrator", "admin"))
    client = Client()
    assert sign_in(client, "ina").status_code == 302
    page = client.get("/login/two-factor/setup/").content.decode()
    assert page.count('name="password"') == 0
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post("/login/two-factor/setup/", {"code": totp_code(device)})
    assert done.status_code == 200 and TOTPDevice.objects.get(user=user, confirmed=True) == device


# Static files carry the security headers; the HTTPS redirect is never cached ---------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/static/build/govuk-frontend.min.js",
        "/static/accounts/session-timeout.js",
        "/assets/manifest.json",
    ],
)
def test_static_files_carry_the_security_headers_too(path: str) -> None:
    with override_settings(
        WHITENOISE_USE_FINDERS=True
    ):  # the test settings collect no static files
        response = Client().get(path)
    assert response.status_code == 200, path
    csp = response["Content-Security-Policy"]
    assert (
        "default-src 'self'" in csp
        and "frame-ancestors 'none'" in csp
        and "script-src 'self'" in csp
    )
    assert "nonce" not in csp.lower() and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" not in response.get(
        "Cache-Control", ""
    )  # static files may be cached: no case data
    response.close()


def test_the_https_redirect_is_never_cached() -> None:
    with override_settings(SECURE_SSL_REDIRECT=True):
        response = Client().get("/registers/1/?q=AB123")
    assert (
        response.status_code == 301
        and response["Location"] == "https://testserver/registers/1/?q=AB123"
    )
    assert response["Cache-Control"] == "no-store"
