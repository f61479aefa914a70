"""Pages around the API: a JSON 404 for unknown API paths, and each user's token page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from casereview.domain.tokens import SCOPES
from casereview.domain.words import Kind, words
from casereview.web.core.phrases import refusal_words
from casereview.web.core.templatetags.casereview import uk_date as page_date

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

#: What each scope covers, after its words (``domain.words``, the one table of scope words).
SCOPE_HINTS = {
    "read": _("registers, manifests, send backs, reports"),
    "register_upload": _("administrators and lead inspectors"),
    "send_back_response": _("acknowledge, respond, return, accept"),
}


def scope_label(scope: str) -> str:
    """A scope's words and what it covers, in the page's language (so made for each page, not at import)."""
    return gettext("%(scope)s (%(covers)s)") % {
        "scope": words(Kind.SCOPE, scope, gettext),
        "covers": SCOPE_HINTS[scope],
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
            form.add_error("name", refusal_words(exc))
        else:
            # The page itself shows the secret, once: no redirect, the banner shows on it.
            messages.success(
                request,
                gettext(
                    "Token “%(name)s” made; it works until %(day)s. "
                    "Copy it now: it will not be shown again"
                )
                % {
                    "name": issued.token.name,
                    "day": page_date(issued.token.expires_at),  # UK local time, the page's language
                },
            )
    return render(
        request,
        "api/tokens.html",
        {
            "tokens": tokens_of(user.pk),
            "issued": issued,
            "form": form,
            "scopes": [(s, scope_label(s)) for s in SCOPES],
        },
        status=400 if form.errors else 200,
    )


@login_required
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    user: Any = request.user
    token = token_of(user.pk, token_id)
    if token is None or request.method != "POST":
        raise Http404
    revoked = token.revoked_at is None
    token_revoke(token=token, actor=request.user)
    messages.success(
        request,
        (
            gettext("Token “%(name)s” is revoked: it no longer works")
            if revoked
            else gettext("Token “%(name)s” was already revoked")
        )
        % {"name": token.name},
    )
    return redirect("accounts:tokens")
