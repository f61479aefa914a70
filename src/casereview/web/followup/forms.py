"""The follow-up pages' forms: the register's filters, a finding and its basis, a recommendation, the body's
action plan, a progress update, and a judgement at a later inspection.

Each form asks for what it can judge alone (a known choice, a number, a real date, a note or a rationale that
is not empty), every problem at once; the services judge the rest (who may act, in which state, on which
version).  A version that is not a number matches no object's: the service then says someone acted first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from casereview.domain.followup import FindingKind, Judgement

from .page_selectors import BasisChoice, PlanRow

TEXT_LIMIT = 10_000
SHORT_LIMIT = 200


def _limited(value: object, too_long: str, limit: int = TEXT_LIMIT) -> str:
    """The answer, stripped; a form error (never a silent cut) when it is longer than ``limit``.

    ``too_long``: the whole sentence, translated, with ``%(limit)s`` where the limit goes (a sentence per
    question, not "<question> must be…": Welsh builds it round the question differently)."""
    text = str(value or "")
    if len(text) > limit:
        raise forms.ValidationError(too_long % {"limit": f"{limit:,}"})
    return text.strip()


def _version(data: Mapping[str, Any], name: str = "version") -> int:
    try:
        return int(str(data.get(name, "-1"))[:12])
    except (TypeError, ValueError):
        return -1


def _whole(text: object) -> int | None:
    raw = str(text or "").strip().replace(",", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None


#: What a date input left out, a whole sentence for each case (not the parts joined with "and": a translation
#: words each its own way).  Lazy: the page's language is known only when the form is checked.
_MISSING: Mapping[tuple[str, ...], Promise] = {
    ("day",): gettext_lazy("The date must include a day"),
    ("month",): gettext_lazy("The date must include a month"),
    ("year",): gettext_lazy("The date must include a year"),
    ("day", "month"): gettext_lazy("The date must include a day and month"),
    ("day", "year"): gettext_lazy("The date must include a day and year"),
    ("month", "year"): gettext_lazy("The date must include a month and year"),
}


def day_from(day: object, month: object, year: object) -> tuple[dt.date | None, str]:
    """A date from a GOV.UK date input's three answers, or the problem in words ("" when all are empty)."""
    parts = [str(p or "").strip() for p in (day, month, year)]
    if not any(parts):
        return None, ""
    names = ("day", "month", "year")
    missing = [n for n, p in zip(names, parts, strict=True) if not p]
    if missing:
        return None, str(_MISSING[tuple(missing)])
    d, m, y = (_whole(p) for p in parts)
    try:
        if d is None or m is None or y is None or y < 1000:
            raise ValueError
        return dt.date(y, m, d), ""
    except ValueError:
        return None, gettext("The date must be a real date, like 27 3 2027")


class VersionForm(forms.Form):
    """A button on the version the page showed (publish, submit, accept)."""

    version = forms.Field(required=False)

    def clean_version(self) -> int:
        return _version(self.data)


class ReasonForm(VersionForm):
    """Withdrawing a finding, a recommendation or an action: why (kept in the history)."""

    reason = forms.CharField(
        required=False, strip=False, widget=forms.Textarea(attrs={"id": "reason"})
    )

    def __init__(self, data: Any = None, *, field_id: str = "reason") -> None:
        super().__init__(data)
        self.fields["reason"].widget.attrs["id"] = field_id

    def clean_reason(self) -> str:
        reason = _limited(
            self.cleaned_data.get("reason"),
            gettext("The reason must be %(limit)s characters or fewer"),
        )
        if not reason:
            raise forms.ValidationError(gettext("Say why it is withdrawn"))
        return reason


class ReturnForm(VersionForm):
    """The lead returns the body's plan: what more is needed."""

    note = forms.CharField(
        required=False, strip=False, widget=forms.Textarea(attrs={"id": "return-note"})
    )

    def clean_note(self) -> str:
        note = _limited(
            self.cleaned_data.get("note"),
            gettext("What more is needed must be %(limit)s characters or fewer"),
        )
        if not note:
            raise forms.ValidationError(gettext("Say what more the plan needs"))
        return note


# The register's filters -------------------------------------------------------------------------------------


