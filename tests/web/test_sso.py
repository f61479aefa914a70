"""Single sign-on over HTTP against a real OpenID Connect provider (tests/oidc.py, its own server).

casereview is driven with Django's test client; the provider's side (its sign-in form) with a real HTTP
session, as a browser would.  Every refusal is checked on the page (403) and in the journal (its reason).

Longer than 600 lines on purpose: every single sign-on walk over HTTP (sign-in, refusals, sign-out,
*Confirm it's you* at the provider, the pages that would ask for a password) shares the ``sso`` fixture
and the walking helpers above, and reads as one account of the flow.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client

from casereview.web.accounts.middleware import SESSION_STARTED
from casereview.web.accounts.models import ProviderAssertion, ProviderIdentity
from casereview.web.accounts.services import user_deactivate
from casereview.web.journal.models import JournalEntry
from casereview.web.referrals.models import BodyContact
from casereview.web.registers.models import Body

from . import factories
from .conftest import latest_seq
from .factories import sign_in

pytestmark = pytest.mark.django_db

SITE = "http://testserver"
CALLBACK = f"{SITE}/login/sso/callback/"
SIGNED_OUT = f"{SITE}/signed-out/"

MAPPING = """
[[group]]
id = "g-admin"
role = "administrator"

[[group]]
id = "g-lead"
role = "lead_inspector"

[[group]]
id = "g-ins"
role = "inspector"

[[group]]
id = "g-analyst"
role = "analyst"

[[group]]
id = "g-liaison"
role = "liaison_officer"
body = "SYN"

[[group]]
id = "g-liaison-other"
role = "liaison_officer"
body = "OTH"

[[group]]
id = "g-audit"
role = "body_auditor"
body = "SYN"

[[group]]
id = "g-nobody"
role = "liaison_officer"
body = "NOPE"
"""


@pytest.fixture
def sso(provider: Any, settings: Any, tmp_path: Path, body: Body) -> Any:
    """Single sign-on on, through the test provider, with the mapping above (body SYN exists)."""
    return sso_on(provider, settings, tmp_path)


def sso_on(provider: Any, settings: Any, tmp_path: Path) -> Any:
    """The ``sso`` fixture's work (test_sso_defences' fixture does it too)."""
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    settings.CASEREVIEW_OIDC = {
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        "mapping": str(mapping),
        "scopes": "openid profile email",
        "label": "Sign in with Synthetic ID",
    }
    provider.allow_redirect(CALLBACK)
    provider.allow_redirect(SIGNED_OUT)
    return provider


def through_provider(
    client: Client, provider: Any, username: str, *, start: str = "/login/sso/"
) -> tuple[str, requests.Session]:
    """casereview's redirect to the provider, the person's sign-in there; returns the callback URL the
    provider sends the browser back to (not yet followed) and the provider's browser session."""
    redirect = client.get(start)
    assert redirect.status_code == 302, redirect.content[:500]
    at_provider = requests.Session()
    back = provider.sign_in(at_provider, redirect["Location"], username)
    assert back.startswith(CALLBACK), back
    return back, at_provider


def callback(client: Client, url: str) -> Any:
    return client.get(url.removeprefix(SITE))


def sso_sign_in(client: Client, provider: Any, username: str, **kwargs: Any) -> Any:
    back, _ = through_provider(client, provider, username, **kwargs)
    return callback(client, back)


def entries(since: int, action: str) -> list[JournalEntry]:
    return list(JournalEntry.objects.filter(seq__gt=since, action=action).order_by("seq"))


def roles_of(username: str) -> list[str]:
    user = get_user_model().objects.get(username=username)
    return sorted(user.groups.values_list("name", flat=True))


def contacts_of(username: str) -> list[tuple[str, str]]:
    return sorted(
        BodyContact.objects.filter(user__username=username).values_list("body__code", "kind")
    )


def assert_refused(response: Any, since: int, reason: str) -> JournalEntry:
    assert response.status_code == 403
    page = response.content.decode()
    assert '<h1 class="govuk-heading-l">You cannot sign in to casereview</h1>' in page
    assert f'data-reason="{reason}"' in page
    assert "<title>You cannot sign in to casereview – casereview</title>" in page
    refused = entries(since, "sso_refused")
    assert [e.detail["reason"] for e in refused] == [reason]
    assert entries(since, "login") == []
    return refused[0]


def form_action(response: Any) -> str:
    """The page's CSP ``form-action`` directive, as sent."""
    (directive,) = [
        d.strip()
        for d in response["Content-Security-Policy"].split(";")
        if d.strip().startswith("form-action")
    ]
    return str(directive)


def assert_signed_out(client: Client) -> None:
    home = client.get("/")
    assert home.status_code == 302 and home["Location"].startswith("/login/")


