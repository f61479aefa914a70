"""django-oauth-toolkit's validator with the person's claims added and the test faults applied.

DOT builds the ID token in ``finalize_id_token``: oauthlib has already put aud, iat, nonce and at_hash in
it; ``get_id_token_dictionary`` adds iss, exp, auth_time, jti and the claims below, overriding what was
there. So claim faults change that dictionary, and "forged" re-signs the finished token with a key that
the JWKS does not publish, keeping the published key's kid so that a client picks the right key and the
signature is what fails.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from functools import cache
from pathlib import Path
from typing import Any

from jwcrypto import jwk, jwt
from jwcrypto.common import base64url_decode
from oauth2_provider.oauth2_validators import OAuth2Validator

from . import OTHER_CLIENT_ID
from .models import Fault, Person


@cache
def forger_key() -> jwk.JWK:
    return jwk.JWK.from_pem(
        (Path(os.environ["OIDC_PROVIDER_STATE"]) / "forger_key.pem").read_bytes()
    )


class FaultyValidator(OAuth2Validator):  # type: ignore[misc]  # DOT has no type hints
    # DOT drops every claim whose scope is not granted, and claims it does not know have none: groups,
    # amr and acr come with "openid", as an enterprise provider sends them.
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "groups": "openid",
        "amr": "openid",
        "acr": "openid",
    }

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        claims: dict[str, Any] = {"preferred_username": request.user.get_username()}
        person = Person.objects.filter(user=request.user).first()
        if person is not None:
            claims.update(person.claims)
        return claims

    def get_id_token_dictionary(
        self, token: Any, token_handler: Any, request: Any
    ) -> tuple[dict[str, Any], Any]:
        claims, expiration_time = super().get_id_token_dictionary(token, token_handler, request)
        mode = Fault.current()
        if mode == "wrong_audience":
            claims["aud"] = OTHER_CLIENT_ID
        elif mode == "expired":
            # An hour past expiry: far beyond any client's clock leeway (Authlib allows 120 s).
            now = int(time.time())
            claims.update(iat=now - 7200, auth_time=now - 7200, exp=now - 3600)
        elif mode == "wrong_issuer":
            claims["iss"] = claims["iss"].rstrip("/") + "-elsewhere"
        elif mode == "wrong_nonce":
            claims["nonce"] = "not-the-nonce-" + secrets.token_urlsafe(8)
        return claims, expiration_time

    def finalize_id_token(self, id_token: Any, token: Any, token_handler: Any, request: Any) -> str:
        signed: str = super().finalize_id_token(id_token, token, token_handler, request)
        if Fault.current() != "forged":
            return signed
        header, claims, _signature = signed.split(".")
        forged = jwt.JWT(
            header=json.loads(base64url_decode(header)),  # same alg and kid as the genuine token
            claims=json.loads(base64url_decode(claims)),
        )
        forged.make_signed_token(forger_key())
        return str(forged.serialize())
