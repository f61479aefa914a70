"""The send-back pages' forms: the list's filters, and the send-back page's actions.

An action is a button's value with, for *respond* and *return*, its note, on the version the page showed.
The form asks for what it can judge alone (a known action; the note an answer or a return needs), every
problem at once; ``sendback_act`` judges the rest (who may act, in which state, on which version).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casereview.domain.referrals import Action, State, Urgency
from casereview.domain.words import Kind, words

from .selectors import OPEN, SORTS, SendBackFilters

#: The note each action needs, and what the page asks when it is missing.
NOTE_NEEDED = {
    Action.RESPOND.value: _("Say what was done: the actions taken on this case"),
    Action.RETURN.value: _("Say what more is needed from the body"),
}
NOTE_LIMIT = 10_000


class SendBackActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[(a.value, a.value) for a in Action if a is not Action.ESCALATE],
        error_messages={
            "required": _("Choose what to do with this send back"),
            "invalid_choice": _("Choose what to do with this send back"),
        },
        widget=forms.HiddenInput(
            attrs={"id": "actions"}
        ),  # the summary links to the page's buttons
    )
    note = forms.CharField(required=False, strip=False, widget=forms.Textarea)
    version = forms.Field(required=False)

    def clean_note(self) -> str:
        return str(self.cleaned_data["note"] or "")[:NOTE_LIMIT]

    def clean_version(self) -> int:
        # A version that is not a number matches no send back's: the service says someone acted first.
        try:
            return int(str(self.data.get("version", "-1"))[:12])
        except (TypeError, ValueError):
            return -1

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        needed = NOTE_NEEDED.get(cleaned.get("action") or "")
        if needed and not str(cleaned.get("note") or "").strip():
            self.add_error("note", needed)
        return cleaned


class SendBackFilterForm(forms.Form):
    """The *Send backs* list's filters, from the query string.  A value that is no choice (an old link, a body the
    user may not see) is left out rather than refused: the list shows what the rest of the filters match."""

    q = forms.CharField(required=False, label=_("Case reference"))
    state = forms.ChoiceField(required=False, label=_("State"))
    urgency = forms.ChoiceField(required=False, label=_("Urgency"))
    body = forms.ChoiceField(required=False, label=_("Body"))
    overdue = forms.BooleanField(required=False, label=_("Overdue only"))
    sort = forms.ChoiceField(required=False, label=_("Sort by"))

    def __init__(self, data: Any, *, bodies: list[tuple[str, str]]) -> None:
        super().__init__(data)
        self._choose(
            "state",
            [
                ("", gettext("Any state")),
                (OPEN, gettext("Any but closed")),
                *((s.value, words(Kind.SEND_BACK_STATE, s.value, gettext)) for s in State),
            ],
        )
        self._choose(
            "urgency",
            [
                ("", gettext("Any urgency")),
                *((u.value, words(Kind.URGENCY, u.value, gettext)) for u in Urgency),
            ],
        )
        self._choose(
            "body",
            [
                ("", gettext("Any body")),
                *((code, f"{name} ({code})") for code, name in bodies),
            ],
        )
        self._choose("sort", [(key, str(label)) for key, (label, _) in SORTS.items()])

    def _choose(self, name: str, choices: list[tuple[str, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - the fields above
        field.choices = choices

    def filters(self) -> SendBackFilters:
        """What the valid answers ask for (the others: any)."""
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return SendBackFilters(
            state=data.get("state") or "",
            urgency=data.get("urgency") or "",
            body=data.get("body") or "",
            overdue=bool(data.get("overdue")),
            q=str(data.get("q") or "").strip()[:100],
            sort=data.get("sort") or "due",
        )
