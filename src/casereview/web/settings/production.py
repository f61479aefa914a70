"""Production: every secret from the environment; refuses to start without them.

Required: DJANGO_SECRET_KEY (50+ random characters), CASEREVIEW_ALLOWED_HOSTS,
CASEREVIEW_PSEUDONYM_KEY, CASEREVIEW_JOURNAL_ANCHOR_KEY, CASEREVIEW_EMAIL_URL,
CASEREVIEW_EMAIL_FROM, CASEREVIEW_BASE_URL, CASEREVIEW_PROXY_COUNT, DATABASE_URL
(PostgreSQL recommended).  Serve behind TLS.

CASEREVIEW_PROXY_COUNT must be said, even when it is 0: behind a proxy left at 0,
every sign-in seems to come from the proxy's address, and the per-address
lock-out would then let anyone lock everybody out.
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
    "CASEREVIEW_PROXY_COUNT",
):
    if not os.environ.get(_name):
        raise ImproperlyConfigured(f"{_name} must be set in production")

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
