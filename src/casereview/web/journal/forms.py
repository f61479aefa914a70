from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casereview.domain.words import JOURNAL_ACTION_WORDS

from .selectors import JournalFilters

PURPOSES = [
    ("", _("Choose a purpose")),
    ("regulator_request", _("A regulator's or the ICO's request")),
    ("subject_access", _("A subject access request")),
    ("internal_audit", _("Internal audit")),
    ("incident", _("Investigating an incident")),
]


class JournalExportForm(forms.Form):
    start = forms.DateField(
        label=_("From"),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={
            "required": _("Enter the first date"),
            "invalid": _("Enter the first date as dd/mm/yyyy"),
        },
    )
    end = forms.DateField(
        label=_("To"),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={
            "required": _("Enter the last date"),
            "invalid": _("Enter the last date as dd/mm/yyyy"),
        },
    )
    purpose = forms.ChoiceField(
        choices=PURPOSES, error_messages={"required": _("Choose why you are exporting the journal")}
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            self.add_error("end", gettext("The last date must be on or after the first date"))
        return data


DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]


def action_choices() -> list[tuple[str, str]]:
    """Every journal action in words, in the page's language, in alphabetical order of the words."""
    named = sorted(
        ((str(code), gettext(text)) for code, text in JOURNAL_ACTION_WORDS.items()),
        key=lambda c: c[1],
    )
    return [("", gettext("Any action")), *named]


class JournalFilterForm(forms.Form):
    """The journal page's filters (a GET form: every field optional; a field in error is left out)."""

    user = forms.CharField(label=_("User"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=(),
        error_messages={"invalid_choice": _("Choose an action from the list")},
    )
    object = forms.CharField(label=_("Object"), required=False, max_length=200)
    start = forms.DateField(
        label=_("From"),
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": _("Enter the first date as a real date, like 22/10/2026")},
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": _("Enter the last date as a real date, like 31/10/2026")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "filter-%s")
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = action_choices()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            self.add_error("end", gettext("The last date must be on or after the first date"))
        return data

    def filters(self) -> JournalFilters:
        """The filters given and valid (call after is_valid(); an unbound form filters nothing)."""
        if not self.is_bound:
            return JournalFilters()
        data = getattr(self, "cleaned_data", {})
        return JournalFilters(
            user=(data.get("user") or "").strip(),
            action=data.get("action") or "",
            object=(data.get("object") or "").strip(),
            start=data.get("start"),
            end=data.get("end"),
        )
