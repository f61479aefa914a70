"""The review page's form, built from the review's framework, and the form that sends a reviewed case back.

The rules of an answer live in one place, ``casereview.domain.grading.clean_answers``: this form reads the
page's fields (one grade, set of weaknesses and comment per area of the framework) as typed and hands them
over; a value no page of this framework could send (``TamperedReview``) makes the form invalid.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext

from casereview.domain.framework import Framework
from casereview.domain.grading import ReviewAnswers, TamperedReview, clean_answers
from casereview.domain.referrals import Urgency

#: Free text is kept to this many characters (a comment, a reason).
TEXT_LIMIT = 10_000


def _text(value: object, limit: int | None = None) -> str:
    return str(value or "")[:limit]


class ReviewForm(forms.Form):
    """A review's answers; ``answers`` once valid, ``tampered`` (the domain's refusal) when not."""

    overall = forms.Field(required=False)
    departure_reason = forms.Field(required=False)
    send_back = forms.Field(required=False)
    send_back_reason = forms.Field(required=False)
    send_back_urgency = forms.Field(required=False)
    send_back_another = forms.Field(required=False)
    version = forms.Field(required=False)
    action = forms.Field(required=False)

    def __init__(self, data: Any, *, framework: Framework) -> None:
        super().__init__(data)
        self.framework = framework
        self.slugs = [area.slug for area in framework.areas]
        for slug in self.slugs:
            self.fields[f"grade_{slug}"] = forms.Field(required=False)
            self.fields[f"weaknesses_{slug}"] = forms.Field(
                required=False, widget=forms.MultipleHiddenInput
            )
            self.fields[f"comment_{slug}"] = forms.Field(required=False)
        self.answers: ReviewAnswers | None = None
        self.tampered: TamperedReview | None = None

    def clean_version(self) -> int:
        """The version the page showed; anything but a number matches none."""
        try:
            return int(self.data.get("version", "-1"))
        except (TypeError, ValueError):
            return -1

    @property
    def submit(self) -> bool:
        """Submitted (the Submit button), not only saved as a draft."""
        return bool(self.cleaned_data.get("action") == "submit")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # A grade for an area the framework does not have is passed on, for the domain to refuse.
        extra = {key.removeprefix("grade_") for key in self.data if key.startswith("grade_")} - set(
            self.slugs
        )
        try:
            self.answers = clean_answers(
                self.framework,
                area_grades={
                    **{s: _text(data.get(f"grade_{s}")) for s in self.slugs},
                    **{e: _text(self.data.get(f"grade_{e}")) for e in extra},
                },
                area_weaknesses={s: list(data.get(f"weaknesses_{s}") or []) for s in self.slugs},
                area_comments={s: _text(data.get(f"comment_{s}"), TEXT_LIMIT) for s in self.slugs},
                overall=_text(data.get("overall")),
                departure_reason=_text(data.get("departure_reason"), TEXT_LIMIT),
                send_back=_text(data.get("send_back")),
                send_back_reason=_text(data.get("send_back_reason"), TEXT_LIMIT),
                send_back_urgency=_text(data.get("send_back_urgency")),
                send_back_another=_text(data.get("send_back_another")),
            )
        except TamperedReview as refused:
            self.tampered = refused
            raise forms.ValidationError(str(refused)) from refused
        return data


class MyCasesForm(forms.Form):
    """My cases' search, filters and page, as typed: anything unknown means "all" (``my_cases.my_cases``)."""

    q = forms.CharField(required=False, max_length=100, strip=True)
    state = forms.CharField(required=False)
    inspection = forms.CharField(required=False)
    page = forms.CharField(required=False)

    def values(self) -> dict[str, str]:
        """The search, filters and page to ask for (all cases, page 1, when the form is not valid)."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "query": data.get("q") or "",
            "state": data.get("state") or "",
            "inspection": data.get("inspection") or "",
            "page": data.get("page") or "1",
        }


class SendBackOpenForm(forms.Form):
    """Sending a submitted review's case back: why, how urgently, and (when one is open) that a second one
    is meant.  Both missing answers are reported at once; ``sendback_open`` still judges what it is given."""

    reason = forms.Field(required=False)
    urgency = forms.Field(required=False)
    confirm_another = forms.Field(required=False)

    def clean_reason(self) -> str:
        reason = _text(self.cleaned_data["reason"], TEXT_LIMIT)
        if not reason.strip():
            raise forms.ValidationError(gettext("Say why the case is sent back"))
        return reason

    def clean_urgency(self) -> str:
        urgency = _text(self.cleaned_data["urgency"])
        if urgency not in {u.value for u in Urgency}:
            raise forms.ValidationError(
                gettext("Choose the urgency: immediate, priority or routine")
            )
        return urgency

    def clean_confirm_another(self) -> bool:
        return bool(self.cleaned_data["confirm_another"] == "yes")
