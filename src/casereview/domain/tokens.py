"""Personal access tokens for the API: their form, their scopes, their rate window.

A token is ``cr_<key id>_<secret>``: the key id (12 hex characters) finds the
token, the secret (43 URL-safe characters, 256 bits) proves it.  Only the
SHA-256 of the secret is stored — a slow hash buys nothing for a random
256-bit secret — and it is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from enum import StrEnum

from .language import Phrase, gettext_lazy

PREFIX = "cr"
_FORM = re.compile(r"^cr_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


class Scope(StrEnum):
    READ = "read"  # read what the user may read
    REGISTER_UPLOAD = "register_upload"  # send a register
    SEND_BACK_RESPONSE = "send_back_response"  # act on send backs (acknowledge, respond, …)


SCOPES: tuple[str, ...] = tuple(s.value for s in Scope)
MAX_DAYS = 366


def compose(key_id: str, secret: str) -> str:
    return f"{PREFIX}_{key_id}_{secret}"


def parse(token: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed token, else None."""
    match = _FORM.match(token.strip())
    return (match[1], match[2]) if match else None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def matches(secret: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_digest)


def scopes_problems(scopes: list[str]) -> list[Phrase]:
    """What is wrong with the scopes asked for, each a Phrase (a page shows it in its reader's language)."""
    known = ", ".join(SCOPES)
    if not scopes:
        return [gettext_lazy("Give at least one scope: %(scopes)s", scopes=known)]
    return [
        gettext_lazy("%(scope)s is not a scope; use %(scopes)s", scope=repr(s), scopes=known)
        for s in scopes
        if s not in SCOPES
    ]


def window(now_seconds: float, length: int = 60) -> int:
    """The fixed rate-limit window a moment falls in."""
    return int(now_seconds // length)


def retry_after(now_seconds: float, length: int = 60) -> int:
    return max(1, int(length - now_seconds % length))
