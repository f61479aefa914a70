"""Production: every secret from the environment; refuses to start without them.

Required: DJANGO_SECRET_KEY (50+ random characters), CASEREVIEW_ALLOWED_HOSTS,
CASEREVIEW_PSEUDONYM_KEY, CASEREVIEW_JOURNAL_ANCHOR_KEY, CASEREVIEW_EMAIL_URL,
CASEREVIEW_EMAIL_FROM, CASEREVIEW_BASE_URL, DATABASE_URL (PostgreSQL recommended),
and CASEREVIEW_TRUSTED_PROXIES (or the deprecated CASEREVIEW_PROXY_COUNT).  Serve
behind TLS.  With single sign-on (CASEREVIEW_OIDC_ISSUER, https only), its client id, secret and a mapping
file that parses.

The proxies must be said, even when there are none (CASEREVIEW_TRUSTED_PROXIES=none):
behind a proxy not named, every sign-in seems to come from the proxy's address,
and the per-address lock-out would then let anyone lock everybody out.
"""

from __future__ import annotations

import os
from typing import Any, cast

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

for _name in (
    "DJANGO_SECRET_KEY",
    "CASEREVIEW_ALLOWED_HOSTS",
    "CASEREVIEW_PSEUDONYM_KEY",
    "CASEREVIEW_JOURNAL_ANCHOR_KEY",
    "CASEREVIEW_EMAIL_URL",
    "CASEREVIEW_EMAIL_FROM",
    "CASEREVIEW_BASE_URL",
):
    if not os.environ.get(_name):
        raise ImproperlyConfigured(f"{_name} must be set in production")
if not os.environ.get("CASEREVIEW_TRUSTED_PROXIES") and not os.environ.get(
    "CASEREVIEW_PROXY_COUNT"
):
    raise ImproperlyConfigured(
        "CASEREVIEW_TRUSTED_PROXIES must be set in production: the addresses of the proxies in front, or 'none' "
        "(CASEREVIEW_PROXY_COUNT, deprecated, is still accepted)"
    )

# Welsh, when offered, must be there: without the compiled catalogue every page would be English under
# lang="cy" (docs/welsh.md, docs/deployment.md).
if CASEREVIEW_WELSH:  # noqa: F405
    from pathlib import Path as _Path

    from casereview.web.language.catalogue import compiled_catalogue_problem

    _welsh_problem = compiled_catalogue_problem(_Path(LOCALE_PATHS[0]))  # noqa: F405
    if _welsh_problem:
        raise ImproperlyConfigured(f"CASEREVIEW_WELSH is on, but {_welsh_problem}")

# Single sign-on, when on, must be usable: a half-configured provider or a mapping that does not parse would
# only show itself when the first person tries to sign in.
if CASEREVIEW_OIDC["issuer"]:  # noqa: F405
    from pathlib import Path

    from casereview.domain.sso import MappingError, parse_mapping

    _oidc = CASEREVIEW_OIDC  # noqa: F405
    if not _oidc["issuer"].startswith("https://"):
        raise ImproperlyConfigured(
            "CASEREVIEW_OIDC_ISSUER must be an https:// address in production"
        )
    for _name, _key in (
        ("CASEREVIEW_OIDC_CLIENT_ID", "client_id"),
        ("CASEREVIEW_OIDC_CLIENT_SECRET", "client_secret"),
        ("CASEREVIEW_OIDC_MAPPING", "mapping"),
    ):
        if not _oidc[_key]:
            raise ImproperlyConfigured(f"{_name} must be set when CASEREVIEW_OIDC_ISSUER is")
    try:
        parse_mapping(Path(_oidc["mapping"]).read_text(encoding="utf-8"))
    except OSError as _exc:
        raise ImproperlyConfigured(
            f"CASEREVIEW_OIDC_MAPPING: the file cannot be read ({_exc.strerror})"
        ) from None
    except MappingError as _exc:
        raise ImproperlyConfigured(f"CASEREVIEW_OIDC_MAPPING: {_exc}") from None
    # Without openid there is no ID token (nor nonce) and every sign-in would be refused: say so now.
    if "openid" not in _oidc["scopes"].split():
        raise ImproperlyConfigured("CASEREVIEW_OIDC_SCOPES must include openid")

# Authlib logs the PKCE code verifier at DEBUG: its logger stays at WARNING whatever the root logger's level.
cast(dict[str, Any], LOGGING.setdefault("loggers", {}))["authlib"] = {"level": "WARNING"}  # noqa: F405

DEBUG = False
SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
