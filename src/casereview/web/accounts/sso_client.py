"""The OpenID Connect relying party: Authlib's Django client, built from the current settings.

Authlib keeps ``state``, ``nonce`` and the PKCE verifier (S256) in the session at the redirect, and at the
callback checks the state (once: it is dropped before the code is exchanged, so a replayed callback finds
none), exchanges the code with the verifier, checks the ID token's signature against the provider's
published keys (JWKS) and its nonce, expiry and issue time.  Issuer and audience are checked here as well,
against casereview's own configuration rather than what the provider's discovery document says (Authlib
alone takes the document's issuer, and checks the audience only through ``azp``).  The signature's
algorithm must be one of casereview's asymmetric ones (``domain.sso.ACCEPTED_ALGORITHMS``) that the
provider also lists: Authlib alone accepts whatever the discovery document lists, ``none`` included.

Settings are read at each use (tests change them); clients are kept per issuer and client, so the
provider's discovery document and keys are fetched once, and again after ``CASEREVIEW_OIDC_METADATA_SECONDS``
(an hour unless set; a withdrawn key stops being trusted then) or, for the keys, when a token names a key
casereview does not hold (the provider's new key; at most once a minute).  A provider that does not answer is
given ``CASEREVIEW_OIDC_TIMEOUT`` seconds, and a failed discovery is remembered for
``DISCOVERY_RETRY_SECONDS``, so while the provider is down each request is refused at once instead of
holding a worker (and the break-glass password sign-in with it) for the timeout.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_noop
from joserfc.errors import JoseError

from casereview.domain.errors import Refused
from casereview.domain.sso import (
    METADATA_MAX_AGE_SECONDS,
    RefusalReason,
    SsoMapping,
    keys_refetch_allowed,
    metadata_expired,
    parse_mapping,
    subject_usable,
    usable_algorithms,
)

#: The name Authlib keeps the sign-in's state under in the session (``_state_<name>_<state>``).
CLIENT_NAME = "casereview_oidc"
#: Seconds allowed for the provider's clock against ours on ``exp``, ``iat`` and ``nbf``.
LEEWAY_SECONDS = 60
#: Seconds before a request to the provider (discovery, keys, token) is given up, unless the setting
#: ``CASEREVIEW_OIDC_TIMEOUT`` says otherwise.
TIMEOUT_SECONDS = 5.0
#: Seconds a failed discovery is remembered: requests in that time are refused without trying again.
DISCOVERY_RETRY_SECONDS = 30.0
#: The discovery document's key for the ID token's signature algorithms.
ALGORITHMS_KEY = "id_token_signing_alg_values_supported"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    mapping_path: str
    scopes: str
    label: str
    #: The service's public address (CASEREVIEW_BASE_URL) when set: "" builds addresses on the request.
    base_url: str = ""


class SsoCheckFailed(Refused):
    """The provider's answer did not pass a check: ``reason`` (domain.sso.RefusalReason) and ``error``, the
    name of what failed (Authlib's or joserfc's error class, and the claim when there is one)."""

    def __init__(self, reason: str, error: str) -> None:
        super().__init__(f"single sign-on refused: {reason} ({error})")
        self.reason = reason
        self.error = error


#: The button's words when the configuration gives none (translated on the sign-in page; a configured label
#: is shown as it is written).
DEFAULT_LABEL = gettext_noop("Sign in with your organisation's account")


def oidc_config() -> OidcConfig | None:
    """Single sign-on's configuration, or None when it is off (no issuer)."""
    raw = getattr(settings, "CASEREVIEW_OIDC", None) or {}
    # Exactly as configured: the token's ``iss`` and the discovery document's ``issuer`` must be identical
    # to it (OIDC Core 3.1.3.7, Discovery 4.3), a trailing "/" included (Auth0's issuers end in one).
    issuer = str(raw.get("issuer") or "").strip()
    if not issuer:
        return None
    return OidcConfig(
        issuer=issuer,
        client_id=str(raw.get("client_id") or ""),
        client_secret=str(raw.get("client_secret") or ""),
        mapping_path=str(raw.get("mapping") or ""),
        scopes=str(raw.get("scopes") or "openid profile email"),
        label=str(raw.get("label") or DEFAULT_LABEL),
        base_url=str(raw.get("base_url") or "").strip().rstrip("/"),
    )


_clients: dict[tuple[str, str, str, str], Any] = {}
_clients_lock = threading.Lock()
#: When each client's discovery last failed (time.monotonic()), under ``_clients_lock``.
_failed_at: dict[tuple[str, str, str, str], float] = {}
_mappings: dict[tuple[str, int, int], SsoMapping] = {}


def _key(config: OidcConfig) -> tuple[str, str, str, str]:
    return (config.issuer, config.client_id, config.client_secret, config.scopes)


def _timeout() -> float:
    return float(getattr(settings, "CASEREVIEW_OIDC_TIMEOUT", TIMEOUT_SECONDS))


