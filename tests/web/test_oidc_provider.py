"""Smoke tests of the test OpenID Connect provider (tests/oidc_provider, fixtures in tests/oidc.py).

They prove the provider is a real one (discovery, JWKS, the code flow with PKCE, signed ID tokens, code
replay refused, RP-initiated logout) and that each fault makes the check a correct client does fail, so
casereview's sign-in tests can trust a refusal to come from the fault they set. The ID token is checked as
Authlib's client does it (joserfc against the JWKS, then CodeIDToken), with the audience made explicit.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry, extract_compact

from tests.oidc import Provider

CALLBACK = "http://127.0.0.1:9/login/sso/callback/"  # never visited: sign_in stops at the redirect
SIGNED_OUT = "http://127.0.0.1:9/signed-out/"


@pytest.fixture
def op(provider: Provider) -> Provider:
    provider.allow_redirect(CALLBACK)
    provider.allow_redirect(SIGNED_OUT)
    provider.person(
        "ina",
        groups=["g-lead", "g-staff"],
        amr=["pwd", "mfa"],
        acr="urn:test:loa:2",
        name="Ina Example",
        email="ina@example.test",
    )
    return provider


def discovery(provider: Provider) -> dict[str, Any]:
    response = requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=30)
    response.raise_for_status()
    return dict(response.json())


def authorize(provider: Provider, **extra: str) -> tuple[OAuth2Session, str, dict[str, str]]:
    """casereview's half of the start: the authorization URL, with a fresh state, nonce and verifier."""
    client = OAuth2Session(
        provider.client_id,
        provider.client_secret,
        scope="openid profile email",
        redirect_uri=CALLBACK,
        code_challenge_method="S256",
    )
    secrets = {"code_verifier": generate_token(48), "nonce": generate_token(20)}
    url, state = client.create_authorization_url(
        discovery(provider)["authorization_endpoint"], **secrets, **extra
    )
    return client, url, {**secrets, "state": state}


def code_flow(provider: Provider, username: str = "ina") -> tuple[dict[str, Any], str]:
    """Sign in and exchange the code: the token response and the nonce sent."""
    client, url, secrets = authorize(provider)
    back = provider.sign_in(requests.Session(), url, username)
    token = client.fetch_token(
        discovery(provider)["token_endpoint"],
        authorization_response=back,
        code_verifier=secrets["code_verifier"],
    )
    return dict(token), secrets["nonce"]


def checked_claims(provider: Provider, token: dict[str, Any], nonce: str) -> dict[str, Any]:
    """The ID token's claims after the checks casereview's Authlib client makes; raises on any failure."""
    jwks = requests.get(discovery(provider)["jwks_uri"], timeout=30).json()
    decoded = jwt.decode(
        token["id_token"], KeySet.import_key_set(jwks), registry=JWSRegistry(algorithms=["RS256"])
    )
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {
            "iss": {"essential": True, "value": provider.issuer},
            "aud": {"essential": True, "value": provider.client_id},
        },
        {"nonce": nonce, "client_id": provider.client_id, "access_token": token["access_token"]},
    )
    claims.validate(leeway=120)
    return dict(claims)


def test_discovery_names_the_issuer_its_endpoints_s256_and_the_end_session_endpoint(
    provider: Provider,
) -> None:
    document = discovery(provider)
    assert document["issuer"] == provider.issuer
    assert provider.issuer.startswith("http://127.0.0.1:") and provider.issuer.endswith("/o")
    for endpoint in (
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "end_session_endpoint",
    ):
        assert document[endpoint].startswith(provider.issuer + "/")
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert "RS256" in document["id_token_signing_alg_values_supported"]


def test_the_jwks_publishes_one_rsa_signing_key_with_a_kid(provider: Provider) -> None:
    keys = requests.get(discovery(provider)["jwks_uri"], timeout=30).json()["keys"]
    assert [(key["kty"], key["alg"], bool(key["kid"])) for key in keys] == [("RSA", "RS256", True)]


def test_a_code_flow_with_pkce_gives_a_signed_id_token_with_the_persons_claims(
    op: Provider,
) -> None:
    token, nonce = code_flow(op)
    claims = checked_claims(op, token, nonce)
    assert claims["iss"] == op.issuer
    assert claims["aud"] == op.client_id
    assert claims["nonce"] == nonce
    assert claims["preferred_username"] == "ina"
    assert claims["groups"] == ["g-lead", "g-staff"]
    assert claims["amr"] == ["pwd", "mfa"]
    assert claims["acr"] == "urn:test:loa:2"
    assert (claims["name"], claims["email"]) == ("Ina Example", "ina@example.test")
    assert claims["sub"]


def test_a_person_without_amr_or_acr_gets_neither_claim(op: Provider) -> None:
    op.person("ben", groups=[], name="Ben Example")
    token, nonce = code_flow(op, "ben")
    claims = checked_claims(op, token, nonce)
    assert "amr" not in claims and "acr" not in claims
    assert claims["groups"] == []


