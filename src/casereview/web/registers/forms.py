from __future__ import annotations

from django import forms

from casereview.importing.profiles import shipped_profiles

from .selectors import bodies_for_choice


class RegisterUploadForm(forms.Form):
    body = forms.ModelChoiceField(
        queryset=bodies_for_choice(),
        to_field_name="code",
        empty_label="Choose the inspected body",
        error_messages={"required": "Choose the inspected body whose register this is"},
    )
    file = forms.FileField(
        label="Register file",
        help_text="A CSV or Excel (.xlsx) export of the body's case register",
        error_messages={"required": "Choose a CSV or Excel file to upload"},
    )
    profile = forms.ChoiceField(label="Column-mapping profile", choices=())
    sheet = forms.CharField(
        label="Sheet name (Excel only, optional)",
        required=False,
        max_length=100,
        help_text="Leave empty to use the first sheet",
    )
    replace = forms.BooleanField(
        label="Import again even if this exact file was imported before", required=False
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["profile"].choices = [(p, p) for p in shipped_profiles()]  # type: ignore[attr-defined]
        self.fields["body"].queryset = bodies_for_choice()  # type: ignore[attr-defined]
