"""A real OpenID Connect provider for the tests: django-oauth-toolkit in its own Django project and process.

Started by the ``oidc_provider`` fixture in ``tests/oidc.py`` as ``python -m tests.oidc_provider --port 0
--state DIR``. It never imports casereview and never reads casereview's settings: it stands for the
organisation's identity provider (Entra ID and the like), which casereview knows only over HTTP.

This module holds only constants both sides share; importing it loads no Django.
"""

from __future__ import annotations

#: Every test person's password at the provider.
PROVIDER_PASSWORD = "provider-password-for-tests"

#: What ``fault`` accepts; each spoils the ID tokens issued until the fault is reset to none.
FAULTS = frozenset({"forged", "wrong_audience", "expired", "wrong_issuer", "wrong_nonce"})

#: The client id the "wrong_audience" fault puts in ``aud``.
OTHER_CLIENT_ID = "another-client-of-the-provider"
