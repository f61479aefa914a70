"""Tests: fast hashing, fixed synthetic keys, plain static storage."""

from __future__ import annotations

import os

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-not-secret-" + "x" * 40  # noqa: S105
CASEREVIEW_PSEUDONYM_KEY = os.environ.get(
    "CASEREVIEW_PSEUDONYM_KEY", "test-only-pseudonym-key-synthetic-data-0123456789"
)
CASEREVIEW_JOURNAL_ANCHOR_KEY = "test-only-journal-anchor-key-" + "y" * 40
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Each test process writes its temporary files (staging, transcoding) in a folder of its own.
import tempfile as _tempfile  # noqa: E402
from pathlib import Path as _Path  # noqa: E402

VAR_DIR = _Path(_tempfile.mkdtemp(prefix="casereview-test-"))
STATIC_ROOT = VAR_DIR / "static"
CASEREVIEW_IMPORT_BATCH_ROWS = 1000  # small batches so tests cross batch boundaries