# Signing in -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "role", "contacts"),
    [
        ("g-admin", "administrator", []),
        ("g-lead", "lead_inspector", []),
        ("g-ins", "inspector", []),
        ("g-analyst", "analyst", []),
        ("g-liaison", "liaison_officer", [("SYN", "liaison")]),
        ("g-audit", "body_auditor", [("SYN", "auditor")]),
    ],
)
def test_each_role_signs_in_through_the_provider_and_lands_signed_in_with_its_role(
    sso: Any, group: str, role: str, contacts: list[tuple[str, str]]
) -> None:
    username = f"sso-{role}"
    sso.person(username, groups=["unrelated", group], amr=["pwd", "mfa"], email="x@example.test")
    client = Client()
    start = latest_seq()
    done = sso_sign_in(client, sso, username)
    assert done.status_code == 302 and done["Location"] == "/"
    assert client.get("/").status_code == 200
    assert roles_of(username) == [role]
    assert contacts_of(username) == contacts
    user = get_user_model().objects.get(username=username)
    # The test provider sends no email_verified, and the mapping does not trust its e-mail: not kept.
    assert not user.has_usable_password() and user.email == ""
    identity = ProviderIdentity.objects.get(user=user)
    assert identity.issuer == sso.issuer and identity.subject
    (login,) = entries(start, "login")
    assert login.detail["via"] == "sso" and login.detail["second_factor"] == "provider"
    assert entries(start, "user_create")[0].detail == {"role": role, "via": "sso"}


def test_a_second_sign_in_finds_the_same_user_by_the_providers_subject(sso: Any) -> None:
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    sso_sign_in(Client(), sso, "ina")
    start = latest_seq()
    again = Client()
    assert sso_sign_in(again, sso, "ina").status_code == 302
    assert again.get("/").status_code == 200
    assert ProviderIdentity.objects.count() == 1
    assert entries(start, "user_create") == [] and entries(start, "user_role_change") == []


def test_a_role_changed_at_the_provider_takes_effect_at_the_next_sign_in_and_is_journaled(
    sso: Any,
) -> None:
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    sso_sign_in(Client(), sso, "ina")
    assert roles_of("ina") == ["inspector"]
    sso.person("ina", groups=["g-liaison"], amr=["mfa"])
    start = latest_seq()
    sso_sign_in(Client(), sso, "ina")
    assert roles_of("ina") == ["liaison_officer"] and contacts_of("ina") == [("SYN", "liaison")]
    (change,) = entries(start, "user_role_change")
    assert change.detail["from"] == ["inspector"] and change.detail["to"] == "liaison_officer"
    assert change.detail["body"] == "SYN" and change.detail["via"] == "sso"
    # Moved to another body: off the first body's contacts in the same change.
    factories.body("OTH", "Other Synthetic Constabulary")
    sso.person("ina", groups=["g-liaison-other"], amr=["mfa"])
    start = latest_seq()
    sso_sign_in(Client(), sso, "ina")
    assert contacts_of("ina") == [("OTH", "liaison")]
    assert entries(start, "user_role_change")[0].detail["bodies_left"] == ["SYN"]
    # A body auditor who becomes an analyst stops being the body's auditor.
    sso.person("ina", groups=["g-audit"], amr=["mfa"])
    sso_sign_in(Client(), sso, "ina")
    assert contacts_of("ina") == [("SYN", "auditor")]
    sso.person("ina", groups=["g-analyst"], amr=["mfa"])
    start = latest_seq()
    sso_sign_in(Client(), sso, "ina")
    assert roles_of("ina") == ["analyst"] and contacts_of("ina") == []
    assert entries(start, "user_role_change")[0].detail["audited_left"] == ["SYN"]


def test_mfa_asserted_by_the_provider_means_no_code_is_asked_and_the_session_is_verified(
    sso: Any,
) -> None:
    sso.person("ina", groups=["g-ins"], amr=["pwd", "mfa"])
    client = Client()
    done = sso_sign_in(client, sso, "ina", start="/login/sso/?next=/journal/")
    assert done["Location"] == "/journal/"
    assert client.get("/").status_code == 200
    assert ProviderAssertion.objects.filter(user__username="ina", confirmed=True).count() == 1
    # The provider's assertion is no code: nothing typed is ever accepted by it.
    device = ProviderAssertion.objects.get(user__username="ina")
    assert device.verify_token("123456") is False


def test_without_mfa_from_the_provider_casereview_asks_for_its_own_authenticator(
    sso: Any,
) -> None:
    sso.person("ina", groups=["g-ins"], amr=["pwd"])
    client = Client()
    start = latest_seq()
    done = sso_sign_in(client, sso, "ina", start="/login/sso/?next=/journal/")
    assert done["Location"] == "/login/two-factor/setup/?next=/journal/"
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == "/login/two-factor/setup/"
    assert client.get("/login/two-factor/setup/").status_code == 200
    (login,) = entries(start, "login")
    assert login.detail["second_factor"] == "totp"


