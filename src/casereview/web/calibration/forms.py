"""What the calibration pages post: a new calibration (own audit, size, stratify), and the version an action
was taken on (a stale one shows the calibration as it stands, never overwriting it)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class CalibrationForm(forms.Form):
    own_audit = forms.IntegerField(
        error_messages={
            "required": _("Choose the body's own audit to calibrate"),
            "invalid": _("Choose one of the own audits listed"),
        },
        # the page writes the radios; the first one's id is the one the error summary links to
        widget=forms.NumberInput(attrs={"id": "own_audit"}),
    )
    size = forms.IntegerField(
        min_value=1,
        max_value=100_000,
        error_messages={
            "required": _("Enter how many cases to re-grade"),
            "invalid": _("Enter the number of cases as a whole number, such as 60"),
            "min_value": _("Re-grade at least 1 case"),
            "max_value": _("Enter a number of cases the own audit graded"),
        },
    )
    stratify = forms.BooleanField(required=False)

    def __init__(self, *args: object, choices: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._allowed = {pk for pk, _ in choices}

    def clean_own_audit(self) -> int:
        chosen: int = self.cleaned_data["own_audit"]
        if chosen not in self._allowed:
            raise forms.ValidationError(gettext("Choose one of the own audits listed"))
        return chosen


class StepForm(forms.Form):
    """A step of the calibration (commit the seed, draw, complete) taken on the version the page showed;
    completing may report the cases that could not be re-graded as missing (``with_missing``)."""

    version = forms.IntegerField(min_value=1)
    with_missing = forms.BooleanField(required=False)


class WithdrawForm(forms.Form):
    """Withdraw the calibration, saying why (kept and listed as withdrawn)."""

    version = forms.IntegerField(min_value=1)
    reason = forms.CharField(
        max_length=2000,
        error_messages={
            "required": _("Say why the calibration is withdrawn"),
            "max_length": _("Say why in 2,000 characters or fewer"),
        },
    )
