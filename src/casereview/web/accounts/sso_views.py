"""Single sign-on pages: to the provider, back from it, refused, signed out; and sign-out for everyone.

Off (no ``CASEREVIEW_OIDC`` issuer), the single sign-on addresses answer 404 as if they did not exist.
The second factor: a token whose ``amr``/``acr`` the mapping counts as multi-factor signs the session in
with the user's ``ProviderAssertion`` device (django-otp's own mechanism, so the gate is unchanged);
otherwise the person goes on to casereview's own authenticator app, as after a password (or is refused,
``domain.sso.second_factor_step``).

Refusals of anonymous sign-ins count towards the address lock (``lockout.address_failure_record``), and
an address that is locked gets the locked page with no journal entry: made-up callbacks, or starts while
the provider is down, cannot fill the journal.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST
from django_otp import login as otp_login

from casereview.domain.roles import Role
from casereview.domain.sso import (
    REFUSAL_WORDS,
    MappingError,
    RefusalReason,
    SecondFactorStep,
    SsoMapping,
    SsoRefusal,
    resolve,
)
from casereview.web.core.access import is_verified, role_required

from .lockout import address_failure_record, address_locked, client_address
from .middleware import SESSION_STARTED
from .recent import SSO_REAUTHED, identity_confirmed
from .selectors import has_provider_identity, is_provider_identity
from .services import second_factor_result_record
from .signals import REQUEST_SIGN_IN_HOW
from .sso_client import (
    CLIENT_NAME,
    DEFAULT_LABEL,
    LEEWAY_SECONDS,
    OidcConfig,
    SsoCheckFailed,
    authorize_redirect,
    callback_claims,
    logout_url,
    oidc_config,
    sso_mapping,
)
from .sso_services import SsoRefused, provider_assertion_device, sso_refusal_record, sso_sign_in

#: Session keys: where to go after the sign-in, and the raw ID token (the ``id_token_hint`` at sign-out,
#: which Entra ID needs to sign the right account out without asking; docs/security.md says why it is
#: kept; its presence also marks a session that came through single sign-on).
SSO_NEXT = "casereview_sso_next"
SSO_ID_TOKEN = "casereview_sso_id_token"  # noqa: S105 (a session key's name)
#: Session key: a signed-in person's pending *Confirm it's you* at the provider (its state, when it was
#: asked for, where to go back to).
SSO_CONFIRM = "casereview_sso_confirm"
#: Sign-ins started in one browser session and not yet back from the provider that are kept (the newest):
#: Authlib keeps each one's state, nonce and PKCE verifier in the session and never drops them unanswered.
PENDING_KEPT = 5
_PENDING_PREFIX = f"_state_{CLIENT_NAME}_"

logger = logging.getLogger(__name__)


def _config_or_404() -> OidcConfig:
    config = oidc_config()
    if config is None:
        raise Http404
    return config


def _site_url(request: HttpRequest, config: OidcConfig, name: str) -> str:
    """casereview's address for the page ``name``, as registered at the provider: on CASEREVIEW_BASE_URL
    when it is set (behind a proxy the request's host and scheme may not be the public ones), else on the
    request's (its host checked against ALLOWED_HOSTS)."""
    if config.base_url:
        return config.base_url + reverse(name)
    return request.build_absolute_uri(reverse(name))


def _safe_next(request: HttpRequest, target: str) -> str:
    """``target`` when it is a path of this site (never another site's address), else the home page."""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return "/"


def _locked_page(request: HttpRequest) -> HttpResponse:
    response: HttpResponse = get_lockout_response(request, None, {})
    return response


def _keep_newest_pending(request: HttpRequest) -> None:
    """Drop all but the newest ``PENDING_KEPT - 1`` pending sign-ins, before one more is added."""
    pending = sorted(
        (
            (float(value.get("exp", 0)) if isinstance(value, dict) else 0.0, key)
            for key, value in request.session.items()
            if key.startswith(_PENDING_PREFIX)
        ),
        reverse=True,
    )
    for _, key in pending[PENDING_KEPT - 1 :]:
        del request.session[key]


@require_GET
def sso_start(request: HttpRequest) -> HttpResponse:
    """To the provider's sign-in (a GET: a link on the sign-in page, so no form is sent across sites)."""
    config = _config_or_404()
    target = _safe_next(request, request.GET.get("next", ""))
    if is_verified(request.user):
        return redirect(target)
    if address_locked(client_address(request) or ""):
        return _locked_page(request)
    _keep_newest_pending(request)
    request.session[SSO_NEXT] = target
    try:
        return authorize_redirect(request, config, _site_url(request, config, "sso_callback"))
    except SsoCheckFailed as exc:
        return _refused(request, exc.reason, issuer=config.issuer, error=exc.error)


def _refused(
    request: HttpRequest,
    reason: str,
    *,
    issuer: str = "",
    subject: str = "",
    error: str = "",
    groups: tuple[str, ...] = (),
) -> HttpResponse:
    # Counted towards the address lock; once the address is locked, the locked page and no entry (the
    # lock itself is journaled once, as ``locked_out``).
    if address_locked(client_address(request) or ""):
        address_failure_record(request)
        return _locked_page(request)
    address_failure_record(request)
    sso_refusal_record(
        reason=reason,
        ip=client_address(request) or "",
        issuer=issuer,
        subject=subject,
        error=error,
        groups=groups,
    )
    words, todo = (gettext(w) for w in REFUSAL_WORDS[reason])  # marked in domain.sso
    return render(
        request,
        "accounts/sso_refused.html",
        {"words": words, "todo": todo, "reason": reason},
        status=403,
    )


@require_GET
def sso_callback(request: HttpRequest) -> HttpResponse:
    """Back from the provider: the checks (sso_client), the mapping (domain.sso), then the sign-in."""
    config = _config_or_404()
    pending = request.session.get(SSO_CONFIRM)
    if (
        request.user.is_authenticated
        and isinstance(pending, dict)
        and pending.get("state") == request.GET.get("state")
    ):
        return _confirm_callback(request, config, pending)
    if address_locked(client_address(request) or ""):
        address_failure_record(request)  # trying on keeps the lock on, as with passwords
        return _locked_page(request)
    try:
        claims, id_token = callback_claims(request, config)
    except SsoCheckFailed as exc:
        return _refused(request, exc.reason, issuer=config.issuer, error=exc.error)
    subject = str(claims.get("sub", ""))
    mapping = _mapping_or_none(config)
    if mapping is None:
        return _refused(request, RefusalReason.CONFIGURATION, issuer=config.issuer, subject=subject)
    found = resolve(mapping, claims)
    if isinstance(found, SsoRefusal):
        return _refused(
            request, found.reason, issuer=config.issuer, subject=subject, groups=found.groups
        )
    try:
        signed = sso_sign_in(
            issuer=config.issuer,
            subject=subject,
            grant=found,
            ip=client_address(request) or "",
        )
    except SsoRefused as exc:
        return _refused(request, exc.reason, issuer=config.issuer, subject=subject)
    user = signed.user
    target = _safe_next(request, str(request.session.pop(SSO_NEXT, "/")))
    # The journal's sign-in entry says how (signals.py reads it from the request).
    setattr(
        request,
        REQUEST_SIGN_IN_HOW,
        {"via": "sso", "second_factor": "provider" if found.provider_mfa else "totp"},
    )
    auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_STARTED] = time.time()
    request.session[SSO_ID_TOKEN] = id_token
    if signed.step == SecondFactorStep.PROVIDER:
        otp_login(request, provider_assertion_device(user=user))
        return redirect(target)
    step = "two_factor_verify" if signed.step == SecondFactorStep.VERIFY else "two_factor_setup"
    query = f"?{urlencode({'next': target}, safe='/')}" if target != "/" else ""
    return redirect(reverse(step) + query)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Sign-out: the casereview session ends first; after a single sign-on, the browser then goes on to
    the provider's sign-out (RP-initiated logout) when the provider publishes one.

    It goes on from a page (a link, and a ``meta`` refresh), not by answering the form with a redirect:
    CSP's ``form-action 'self'`` governs every redirect of a form's navigation, and widening it to the
    provider's origin on every page of a session would let injected markup post a form (its CSRF token
    included) to anything on that, often multi-tenant, origin.  A page's own navigation is not a form's.
    """
    id_token = request.session.get(SSO_ID_TOKEN)
    auth_logout(request)
    config = oidc_config()
    if config is not None and isinstance(id_token, str):
        url = logout_url(
            config,
            id_token=id_token,
            post_logout_redirect_uri=_site_url(request, config, "signed_out"),
        )
        if url:
            response = render(request, "accounts/sso_signing_out.html", {"end_session_url": url})
            response["Cache-Control"] = "no-store"
            return response
    return redirect(resolve_url(settings.LOGOUT_REDIRECT_URL))


@require_GET
def signed_out(request: HttpRequest) -> HttpResponse:
    """Where the provider sends the browser after its own sign-out; someone signed in (again, or in
    another tab) is not told they are signed out, but sent to the start page."""
    _config_or_404()
    if request.user.is_authenticated:
        return redirect("/")
    return render(request, "accounts/signed_out.html")


def _mapping_or_none(config: OidcConfig) -> SsoMapping | None:
    """The mapping file, or None (logged for the administrator) when it no longer parses or is gone:
    production refuses to start without a good one, but it can be changed or removed while running."""
    try:
        return sso_mapping(config)
    except (MappingError, OSError, UnicodeDecodeError) as exc:
        logger.error(  # noqa: TRY400 (the problems are the message; a traceback says nothing more)
            "single sign-on refused: the mapping file %s cannot be used: %s",
            config.mapping_path,
            exc,
        )
        return None


def confirms_at_provider(request: HttpRequest) -> bool:
    """Whether this signed-in person confirms it is them by signing in at their organisation again: single
    sign-on is on and their account came through it (no password of casereview's)."""
    user = request.user
    return (
        oidc_config() is not None
        and user.is_authenticated
        and not user.has_usable_password()
        and has_provider_identity(user)
    )


def sso_confirm_start(request: HttpRequest) -> HttpResponseBase:
    """*Confirm it's you* at the provider: a fresh authorization request that asks the person to sign in
    again (``prompt=login``, ``max_age=0``: OIDC Core 3.1.2.1), with state, nonce and PKCE as a sign-in."""
    config = _config_or_404()  # before the role check: off, the address does not exist for anyone
    return _sso_confirm_start(request, config=config)


@role_required(Role.ADMINISTRATOR)
def _sso_confirm_start(request: HttpRequest, *, config: OidcConfig) -> HttpResponse:
    target = _safe_next(request, request.GET.get("next", ""))
    if target == "/":
        target = reverse("accounts:users")
    if not confirms_at_provider(request):  # a local account confirms with its password and code
        return redirect(f"{reverse('accounts:confirm_identity')}?{urlencode({'next': target})}")
    requested_at = time.time()
    try:
        response = authorize_redirect(
            request,
            config,
            _site_url(request, config, "sso_callback"),
            prompt="login",
            max_age="0",
        )
    except SsoCheckFailed as exc:
        return _not_confirmed(request, exc.reason, issuer=config.issuer, error=exc.error)
    state = parse_qs(urlsplit(response["Location"]).query).get("state", [""])[0]
    request.session[SSO_CONFIRM] = {"state": state, "requested_at": requested_at, "next": target}
    return response


def _not_confirmed(
    request: HttpRequest,
    reason: str,
    *,
    issuer: str = "",
    subject: str = "",
    error: str = "",
    back: str = "",
) -> HttpResponse:
    sso_refusal_record(
        reason=reason,
        ip=client_address(request) or "",
        issuer=issuer,
        subject=subject,
        error=error,
        actor=request.user,
    )
    words, todo = (gettext(w) for w in REFUSAL_WORDS[reason])  # marked in domain.sso
    return render(
        request,
        "accounts/sso_not_confirmed.html",
        {
            "words": words,
            "todo": todo,
            "reason": reason,
            "again": reverse("accounts:confirm_identity")
            + (f"?{urlencode({'next': back})}" if back else ""),
        },
        status=403,
    )


def _confirm_callback(
    request: HttpRequest, config: OidcConfig, pending: dict[str, Any]
) -> HttpResponse:
    """Back from signing in again: the same checks as a sign-in (state, PKCE, token, nonce), then the same
    person (issuer and subject), signed in just now, and still let in by the mapping."""
    del request.session[SSO_CONFIRM]
    back = _safe_next(request, str(pending.get("next", "/")))
    try:
        claims, id_token = callback_claims(request, config)
    except SsoCheckFailed as exc:
        return _not_confirmed(request, exc.reason, issuer=config.issuer, error=exc.error, back=back)
    subject = str(claims.get("sub", ""))
    if not is_provider_identity(request.user, issuer=config.issuer, subject=subject):
        return _not_confirmed(
            request, RefusalReason.OTHER_PERSON, issuer=config.issuer, subject=subject, back=back
        )
    # auth_time is required by max_age (OIDC Core 2) but not every provider sends it: without it,
    # prompt=login is what asked the person again.  With it, it must not be before this request.
    auth_time = claims.get("auth_time")
    if auth_time is not None and (
        not isinstance(auth_time, int | float)
        or auth_time < float(pending["requested_at"]) - LEEWAY_SECONDS
    ):
        return _not_confirmed(
            request, RefusalReason.NOT_FRESH, issuer=config.issuer, subject=subject, back=back
        )
    mapping = _mapping_or_none(config)
    if mapping is None:
        return _not_confirmed(
            request, RefusalReason.CONFIGURATION, issuer=config.issuer, subject=subject, back=back
        )
    found = resolve(mapping, claims)
    if isinstance(found, SsoRefusal):
        return _not_confirmed(
            request, found.reason, issuer=config.issuer, subject=subject, back=back
        )
    try:  # the same person: role changes at the provider apply, lock-outs and deactivation refuse
        signed = sso_sign_in(
            issuer=config.issuer,
            subject=subject,
            grant=found,
            ip=client_address(request) or "",
        )
    except SsoRefused as exc:
        return _not_confirmed(request, exc.reason, issuer=config.issuer, subject=subject, back=back)
    request.session[SSO_ID_TOKEN] = id_token
    if signed.step == SecondFactorStep.PROVIDER:
        identity_confirmed(request)
        second_factor_result_record(
            user=request.user, device=provider_assertion_device(user=request.user), confirming=True
        )
        return redirect(back)
    # No multi-factor assertion this time: the code from their authenticator app completes it, as the
    # code completes a password on the confirm page.
    request.session[SSO_REAUTHED] = time.time()
    return redirect(f"{reverse('accounts:confirm_identity')}?{urlencode({'next': back})}")


def sso_context(request: HttpRequest, next_url: str) -> dict[str, Any]:
    """For the sign-in page: the single sign-on button's address and words, or nothing when it is off."""
    config = oidc_config()
    if config is None:
        return {"sso": None}
    target = _safe_next(request, next_url)
    query = f"?{urlencode({'next': target}, safe='/')}" if target != "/" else ""
    label = gettext(DEFAULT_LABEL) if config.label == DEFAULT_LABEL else config.label
    return {"sso": {"url": reverse("sso_start") + query, "label": label}}
