"""Pages of a single sign-on session may send the sign-out form on to the provider (CSP ``form-action``).

Sign-out is a POST to casereview (``/logout/``) answered by a redirect to the provider's end-session
address; browsers check ``form-action`` against every redirect of a form's navigation, so the page that
holds the sign-out form must allow the provider's origin too, or the browser stops at casereview.  Only
sessions that came through single sign-on get it; it sits after django-csp's middleware in MIDDLEWARE so
that it marks the response before django-csp writes the header.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .sso_client import oidc_config, provider_origins
from .sso_views import SSO_ID_TOKEN


class SsoFormActionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or SSO_ID_TOKEN not in session:
            return response
        config = oidc_config()
        if config is not None:
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", []), *provider_origins(config)]
            response._csp_update = update  # type: ignore[attr-defined]  # django-csp's per-response update
        return response