@pytest.mark.parametrize(
    "elsewhere",
    ["https://elsewhere.example/", "//elsewhere.example/", "/\\elsewhere.example/"],
)
def test_a_next_address_on_another_site_is_dropped(sso: Any, elsewhere: str) -> None:
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    start = "/login/sso/?" + urlencode({"next": elsewhere})
    done = sso_sign_in(Client(), sso, "ina", start=start)
    assert done["Location"] == "/"


# Refusals: the token's checks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("forged", "BadSignatureError"),
        ("wrong_audience", "InvalidClaimError:aud"),
        ("expired", "ExpiredTokenError"),
        ("wrong_issuer", "InvalidClaimError:iss"),
        ("wrong_nonce", "InvalidClaimError:nonce"),
    ],
)
def test_a_spoiled_id_token_is_refused_and_journaled(sso: Any, fault: str, error: str) -> None:
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    sso.fault(fault)
    client = Client()
    start = latest_seq()
    refused = assert_refused(sso_sign_in(client, sso, "ina"), start, "token")
    assert refused.detail["error"].startswith(error), refused.detail
    assert refused.detail["issuer"] == sso.issuer
    assert_signed_out(client)
    assert not get_user_model().objects.filter(username="ina").exists()


def test_a_replayed_callback_is_refused_as_no_sign_in_waits_for_it(sso: Any) -> None:
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    client = Client()
    back, _ = through_provider(client, sso, "ina")
    assert callback(client, back).status_code == 302
    client.post("/logout/")
    start = latest_seq()
    assert_refused(callback(client, back), start, "state")
    # From another browser, with no sign-in started at all.
    start = latest_seq()
    stranger = Client()
    assert_refused(callback(stranger, back), start, "state")
    assert_signed_out(stranger)


def test_a_code_used_once_is_refused_by_the_provider_when_replayed_with_a_fresh_state(
    sso: Any,
) -> None:
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    first = Client()
    back, _ = through_provider(first, sso, "ina")
    assert callback(first, back).status_code == 302
    used_code = parse_qs(urlsplit(back).query)["code"][0]
    attacker = Client()
    fresh = attacker.get("/login/sso/")
    fresh_state = parse_qs(urlsplit(fresh["Location"]).query)["state"][0]
    start = latest_seq()
    replayed = callback(attacker, f"/login/sso/callback/?code={used_code}&state={fresh_state}")
    refused = assert_refused(replayed, start, "provider_error")
    assert refused.detail["error"] == "invalid_grant"
    assert_signed_out(attacker)


def test_an_error_from_the_provider_is_refused_and_journaled(sso: Any) -> None:
    client = Client()
    started = client.get("/login/sso/")
    state = parse_qs(urlsplit(started["Location"]).query)["state"][0]
    start = latest_seq()
    answer = callback(client, f"/login/sso/callback/?error=access_denied&state={state}")
    assert assert_refused(answer, start, "provider_error").detail["error"] == "access_denied"
    # The error ended that sign-in; and an error answer no sign-in waits for writes nothing of its own.
    start = latest_seq()
    again = callback(client, f"/login/sso/callback/?error=access_denied&state={state}")
    assert assert_refused(again, start, "state").detail["error"] == "MismatchingStateError"
    start = latest_seq()
    stranger = callback(Client(), "/login/sso/callback/?error=words_of_my_own&state=guess")
    assert "words_of_my_own" not in str(assert_refused(stranger, start, "state").detail)


# Refusals: the mapping and casereview's own rules ---------------------------------------------------------


def test_a_person_in_no_mapped_group_is_refused(sso: Any) -> None:
    sso.person("ina", groups=["g-unknown"], amr=["mfa"])
    start = latest_seq()
    refused = assert_refused(sso_sign_in(Client(), sso, "ina"), start, "unmapped")
    assert refused.detail["subject"] and "groups" not in refused.detail
    assert not get_user_model().objects.filter(username="ina").exists()


def test_a_person_whose_groups_give_several_roles_is_refused_naming_the_groups(sso: Any) -> None:
    sso.person("ina", groups=["g-ins", "g-lead", "g-other"], amr=["mfa"])
    start = latest_seq()
    refused = assert_refused(sso_sign_in(Client(), sso, "ina"), start, "several_roles")
    assert refused.detail["groups"] == ["g-ins", "g-lead"]


def test_a_local_account_with_the_same_username_is_never_taken_over(
    sso: Any, make_user: Callable[..., Any]
) -> None:
    make_user("administrator", "ina")
    sso.person("ina", groups=["g-admin"], amr=["mfa"])
    client = Client()
    start = latest_seq()
    assert_refused(sso_sign_in(client, sso, "ina"), start, "username_taken")
    assert_signed_out(client)
    assert ProviderIdentity.objects.count() == 0