class _Client(DjangoOAuth2App):  # type: ignore[misc]  # Authlib has no type hints
    """Authlib's client, whose fetch of the keys for a token with an unknown ``kid`` (Authlib's one retry
    on ``InvalidKeyIdError``, for a provider's new key) happens at most once a minute: made-up ``kid``
    values would otherwise make every callback fetch the keys again."""

    _forced_at: float | None = None

    def fetch_jwk_set(self, force: bool = False) -> Any:
        if force and self.server_metadata.get("jwks"):
            now = time.monotonic()
            if not keys_refetch_allowed(last_refetch=self._forced_at, now=now):
                return self.server_metadata["jwks"]  # the same keys: the token is refused
            self._forced_at = now
        return super().fetch_jwk_set(force=force)


def _metadata_seconds() -> float:
    return float(getattr(settings, "CASEREVIEW_OIDC_METADATA_SECONDS", METADATA_MAX_AGE_SECONDS))


def oidc_client(config: OidcConfig, *, now: float | None = None) -> Any:
    """Authlib's client for ``config`` (one per issuer and client, so discovery and keys are cached).

    A client whose discovery document (and with it the keys) was loaded ``CASEREVIEW_OIDC_METADATA_SECONDS``
    ago or more is replaced by a new one, which loads both again: a key the provider withdrew stops being
    trusted.  Replaced, not emptied, because other threads may be checking a token with it at this moment.
    ``now``: ``time.time()`` (Authlib's clock for ``_loaded_at``) unless a test says otherwise."""
    key = _key(config)
    with _clients_lock:
        client = _clients.get(key)
        if client is not None and "_loaded_at" in client.server_metadata:
            expired = metadata_expired(
                loaded_at=client.server_metadata["_loaded_at"],
                now=time.time() if now is None else now,
                max_age=_metadata_seconds(),
            )
            if expired:
                client = None
        if client is None:
            oauth = OAuth()
            oauth.register(
                CLIENT_NAME,
                client_id=config.client_id,
                client_secret=config.client_secret,
                server_metadata_url=config.issuer.rstrip("/") + "/.well-known/openid-configuration",
                client_cls=_Client,
                client_kwargs={
                    "scope": config.scopes,
                    "code_challenge_method": "S256",
                    "default_timeout": _timeout(),
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


def recently_unreachable(config: OidcConfig) -> bool:
    """Whether the provider's discovery failed less than ``DISCOVERY_RETRY_SECONDS`` ago."""
    with _clients_lock:
        failed = _failed_at.get(_key(config))
    return failed is not None and time.monotonic() - failed < DISCOVERY_RETRY_SECONDS


def _metadata(client: Any, config: OidcConfig) -> dict[str, Any]:
    """The provider's discovery document, which must name the configured issuer (OIDC Discovery 4.3);
    the ID token's algorithms in it are cut down to those casereview accepts."""
    if recently_unreachable(config):
        raise SsoCheckFailed(RefusalReason.PROVIDER_UNREACHABLE, "discovery_unreachable")
    try:
        metadata: dict[str, Any] = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        with _clients_lock:
            _failed_at[_key(config)] = time.monotonic()
        raise SsoCheckFailed(RefusalReason.PROVIDER_UNREACHABLE, "discovery_unreachable") from exc
    if str(metadata.get("issuer", "")) != config.issuer:
        raise SsoCheckFailed(RefusalReason.PROVIDER_ERROR, "discovery_issuer_mismatch")
    # In place: Authlib's parse_id_token reads the list from this (cached) dict.  Idempotent, so threads
    # that do it at once agree.
    algorithms = usable_algorithms(metadata.get(ALGORITHMS_KEY))
    if not algorithms:
        raise SsoCheckFailed(RefusalReason.PROVIDER_ERROR, "no_usable_alg")
    metadata[ALGORITHMS_KEY] = algorithms
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
    except Exception as exc:
        # Anything else the provider's answer can cause in Authlib or joserfc (no ``jwks_uri``, keys that
        # do not parse, ...): a refusal the journal names, never a 500 that nobody records.
        logger.exception("single sign-on refused: the provider's answer could not be checked")
        raise SsoCheckFailed(RefusalReason.TOKEN, _error_name(exc)) from exc
    claims = token.get("userinfo")
    id_token = token.get("id_token")
    if not claims or not isinstance(id_token, str):
        raise SsoCheckFailed(RefusalReason.TOKEN, "MissingIdToken")
    # Authlib checks that ``sub`` is there and is a string, not that it can be an identity: an empty one
    # would make every such token the same person, one over 255 characters does not fit.
    if not subject_usable(claims.get("sub")):
        raise SsoCheckFailed(RefusalReason.TOKEN, "InvalidClaimError:sub")
    return dict(claims), id_token


def logout_url(config: OidcConfig, *, id_token: str, post_logout_redirect_uri: str) -> str | None:
    """The provider's end-session address (RP-initiated logout), or None when it publishes none."""
    client = oidc_client(config)
    try:
        metadata = _metadata(client, config)
    except SsoCheckFailed:  # unreachable (at once, while the failure is remembered) or unusable
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    made: dict[str, Any] = client.create_logout_url(
        post_logout_redirect_uri=post_logout_redirect_uri,
        id_token_hint=id_token,
        client_id=config.client_id,
    )
    return str(made["url"])
