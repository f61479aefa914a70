"""Single sign-on's defences, over HTTP against the real test provider (tests/oidc.py).

The second factor cannot be set up by someone holding only the provider's password; made-up answers
cannot fill the journal; a provider that is down, or a discovery document or keys that cannot be used,
are refusals, never a 500; the identity is the provider's ``sub``; the journal keeps no token or claim.
The walking helpers and the ``sso`` fixture are test_sso's.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from joserfc.jwk import RSAKey

from casereview.domain.sso import SsoGrant
from casereview.web.accounts import sso_client, sso_services
from casereview.web.accounts.models import ProviderAssertion, ProviderIdentity
from casereview.web.accounts.services import user_second_factor_reset
from casereview.web.api.services import token_create
from casereview.web.journal.models import JournalEntry
from casereview.web.registers.models import Body

from .conftest import latest_seq
from .test_sso import (
    assert_refused,
    assert_signed_out,
    callback,
    entries,
    sso_on,
    sso_sign_in,
    through_provider,
)

pytestmark = pytest.mark.django_db

#: django-oauth-toolkit's default lifetime of an ID token (the test provider keeps it).
ID_TOKEN_SECONDS = 36000


@pytest.fixture
def sso(provider: Any, settings: Any, tmp_path: Path, body: Body) -> Any:
    """Single sign-on on, through the test provider, with test_sso's mapping (body SYN exists)."""
    return sso_on(provider, settings, tmp_path)


# The second factor ----------------------------------------------------------------------------------------


def test_a_sign_in_without_mfa_cannot_set_up_an_authenticator_for_someone_whose_sign_ins_had_mfa(
    sso: Any,
) -> None:
    sso.person("ina", groups=["g-admin"], amr=["pwd", "mfa"])
    assert sso_sign_in(Client(), sso, "ina")["Location"] == "/"
    sso.person("ina", groups=["g-admin"], amr=["pwd"])  # the provider's policy no longer asks
    client = Client()
    start = latest_seq()
    refused = assert_refused(sso_sign_in(client, sso, "ina"), start, "mfa_required")
    assert refused.detail["subject"]
    page = sso_sign_in(Client(), sso, "ina").content.decode()
    assert "must ask for the second factor, or an administrator must set you up" in page
    assert client.get("/login/two-factor/setup/")["Location"].startswith("/login/")
    user = get_user_model().objects.get(username="ina")
    assert not TOTPDevice.objects.filter(user=user).exists()
    # An administrator's reset forgets the provider's word too, and lets her set one up, once.
    user_second_factor_reset(username="ina")
    assert not ProviderAssertion.objects.filter(user=user).exists()
    done = sso_sign_in(Client(), sso, "ina")
    assert done.status_code == 302 and done["Location"] == "/login/two-factor/setup/"


def test_a_new_person_whose_first_sign_in_has_no_mfa_sets_up_an_authenticator(sso: Any) -> None:
    sso.person("ina", groups=["g-ins"], amr=["pwd"])
    done = sso_sign_in(Client(), sso, "ina")
    assert done.status_code == 302 and done["Location"] == "/login/two-factor/setup/"


# Bounded journal ------------------------------------------------------------------------------------------


def test_made_up_callbacks_from_one_address_are_journaled_up_to_the_address_limit_then_locked(
    sso: Any, settings: Any
) -> None:
    settings.CASEREVIEW_LOCKOUT_IP_FAILURES = 4
    start = latest_seq()
    answers = [
        Client().get(f"/login/sso/callback/?state=made-up-{n}&code=x").status_code for n in range(7)
    ]
    assert answers == [403] * 4 + [429] * 3
    assert len(entries(start, "sso_refused")) == 4
    (locked,) = entries(start, "locked_out")
    assert locked.detail["lock"] == "address"
    assert Client().get("/login/sso/").status_code == 429  # starts too, with no entry
    assert len(entries(start, "sso_refused")) == 4
    # Another address still signs in.
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    other = Client(REMOTE_ADDR="10.9.8.7")
    assert sso_sign_in(other, sso, "ina")["Location"] == "/"


# The provider down, or its documents unusable --------------------------------------------------------------