def test_a_deactivated_user_is_refused(sso: Any) -> None:
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    sso_sign_in(Client(), sso, "ina")
    user_deactivate(username="ina")
    client = Client()
    start = latest_seq()
    assert_refused(sso_sign_in(client, sso, "ina"), start, "inactive")
    assert_signed_out(client)


def test_wrong_passwords_typed_for_a_person_of_single_sign_on_do_not_keep_them_out(
    sso: Any,
) -> None:
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    sso_sign_in(Client(), sso, "ina")
    for _ in range(5):
        sign_in(Client(), "ina", "not the password at all")
    assert AccessAttempt.objects.filter(username="ina").get().failures_since_start == 5
    client = Client()
    done = sso_sign_in(client, sso, "ina")
    assert done.status_code == 302 and done["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_sign_in_from_a_locked_address_is_refused(sso: Any, settings: Any) -> None:
    settings.CASEREVIEW_LOCKOUT_IP_FAILURES = 3
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    client = Client()
    back, _ = through_provider(client, sso, "ina")
    for n in range(3):  # three passwords for three usernames from this address (127.0.0.1)
        sign_in(Client(), f"someone{n}", "not the password at all")
    response = callback(client, back)
    assert response.status_code == 429
    assert b"Sign-in is locked" in response.content
    assert_signed_out(client)


def test_a_group_for_a_body_casereview_does_not_know_is_refused(sso: Any) -> None:
    sso.person("ina", groups=["g-nobody"], amr=["mfa"])
    start = latest_seq()
    assert_refused(sso_sign_in(Client(), sso, "ina"), start, "unknown_body")
    assert not get_user_model().objects.filter(username="ina").exists()


# Signing out ----------------------------------------------------------------------------------------------


def test_sign_out_ends_the_session_then_sends_the_browser_to_the_providers_sign_out(
    sso: Any,
) -> None:
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    client = Client()
    back, at_provider = through_provider(client, sso, "ina")
    callback(client, back)
    page = client.get("/")
    assert page.status_code == 200
    # Every page of the session keeps form-action to casereview alone (sign-out leaves from a page).
    assert form_action(page) == "form-action 'self'"
    start = latest_seq()
    out = client.post("/logout/")
    assert out.status_code == 200 and out["Cache-Control"] == "no-store"
    assert form_action(out) == "form-action 'self'"
    end_session = requests.get(f"{sso.issuer}/.well-known/openid-configuration", timeout=30).json()[
        "end_session_endpoint"
    ]
    text = out.content.decode()
    link = re.search(r'id="sso-end-session" href="([^"]+)"', text)
    assert link is not None
    url = html.unescape(link.group(1))
    assert f'<meta http-equiv="refresh" content="0;url={link.group(1)}">' in text
    assert url.split("?")[0] == end_session
    query = parse_qs(urlsplit(url).query)
    assert query["client_id"] == [sso.client_id]
    assert query["post_logout_redirect_uri"] == [SIGNED_OUT]
    assert query["id_token_hint"][0].count(".") == 2
    assert_signed_out(client)
    assert [e.action for e in entries(start, "logout")] == ["logout"]
    # The provider accepts it and sends the browser back to casereview's signed-out page.
    ended = at_provider.get(url, allow_redirects=False, timeout=30)
    assert ended.status_code == 302 and ended.headers["Location"].startswith(SIGNED_OUT)
    signed_out = client.get("/signed-out/")
    assert signed_out.status_code == 200 and b"You are signed out" in signed_out.content


def test_a_password_sign_in_signs_out_as_before_even_with_single_sign_on_on(
    sso: Any, make_user: Callable[..., Any]
) -> None:
    from .conftest import verified_client

    client = verified_client(make_user("inspector", "ina"))
    assert form_action(client.get("/")) == "form-action 'self'"
    out = client.post("/logout/")
    assert out.status_code == 302 and out["Location"] == "/login/"
    assert_signed_out(client)


# On and off -----------------------------------------------------------------------------------------------


def test_the_sign_in_page_offers_single_sign_on_above_the_password_form_when_it_is_on(
    sso: Any,
) -> None:
    page = Client().get("/login/?next=/journal/").content.decode()
    assert 'href="/login/sso/?next=/journal/"' in page and "Sign in with Synthetic ID" in page
    assert page.index("Sign in with Synthetic ID") < page.index('name="password"')
    assert page.count("<h1") == 1


def test_with_single_sign_on_off_its_addresses_do_not_exist_and_there_is_no_button(
    settings: Any,
) -> None:
    settings.CASEREVIEW_OIDC = {**settings.CASEREVIEW_OIDC, "issuer": ""}
    client = Client()
    for path in ("/login/sso/", "/login/sso/callback/?code=x&state=y", "/signed-out/"):
        assert client.get(path).status_code == 404, path
    page = client.get("/login/").content.decode()
    assert "/login/sso/" not in page and "organisation" not in page


# Production refuses a half-configured provider ------------------------------------------------------------

PRODUCTION = {
    "DJANGO_SECRET_KEY": "k" * 60,
    "CASEREVIEW_ALLOWED_HOSTS": "casereview.example.org",
    "CASEREVIEW_PSEUDONYM_KEY": "p" * 40,
    "CASEREVIEW_JOURNAL_ANCHOR_KEY": "a" * 40,
    "CASEREVIEW_EMAIL_URL": "smtp://smtp.example.org:25",
    "CASEREVIEW_EMAIL_FROM": "casereview@example.org",
    "CASEREVIEW_BASE_URL": "https://casereview.example.org",
    "CASEREVIEW_TRUSTED_PROXIES": "none",
}


def production_settings(
    env: dict[str, str],
    tmp_path: Path,
    code: str = "import casereview.web.settings.production as s; print(s.CASEREVIEW_OIDC['issuer'])",
) -> subprocess.CompletedProcess[str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CASEREVIEW_", "DJANGO_", "DATABASE_URL"))
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            code,
        ],
        env={**keep, "CASEREVIEW_HOME": str(tmp_path), **PRODUCTION, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_providers_email_is_kept_when_the_mapping_trusts_it(sso: Any, settings: Any) -> None:
    mapping = Path(settings.CASEREVIEW_OIDC["mapping"])
    mapping.write_text("trust_email = true\n" + mapping.read_text(), encoding="utf-8")
    sso.person("ina", groups=["g-ins"], amr=["mfa"], email="ina@example.test")
    assert sso_sign_in(Client(), sso, "ina")["Location"] == "/"
    assert get_user_model().objects.get(username="ina").email == "ina@example.test"


def test_production_refuses_a_provider_that_is_not_https_or_half_configured_or_badly_mapped(
    tmp_path: Path,
) -> None:
    good = tmp_path / "mapping.toml"
    good.write_text(MAPPING, encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[group]]\nid = "a"\nrole = "chief"\n', encoding="utf-8")
    sso = {
        "CASEREVIEW_OIDC_ISSUER": "https://login.microsoftonline.com/tenant/v2.0/",
        "CASEREVIEW_OIDC_CLIENT_ID": "client",
        "CASEREVIEW_OIDC_CLIENT_SECRET": "secret",
        "CASEREVIEW_OIDC_MAPPING": str(good),
    }
    started = production_settings(sso, tmp_path)
    assert started.returncode == 0, started.stderr
    # Exactly as configured (a trailing "/" too): the token's iss must be identical to it.
    assert started.stdout.strip() == "https://login.microsoftonline.com/tenant/v2.0/"
    assert production_settings({}, tmp_path).returncode == 0  # off: nothing more is needed
    refusals = {
        "must be an https:// address": {"CASEREVIEW_OIDC_ISSUER": "http://idp.example.org"},
        "CASEREVIEW_OIDC_CLIENT_SECRET must be set": {"CASEREVIEW_OIDC_CLIENT_SECRET": ""},
        "CASEREVIEW_OIDC_MAPPING must be set": {"CASEREVIEW_OIDC_MAPPING": ""},
        "the file cannot be read": {"CASEREVIEW_OIDC_MAPPING": str(tmp_path / "none.toml")},
        "role 'chief', which is not a casereview role": {"CASEREVIEW_OIDC_MAPPING": str(bad)},
        "CASEREVIEW_OIDC_SCOPES must include openid": {"CASEREVIEW_OIDC_SCOPES": "profile email"},
    }
    for said, change in refusals.items():
        refused = production_settings({**sso, **change}, tmp_path)
        assert refused.returncode != 0 and said in refused.stderr, (said, refused.stderr[-500:])


def test_the_callback_and_signed_out_addresses_are_on_the_base_url_when_set_else_the_requests(
    sso: Any, settings: Any, tmp_path: Path
) -> None:
    sent = parse_qs(urlsplit(Client().get("/login/sso/")["Location"]).query)
    assert sent["redirect_uri"] == [CALLBACK]  # on the request's host
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    client = Client()
    assert sso_sign_in(client, sso, "ina")["Location"] == "/"
    settings.CASEREVIEW_OIDC = {
        **settings.CASEREVIEW_OIDC,
        "base_url": "https://casereview.example.org",
    }
    sent = parse_qs(urlsplit(Client().get("/login/sso/")["Location"]).query)
    assert sent["redirect_uri"] == ["https://casereview.example.org/login/sso/callback/"]
    out = client.post("/logout/").content.decode()
    link = re.search(r'id="sso-end-session" href="([^"]+)"', out)
    assert link is not None
    query = parse_qs(urlsplit(html.unescape(link.group(1))).query)
    assert query["post_logout_redirect_uri"] == ["https://casereview.example.org/signed-out/"]
    # Production takes it from CASEREVIEW_BASE_URL.
    code = "import casereview.web.settings.production as s; print(s.CASEREVIEW_OIDC['base_url'])"
    run = production_settings({}, tmp_path, code)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == PRODUCTION["CASEREVIEW_BASE_URL"]


def test_production_keeps_authlib_from_logging_at_debug_which_would_log_the_pkce_verifier(
    tmp_path: Path,
) -> None:
    # Even with the root logger at DEBUG (a "just turn on debug logging" in an incident).
    code = (
        "import logging, logging.config\n"
        "import casereview.web.settings.production as s\n"
        "logging.config.dictConfig({**s.LOGGING, 'root': {'level': 'DEBUG'}})\n"
        "print(logging.getLogger('authlib.integrations').isEnabledFor(logging.DEBUG),"
        " logging.getLogger('authlib').isEnabledFor(logging.WARNING))"
    )
    run = production_settings({}, tmp_path, code)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["False", "True"]


def test_a_username_claim_the_provider_does_not_send_is_refused(sso: Any, settings: Any) -> None:
    mapping = Path(settings.CASEREVIEW_OIDC["mapping"])
    mapping.write_text('username_claim = "nickname"\n' + MAPPING, encoding="utf-8")
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    start = latest_seq()
    refused = assert_refused(sso_sign_in(Client(), sso, "ina"), start, "no_username")
    assert refused.detail["groups"] == ["g-ins"]


def test_a_single_sign_on_session_ends_12_hours_after_sign_in_however_active(sso: Any) -> None:
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    client = Client()
    sso_sign_in(client, sso, "ina")
    with time_machine.travel(dt.datetime.now(tz=dt.UTC), tick=False) as clock:
        for _ in range(12 * 6 - 1):  # a request every 10 minutes for just under 12 hours
            clock.shift(dt.timedelta(minutes=10))
            assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=11))
        ended = client.get("/")
    assert ended.status_code == 302 and ended["Location"] == "/login/?expired=1"


