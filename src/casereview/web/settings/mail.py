"""The mail server, from one address in the environment, as Django's EMAIL_* settings.

``CASEREVIEW_EMAIL_URL`` names the server: ``smtp://host:port`` (plain),
``smtp+tls://user:password@host:587`` (STARTTLS after connecting) or
``smtp+ssl://user:password@host:465`` (TLS from the first byte).  The user and
password are URL-encoded in the address (``%40`` for ``@``) and decoded here.
Pure: no Django, no I/O, so settings import it before Django is set up.  An
error names what is wrong and never repeats the address, which holds a password.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
#: Seconds to wait for the mail server; a slow server never holds a page for longer.
TIMEOUT_SECONDS = 10
_SCHEMES = {
    "smtp": (False, False, 25),
    "smtp+tls": (True, False, 587),
    "smtp+ssl": (False, True, 465),
}


class EmailUrlError(ValueError):
    """CASEREVIEW_EMAIL_URL cannot be used; the message says why (without the address)."""


def email_settings(url: str) -> dict[str, Any]:
    """Django's EMAIL_* settings for the server ``url`` names."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in _SCHEMES:
        shown = f"'{scheme[:20]}'" if scheme else "none"
        raise EmailUrlError(
            f"CASEREVIEW_EMAIL_URL must start smtp://, smtp+tls:// or smtp+ssl:// (scheme given: {shown})"
        )
    use_tls, use_ssl, default_port = _SCHEMES[scheme]
    parts = urlsplit(url)
    try:
        port = parts.port or default_port
    except ValueError as exc:
        raise EmailUrlError(
            "CASEREVIEW_EMAIL_URL has a port that is not a number from 1 to 65535"
        ) from exc
    if not parts.hostname:
        raise EmailUrlError(
            "CASEREVIEW_EMAIL_URL names no host, e.g. smtp+tls://user:password@mail.example.org:587"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise EmailUrlError("CASEREVIEW_EMAIL_URL takes no path or query: smtp://host:port only")
    if parts.password is not None and not parts.username:
        raise EmailUrlError("CASEREVIEW_EMAIL_URL has a password without a user")
    return {
        "EMAIL_BACKEND": SMTP_BACKEND,
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
        "EMAIL_TIMEOUT": TIMEOUT_SECONDS,
    }


def base_url(text: str) -> str:
    """The service's public address for links in e-mail: http(s)://host[:port][/prefix], no trailing slash."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise EmailUrlError(
            "CASEREVIEW_BASE_URL must be the service's address, e.g. https://casereview.example.org"
        )
    return text.strip().rstrip("/")
