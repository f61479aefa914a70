"""The OpenID Connect relying party: Authlib's Django client, built from the current settings.

Authlib keeps ``state``, ``nonce`` and the PKCE verifier (S256) in the session at the redirect, and at the
callback checks the state (once: it is dropped before the code is exchanged, so a replayed callback finds
none), exchanges the code with the verifier, checks the ID token's signature against the provider's
published keys (JWKS) and its nonce, expiry and issue time.  Issuer and audience are checked here as well,
against casereview's own configuration rather than what the provider's discovery document says (Authlib
alone takes the document's issuer, and checks the audience only through ``azp``).

Settings are read at each use (tests change them); clients are kept per issuer and client, so the
provider's discovery document and keys are fetched once per process.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from joserfc.errors import JoseError

from casereview.domain.errors import Refused
from casereview.domain.sso import RefusalReason, SsoMapping, parse_mapping

#: The name Authlib keeps the sign-in's state under in the session (``_state_<name>_<state>``).
CLIENT_NAME = "casereview_oidc"
#: Seconds allowed for the provider's clock against ours on ``exp``, ``iat`` and ``nbf``.
LEEWAY_SECONDS = 60
#: Seconds before a request to the provider (discovery, keys, token) is given up.
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    mapping_path: str
    scopes: str
    label: str


class SsoCheckFailed(Refused):
    """The provider's answer did not pass a check: ``reason`` (domain.sso.RefusalReason) and ``error``, the
    name of what failed (Authlib's or joserfc's error class, and the claim when there is one)."""

    def __init__(self, reason: str, error: str) -> None:
        super().__init__(f"single sign-on refused: {reason} ({error})")
        self.reason = reason
        self.error = error


def oidc_config() -> OidcConfig | None:
    """Single sign-on's configuration, or None when it is off (no issuer)."""
    raw = getattr(settings, "CASEREVIEW_OIDC", None) or {}
    issuer = str(raw.get("issuer") or "").strip().rstrip("/")
    if not issuer:
        return None
    return OidcConfig(
        issuer=issuer,
        client_id=str(raw.get("client_id") or ""),
        client_secret=str(raw.get("client_secret") or ""),
        mapping_path=str(raw.get("mapping") or ""),
        scopes=str(raw.get("scopes") or "openid profile email"),
        label=str(raw.get("label") or "Sign in with your organisation's account"),
    )


_clients: dict[tuple[str, str, str, str], Any] = {}
_clients_lock = threading.Lock()
_mappings: dict[tuple[str, int, int], SsoMapping] = {}


def oidc_client(config: OidcConfig) -> Any:
    """Authlib's client for ``config`` (one per issuer and client, so discovery and keys are cached)."""
    key = (config.issuer, config.client_id, config.client_secret, config.scopes)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            oauth = OAuth()
            oauth.register(
                CLIENT_NAME,
                client_id=config.client_id,
                client_secret=config.client_secret,
                server_metadata_url=f"{config.issuer}/.well-known/openid-configuration",
                client_kwargs={
                    "scope": config.scopes,
                    "code_challenge_method": "S256",
                    "default_timeout": TIMEOUT_SECONDS,
                },
            )
            client = _clients[key] = oauth.create_client(CLIENT_NAME)
    return client


def sso_mapping(config: OidcConfig) -> SsoMapping:
    """The mapping file, parsed (again when it changes on disk); MappingError when it cannot be used."""
    path = Path(config.mapping_path)
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    mapping = _mappings.get(key)
    if mapping is None:
        mapping = _mappings[key] = parse_mapping(path.read_text(encoding="utf-8"))
    return mapping


def _metadata(client: Any, config: OidcConfig) -> dict[str, Any]:
    """The provider's discovery document, which must name the configured issuer (OIDC Discovery 4.3)."""
    try:
        metadata: dict[str, Any] = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        raise SsoCheckFailed(RefusalReason.PROVIDER_ERROR, "discovery_unreachable") from exc
    if str(metadata.get("issuer", "")).rstrip("/") != config.issuer:
        raise SsoCheckFailed(RefusalReason.PROVIDER_ERROR, "discovery_issuer_mismatch")
    return metadata


