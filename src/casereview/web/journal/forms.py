from __future__ import annotations

import datetime as dt

from django import forms

PURPOSES = [
    ("", "Choose a purpose"),
    ("regulator_request", "A regulator's or the ICO's request"),
    ("subject_access", "A subject access request"),
    ("internal_audit", "Internal audit"),
    ("incident", "Investigating an incident"),
]


class JournalExportForm(forms.Form):
    start = forms.DateField(
        label="From",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={
            "required": "Enter the first date",
            "invalid": "Enter the first date as dd/mm/yyyy",
        },
    )
    end = forms.DateField(
        label="To",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={
            "required": "Enter the last date",
            "invalid": "Enter the last date as dd/mm/yyyy",
        },
    )
    purpose = forms.ChoiceField(
        choices=PURPOSES, error_messages={"required": "Choose why you are exporting the journal"}
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            self.add_error("end", "The last date must be on or after the first date")
        return data
