"""The lead inspector's forms on the people and moderation parts of an inspection (assign, move, resolve).

Messages are the ones the pages have always shown; each refusal reaches the page through the one error
summary (``includes/error_summary.html``) and, where it belongs to a field, next to that field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.translation import gettext_lazy

from casereview.domain.framework import Grade
from casereview.web.core.users import User
from casereview.web.inspections.selectors import inspectors_available

from .lead_selectors import CASE_STATE_WORDS, FLAG_WORDS, SAMPLE_ORDERS, SampleFilters
from .selectors import assignment_of_case
from .services import DEFAULT_MODERATION_SHARE

if TYPE_CHECKING:  # a type only: views and forms reach models through selectors and services
    from casereview.web.inspections.models import Inspection

SHARE_REFUSED = gettext_lazy("Enter the share to moderate as a percentage from 0 to 100")
MOVE_REFUSED = gettext_lazy("Enter a case reference that is assigned, and choose an inspector")
GRADE_REFUSED = gettext_lazy("Choose one of the framework's grades")
RATIONALE_REFUSED = gettext_lazy("Give the rationale for the final grade")


class UsernamesField(forms.Field):
    """Every value posted under the field's name (ticked checkboxes), as text; none is refused here."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        return [str(v) for v in value or []]


class AssignForm(forms.Form):
    """Share the sample's first reviews, or its moderation, among the ticked inspectors.

    Names that are not an active inspector's are dropped, as they always were; the share (per cent) is read
    only when moderation is assigned, empty meaning the default.
    """

    inspectors = UsernamesField(required=False)
    kind = forms.CharField(required=False, strip=False)
    share = forms.CharField(required=False, strip=False)

    def __init__(self, *args: Any, inspection: Inspection | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inspection = inspection

    def is_moderation(self) -> bool:
        return self.cleaned_data.get("kind") == "moderation"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") != "moderation":
            return data
        try:
            share = float(data.get("share") or DEFAULT_MODERATION_SHARE * 100) / 100
        except ValueError:
            share = -1.0
        if not 0 <= share <= 1:
            self.add_error("share", SHARE_REFUSED)
        else:
            data["share_fraction"] = share
        return data

    def chosen(self) -> list[User]:
        """The ticked names that are active inspectors (of an own audit: its body's own auditors)."""
        names = set(self.cleaned_data.get("inspectors") or [])
        return [u for u in inspectors_available(self.inspection) if u.get_username() in names]


class MoveForm(forms.Form):
    """Move one assignment (first review or moderation) of a case to another inspector."""

    case_ref = forms.CharField(required=False)
    to = forms.CharField(required=False, strip=False)
    kind = forms.CharField(required=False, strip=False)

    def __init__(self, *args: Any, inspection: Inspection, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inspection = inspection

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # A form posted without the choice moves the first review, as the page always did.
        kind = data.get("kind", "") if "kind" in self.data else "first"
        assignment = assignment_of_case(self.inspection, data.get("case_ref", ""), kind)
        target = next(
            (
                u
                for u in inspectors_available(self.inspection)
                if u.get_username() == data.get("to")
            ),
            None,
        )
        if assignment is None or target is None:
            self.add_error("case_ref", MOVE_REFUSED)
        else:
            data["assignment"], data["target"] = assignment, target
        return data


class ResolveForm(forms.Form):
    """The final overall grade of one disagreement, with its rationale.

    ``sampled_case`` is looked up by the view (anything but a case of this inspection is a 404).
    """

    sampled_case = forms.CharField(required=False, widget=forms.HiddenInput)
    final_overall = forms.ChoiceField(
        error_messages={"required": GRADE_REFUSED, "invalid_choice": GRADE_REFUSED}
    )
    rationale = forms.CharField(
        widget=forms.Textarea, error_messages={"required": RATIONALE_REFUSED}
    )

    def __init__(self, *args: Any, grades: Sequence[Grade], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice = cast(forms.ChoiceField, self.fields["final_overall"])
        choice.choices = [(g.code, g.label) for g in grades]


class SampleFilterForm(forms.Form):
    """The sample table's filters, order and page (a GET form: a value not offered is ignored, not refused)."""

    stratum = forms.CharField(required=False, max_length=400)
    reviewer = forms.CharField(required=False, max_length=150)
    state = forms.CharField(required=False, max_length=20)
    grade = forms.CharField(required=False, max_length=40)
    flag = forms.CharField(required=False, max_length=20)
    order = forms.CharField(required=False, max_length=20)
    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)

    def filters(self) -> SampleFilters:
        self.is_valid()
        data: dict[str, Any] = getattr(self, "cleaned_data", {})

        def text(name: str) -> str:
            return str(data.get(name) or "")

        return SampleFilters(
            stratum=text("stratum"),
            reviewer=text("reviewer"),
            state=text("state") if text("state") in CASE_STATE_WORDS else "",
            grade=text("grade"),
            flag=text("flag") if text("flag") in FLAG_WORDS else "",
            order=text("order") if text("order") in SAMPLE_ORDERS else "reference",
            page=int(data.get("page") or 1),
        )
