from __future__ import annotations

from typing import Any

from django import forms

from casereview.domain.roles import ROLES, Role


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=16,
        error_messages={
            "required": "Enter the code from your authenticator app, or a recovery code"
        },
    )

    def clean_code(self) -> str:
        return "".join(str(self.cleaned_data["code"]).split())


class ConfirmIdentityForm(SecondFactorForm):
    """An administrator proves it is still them before changing accounts: password and a second-factor code."""

    field_order = ["password", "code"]
    password = forms.CharField(
        label="Your password", strip=False, error_messages={"required": "Enter your password"}
    )


class ReEnrolForm(ConfirmIdentityForm):
    """Replacing the authenticator (and with it the recovery codes) from a signed-in session: the password again,
    and the first code of the new app."""

    code = forms.CharField(
        label="Code from your app",
        max_length=16,
        error_messages={"required": "Enter the 6-digit code your app shows now"},
    )


class RoleChangeForm(forms.Form):
    role = forms.ChoiceField(
        choices=[(r, Role(r).label) for r in ROLES],
        error_messages={"required": "Choose a role", "invalid_choice": "Choose a role"},
    )
    body = forms.CharField(required=False, max_length=20)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("role") == Role.LIAISON_OFFICER.value and not cleaned.get("body"):
            self.add_error("body", "Choose the body this liaison officer works for")
        return cleaned
