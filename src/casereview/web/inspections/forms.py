from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from casereview.domain.plans import STRATIFIABLE, Allocation

#: The draw form's words for the plan's codes (the same English as the codes, capitalised), translated; a code
#: added to the domain without words here shows as before, in English.
STRATUM_LABELS = {
    "category": _("Category"),
    "unit": _("Unit"),
    "risk_level": _("Risk level"),
    "status": _("Status"),
    "outcome": _("Outcome"),
    "child_age": _("Child age"),
}
ALLOCATION_LABELS = {
    "proportional": _("Proportional"),
    "equal": _("Equal"),
    "neyman": _("Neyman"),
}


class InspectionForm(forms.Form):
    body = forms.CharField(
        max_length=16, error_messages={"required": _("Choose the inspected body")}
    )
    name = forms.CharField(
        max_length=200, error_messages={"required": _("Enter a name for the inspection")}
    )
    period_start = forms.DateField(
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={
            "required": _("Enter the first day of the period"),
            "invalid": _("Enter the first day as dd/mm/yyyy"),
        },
    )
    period_end = forms.DateField(
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={
            "required": _("Enter the last day of the period"),
            "invalid": _("Enter the last day as dd/mm/yyyy"),
        },
    )


class DrawForm(forms.Form):
    register = forms.IntegerField(
        error_messages={"required": _("Choose the register to draw from")}
    )
    size = forms.IntegerField(
        min_value=1,
        max_value=100_000,
        error_messages={
            "required": _("Enter the sample size"),
            "min_value": _("The sample size must be at least 1"),
        },
    )
    strata = forms.MultipleChoiceField(
        choices=[
            (c, STRATUM_LABELS.get(c) or c.replace("_", " ").capitalize()) for c in STRATIFIABLE
        ],
        required=False,
    )
    allocation = forms.ChoiceField(
        choices=[
            (a.value, ALLOCATION_LABELS.get(a.value) or a.value.capitalize())
            for a in Allocation
            if a is not Allocation.FIXED
        ]
    )
    minimum_per_stratum = forms.IntegerField(min_value=0, required=False)
    reserve = forms.IntegerField(min_value=0, required=False)
    reported_from = forms.DateField(
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        required=False,
        error_messages={"invalid": _("Enter the date as dd/mm/yyyy")},
    )
    reported_to = forms.DateField(
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        required=False,
        error_messages={"invalid": _("Enter the date as dd/mm/yyyy")},
    )
    #: Every reported date, on purpose (without it, empty dates are the inspection's period).
    any_date = forms.BooleanField(required=False)
    #: Pre-declared headline comparisons, one a line (or comma-separated): category:x, unit:x, weakness:x.
    headline = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)
    allow_late_commitment = forms.BooleanField(required=False)
    #: Which button was pressed: "preview" checks the margin and allocation, anything else draws.
    action = forms.CharField(required=False, strip=False)

    def is_preview(self) -> bool:
        return self.cleaned_data.get("action") == "preview"

    def headline_list(self) -> list[str]:
        """The declared comparisons as typed, one a line or comma-separated (checked with the plan)."""
        text = self.cleaned_data.get("headline") or ""
        return [item.strip() for item in text.replace(",", "\n").splitlines() if item.strip()]

    def plan_mapping(self) -> dict[str, Any]:
        data = self.cleaned_data
        frame: dict[str, Any] = {}
        if data.get("reported_from"):
            frame["reported_from"] = data["reported_from"]
        if data.get("reported_to"):
            frame["reported_to"] = data["reported_to"]
        if data.get("any_date"):
            frame["any_date"] = True
        mapping: dict[str, Any] = {
            "size": data["size"],
            "strata": list(data.get("strata") or []),
            "allocation": data["allocation"],
            "minimum_per_stratum": data.get("minimum_per_stratum") or 0,
            "frame": frame,
            "headline": self.headline_list(),
        }
        if data.get("reserve") is not None:
            mapping["reserve"] = data["reserve"]
        return mapping


class SeedForm(forms.Form):
    """Committing to a seed posts nothing but the button; a refusal is this form's error."""


class ReplaceForm(forms.Form):
    case_ref = forms.CharField(
        max_length=100, error_messages={"required": _("Enter the case reference")}
    )
    reason = forms.CharField(
        max_length=500, error_messages={"required": _("Say why the case is out of scope")}
    )


class InspectionFilterForm(forms.Form):
    """The inspections list's filters and order (a GET form: anything unknown is ignored, never refused)."""

    stage = forms.ChoiceField(required=False)
    body = forms.CharField(required=False, max_length=16)
    order = forms.ChoiceField(required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)

    def __init__(
        self, *args: Any, stages: dict[str, str], orders: dict[str, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [("", _("Any stage")), *stages.items()]  # type: ignore[attr-defined]
        self.fields["order"].choices = list(orders.items())  # type: ignore[attr-defined]

    def chosen(self) -> dict[str, str]:
        """The valid choices (an invalid one is dropped, as if not chosen)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "stage_is": data.get("stage") or "",
            "body": data.get("body") or "",
            "order": data.get("order") or "newest",
        }

    def page_asked(self) -> int:
        """The page asked for (1 when none, or not a number)."""
        return int(getattr(self, "cleaned_data", {}).get("page") or 1)
