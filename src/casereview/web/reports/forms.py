"""The forms that schedule, change and cancel a publication: a GOV.UK date input, a time, the pre-release
access list and, for a change or a cancellation, the reason.  Every error is listed at once, each on the field
it is about (the date's on its first wrong part), in the service's words: no field has a length limit of
Django's own (its message would reach people), and a tampered hidden id is a conflict, not a field error."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_lazy

from casereview.domain import release as rules
from casereview.web.core.phrases import refusal_words, translated

# 09:30, 9.30, 14:00; 9:30am, 9.30 pm, 9am (a 12-hour time with am or pm).
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*([ap]\.?m\.?)?$", re.IGNORECASE | re.ASCII)
#: The hidden ``scheduled`` of a form that named no publication, or named one that cannot exist (tampered):
#: the view then refuses it as a conflict ("published or cancelled since you opened it").
NO_SUCH = -1


#: What a date missing some of its parts must include, by the parts missing (in the order day, month, year).
_MISSING_PARTS = {
    ("day",): gettext_lazy("The release date must include a day"),
    ("month",): gettext_lazy("The release date must include a month"),
    ("year",): gettext_lazy("The release date must include a year"),
    ("day", "month"): gettext_lazy("The release date must include a day and month"),
    ("day", "year"): gettext_lazy("The release date must include a day and year"),
    ("month", "year"): gettext_lazy("The release date must include a month and year"),
}


def _number(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 4 else None


def clock_time(text: str) -> dt.time | None:
    """A time as people type it: "09:30", "9.30", "14:00" (24-hour, minutes needed), or "9:30am", "9.30 pm",
    "9am", "12pm" (12-hour with am or pm); None when it is not one."""
    found = _TIME.match(text.strip())
    if not found:
        return None
    hours, minutes, half = int(found[1]), int(found[2] or 0), found[3]
    if half is None:
        if found[2] is None or hours > 23:
            return None
    else:
        if not 1 <= hours <= 12:
            return None
        hours = hours % 12 + (12 if half[0].lower() == "p" else 0)
    return dt.time(hours, minutes) if minutes < 60 else None


def _scheduled_id(text: str) -> int | None:
    """The hidden id of the publication a form is about: None when empty, ``NO_SUCH`` when not an id."""
    text = text.strip()
    if not text:
        return None
    return _number(text) if text.isascii() and text.isdigit() and len(text) <= 18 else NO_SUCH


def _reason_field(field_id: str) -> forms.CharField:
    return forms.CharField(
        required=False, widget=forms.Textarea(attrs={"id": field_id, "rows": 3}), strip=False
    )


class ScheduleForm(forms.Form):
    release_day = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"id": "release-day", "inputmode": "numeric"}),
    )
    release_month = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"id": "release-month", "inputmode": "numeric"}),
    )
    release_year = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"id": "release-year", "inputmode": "numeric"}),
    )
    release_time = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"id": "release-time"}),
    )
    pre_release_access = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"id": "pre-release-access", "rows": 4}),
    )
    # Why the announced publication is changed (a change only).
    reason = _reason_field("change-reason")
    # The scheduled publication a change is about (empty for a new one): a change never becomes a second.
    scheduled = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, now: dt.datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now

    def _day(self, data: dict[str, Any]) -> dt.date | None:
        parts = {k: (data.get(f"release_{k}") or "").strip() for k in ("day", "month", "year")}
        missing = [k for k, v in parts.items() if not v]
        if len(missing) == 3:
            self.add_error("release_day", gettext("Enter the release date"))
            return None
        if missing:
            self.add_error(f"release_{missing[0]}", str(_MISSING_PARTS[tuple(missing)]))
            return None
        day, month, year = (_number(parts[k]) for k in ("day", "month", "year"))
        try:
            if day is None or month is None or year is None or year < 1000:
                raise ValueError
            return dt.date(year, month, day)
        except ValueError:
            self.add_error(
                "release_day", gettext("The release date must be a real date, like 14 1 2027")
            )
            return None

    def _time(self, data: dict[str, Any]) -> dt.time | None:
        text = (data.get("release_time") or "").strip()
        if not text:
            return rules.DEFAULT_RELEASE_TIME
        found = clock_time(text)
        if found is None:
            self.add_error(
                "release_time",
                gettext("Enter the release time in hours and minutes, like 09:30 or 9:30am"),
            )
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["scheduled"] = _scheduled_id(data.get("scheduled") or "")
        if data["scheduled"] is not None:
            problem = rules.reason_problem(data.get("reason") or "", "changing")
            if problem is not None:
                self.add_error("reason", translated(problem))
        data["reason"] = (data.get("reason") or "").strip()
        day, time = self._day(data), self._time(data)
        if day is not None and time is not None:
            try:
                moment = rules.release_moment(day, time)
            except rules.ReleaseRefused as exc:
                self.add_error("release_time", refusal_words(exc))
            else:
                problem = rules.release_problem(moment, self.now)
                if problem is not None:
                    self.add_error("release_day", translated(problem))
                else:
                    data["release_at"] = moment
        people, problems = rules.pre_release_list(data.get("pre_release_access") or "")
        for problem in problems:
            self.add_error("pre_release_access", translated(problem))
        data["people"] = people
        return data

    @classmethod
    def starting(cls, scheduled: Any, *, now: dt.datetime) -> ScheduleForm:
        """The form as the page first shows it: blank with 09:30, or the announced publication to change."""
        if scheduled is None:
            return cls(
                initial={"release_time": rules.DEFAULT_RELEASE_TIME.strftime("%H:%M")}, now=now
            )
        local = scheduled.release_at.astimezone(rules.UK)
        return cls(
            initial={
                "release_day": str(local.day),
                "release_month": str(local.month),
                "release_year": str(local.year),
                "release_time": f"{local:%H:%M}",
                "pre_release_access": rules.pre_release_text(scheduled.pre_release_access),
                "scheduled": scheduled.pk,
            },
            now=now,
        )


class CancelForm(forms.Form):
    """Cancel the announced publication: the reason, and the hidden id of the one the page showed."""

    reason = _reason_field("cancel-reason")
    scheduled = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["scheduled"] = _scheduled_id(data.get("scheduled") or "")
        problem = rules.reason_problem(data.get("reason") or "", "cancelling")
        if problem is not None:
            self.add_error("reason", translated(problem))
        data["reason"] = (data.get("reason") or "").strip()
        return data