def authorize_redirect(
    request: HttpRequest, config: OidcConfig, redirect_uri: str, **params: str
) -> HttpResponse:
    """The redirect to the provider's sign-in, with state, nonce and the PKCE challenge (kept in the session);
    ``params`` are added to the authorization request (``prompt``, ``max_age``)."""
    client = oidc_client(config)
    _metadata(client, config)
    response: HttpResponse = client.authorize_redirect(request, redirect_uri, **params)
    return response


#: An OAuth error code as RFC 6749 writes them (``invalid_grant``); anything else is not quoted.
_ERROR_CODE = re.compile(r"[a-z_]{1,64}")


def _error_name(exc: Exception) -> str:
    claim = getattr(exc, "claim", None)
    return f"{type(exc).__name__}:{claim}" if claim else type(exc).__name__


def callback_claims(request: HttpRequest, config: OidcConfig) -> tuple[dict[str, Any], str]:
    """The checked ID token's claims and the raw ID token (for ``id_token_hint`` at sign-out).

    Raises ``SsoCheckFailed``: ``state`` when no sign-in of this session waits for this answer,
    ``provider_error`` when the provider answered with an error (a code used twice, a refused sign-in),
    ``token`` when the ID token fails a check (signature, issuer, audience, expiry, nonce) or is missing.
    """
    client = oidc_client(config)
    state = request.GET.get("state") or ""
    # No sign-in of this session waits for this answer: refused before anything else is read from it (an
    # error answer too, so nobody can write the journal's words by sending one to a stranger's browser).
    if not state or client.framework.get_state_data(request.session, state) is None:
        raise SsoCheckFailed(RefusalReason.STATE, MismatchingStateError.__name__)
    _metadata(client, config)
    options = {
        "iss": {"essential": True, "value": config.issuer},
        "aud": {"essential": True, "value": config.client_id},
    }
    try:
        token = client.authorize_access_token(
            request, claims_options=options, leeway=LEEWAY_SECONDS
        )
    except MismatchingStateError as exc:
        raise SsoCheckFailed(RefusalReason.STATE, _error_name(exc)) from exc
    except OAuthError as exc:
        client.framework.clear_state_data(
            request.session, state
        )  # an error answer ends the sign-in
        code = str(getattr(exc, "error", "") or "")
        raise SsoCheckFailed(
            RefusalReason.PROVIDER_ERROR, code if _ERROR_CODE.fullmatch(code) else _error_name(exc)
        ) from exc
    except JoseError as exc:
        raise SsoCheckFailed(RefusalReason.TOKEN, _error_name(exc)) from exc
    except requests.RequestException as exc:
        raise SsoCheckFailed(RefusalReason.PROVIDER_ERROR, type(exc).__name__) from exc
    claims = token.get("userinfo")
    id_token = token.get("id_token")
    if not claims or not isinstance(id_token, str):
        raise SsoCheckFailed(RefusalReason.TOKEN, "MissingIdToken")
    return dict(claims), id_token


def logout_url(config: OidcConfig, *, id_token: str, post_logout_redirect_uri: str) -> str | None:
    """The provider's end-session address (RP-initiated logout), or None when it publishes none."""
    client = oidc_client(config)
    try:
        metadata = _metadata(client, config)
    except SsoCheckFailed:
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    made: dict[str, Any] = client.create_logout_url(
        post_logout_redirect_uri=post_logout_redirect_uri,
        id_token_hint=id_token,
        client_id=config.client_id,
    )
    return str(made["url"])


def provider_origins(config: OidcConfig) -> list[str]:
    """The origins a page may send a form to on the way to the provider's sign-out (CSP ``form-action``):
    the issuer's, and the end-session endpoint's when the discovery document is already loaded."""
    origins = [_origin(config.issuer)]
    client = _clients.get((config.issuer, config.client_id, config.client_secret, config.scopes))
    end = (client.server_metadata if client is not None else {}).get("end_session_endpoint")
    if isinstance(end, str) and _origin(end) not in origins:
        origins.append(_origin(end))
    return origins


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
