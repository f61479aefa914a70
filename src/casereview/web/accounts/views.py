"""Sign-in: password, then a second factor (authenticator app or recovery code)."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp import match_token

from casereview.domain.journal import Operation
from casereview.domain.roles import Role
from casereview.web.core.access import role_required
from casereview.web.journal.services import journal_record

from .forms import SecondFactorForm
from .middleware import SESSION_STARTED
from .services import (
    has_confirmed_device,
    is_verified,
    locked_usernames,
    second_factor_enrol,
    totp_device_for_enrolment,
    user_unlock,
)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)  # Django rotates the session key here
        import time

        self.request.session[SESSION_STARTED] = time.time()
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["expired"] = self.request.GET.get("expired") == "1"
        return context


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


def _verified(request: HttpRequest, device: Any) -> None:
    otp_login(request, device)
    request.session.cycle_key()  # a new key once the second factor is passed


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    if is_verified(request.user):
        return redirect(_next_url(request))
    if not has_confirmed_device(request.user):
        return redirect("two_factor_setup")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            _verified(request, device)
            journal_record(
                actor=request.user, operation=Operation.AUTHENTICATION, action="second_factor_passed",
                object_type="user", object_id=request.user.get_username(),
                detail={"method": "recovery code" if device.name == "recovery" else "authenticator"},
            )
            return redirect(_next_url(request))
        journal_record(
            actor=request.user, operation=Operation.AUTHENTICATION, action="second_factor_failed",
            object_type="user", object_id=request.user.get_username(),
        )
        form.add_error("code", "The code is not right, or was already used. Enter the 6-digit code your app shows now, or a recovery code")
    return render(request, "accounts/two_factor_verify.html", {"form": form}, status=200 if not form.errors else 400)


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    if has_confirmed_device(request.user) and not is_verified(request.user):
        return redirect("two_factor_verify")
    device = totp_device_for_enrolment(request.user)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = second_factor_enrol(
            user=request.user, device=device, token=form.cleaned_data["code"],
            codes=settings.CASEREVIEW_RECOVERY_CODES,
        )
        if codes is not None:
            _verified(request, device)
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
        form.add_error("code", "The code is not right. Enter the 6-digit code your app shows now")
    secret = base64.b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr": qr.svg_data_uri(scale=5, dark="#0b0c0c"),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        },
        status=200 if not form.errors else 400,
    )


@role_required(Role.ADMINISTRATOR)
def locked(request: HttpRequest) -> HttpResponse:
    """Administrators see failed sign-ins on record and lift lock-outs."""
    if request.method == "POST":
        username = request.POST.get("username", "")[:150]
        if username:
            user_unlock(username=username, actor=request.user)
            messages.success(request, f"Sign-in for {username} is unlocked")
        return redirect("accounts:locked")
    return render(request, "accounts/locked.html", {"attempts": locked_usernames()})


@role_required(Role.ADMINISTRATOR)
def users(request: HttpRequest) -> HttpResponse:
    """Administrators add users (a liaison officer with their body) and deactivate them."""
    from casereview.domain.roles import ROLES
    from casereview.web.referrals.services import body_contact_add
    from casereview.web.registers.models import Body

    from .services import AccountError, user_create, user_deactivate, users_listed

    errors: dict[str, str] = {}
    form = {"username": "", "email": "", "role": "", "body": ""}
    if request.method == "POST" and request.POST.get("deactivate"):
        username = request.POST["deactivate"][:150]
        if username != request.user.get_username():
            user_deactivate(username=username, actor=request.user)
            messages.success(request, f"{username} is deactivated; their sessions and API tokens have ended")
        return redirect("accounts:users")
    if request.method == "POST":
        form = {key: request.POST.get(key, "").strip()[:150] for key in form}
        password = request.POST.get("password", "")
        if form["role"] not in ROLES:
            errors["role"] = "Choose a role"
        body = Body.objects.filter(code=form["body"]).first() if form["body"] else None
        if form["role"] == Role.LIAISON_OFFICER.value and body is None:
            errors["body"] = "Choose the body this liaison officer works for"
        if not errors:
            try:
                made = user_create(username=form["username"], role=form["role"], password=password, email=form["email"],
                                   actor=request.user)
            except AccountError as exc:
                errors["username"] = str(exc)
            else:
                if body is not None and form["role"] == Role.LIAISON_OFFICER.value:
                    body_contact_add(body=body, user=made, kind="liaison", actor=request.user)
                messages.success(request, f"{made.get_username()} can now sign in; they set up their second factor at first sign-in")
                return redirect("accounts:users")
    return render(request, "accounts/users.html", {
        "users": users_listed(), "form": form, "errors": errors, "roles": [(r, Role(r).label) for r in ROLES],
        "bodies": Body.objects.order_by("code"),
    }, status=400 if errors else 200)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Everyone changes their own password (an administrator only sets the first one); journaled."""

    template_name = "accounts/password_change.html"
    success_url = "/"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        self.request.session.cycle_key()
        journal_record(actor=self.request.user, operation=Operation.ADMINISTRATION, action="password_change",
                       object_type="user", object_id=self.request.user.get_username())
        messages.success(self.request, "Your password is changed")
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response