def test_the_redirect_to_the_provider_carries_state_nonce_and_a_pkce_s256_challenge(
    sso: Any,
) -> None:
    client = Client()
    first = parse_qs(urlsplit(client.get("/login/sso/")["Location"]).query)
    second = parse_qs(urlsplit(client.get("/login/sso/")["Location"]).query)
    assert first["code_challenge_method"] == ["S256"] and len(first["code_challenge"][0]) == 43
    assert first["redirect_uri"] == [CALLBACK] and first["response_type"] == ["code"]
    assert first["scope"][0].split() == ["openid", "profile", "email"]
    for key in ("state", "nonce", "code_challenge"):  # fresh for every sign-in
        assert first[key] != second[key]
    # Both sign-ins wait in the session; neither holds the verifier in the URL.
    assert "code_verifier" not in first


# Confirm it's you, for a person of single sign-on ----------------------------------------------------------

DEACTIVATE = "/users/user/someone/deactivate/"  # a page that needs a recent sign-in


def sso_admin(sso: Any, *, amr: list[str] | None = None) -> tuple[Client, requests.Session]:
    """An administrator signed in through the provider, whose sign-in is no longer recent; returns
    casereview's client and the browser's session at the provider (still signed in there)."""
    factories.user("inspector", "someone")
    sso.person("ada", groups=["g-admin"], amr=["pwd", "mfa"] if amr is None else amr)
    client = Client()
    back, at_provider = through_provider(client, sso, "ada")
    assert callback(client, back).status_code == 302
    session = client.session
    session[SESSION_STARTED] = session[SESSION_STARTED] - 3600
    session.save()
    return client, at_provider


