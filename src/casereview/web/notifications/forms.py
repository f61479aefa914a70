"""The outbox page's form: which failed message to send again (one, by its number, or all)."""

from __future__ import annotations

from django import forms


class RetryForm(forms.Form):
    retry = forms.CharField(required=False, strip=False)

    def clean_retry(self) -> str:
        choice = str(self.cleaned_data["retry"])[:20]
        if choice != "all" and not choice.isdecimal():
            raise forms.ValidationError("Choose a failed message to send again")
        return choice

    def ids(self) -> list[int] | None:
        """The messages to send again; None for every failed one."""
        choice = self.cleaned_data["retry"]
        return None if choice == "all" else [int(choice)]
