"""The API tokens page's form: a token's name, scopes and lifetime, passed as typed to ``token_create``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext

#: Shown on the page before anything is posted.
TOKEN_DEFAULTS = {"name": "", "scopes": ["read"], "days": "90"}


class TokenForm(forms.Form):
    """Plain fields, as typed: the service judges the name and scopes (``TokenError``); this form only reads
    the number of days.
    Every problem is shown against the name, the page's first answer (the summary links there)."""

    name = forms.Field(required=False)
    scopes = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    days = forms.Field(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        kwargs.setdefault("initial", TOKEN_DEFAULTS)
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        return str(self.cleaned_data["name"] or "")[:100]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            cleaned["days"] = int(str(cleaned.get("days") or "")[:4])
        except ValueError:
            self.add_error(
                "name", gettext("Give the number of days the token lasts, from 1 to 366")
            )
        return cleaned