@pytest.fixture
def silent_provider() -> Iterator[tuple[str, list[socket.socket]]]:
    """An issuer whose server accepts connections and never answers; yields it and the connections."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/o", accepted
    server.close()
    for conn in accepted:
        conn.close()


def test_a_provider_that_does_not_answer_is_refused_and_not_asked_again_at_once(
    sso: Any, settings: Any, silent_provider: tuple[str, list[socket.socket]]
) -> None:
    issuer, accepted = silent_provider
    settings.CASEREVIEW_OIDC = {**settings.CASEREVIEW_OIDC, "issuer": issuer}
    settings.CASEREVIEW_OIDC_TIMEOUT = 0.5
    start = latest_seq()
    first = Client().get("/login/sso/")
    assert len(accepted) == 1
    assert_refused(first, start, "provider_unreachable")
    again = latest_seq()
    second = Client().get("/login/sso/")
    assert len(accepted) == 1  # the failure is remembered: the provider was not asked again
    refused = assert_refused(second, again, "provider_unreachable")
    assert refused.detail["error"] == "discovery_unreachable"


def test_a_discovery_document_that_names_another_issuer_is_refused(sso: Any, settings: Any) -> None:
    # The provider answers at "localhost" too, but its document names 127.0.0.1.
    issuer = sso.issuer.replace("127.0.0.1", "localhost")
    settings.CASEREVIEW_OIDC = {**settings.CASEREVIEW_OIDC, "issuer": issuer}
    start = latest_seq()
    refused = assert_refused(Client().get("/login/sso/"), start, "provider_error")
    assert refused.detail["error"] == "discovery_issuer_mismatch"


@pytest.fixture
def spoiled_metadata(sso: Any) -> Iterator[dict[str, Any]]:
    """The discovery document casereview's client holds for the test provider, loaded, to be spoiled by
    the test; the client is forgotten afterwards, so the next test loads the real one."""
    config = sso_client.oidc_config()
    assert config is not None
    client = sso_client.oidc_client(config)
    metadata: dict[str, Any] = client.load_server_metadata()
    yield metadata
    with sso_client._clients_lock:
        sso_client._clients.pop(sso_client._key(config), None)


@pytest.mark.parametrize(
    ("spoil", "error"),
    [
        ({"jwks": {"other": []}}, "KeyError"),  # a key set with no keys
        ({"jwks": {"keys": 1}}, "TypeError"),  # keys that are not a list
        ({"jwks": None, "jwks_uri": None}, "RuntimeError"),  # nowhere to fetch them from
    ],
)
def test_keys_that_cannot_be_used_are_a_refusal_never_a_500(
    sso: Any, spoiled_metadata: dict[str, Any], spoil: dict[str, Any], error: str
) -> None:
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    client = Client()
    back, _ = through_provider(client, sso, "ina")
    spoiled_metadata.update(spoil)
    start = latest_seq()
    refused = assert_refused(callback(client, back), start, "token")
    assert refused.detail["error"] == error
    assert_signed_out(client)


def test_a_provider_that_lists_only_none_and_hmac_is_refused(
    sso: Any, spoiled_metadata: dict[str, Any]
) -> None:
    spoiled_metadata[sso_client.ALGORITHMS_KEY] = ["none", "HS256"]
    start = latest_seq()
    refused = assert_refused(Client().get("/login/sso/"), start, "provider_error")
    assert refused.detail["error"] == "no_usable_alg"


def test_the_token_algorithms_accepted_are_cut_down_to_casereviews_allow_list(
    sso: Any, spoiled_metadata: dict[str, Any]
) -> None:
    spoiled_metadata[sso_client.ALGORITHMS_KEY] = ["none", "HS256", "RS256"]
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    assert sso_sign_in(Client(), sso, "ina")["Location"] == "/"
    assert spoiled_metadata[sso_client.ALGORITHMS_KEY] == ["RS256"]


# The provider's document and keys are not trusted for ever ---------------------------------------------------


def other_keys() -> dict[str, Any]:
    """A key set with one RSA key the provider never published (what a client holds before a rotation)."""
    return {
        "keys": [RSAKey.generate_key(2048, parameters={"kid": "withdrawn"}).as_dict(private=False)]
    }


def test_the_providers_document_and_keys_are_fetched_again_once_their_maximum_age_has_passed(
    sso: Any, settings: Any, spoiled_metadata: dict[str, Any]
) -> None:
    config = sso_client.oidc_config()
    assert config is not None
    held = sso_client.oidc_client(config)
    spoiled_metadata["jwks"] = other_keys()  # a key the provider has since withdrawn
    loaded = spoiled_metadata["_loaded_at"]
    assert sso_client.oidc_client(config, now=loaded + 3599) is held
    fresh = sso_client.oidc_client(config, now=loaded + 3600)
    assert fresh is not held and "jwks" not in fresh.server_metadata
    assert sso_client.oidc_client(config) is fresh
    settings.CASEREVIEW_OIDC_METADATA_SECONDS = 60
    fresh.load_server_metadata()
    again = fresh.server_metadata["_loaded_at"]
    assert sso_client.oidc_client(config, now=again + 59) is fresh
    assert sso_client.oidc_client(config, now=again + 60) is not fresh
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    assert sso_sign_in(Client(), sso, "ina")["Location"] == "/"


def test_a_token_signed_with_a_key_not_held_fetches_the_keys_again_at_most_once_a_minute(
    sso: Any, spoiled_metadata: dict[str, Any]
) -> None:
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    spoiled_metadata["jwks"] = other_keys()  # held from before the provider's key rotation
    assert sso_sign_in(Client(), sso, "ina")["Location"] == "/"  # the new key is fetched
    assert "withdrawn" not in json.dumps(spoiled_metadata["jwks"])
    spoiled_metadata["jwks"] = other_keys()
    client = Client()
    back, _ = through_provider(client, sso, "ina")
    start = latest_seq()
    refused = assert_refused(callback(client, back), start, "token")
    assert refused.detail["error"] == "InvalidKeyIdError"  # not fetched again within the minute
    assert "withdrawn" in json.dumps(spoiled_metadata["jwks"])
    config = sso_client.oidc_config()
    assert config is not None
    sso_client.oidc_client(config)._forced_at -= 60  # a minute later
    assert sso_sign_in(Client(), sso, "ina")["Location"] == "/"


# The token's checks, tightened -----------------------------------------------------------------------------


@pytest.mark.parametrize(("late", "refused"), [(30, False), (70, True)])
def test_a_token_expired_by_more_than_the_minute_of_leeway_is_refused(
    sso: Any, late: int, refused: bool
) -> None:
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    client = Client()
    back, _ = through_provider(client, sso, "ina")
    session = client.session
    session.set_expiry(2 * ID_TOKEN_SECONDS)  # the browser's session outlives the jump in time
    session.save()
    issued = time.time()  # the token is issued at the code exchange, by the provider's (real) clock
    start = latest_seq()
    with time_machine.travel(issued + ID_TOKEN_SECONDS + late, tick=True):
        answer = callback(client, back)
    if refused:
        assert assert_refused(answer, start, "token").detail["error"] == "ExpiredTokenError:exp"
    else:
        assert answer.status_code == 302 and answer["Location"] == "/"


def test_the_identity_is_the_providers_subject_not_the_username_it_sends(
    sso: Any, settings: Any
) -> None:
    sso.person("ina", groups=["g-ins"], amr=["mfa"], email="ina.other@example.test")
    assert sso_sign_in(Client(), sso, "ina")["Location"] == "/"
    mapping = Path(settings.CASEREVIEW_OIDC["mapping"])
    mapping.write_text('username_claim = "email"\n' + mapping.read_text(), encoding="utf-8")
    client = Client()
    start = latest_seq()
    assert sso_sign_in(client, sso, "ina")["Location"] == "/"
    assert entries(start, "user_create") == [] and entries(start, "sso_refused") == []
    (login,) = entries(start, "login")
    assert login.object_id == "ina"
    assert not get_user_model().objects.filter(username="ina.other@example.test").exists()


def test_signing_in_gives_the_browser_a_new_session_key(sso: Any) -> None:
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    client = Client()
    back, _ = through_provider(client, sso, "ina")
    before = client.cookies["sessionid"].value
    assert callback(client, back)["Location"] == "/"
    assert client.cookies["sessionid"].value not in {"", before}


def test_a_username_that_differs_from_a_local_one_only_in_case_is_taken(
    sso: Any, make_user: Any
) -> None:
    make_user("administrator", "admin")
    sso.person("Admin", groups=["g-ins"], amr=["mfa"])
    start = latest_seq()
    assert_refused(sso_sign_in(Client(), sso, "Admin"), start, "username_taken")


# Sessions and the journal ---------------------------------------------------------------------------------


def test_a_session_keeps_only_the_newest_five_sign_ins_waiting_for_the_provider(
    sso: Any,
) -> None:
    client = Client()
    for _ in range(10):
        assert client.get("/login/sso/").status_code == 302
    waiting = [k for k, _ in client.session.items() if k.startswith("_state_")]
    assert len(waiting) == 5


_JWT = re.compile(r"[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}")
_REFUSAL_KEYS = {
    "reason",
    "ip",
    "issuer",
    "subject",
    "error",
    "groups",
    "confirming",
    "sessions_ended",
    "api_tokens_revoked",
}


def test_the_journal_keeps_no_token_and_no_claim_of_a_whole_sign_in_and_out(sso: Any) -> None:
    sso.person("ina", groups=["g-ins"], amr=["mfa"], name="Ina Example", email="ina@example.test")
    start = latest_seq()
    client = Client()
    assert sso_sign_in(client, sso, "ina")["Location"] == "/"
    assert client.post("/logout/").status_code == 200
    sso.fault("wrong_nonce")
    assert sso_sign_in(Client(), sso, "ina").status_code == 403
    assert Client().get("/login/sso/callback/?state=made-up").status_code == 403
    written = list(JournalEntry.objects.filter(seq__gt=start))
    assert {e.action for e in written} >= {"login", "logout", "sso_refused"}
    for entry in written:
        text = json.dumps(entry.detail)
        assert "Ina Example" not in text and "ina@example.test" not in text, entry.detail
        assert not _JWT.search(text), entry.detail
        if entry.action == "sso_refused":
            assert set(entry.detail) <= _REFUSAL_KEYS, entry.detail


def test_a_person_the_provider_no_longer_puts_in_any_group_loses_their_sessions_and_tokens(
    sso: Any,
) -> None:
    sso.person("ina", groups=["g-ins"], amr=["mfa"])
    signed_in = Client()
    assert sso_sign_in(signed_in, sso, "ina")["Location"] == "/"
    user = get_user_model().objects.get(username="ina")
    token = token_create(user=user, name="script", scopes=["read"]).token
    sso.person("ina", groups=["g-unknown"], amr=["mfa"])  # she left
    start = latest_seq()
    refused = assert_refused(sso_sign_in(Client(), sso, "ina"), start, "unmapped")
    assert refused.detail["sessions_ended"] == 1 and refused.detail["api_tokens_revoked"] == 1
    assert_signed_out(signed_in)
    token.refresh_from_db()
    assert token.revoked_at is not None


# Two first sign-ins of one person at once -----------------------------------------------------------------


def _other_request_links_first(times: int) -> Any:
    """A database wrapper that, just before this request links the person, links them the way another
    request racing it would (``times`` times): the real unique constraint then refuses this one."""
    left = [times]

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if left[0] and sql.startswith('INSERT INTO "accounts_provideridentity"'):
            left[0] -= 1
            execute(sql, params, many, context)  # the other request's row, in the same transaction
        return execute(sql, params, many, context)

    return wrapper


GRANT = SsoGrant(
    username="ina",
    name="",
    email="",
    role="inspector",
    body_code=None,
    provider_mfa=True,
)


def test_a_first_sign_in_that_loses_a_race_to_link_the_person_looks_again_and_signs_in() -> None:
    with connection.execute_wrapper(_other_request_links_first(1)):
        signed = sso_services.sso_sign_in(
            issuer="https://idp.example", subject="s-1", grant=GRANT, ip="10.0.0.1"
        )
    assert signed.user.get_username() == "ina"
    assert (
        ProviderIdentity.objects.get(issuer="https://idp.example", subject="s-1").user
        == signed.user
    )


def test_a_first_sign_in_that_still_cannot_link_the_person_is_refused_not_a_server_error() -> None:
    with (
        connection.execute_wrapper(_other_request_links_first(2)),
        pytest.raises(sso_services.SsoRefused) as refused,
    ):
        sso_services.sso_sign_in(
            issuer="https://idp.example", subject="s-1", grant=GRANT, ip="10.0.0.1"
        )
    assert refused.value.reason == "configuration"
    assert not get_user_model().objects.filter(username="ina").exists()
