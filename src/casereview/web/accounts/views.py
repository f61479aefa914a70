"""Sign-in: password, then a second factor (authenticator app or recovery code).

Also the administrators' pages for accounts (users, a user's page, locked sign-ins,
*Confirm it's you*) and *Problem signing in?*, open to everyone.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token

from casereview.domain.roles import ROLES, Role
from casereview.web.core.access import is_verified, role_required
from casereview.web.core.phrases import refusal_words
from casereview.web.referrals.services import body_contact_add

from .forms import (
    ConfirmIdentityForm,
    ReEnrolForm,
    RoleChangeForm,
    SecondFactorForm,
    UnlockForm,
    UserActionForm,
    UserCreateForm,
)
from .kept import idle_minutes, kept_answers_waiting
from .lockout import lockout_limits
from .middleware import SESSION_STARTED
from .recent import (
    identity_confirmed,
    reauthed_at_provider,
    recent_enough,
    recent_sign_in_required,
)
from .selectors import bodies_listed, failed_sign_ins, sign_in_locks, user_account
from .services import (
    AccountError,
    address_unlock,
    has_confirmed_device,
    password_change_record,
    second_factor_enrol,
    second_factor_result_record,
    totp_device_for_enrolment,
    user_create,
    user_deactivate,
    user_reactivate,
    user_role_change,
    user_second_factor_reset,
    user_unlock,
    users_listed,
)
from .sso_views import confirms_at_provider, sso_context


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)  # Django rotates the session key here
        self.request.session[SESSION_STARTED] = time.time()
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["expired"] = self.request.GET.get("expired") == "1"
        # Whatever was wrong, one message: a sign-in never says which of the two was not right.
        context["problems"] = (
            [{"field": "id_username", "message": _("Enter a correct username and password")}]
            if context["form"].errors
            else []
        )
        # Answers kept from a page posted after the session ended wait for this browser's user on `next`.
        context["kept"] = kept_answers_waiting(
            self.request, context.get(self.redirect_field_name) or ""
        )
        context["timeout"] = self.request.GET.get("timeout") == "1" or context["kept"]
        context["idle_minutes"] = idle_minutes()
        context.update(sso_context(self.request, context.get(self.redirect_field_name) or ""))
        return context


def _next_url(request: HttpRequest, *, otherwise: str = "/") -> str:
    """Where to go after this step (``next``, posted with the step's form or in the query), else ``otherwise``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path of this site only: anything else (e.g. "0") would be taken by redirect() for a view's name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return otherwise


def _with_next(name: str, request: HttpRequest) -> str:
    """The URL named ``name`` carrying this request's (same-origin) ``next`` on to the next sign-in step."""
    target = _next_url(request)
    return reverse(name) + (f"?{urlencode({'next': target}, safe='/')}" if target != "/" else "")


def _verified(request: HttpRequest, device: Any) -> None:
    otp_login(request, device)
    request.session.cycle_key()  # a new key once the second factor is passed


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    if is_verified(request.user):
        return redirect(_next_url(request))
    if not has_confirmed_device(request.user):
        return redirect(_with_next("two_factor_setup", request))
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            _verified(request, device)
            second_factor_result_record(user=request.user, device=device)
            return redirect(_next_url(request))
        second_factor_result_record(user=request.user, device=None)
        form.add_error(
            "code",
            _(
                "The code is not right, or was already used. Enter the 6-digit code your app shows now, or a recovery code"
            ),
        )
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form},
        status=200 if not form.errors else 400,
    )


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    if has_confirmed_device(request.user) and not is_verified(request.user):
        return redirect(_with_next("two_factor_verify", request))
    # Replacing a working authenticator (and so the recovery codes) needs the password again: a session left
    # open is not enough to take the second factor over.  First enrolment, and enrolment after an
    # administrator's reset (which removes the authenticator), need only the new app's code.
    reenrol = has_confirmed_device(request.user)
    # A person of single sign-on has no password here: their recent sign-in at their organisation stands
    # for it (never a password form they cannot pass, never a failure counted towards a lock-out).
    by_password = reenrol and _has_password(request.user)
    if reenrol and not by_password and not recent_enough(request):
        return render(
            request,
            "accounts/two_factor_setup.html",
            {"sign_in_again": True, "minutes": settings.CASEREVIEW_RECENT_SIGN_IN_SECONDS // 60},
        )
    device = totp_device_for_enrolment(request.user)
    form = (ReEnrolForm if by_password else SecondFactorForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if by_password and not _password_right(request, form.cleaned_data["password"]):
            form.add_error("password", _("Your password is not right"))
        else:
            codes = second_factor_enrol(
                user=request.user,
                device=device,
                token=form.cleaned_data["code"],
                codes=settings.CASEREVIEW_RECOVERY_CODES,
            )
            if codes is not None:
                _verified(request, device)
                return render(
                    request,
                    "accounts/recovery_codes.html",
                    {"codes": codes, "next": _next_url(request)},
                )
            form.add_error(
                "code", _("The code is not right. Enter the 6-digit code your app shows now")
            )
    secret = base64.b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "reenrol": reenrol,
            "by_password": by_password,
            "qr": qr.svg_data_uri(scale=5, dark="#0b0c0c"),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        },
        status=200 if not form.errors else 400,
    )


