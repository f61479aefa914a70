"""The send-back page's form: one action (a button's value) with its note, on the version the page showed."""

from __future__ import annotations

from django import forms


class SendBackActionForm(forms.Form):
    """Everything as posted (plain fields: never refused here): ``sendback_act`` judges the action and the
    note (``SendBackError``, ``TransitionRefused``); a version that is not a number matches no send back's."""

    action = forms.Field(required=False)
    note = forms.Field(required=False)
    version = forms.Field(required=False)

    def clean_action(self) -> str:
        return str(self.cleaned_data["action"] or "")

    def clean_note(self) -> str:
        return str(self.cleaned_data["note"] or "")[:10_000]

    def clean_version(self) -> int:
        try:
            return int(self.data.get("version", "-1"))
        except (TypeError, ValueError):
            return -1
