from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casereview.importing.profiles import shipped_profiles

from .selectors import bodies_for_choice, body_by_code


class RegisterUploadForm(forms.Form):
    body = forms.ModelChoiceField(
        queryset=bodies_for_choice(),
        to_field_name="code",
        empty_label=_("Choose the inspected body"),
        error_messages={"required": _("Choose the inspected body whose register this is")},
    )
    file = forms.FileField(
        label=_("Register file"),
        help_text=_("A CSV or Excel (.xlsx) export of the body's case register"),
        error_messages={"required": _("Choose a CSV or Excel file to upload")},
    )
    profile = forms.ChoiceField(label=_("Column-mapping profile"), choices=())
    sheet = forms.CharField(
        label=_("Sheet name (Excel only, optional)"),
        required=False,
        max_length=100,
        help_text=_("Leave empty to use the first sheet"),
    )
    replace = forms.BooleanField(
        label=_("Import again even if this exact file was imported before"), required=False
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["profile"].choices = [(p, p) for p in shipped_profiles()]  # type: ignore[attr-defined]
        self.fields["body"].queryset = bodies_for_choice()  # type: ignore[attr-defined]


#: The form of a body's short code (the model's validator says the same; the form says it first, with the
#: name's problem beside it, so that every problem shows at once).
BODY_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,15}$")


class BodyForm(forms.Form):
    """*Add an inspected body*: its code and name as typed (trimmed); every problem with either is listed at
    once, against its own answer; ``body_add`` judges again when it stores."""

    code = forms.Field(required=False)
    name = forms.Field(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"] or "").strip()[:16]

    def clean_name(self) -> str:
        return str(self.cleaned_data["name"] or "").strip()[:200]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        code = cleaned.get("code", "")
        if not code:
            self.add_error("code", gettext("Enter the body's short code"))
        elif not BODY_CODE.match(code.upper()):
            self.add_error(
                "code",
                gettext(
                    "Enter a short code of 2 to 16 capital letters, digits, - or _, starting with a "
                    "letter or digit"
                ),
            )
        elif body_by_code(code) is not None:
            self.add_error(
                "code",
                gettext("A body with code %(code)s already exists") % {"code": code.upper()},
            )
        if not cleaned.get("name"):
            self.add_error("name", gettext("Enter the body's name"))
        return cleaned