def _has_password(user: Any) -> bool:
    """Whether ``user`` has a casereview password (a person of single sign-on has none)."""
    return bool(user.has_usable_password())


def _password_right(request: HttpRequest, password: str) -> bool:
    """The signed-in user's password, checked as a sign-in is (a wrong one counts towards their lock-out)."""
    me = request.user
    checked = authenticate(request, username=me.get_username(), password=password)
    return checked is not None and checked.pk == me.pk


@role_required(Role.ADMINISTRATOR)
def locked(request: HttpRequest) -> HttpResponse:
    """Administrators see the username and address locks in force, and lift them."""
    if request.method == "POST":
        form = UnlockForm(request.POST)
        username, address = (
            (form.cleaned_data["username"], form.cleaned_data["address"])
            if form.is_valid()
            else ("", "")
        )
        if username:
            _user, addresses = user_unlock(username=username, actor=request.user)
            messages.success(
                request,
                (
                    _("Sign-in for %(username)s is unlocked, and from %(addresses)s")
                    % {"username": username, "addresses": ", ".join(addresses)}
                    if addresses
                    else _("Sign-in for %(username)s is unlocked") % {"username": username}
                ),
            )
        elif address:
            try:
                address_unlock(address=address, actor=request.user)
            except AccountError as exc:
                messages.warning(
                    request, _("Nothing was unlocked: %(why)s") % {"why": refusal_words(exc)}
                )
                return redirect("accounts:locked")
            messages.success(
                request, _("Sign-in from %(address)s is unlocked") % {"address": address}
            )
        else:  # no button of this page sends neither
            messages.warning(request, _("Nothing was unlocked: choose a username or an address"))
        return redirect("accounts:locked")
    locks = sign_in_locks()
    return render(
        request,
        "accounts/locked.html",
        {
            "username_locks": [lock for lock in locks if lock.kind == "username"],
            "address_locks": [lock for lock in locks if lock.kind == "address"],
            "attempts": failed_sign_ins(),
            "limits": lockout_limits(),
            "minutes": _cool_off_minutes(),
        },
    )