@pytest.mark.parametrize(
    ("mode", "error", "claim"),
    [
        ("forged", BadSignatureError, None),
        ("wrong_audience", InvalidClaimError, "aud"),
        ("expired", ExpiredTokenError, None),
        ("wrong_issuer", InvalidClaimError, "iss"),
        ("wrong_nonce", InvalidClaimError, "nonce"),
    ],
)
def test_each_fault_makes_the_id_token_check_fail(
    op: Provider, mode: str, error: type[JoseError], claim: str | None
) -> None:
    op.fault(mode)
    token, nonce = code_flow(op)
    with pytest.raises(error) as raised:
        checked_claims(op, token, nonce)
    if claim is not None:
        assert raised.value.claim == claim  # type: ignore[attr-defined]


def test_a_forged_token_names_the_published_key_so_the_signature_is_what_fails(
    op: Provider,
) -> None:
    published = requests.get(discovery(op)["jwks_uri"], timeout=30).json()["keys"][0]["kid"]
    op.fault("forged")
    token, _ = code_flow(op)
    assert extract_compact(token["id_token"].encode()).headers()["kid"] == published


def test_authlibs_default_checks_refuse_another_clients_token_through_azp(op: Provider) -> None:
    """Authlib's client checks iss by default but aud only through azp: a bare wrong aud still fails."""
    op.fault("wrong_audience")
    token, nonce = code_flow(op)
    jwks = requests.get(discovery(op)["jwks_uri"], timeout=30).json()
    decoded = jwt.decode(token["id_token"], KeySet.import_key_set(jwks))
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {"iss": {"values": [op.issuer]}},
        {"nonce": nonce, "client_id": op.client_id, "access_token": token["access_token"]},
    )
    with pytest.raises(MissingClaimError) as raised:
        claims.validate(leeway=120)
    assert raised.value.claim == "azp"


def test_the_fault_ends_when_reset(op: Provider) -> None:
    op.fault("expired")
    op.fault(None)
    token, nonce = code_flow(op)
    assert checked_claims(op, token, nonce)["preferred_username"] == "ina"


def test_a_replayed_authorization_code_is_refused(op: Provider) -> None:
    _, url, secrets = authorize(op)
    back = op.sign_in(requests.Session(), url, "ina")
    code = parse_qs(urlsplit(back).query)["code"][0]
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": secrets["code_verifier"],
    }
    endpoint = discovery(op)["token_endpoint"]
    auth = (op.client_id, op.client_secret)
    first = requests.post(endpoint, data=exchange, auth=auth, timeout=30)
    assert first.status_code == 200 and "id_token" in first.json()
    again = requests.post(endpoint, data=exchange, auth=auth, timeout=30)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_an_authorization_request_without_pkce_is_refused(op: Provider) -> None:
    client = OAuth2Session(op.client_id, op.client_secret, scope="openid", redirect_uri=CALLBACK)
    url, _ = client.create_authorization_url(
        discovery(op)["authorization_endpoint"], nonce=generate_token(20)
    )
    back = op.sign_in(requests.Session(), url, "ina")
    assert parse_qs(urlsplit(back).query)["error"] == ["invalid_request"]


def test_a_wrong_client_secret_is_refused_at_the_token_endpoint(op: Provider) -> None:
    _, url, secrets = authorize(op)
    back = op.sign_in(requests.Session(), url, "ina")
    response = requests.post(
        discovery(op)["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": parse_qs(urlsplit(back).query)["code"][0],
            "redirect_uri": CALLBACK,
            "code_verifier": secrets["code_verifier"],
        },
        auth=(op.client_id, "not-the-secret"),
        timeout=30,
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_rp_initiated_logout_returns_to_a_registered_uri_and_refuses_another(op: Provider) -> None:
    token, _ = code_flow(op)
    end_session = discovery(op)["end_session_endpoint"]
    logout = {"id_token_hint": token["id_token"], "client_id": op.client_id, "state": "s1"}
    refused = requests.get(
        end_session,
        params={**logout, "post_logout_redirect_uri": "http://127.0.0.1:9/elsewhere/"},
        allow_redirects=False,
        timeout=30,
    )
    assert refused.status_code == 400
    back = requests.get(
        end_session,
        params={**logout, "post_logout_redirect_uri": SIGNED_OUT},
        allow_redirects=False,
        timeout=30,
    )
    assert back.status_code == 302
    assert back.headers["Location"] == SIGNED_OUT + "?state=s1"


def test_an_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(op: Provider) -> None:
    client = OAuth2Session(
        op.client_id,
        scope="openid",
        redirect_uri="http://127.0.0.1:9/not-registered/",
        code_challenge_method="S256",
    )
    url, _ = client.create_authorization_url(
        discovery(op)["authorization_endpoint"], code_verifier=generate_token(48)
    )
    with pytest.raises(AssertionError, match="the provider answered 400"):
        op.sign_in(requests.Session(), url, "ina")