class RegisterFilterForm(forms.Form):
    """The register's filters, from the query string.  A value that is no choice (an old link, a body the user
    may not see) is left out rather than refused: the register shows what the rest of the filters match."""

    body = forms.ChoiceField(required=False, label=gettext_lazy("Body"))
    state = forms.ChoiceField(required=False, label=gettext_lazy("State"))
    rag = forms.ChoiceField(required=False, label=gettext_lazy("Rating"))
    judgement = forms.ChoiceField(required=False, label=gettext_lazy("Last judgement"))

    def __init__(
        self,
        data: Any,
        *,
        bodies: Sequence[tuple[str, str]],
        states: Sequence[tuple[str, str]],
        rags: Sequence[tuple[str, str]],
        judgements: Sequence[tuple[str, str]],
    ) -> None:
        super().__init__(data)
        self._choose("body", [("", gettext("Any body")), *((c, f"{n} ({c})") for c, n in bodies)])
        self._choose("state", [("", gettext("Any state")), *states])
        self._choose("rag", [("", gettext("Any rating")), *rags])
        self._choose(
            "judgement",
            [("", gettext("Any or none")), ("none", gettext("Not yet judged")), *judgements],
        )

    def _choose(self, name: str, choices: list[tuple[str, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - the fields above
        field.choices = choices

    def chosen(self) -> dict[str, str]:
        """What the valid answers ask for (the others: any)."""
        if not self.is_bound:
            return dict.fromkeys(("body", "state", "rag", "judgement"), "")
        self.is_valid()
        return {
            name: ("" if name in self.errors else str(self.cleaned_data.get(name) or ""))
            for name in ("body", "state", "rag", "judgement")
        }


# A finding and its basis ---------------------------------------------------------------------------------


_CHOOSE_KIND = gettext_lazy("Choose whether it is a cause of concern or an area for improvement")


class FindingForm(forms.Form):
    """A finding: its kind, its text, and what it rests on (each chosen item with the counts the report gave)."""

    kind = forms.ChoiceField(
        choices=[(k.value, k.value) for k in FindingKind],
        error_messages={
            "required": _CHOOSE_KIND,
            "invalid_choice": _CHOOSE_KIND,
        },
        widget=forms.RadioSelect(attrs={"id": f"kind-{FindingKind.CAUSE_OF_CONCERN.value}"}),
    )
    text = forms.CharField(
        required=False, strip=False, widget=forms.Textarea(attrs={"id": "finding-text"})
    )
    basis = forms.Field(required=False, widget=forms.HiddenInput(attrs={"id": "basis"}))

    def __init__(self, data: Any = None, *, choices: Sequence[BasisChoice]) -> None:
        super().__init__(data)
        self.choices = list(choices)

    def clean_text(self) -> str:
        text = _limited(
            self.cleaned_data.get("text"),
            gettext("The finding must be %(limit)s characters or fewer"),
        )
        if not text:
            raise forms.ValidationError(gettext("Write the finding"))
        return text

    def clean_basis(self) -> list[dict[str, Any]]:
        data: Any = self.data
        chosen = set(data.getlist("basis")) if hasattr(data, "getlist") else set()
        known = {c.key: c for c in self.choices}
        basis, problems = [], []
        for key, choice in known.items():
            if key not in chosen:
                continue
            count = _whole(self.data.get(f"count-{key}"))
            total = _whole(self.data.get(f"total-{key}"))
            if count is None or total is None or total < 1 or count > total:
                problems.append(
                    gettext(
                        "%(label)s: give the number of cases and of cases looked at, "
                        "the first no more than the second"
                    )
                    % {"label": choice.label}
                )
                continue
            basis.append({"kind": choice.kind, "code": choice.code, "count": count, "total": total})
        if problems:
            raise forms.ValidationError(problems)
        if not basis:
            raise forms.ValidationError(
                gettext("Choose at least one weakness or area the finding rests on")
            )
        return basis

    def value_of(self, choice: BasisChoice) -> dict[str, Any]:
        """What the page shows for one basis item: chosen or not, and its counts (as posted, or prefilled)."""
        data: Any = self.data
        if self.is_bound:
            return {
                "checked": choice.key in data.getlist("basis"),
                "count": self.data.get(f"count-{choice.key}", ""),
                "total": self.data.get(f"total-{choice.key}", ""),
            }
        return {
            "checked": False,
            "count": "" if choice.count is None else choice.count,
            "total": "" if choice.total is None else choice.total,
        }


class FindingEditForm(VersionForm):
    """A draft finding's kind and text (what it rests on stays as it is)."""

    kind = forms.ChoiceField(
        choices=[(k.value, k.value) for k in FindingKind],
        error_messages={
            "required": _CHOOSE_KIND,
            "invalid_choice": _CHOOSE_KIND,
        },
    )
    text = forms.CharField(required=False, strip=False)

    def __init__(
        self, data: Any = None, *, finding_id: int, initial: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(data, initial=dict(initial or {}))
        kind = FindingKind.CAUSE_OF_CONCERN.value
        self.fields["kind"].widget.attrs["id"] = f"kind-{finding_id}-{kind}"
        self.fields["text"].widget.attrs["id"] = f"finding-text-{finding_id}"

    def clean_text(self) -> str:
        text = _limited(
            self.cleaned_data.get("text"),
            gettext("The finding must be %(limit)s characters or fewer"),
        )
        if not text:
            raise forms.ValidationError(gettext("Write the finding"))
        return text


def recommendation_initial(rec: Any) -> dict[str, Any]:
    """A draft recommendation as its form's first answers."""
    by_date = rec.due_working_days is None and rec.due_on is not None
    return {
        "text": rec.text,
        "due": "date" if by_date else ("working_days" if rec.due_working_days is not None else ""),
        "due_day": rec.due_on.day if by_date else "",
        "due_month": rec.due_on.month if by_date else "",
        "due_year": rec.due_on.year if by_date else "",
        "working_days": rec.due_working_days if rec.due_working_days is not None else "",
        "immediate": rec.immediate,
    }


class RecommendationForm(forms.Form):
    """A recommendation of a finding: what must change, by a date or in working days, and whether immediate."""

    text = forms.CharField(
        required=False, strip=False, widget=forms.Textarea(attrs={"id": "recommendation-text"})
    )
    due = forms.ChoiceField(
        choices=[("date", "date"), ("working_days", "working_days")],
        error_messages={
            "required": gettext_lazy("Choose how the due date is given"),
            "invalid_choice": gettext_lazy("Choose how the due date is given"),
        },
        widget=forms.RadioSelect(attrs={"id": "due-date"}),
    )
    due_day = forms.CharField(required=False, widget=forms.TextInput(attrs={"id": "due-day"}))
    due_month = forms.CharField(required=False, widget=forms.TextInput(attrs={"id": "due-month"}))
    due_year = forms.CharField(required=False, widget=forms.TextInput(attrs={"id": "due-year"}))
    working_days = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"id": "working-days"})
    )
    immediate = forms.BooleanField(required=False)

    def __init__(
        self, data: Any = None, *, suffix: str = "", initial: Mapping[str, Any] | None = None
    ) -> None:
        """``suffix``: what makes this form's ids its own on the page (a finding's id to add one to it; "r"
        and a draft's id to change it)."""
        super().__init__(data, initial=dict(initial or {}))
        for name, field in self.fields.items():
            base = field.widget.attrs.get("id") or name
            field.widget.attrs["id"] = f"{base}-{suffix}" if suffix else base

    def clean_text(self) -> str:
        text = _limited(
            self.cleaned_data.get("text"),
            gettext("What must change must be %(limit)s characters or fewer"),
        )
        if not text:
            raise forms.ValidationError(gettext("Write what must change"))
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["by"], data["days"] = None, None
        if data.get("due") == "date":
            day, problem = day_from(
                data.get("due_day"), data.get("due_month"), data.get("due_year")
            )
            if day is None:
                self.add_error("due_day", problem or gettext("Enter the date it is due by"))
            data["by"] = day
        elif data.get("due") == "working_days":
            days = _whole(data.get("working_days"))
            if days is None or not 1 <= days <= 1000:
                self.add_error(
                    "working_days",
                    gettext(
                        "Enter the working days from publication as a whole number, 1 to 1,000"
                    ),
                )
            data["days"] = days
        return data


# The body's action plan -----------------------------------------------------------------------------------


class PlanForm(forms.Form):
    """Every action of the plan, per recommendation (a row left empty is no action); on the version shown."""

    version = forms.Field(required=False)

    def __init__(self, data: Any = None, *, rows: Mapping[int, int]) -> None:
        """``rows``: for each open recommendation's id, how many rows its part of the form has."""
        super().__init__(data)
        self.rows = dict(rows)
        self.parsed: dict[int, list[PlanRow]] = {}
        self.row_problems: list[dict[str, str]] = []

    def clean_version(self) -> int:
        return _version(self.data)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        actions: list[dict[str, Any]] = []
        problems: list[dict[str, str]] = []
        for rec_id, n in self.rows.items():
            self.parsed[rec_id] = []
            for i in range(n):
                key = f"action-{rec_id}-{i}"
                got = {
                    f: str(self.data.get(f"{key}-{f}", ""))
                    for f in ("text", "owner", "day", "month", "year")
                }
                mine: list[str] = []
                action_id = _whole(self.data.get(f"{key}-id"))
                if not any(v.strip() for v in got.values()):
                    # An emptied row of a saved action takes it out of the plan (kept, withdrawn).
                    self.parsed[rec_id].append(PlanRow(rec_id, i))
                    continue
                target, problem = day_from(got["day"], got["month"], got["year"])
                if not got["text"].strip():
                    mine.append(gettext("Say what the action is"))
                if not got["owner"].strip():
                    mine.append(gettext("Say who owns the action (a name or a post)"))
                if target is None:
                    mine.append(problem or gettext("Enter the action's target date"))
                if len(got["text"]) > TEXT_LIMIT:
                    mine.append(
                        gettext("What the body will do must be %(limit)s characters or fewer")
                        % {"limit": f"{TEXT_LIMIT:,}"}
                    )
                if len(got["owner"].strip()) > SHORT_LIMIT:
                    mine.append(
                        gettext("Who owns it must be %(limit)s characters or fewer")
                        % {"limit": f"{SHORT_LIMIT:,}"}
                    )
                row = PlanRow(rec_id, i, **got, problems=tuple(mine), action_id=action_id)
                self.parsed[rec_id].append(row)
                problems.extend({"field": f"{key}-text", "message": p} for p in mine)
                if not mine:
                    action: dict[str, Any] = {
                        "recommendation_id": rec_id,
                        "text": got["text"].strip(),
                        "owner": got["owner"].strip(),
                        "target_on": target,
                    }
                    if action_id is not None:
                        action["id"] = action_id
                    actions.append(action)
        data["actions"] = actions
        self.row_problems = problems
        if problems:
            raise forms.ValidationError(gettext("Some actions are not complete"))
        return data


class ActionUpdateForm(forms.Form):
    """A progress update on one action (a note, and the evidence of it), or marking it done."""

    action = forms.ChoiceField(
        choices=[("update", "update"), ("complete", "complete")],
        error_messages={
            "required": gettext_lazy("Choose what to do"),
            "invalid_choice": gettext_lazy("Choose what to do"),
        },
        widget=forms.HiddenInput(attrs={"id": "progress-actions"}),
    )
    note = forms.CharField(
        required=False, strip=False, widget=forms.Textarea(attrs={"id": "progress-note"})
    )
    evidence = forms.CharField(
        required=False, strip=False, widget=forms.Textarea(attrs={"id": "progress-evidence"})
    )
    version = forms.Field(required=False)

    def clean_version(self) -> int:
        return _version(self.data)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        too_long = {
            "note": gettext("The progress note must be %(limit)s characters or fewer"),
            "evidence": gettext("Where the evidence is must be %(limit)s characters or fewer"),
        }
        for name in ("note", "evidence"):
            try:
                data[name] = _limited(data.get(name), too_long[name])
            except forms.ValidationError as exc:
                self.add_error(name, exc)
                data[name] = ""
        if data.get("action") == "update" and not data["note"]:
            self.add_error("note", gettext("Say what progress has been made"))
        return data


# Judging at a later inspection -----------------------------------------------------------------------------


class JudgeForm(forms.Form):
    """One recommendation's judgement: met, partly met, not met or no longer relevant, and why."""

    recommendation = forms.Field(required=False)
    judgement = forms.ChoiceField(
        choices=[(j.value, j.value) for j in Judgement],
        error_messages={
            "required": gettext_lazy("Choose your judgement"),
            "invalid_choice": gettext_lazy("Choose your judgement"),
        },
    )
    rationale = forms.CharField(required=False, strip=False, widget=forms.Textarea)
    version = forms.Field(required=False)
    #: The SHA-256 of the evidence and proposal the page showed (``domain.followup.evidence_digest``).
    evidence_sha256 = forms.Field(required=False)

    def __init__(self, data: Any = None) -> None:
        super().__init__(data)
        rec = self.rec_id = _whole((data or {}).get("recommendation")) or 0
        # Each recommendation's questions have ids of their own: the summary links to the one posted.
        self.fields["judgement"].widget.attrs["id"] = f"judgement-{rec}-{Judgement.MET.value}"
        self.fields["rationale"].widget.attrs["id"] = f"rationale-{rec}"

    def clean_recommendation(self) -> int:
        return self.rec_id

    def clean_evidence_sha256(self) -> str:
        return str(self.data.get("evidence_sha256") or "")[:64]

    def clean_version(self) -> int:
        return _version(self.data)

    def clean_rationale(self) -> str:
        rationale = _limited(
            self.cleaned_data.get("rationale"),
            gettext("The rationale must be %(limit)s characters or fewer"),
        )
        if not rationale:
            raise forms.ValidationError(
                gettext("Say why: what the new sample shows, and what else you saw")
            )
        return rationale