@role_required(Role.ADMINISTRATOR)
def users(request: HttpRequest) -> HttpResponse:
    """Administrators add users (a liaison officer with their body); each user's page changes one."""
    form = UserCreateForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            made = user_create(
                username=data["username"],
                role=data["role"],
                password=data["password"],
                email=data["email"],
                actor=request.user,
            )
        except AccountError as exc:
            form.add_error("username", refusal_words(exc))
        else:
            if form.body_found is not None and data["role"] == Role.LIAISON_OFFICER.value:
                body_contact_add(
                    body=form.body_found, user=made, kind="liaison", actor=request.user
                )
            messages.success(
                request,
                _("%(username)s can now sign in; they set up their second factor at first sign-in")
                % {"username": made.get_username()},
            )
            return redirect("accounts:users")
    return render(
        request,
        "accounts/users.html",
        {
            "users": users_listed(),
            "form": form,
            "roles": [(r, _(Role(r).label)) for r in ROLES],
            "bodies": bodies_listed(),
        },
        status=400 if form.errors else 200,
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Everyone changes their own password (an administrator only sets the first one); journaled."""

    template_name = "accounts/password_change.html"
    success_url = "/"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        self.request.session.cycle_key()
        password_change_record(user=self.request.user)
        messages.success(self.request, _("Your password is changed"))
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    # A person of single sign-on has no password in casereview (their organisation's sign-in keeps it):
    # a page that says so, never a form they cannot pass.
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _has_password(request.user):
            return render(request, "accounts/password_kept.html")
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _has_password(request.user):
            return render(request, "accounts/password_kept.html", status=400)
        return super().post(request, *args, **kwargs)


def _cool_off_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def sign_in_help(request: HttpRequest) -> HttpResponse:
    """Problem signing in? Who to contact (CASEREVIEW_SUPPORT_CONTACT); open to everyone, signed in or not."""
    return render(
        request,
        "accounts/sign_in_help.html",
        {
            "contact": str(settings.CASEREVIEW_SUPPORT_CONTACT).strip(),
            "minutes": _cool_off_minutes(),
        },
    )


def _code_confirms(request: HttpRequest, form: Any) -> bool:
    """Whether the form's authenticator code is the person's (journaled either way); if so the session counts
    as just confirmed (*Confirm it's you*), else the form carries the error."""
    me = request.user
    if (device := match_token(me, form.cleaned_data["code"])) is None:
        second_factor_result_record(user=me, device=None)
        form.add_error(
            "code",
            _(
                "The code is not right, or was already used. Enter the 6-digit code your app shows now, or a recovery code"
            ),
        )
        return False
    identity_confirmed(request)
    second_factor_result_record(user=me, device=device, confirming=True)
    return True


@role_required(Role.ADMINISTRATOR)
def confirm_identity(request: HttpRequest) -> HttpResponse:
    """Confirm it's you: an administrator's password and a second-factor code, before changing accounts."""
    back = _next_url(request, otherwise=reverse("accounts:users"))
    if confirms_at_provider(request):
        return _confirm_at_provider(request, back)
    form = ConfirmIdentityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not _password_right(request, form.cleaned_data["password"]):
            form.add_error("password", _("Your password is not right"))
        elif _code_confirms(request, form):
            return redirect(back)
    return render(
        request,
        "accounts/confirm_identity.html",
        {
            "form": form,
            "next": back,
            "minutes": settings.CASEREVIEW_RECENT_SIGN_IN_SECONDS // 60,
        },
        status=400 if form.errors else 200,
    )


def _user_page(
    request: HttpRequest,
    username: str,
    *,
    form: RoleChangeForm | None = None,
    action: UserActionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """A user's page; ``form`` the role change as posted, ``action`` a refused button (its refusal shown)."""
    account = user_account(username)
    if account is None:
        raise Http404
    if form is None:
        body = account["liaison_bodies"][0] if len(account["liaison_bodies"]) == 1 else ""
        form = RoleChangeForm(initial={"role": account["role"], "body": body})
    return render(
        request,
        "accounts/user.html",
        {
            "account": account,
            "form": form,
            "refusals": action.non_field_errors() if action is not None else [],
            "bodies": bodies_listed(),
            "roles": [(r, _(Role(r).label)) for r in ROLES],
            "own": username == request.user.get_username(),
            "recent": recent_enough(request),
            "minutes": settings.CASEREVIEW_RECENT_SIGN_IN_SECONDS // 60,
        },
        status=status,
    )


@role_required(Role.ADMINISTRATOR)
def user_page(request: HttpRequest, username: str) -> HttpResponse:
    """One user's account: role (and body), second factor, deactivate or reactivate."""
    return _user_page(request, username)


@role_required(Role.ADMINISTRATOR)
@require_POST
@recent_sign_in_required
def user_role(request: HttpRequest, username: str) -> HttpResponse:
    form = RoleChangeForm(request.POST)
    if form.is_valid():
        try:
            user_role_change(
                username=username,
                role=form.cleaned_data["role"],
                body_code=form.cleaned_data["body"],
                actor=request.user,
            )
        except AccountError as exc:
            form.add_error(exc.field or "role", refusal_words(exc))
        else:
            messages.success(
                request,
                _("%(username)s is now %(role)s")
                % {"username": username, "role": _(Role(form.cleaned_data["role"]).label).lower()},
            )
            return redirect("accounts:user", username=username)
    return _user_page(request, username, form=form, status=400)


def _user_action(
    request: HttpRequest, username: str, act: Callable[..., Any], done: str
) -> HttpResponse:
    """One administrator's action on a user's page: the service, then its banner or its refusal on the page."""
    action = UserActionForm(request.POST)
    try:
        act(username=username, actor=request.user)
    except AccountError as exc:
        action.add_error(None, refusal_words(exc))
        return _user_page(request, username, action=action, status=400)
    messages.success(request, done)
    return redirect("accounts:user", username=username)


@role_required(Role.ADMINISTRATOR)
@require_POST
@recent_sign_in_required
def user_reactivate_view(request: HttpRequest, username: str) -> HttpResponse:
    return _user_action(
        request,
        username,
        user_reactivate,
        _("%(username)s can sign in again") % {"username": username},
    )


@role_required(Role.ADMINISTRATOR)
@require_POST
@recent_sign_in_required
def user_second_factor_reset_view(request: HttpRequest, username: str) -> HttpResponse:
    return _user_action(
        request,
        username,
        user_second_factor_reset,
        _(
            "%(username)s's second factor is reset: they set up their authenticator app again at their next sign-in"
        )
        % {"username": username},
    )


@role_required(Role.ADMINISTRATOR)
@recent_sign_in_required
def user_deactivate_view(request: HttpRequest, username: str) -> HttpResponse:
    """Deactivating asks first: a page naming the user, then POST."""
    account = user_account(username)
    if account is None:
        raise Http404
    # No fields; bound on a GET too (an empty POST), so a refusal can be its error.
    form = UserActionForm(request.POST)
    if request.method == "POST":
        try:
            user_deactivate(username=username, actor=request.user)
        except AccountError as exc:
            form.add_error(None, refusal_words(exc))
        else:
            messages.success(
                request,
                _("%(username)s is deactivated; their sessions and API tokens have ended")
                % {"username": username},
            )
            return redirect("accounts:user", username=username)
    elif username == request.user.get_username():
        form.add_error(None, _("You cannot deactivate your own account; ask another administrator"))
    return render(
        request,
        "accounts/user_deactivate.html",
        {"account": account, "form": form},
        status=400 if form.errors else 200,
    )


def _confirm_at_provider(request: HttpRequest, back: str) -> HttpResponse:
    """*Confirm it's you* for a person of single sign-on: sign in at their organisation again (a button to
    ``accounts:confirm_identity_sso``); then, if the provider did not assert multi-factor authentication,
    the code from their authenticator app.  No password is asked for, so nothing counts towards a lock-out."""
    form = SecondFactorForm(request.POST or None) if reauthed_at_provider(request) else None
    if (
        request.method == "POST"
        and form is not None
        and form.is_valid()
        and _code_confirms(request, form)
    ):
        return redirect(back)
    return render(
        request,
        "accounts/confirm_identity_sso.html",
        {
            "form": form,
            "next": back,
            "start": f"{reverse('accounts:confirm_identity_sso')}?{urlencode({'next': back})}",
            "minutes": settings.CASEREVIEW_RECENT_SIGN_IN_SECONDS // 60,
        },
        status=400 if form is not None and form.errors else 200,
    )
