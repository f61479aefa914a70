"""Pages around the API: a JSON 404 for unknown API paths, and each user's token page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt

from casereview.domain.tokens import SCOPES

from .forms import TokenForm
from .selectors import token_of, tokens_of
from .services import Issued, TokenError, token_create, token_revoke


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
    form = TokenForm(request.POST if request.method == "POST" else None)
    issued: Issued | None = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            issued = token_create(
                user=user, name=data["name"], scopes=list(data["scopes"]), days=data["days"]
            )
        except TokenError as exc:
            form.add_error("name", str(exc))
    return render(
        request,
        "api/tokens.html",
        {
            "tokens": tokens_of(user.pk),
            "issued": issued,
            "form": form,
            "scopes": [(s, SCOPE_LABELS[s]) for s in SCOPES],
        },
        status=400 if form.errors else 200,
    )


@login_required
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    user: Any = request.user
    token = token_of(user.pk, token_id)
    if token is None or request.method != "POST":
        raise Http404
    token_revoke(token=token, actor=request.user)
    return redirect("accounts:tokens")
