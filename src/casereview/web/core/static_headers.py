"""The pages' security headers on whitenoise's files too (``WHITENOISE_ADD_HEADERS_FUNCTION``).

whitenoise answers /static/ and /assets/ before the middleware that adds them to pages, so it adds them itself:
CSP (the pages' policy without the nonce: no static file runs inline script), X-Frame-Options, nosniff and the
referrer policy.  Caching stays whitenoise's (the files hold no case data).  Light on imports: settings import it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


def static_headers(headers: Any, path: str, url: str) -> None:

    policy: Any = settings.CONTENT_SECURITY_POLICY
    directives: dict[str, list[Any]] = policy["DIRECTIVES"]
    headers["Content-Security-Policy"] = "; ".join(
        # csp.constants.NONCE is a placeholder the CSP middleware fills per page; a file has none.
        f"{name} {' '.join(v for v in values if isinstance(v, str))}"
        for name, values in directives.items()
    )
    headers["X-Frame-Options"] = settings.X_FRAME_OPTIONS
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = settings.SECURE_REFERRER_POLICY
