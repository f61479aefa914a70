"""Pages around the API: a JSON 404 for unknown API paths, and each user's token page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt

from casereview.domain.tokens import SCOPES

from .models import ApiToken
from .services import TokenError, token_create, token_revoke


@csrf_exempt
def api_not_found(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        {
            "error": {
                "status": 404,
                "code": "not_found",
                "message": "No such API path; see /api/v1/openapi.json",
                "details": [],
            }
        },
        status=404,
    )


# Each user's API tokens -----------------------------------------------------------------------------------------

SCOPE_LABELS = {
    "read": "Read what you may read (registers, manifests, send backs, reports)",
    "register_upload": "Send registers (administrators and lead inspectors)",
    "send_back_response": "Act on send backs (acknowledge, respond, return, accept)",
}


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """A user's own tokens: make one (shown once), see when each was last used, revoke."""
    user: Any = request.user
    error, issued = "", None
    name, scopes, days_text = "", ["read"], "90"
    if request.method == "POST":
        name, scopes, days_text = (
            request.POST.get("name", "")[:100],
            request.POST.getlist("scopes"),
            request.POST.get("days", "")[:4],
        )
        try:
            days = int(days_text)
        except ValueError:
            error = "Give the number of days the token lasts, from 1 to 366"
        else:
            try:
                issued = token_create(user=user, name=name, scopes=scopes, days=days)
            except TokenError as exc:
                error = str(exc)
    return render(
        request,
        "api/tokens.html",
        {
            "tokens": ApiToken.objects.filter(user=user),
            "issued": issued,
            "error": error,
            "form": {"name": name, "scopes": scopes, "days": days_text},
            "scopes": [(s, SCOPE_LABELS[s]) for s in SCOPES],
        },
        status=400 if error else 200,
    )


@login_required
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    user: Any = request.user
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None or request.method != "POST":
        raise Http404
    token_revoke(token=token, actor=request.user)
    return redirect("accounts:tokens")
