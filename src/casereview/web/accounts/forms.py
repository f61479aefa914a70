from __future__ import annotations

from django import forms


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=16,
        error_messages={"required": "Enter the code from your authenticator app, or a recovery code"},
    )

    def clean_code(self) -> str:
        return "".join(str(self.cleaned_data["code"]).split())
