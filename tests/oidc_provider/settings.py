"""The test provider's own Django settings (never casereview's).

Everything that varies comes from the environment ``__main__`` sets before Django starts: the state
directory (database, keys) and the issuer.
"""

from __future__ import annotations

import os
from pathlib import Path

STATE = Path(os.environ["OIDC_PROVIDER_STATE"])
ISSUER = os.environ["OIDC_PROVIDER_ISSUER"]

SECRET_KEY = (STATE / "django_secret").read_text()
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
ROOT_URLCONF = "tests.oidc_provider.urls"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
    "tests.oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": STATE / "provider.sqlite3",
        # gunicorn's threads share the file; wait for a writer instead of failing at once.
        "OPTIONS": {"timeout": 20},
    }
}
# Cookies are kept per host, not per port: with Django's default names the provider's session and CSRF
# cookies would overwrite casereview's on 127.0.0.1 (in requests' cookie jar and in Chromium alike).
SESSION_COOKIE_NAME = "provider_sessionid"
CSRF_COOKIE_NAME = "provider_csrftoken"
LOGIN_URL = "/login/"
# Fast hashing: passwords and client secrets here are test fixtures, and each token request checks the
# client secret (PBKDF2's default cost would add about half a second per sign-in).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": ISSUER,
    "OIDC_RSA_PRIVATE_KEY": (STATE / "signing_key.pem").read_text(),
    "PKCE_REQUIRED": True,
    # S256 only: a client sending the "plain" method is refused, as a strict provider would.
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    # With a valid id_token_hint for the signed-in person, sign out and redirect without a question page.
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    "OAUTH2_VALIDATOR_CLASS": "tests.oidc_provider.validator.FaultyValidator",
    "SCOPES": {
        "openid": "Sign you in",
        "profile": "Your name and username",
        "email": "Your email address",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}
