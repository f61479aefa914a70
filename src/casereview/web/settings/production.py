"""Production: every secret from the environment; refuses to start without them.

Required: DJANGO_SECRET_KEY (50+ random characters), CASEREVIEW_ALLOWED_HOSTS,
CASEREVIEW_PSEUDONYM_KEY, CASEREVIEW_JOURNAL_ANCHOR_KEY, CASEREVIEW_EMAIL_URL,
CASEREVIEW_EMAIL_FROM, CASEREVIEW_BASE_URL, DATABASE_URL (PostgreSQL recommended),
and CASEREVIEW_TRUSTED_PROXIES (or the deprecated CASEREVIEW_PROXY_COUNT).  Serve
behind TLS.

The proxies must be said, even when there are none (CASEREVIEW_TRUSTED_PROXIES=none):
behind a proxy not named, every sign-in seems to come from the proxy's address,
and the per-address lock-out would then let anyone lock everybody out.
"""

from __future__ import annotations

import os

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

DEBUG = False
SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