def confirm_redirect(client: Client, sso: Any) -> str:
    """From a page that needs a recent sign-in to *Confirm it's you*, its button, and on to the provider:
    the provider's authorization URL."""
    asked = client.get(DEACTIVATE)
    assert asked.status_code == 302 and asked["Location"].startswith("/users/confirm-it-is-you/?")
    page = client.get(asked["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "You will be asked to sign in at your organisation again" in text
    assert 'name="password"' not in text and 'name="code"' not in text
    button = re.search(r'<a href="([^"]+)" role="button"', text)
    assert button is not None
    start = client.get(html.unescape(button.group(1)))
    assert start.status_code == 302 and start["Location"].startswith(f"{sso.issuer}/")
    return str(start["Location"])


def test_an_administrator_of_single_sign_on_confirms_it_is_them_by_signing_in_at_the_provider_again(
    sso: Any,
) -> None:
    client, at_provider = sso_admin(sso)
    start = latest_seq()
    authorize = confirm_redirect(client, sso)
    query = parse_qs(urlsplit(authorize).query)
    assert query["prompt"] == ["login"] and query["max_age"] == ["0"]
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    # Still signed in at the provider, yet prompt=login makes it ask for the password again.
    asked = at_provider.get(authorize, allow_redirects=False, timeout=30)
    assert asked.status_code == 302 and "/login/" in asked.headers["Location"]
    back = sso.sign_in(at_provider, authorize, "ada")
    done = callback(client, back)
    assert done.status_code == 302 and done["Location"] == DEACTIVATE
    assert client.get(DEACTIVATE).status_code == 200  # confirmed: the page opens now
    (confirmed,) = entries(start, "identity_confirmed")
    assert confirmed.detail == {"method": "organisation's sign-in"}
    assert entries(start, "sso_refused") == [] and entries(start, "login") == []
    assert AccessAttempt.objects.count() == 0


def test_an_administrator_of_single_sign_on_is_never_asked_for_a_password_nor_locked_out_by_trying(
    sso: Any,
) -> None:
    client, _ = sso_admin(sso)
    for _ in range(6):
        posted = client.post(
            "/users/confirm-it-is-you/",
            {"password": "whatever they try", "code": "123456", "next": DEACTIVATE},
        )
        assert posted.status_code == 200
        assert 'name="password"' not in posted.content.decode()
    assert AccessAttempt.objects.count() == 0
    assert client.get(DEACTIVATE).status_code == 302  # not confirmed by anything posted
    assert sso_sign_in(Client(), sso, "ada").status_code == 302  # and not locked


def test_signing_in_at_the_provider_as_someone_else_does_not_confirm_and_is_journaled(
    sso: Any,
) -> None:
    client, _ = sso_admin(sso)
    sso.person("eve", groups=["g-admin"], amr=["mfa"])
    start = latest_seq()
    back = sso.sign_in(requests.Session(), confirm_redirect(client, sso), "eve")
    refused = callback(client, back)
    assert refused.status_code == 403
    assert b"We could not confirm it" in refused.content
    assert b'data-reason="other_person"' in refused.content
    assert b'href="/users/confirm-it-is-you/?next=%2Fusers%2Fuser%2Fsomeone%2Fdeactivate%2F"' in (
        refused.content
    )  # "Try again" leads back to the page they were going to
    (entry,) = entries(start, "sso_refused")
    assert entry.detail["reason"] == "other_person" and entry.detail["confirming"] is True
    assert entry.actor_name == "ada"
    assert entries(start, "identity_confirmed") == []
    assert client.get(DEACTIVATE).status_code == 302
    assert not ProviderIdentity.objects.filter(user__username="eve").exists()  # nobody was made


def test_a_sign_in_at_the_provider_older_than_the_request_does_not_confirm(sso: Any) -> None:
    client, at_provider = sso_admin(sso)
    authorize = confirm_redirect(client, sso)
    session = (
        client.session
    )  # as if the provider had answered with a sign-in from before the request
    session["casereview_sso_confirm"] = {
        **session["casereview_sso_confirm"],
        "requested_at": session["casereview_sso_confirm"]["requested_at"] + 3600,
    }
    session.save()
    start = latest_seq()
    refused = callback(client, sso.sign_in(at_provider, authorize, "ada"))
    assert refused.status_code == 403 and b'data-reason="not_fresh"' in refused.content
    assert [e.detail["reason"] for e in entries(start, "sso_refused")] == ["not_fresh"]
    assert client.get(DEACTIVATE).status_code == 302


def test_a_spoiled_id_token_when_confirming_is_refused_and_journaled(sso: Any) -> None:
    client, at_provider = sso_admin(sso)
    authorize = confirm_redirect(client, sso)
    sso.fault("forged")
    start = latest_seq()
    refused = callback(client, sso.sign_in(at_provider, authorize, "ada"))
    assert refused.status_code == 403 and b'data-reason="token"' in refused.content
    assert [e.detail["reason"] for e in entries(start, "sso_refused")] == ["token"]
    assert client.get(DEACTIVATE).status_code == 302


def test_without_mfa_from_the_provider_confirming_also_takes_the_authenticator_code(
    sso: Any,
) -> None:
    factories.user("inspector", "someone")
    sso.person("ada", groups=["g-admin"], amr=["pwd"])
    client = Client()
    back, at_provider = through_provider(client, sso, "ada")
    callback(client, back)
    device = factories.authenticator(get_user_model().objects.get(username="ada"))
    assert (
        client.post("/login/two-factor/", {"code": factories.totp_code(device)}).status_code == 302
    )
    session = client.session
    session[SESSION_STARTED] = session[SESSION_STARTED] - 3600
    session.save()
    start = latest_seq()
    done = callback(client, sso.sign_in(at_provider, confirm_redirect(client, sso), "ada"))
    assert done.status_code == 302 and done["Location"].startswith("/users/confirm-it-is-you/?")
    page = client.get(done["Location"]).content.decode()
    assert 'name="code"' in page and 'name="password"' not in page
    assert client.get(DEACTIVATE).status_code == 302  # not yet
    ok = client.post(
        "/users/confirm-it-is-you/",
        {"code": factories.totp_code(device, drift=1), "next": DEACTIVATE},
    )
    assert ok.status_code == 302 and ok["Location"] == DEACTIVATE
    assert client.get(DEACTIVATE).status_code == 200
    assert [e.detail for e in entries(start, "identity_confirmed")] == [{"method": "authenticator"}]


# Pages that would ask a person of single sign-on for a password --------------------------------------------


def test_a_person_of_single_sign_on_is_told_their_password_is_kept_by_their_organisation(
    sso: Any,
) -> None:
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    client = Client()
    sso_sign_in(client, sso, "ina")
    page = client.get("/users/password/")
    text = page.content.decode()
    assert page.status_code == 200 and "kept by your organisation’s sign-in" in text
    assert "<form" not in text.split("<main", 1)[1].split("</main>")[0]
    posted = client.post(
        "/users/password/",
        {
            "old_password": "x",
            "new_password1": "a-long-new-pass-1",
            "new_password2": "a-long-new-pass-1",
        },
    )
    assert (
        posted.status_code == 400
        and "kept by your organisation’s sign-in" in posted.content.decode()
    )
    assert not get_user_model().objects.get(username="ina").has_usable_password()
    assert AccessAttempt.objects.count() == 0


def test_a_person_of_single_sign_on_replaces_their_authenticator_without_a_password(
    sso: Any,
) -> None:
    sso.person("ina", groups=["g-ins"], amr=["pwd"])
    client = Client()
    back, _ = through_provider(client, sso, "ina")
    callback(client, back)
    device = factories.authenticator(get_user_model().objects.get(username="ina"))
    client.post("/login/two-factor/", {"code": factories.totp_code(device)})
    page = client.get("/login/two-factor/setup/").content.decode()
    assert 'name="code"' in page and 'name="password"' not in page
    session = client.session
    session[SESSION_STARTED] = session[SESSION_STARTED] - 3600
    session.save()
    late = client.get("/login/two-factor/setup/").content.decode()
    assert (
        "sign in again with your organisation’s account" in late
        and "<form" not in late.split("<main", 1)[1].split("</main>")[0]
    )


# The mapping file broken while the server runs -------------------------------------------------------------


@pytest.mark.parametrize("broken", ["unparsable", "gone"])
def test_a_mapping_file_broken_while_running_refuses_the_sign_in_and_logs_why(
    sso: Any, settings: Any, caplog: pytest.LogCaptureFixture, broken: str
) -> None:
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    mapping = Path(settings.CASEREVIEW_OIDC["mapping"])
    client = Client()
    back, _ = through_provider(client, sso, "ina")
    if broken == "gone":
        mapping.unlink()
    else:
        mapping.write_text('[[group]]\nid = "g-ins"\nrole = "wizard"\n', encoding="utf-8")
    start = latest_seq()
    with caplog.at_level(logging.ERROR):
        refused = callback(client, back)
    entry = assert_refused(refused, start, "configuration")
    assert "contact your casereview administrator" in refused.content.decode().lower()
    assert entry.detail["issuer"] == sso.issuer and entry.detail["subject"]
    logged = [r.getMessage() for r in caplog.records if "mapping file" in r.getMessage()]
    assert len(logged) == 1 and str(mapping) in logged[0]
    assert ("wizard" in logged[0]) is (broken == "unparsable")
    code = parse_qs(urlsplit(back).query)["code"][0]
    assert all(code not in r.getMessage() for r in caplog.records)
    assert_signed_out(client)


# The administrators' pages ----------------------------------------------------------------------------------


def test_the_users_pages_say_a_second_factor_comes_through_the_organisations_sign_in(
    sso: Any,
) -> None:
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    sso.person("tom", groups=["g-ins"], amr=["pwd"])
    sso_sign_in(Client(), sso, "ina")
    sso_sign_in(Client(), sso, "tom")
    admin = factories.verified_client(factories.user("administrator", "boss"))
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(
            r'>([a-z]+)</a></th>(?:<td class="govuk-table__cell">[^<]*</td>){2}'
            r'<td class="govuk-table__cell">([^<]*)</td>',
            admin.get("/users/").content.decode(),
        )
    }
    assert rows == {
        "boss": "Set up",
        "ina": "Through their organisation’s sign-in",
        "tom": "Not yet",
    }
    one = admin.get("/users/user/ina/").content.decode()
    assert "Through their organisation’s sign-in" in one


def test_the_signed_out_page_sends_someone_still_signed_in_to_the_start_page(sso: Any) -> None:
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    client = Client()
    sso_sign_in(client, sso, "ina")
    page = client.get("/signed-out/")
    assert page.status_code == 302 and page["Location"] == "/"
    assert Client().get("/signed-out/").status_code == 200
