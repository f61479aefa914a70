from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casereview.domain.roles import ROLES, Role
from casereview.web.core.users import user_by_username
from casereview.web.registers.selectors import body_by_code


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        error_messages={
            "required": _("Enter the code from your authenticator app, or a recovery code")
        },
    )

    def clean_code(self) -> str:
        return "".join(str(self.cleaned_data["code"]).split())


class ConfirmIdentityForm(SecondFactorForm):
    """An administrator proves it is still them before changing accounts: password and a second-factor code."""

    field_order = ["password", "code"]
    password = forms.CharField(
        label=_("Your password"), strip=False, error_messages={"required": _("Enter your password")}
    )


class ReEnrolForm(ConfirmIdentityForm):
    """Replacing the authenticator (and with it the recovery codes) from a signed-in session: the password again,
    and the first code of the new app."""

    code = forms.CharField(
        label=_("Code from your app"),
        max_length=16,
        error_messages={"required": _("Enter the 6-digit code your app shows now")},
    )


class RoleChangeForm(forms.Form):
    role = forms.ChoiceField(
        choices=[(r, _(Role(r).label)) for r in ROLES],  # translated where shown
        error_messages={"required": _("Choose a role"), "invalid_choice": _("Choose a role")},
    )
    body = forms.CharField(required=False, max_length=20)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("role") == Role.LIAISON_OFFICER.value and not cleaned.get("body"):
            self.add_error("body", gettext("Choose the body this liaison officer works for"))
        return cleaned


class UserCreateForm(forms.Form):
    """The Users page's *Add a user*: every answer as typed (trimmed, cut at 150 characters) goes to the service,
    which says what is wrong with a username, an e-mail address or a password (shown against the username)."""

    username = forms.CharField(required=False)
    email = forms.CharField(required=False)
    # The summary links a role problem to the first radio (the page's radios are "role-<value>").
    role = forms.CharField(
        required=False, widget=forms.RadioSelect(attrs={"id": f"role-{ROLES[0]}"})
    )
    body = forms.CharField(required=False)
    password = forms.CharField(required=False, strip=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")  # the page's ids are the names
        super().__init__(*args, **kwargs)
        self.body_found: Any = None  # the liaison officer's body, once valid

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"])[:150]

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"])[:150]

    def clean_role(self) -> str:
        role = str(self.cleaned_data["role"])[:150]
        if role not in ROLES:
            raise forms.ValidationError(gettext("Choose a role"))
        return role

    def clean_body(self) -> str:
        return str(self.cleaned_data["body"])[:150]

    def clean(self) -> dict[str, Any]:
        """Every problem at once, each against its answer: the service judges again when it saves (a name taken
        in between is said against the username)."""
        cleaned = super().clean() or {}
        code = cleaned.get("body") or ""
        found = body_by_code(code) if code else None
        self.body_found = found
        if cleaned.get("role") == Role.LIAISON_OFFICER.value and self.body_found is None:
            self.add_error("body", gettext("Choose the body this liaison officer works for"))
        username, email = cleaned.get("username", ""), cleaned.get("email", "")
        if "username" in cleaned:
            self._check_username(username)
        if email:
            try:
                validate_email(email)
            except ValidationError:
                self.add_error(
                    "email", gettext("Enter an e-mail address like name@example.org, or none")
                )
        password = cleaned.get("password") or ""
        if not password:
            self.add_error("password", gettext("Enter an initial password"))
        else:
            try:
                validate_password(password, get_user_model()(username=username, email=email))
            except ValidationError as exc:
                for message in exc.messages:
                    self.add_error("password", message)
        return cleaned

    def _check_username(self, username: str) -> None:
        if not username.strip():
            self.add_error("username", gettext("Enter a username"))
            return
        field = get_user_model()._meta.get_field("username")
        try:
            for validator in field.validators:
                validator(username)
        except ValidationError as exc:
            self.add_error("username", " ".join(exc.messages))
            return
        if user_by_username(username) is not None:
            self.add_error(
                "username",
                gettext("A user called %(name)s already exists") % {"name": repr(username)},
            )


class UnlockForm(forms.Form):
    """One Unlock button of the Locked sign-ins page: a username, or else an address."""

    username = forms.CharField(required=False, strip=False)
    address = forms.CharField(required=False, strip=False)

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"])[:150]

    def clean_address(self) -> str:
        return str(self.cleaned_data["address"])[:45]


class UserActionForm(forms.Form):
    """An administrator's button on a user's page (deactivate, reactivate, reset the second factor): nothing
    to answer; a refusal of the service is its non-field error."""
