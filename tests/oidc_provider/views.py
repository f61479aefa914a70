"""The provider's sign-in page and the tests' control channel.

The control channel is one JSON POST endpoint, refused without the random token ``__main__`` wrote to the
state directory (only the test process can read it).
"""

from __future__ import annotations

import hmac
import json
import os
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider.models import get_application_model

from . import FAULTS, PROVIDER_PASSWORD
from .models import Fault, Person

login = LoginView.as_view(template_name="oidc_provider/login.html")


@csrf_exempt
@require_POST
def control(request: HttpRequest) -> HttpResponse:
    expected = f"Bearer {os.environ['OIDC_PROVIDER_CONTROL_TOKEN']}"
    if not hmac.compare_digest(request.headers.get("Authorization", ""), expected):
        return JsonResponse({"error": "forbidden"}, status=403)
    command: dict[str, Any] = json.loads(request.body)
    action = command.pop("action")
    if action == "person":
        _person(**command)
    elif action == "fault":
        mode = command["mode"] or ""
        if mode and mode not in FAULTS:
            return JsonResponse({"error": f"unknown fault {mode!r}"}, status=400)
        Fault.objects.update_or_create(pk=1, defaults={"mode": mode})
    elif action == "allow_redirect":
        _allow_redirect(command["uri"])
    else:
        return JsonResponse({"error": f"unknown action {action!r}"}, status=400)
    return JsonResponse({"ok": True})


def _person(
    *,
    username: str,
    groups: list[str],
    amr: list[str] | None,
    acr: str | None,
    name: str,
    email: str,
) -> None:
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.set_password(PROVIDER_PASSWORD)
    user.save()
    claims: dict[str, Any] = {"name": name, "email": email, "groups": groups}
    if amr is not None:
        claims["amr"] = amr
    if acr is not None:
        claims["acr"] = acr
    Person.objects.update_or_create(user=user, defaults={"claims": claims})


def _allow_redirect(uri: str) -> None:
    """Add ``uri`` to the client's redirect URIs and post-logout redirect URIs (space-separated lists)."""
    application = get_application_model().objects.get(
        client_id=os.environ["OIDC_PROVIDER_CLIENT_ID"]
    )
    for field in ("redirect_uris", "post_logout_redirect_uris"):
        uris = getattr(application, field).split()
        if uri not in uris:
            setattr(application, field, " ".join([*uris, uri]))
    application.save()
