"""Development: `make run`.  Secrets are generated once under ./var/ so nothing is committed."""

from __future__ import annotations

import os
import secrets

from .base import *  # noqa: F403
from .base import VAR_DIR


def _local_secret(name: str) -> str:
    path = VAR_DIR / name
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = os.environ.get("CASEREVIEW_DEBUG", "") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _local_secret("dev-secret.key")
CASEREVIEW_PSEUDONYM_KEY = os.environ.get("CASEREVIEW_PSEUDONYM_KEY") or _local_secret(
    "dev-pseudonym.key"
)
CASEREVIEW_JOURNAL_ANCHOR_KEY = os.environ.get("CASEREVIEW_JOURNAL_ANCHOR_KEY") or _local_secret(
    "dev-journal-anchor.key"
)
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
if not os.environ.get("CASEREVIEW_EMAIL_URL"):  # mail is printed here unless a real server is named
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
