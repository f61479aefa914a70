"""Reads for send-back pages, scoped: a liaison officer sees only their own body's send backs."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from casereview.domain.referrals import (
    AWAITING_BODY,
    OPEN_STATES,
    TRANSITIONS,
    Actor,
    OpenSendBack,
    State,
    Urgency,
    due_words,
    overdue,
)
from casereview.domain.roles import Role
from casereview.domain.words import Kind, uk_date, words
from casereview.web.core.access import user_roles
from casereview.web.core.paging import paged
from casereview.web.core.phrases import active_language

from .models import BodyContact, SendBack, SendBackEvent


def late(send_back: SendBack, today: Any) -> bool:
    """Overdue now, or already escalated for being overdue: what dashboards and reports count."""
    return (
        overdue(State(send_back.state), send_back.due_on, today)
        or send_back.state == State.ESCALATED.value
    )


def open_send_backs(sampled_case: Any) -> list[OpenSendBack]:
    """The case's send backs not yet closed, oldest first."""
    return [
        OpenSendBack(id=pk, urgency=urgency, state=state, due_on=due_on)
        for pk, urgency, state, due_on in SendBack.objects.filter(sampled_case=sampled_case)
        .exclude(state=State.CLOSED.value)
        .order_by("opened_at", "id")
        .values_list("id", "urgency", "state", "due_on")
    ]


def case_send_backs(sampled_case_ids: list[int]) -> dict[int, list[SendBack]]:
    """Every send back of these sampled cases (all states), oldest first, by sampled case: one query."""
    out: dict[int, list[SendBack]] = {}
    for s in SendBack.objects.filter(sampled_case_id__in=sampled_case_ids).order_by(
        "opened_at", "id"
    ):
        out.setdefault(s.sampled_case_id, []).append(s)
    return out


def send_backs_visible(user: Any) -> QuerySet[SendBack]:
    roles = user_roles(user)
    base = SendBack.objects.select_related("body", "inspection", "sampled_case")
    allowed = Q(pk__in=[])
    if Role.LIAISON_OFFICER in roles:
        # A subquery, not a list: the scope costs no query of its own.
        bodies = BodyContact.objects.filter(user=user, kind=BodyContact.Kind.LIAISON).values(
            "body_id"
        )
        allowed |= Q(body_id__in=bodies)
    if Role.LEAD_INSPECTOR in roles:
        allowed |= Q(inspection__lead=user)
    if roles & {Role.INSPECTOR, Role.LEAD_INSPECTOR}:
        allowed |= Q(opened_by=user)
    return base.filter(allowed)


def with_history(send_backs: QuerySet[SendBack]) -> QuerySet[SendBack]:
    """The send backs with their events, oldest first, read in one more query for all (not one each)."""
    return send_backs.prefetch_related(
        Prefetch("events", queryset=SendBackEvent.objects.order_by("at", "id"))
    )


def send_back_for(user: Any, send_back_id: int) -> SendBack | None:
    return send_backs_visible(user).filter(pk=send_back_id).first()


#: The list's orders: (words, the fields it orders by, the id last so that pages never overlap).
#: The words are for the page's sort choice only (translated when it is drawn).
SORTS: dict[str, tuple[Promise, tuple[str, ...]]] = {
    "due": (gettext_lazy("Due soonest first"), ("due_on", "id")),
    "due_last": (gettext_lazy("Due latest first"), ("-due_on", "-id")),
    "newest": (gettext_lazy("Sent back most recently first"), ("-opened_at", "-id")),
    "oldest": (gettext_lazy("Sent back longest ago first"), ("opened_at", "id")),
    "case": (gettext_lazy("Case reference"), ("sampled_case__case_ref", "id")),
}
#: The state filter's "every state but closed".
OPEN = "open"


@dataclass(frozen=True)
class SendBackFilters:
    """What the *Send backs* list is narrowed to: each empty means any.  They only narrow the send backs the user
    may see (``send_backs_visible``): no filter reaches another body's."""

    state: str = ""  # a State, or OPEN
    urgency: str = ""
    body: str = ""  # a body's code
    overdue: bool = False  # overdue now, or escalated for being overdue (``late``)
    q: str = ""  # part of the case reference, any case
    sort: str = "due"

    def query(self) -> dict[str, str]:
        """The filters as the list's query string carries them (empty ones left out by the links)."""
        return {
            "state": self.state,
            "urgency": self.urgency,
            "body": self.body,
            "overdue": "yes" if self.overdue else "",
            "q": self.q,
            "sort": "" if self.sort == "due" else self.sort,
        }

    @property
    def narrowed(self) -> bool:
        return bool(self.state or self.urgency or self.body or self.overdue or self.q)


def late_q(today: Any) -> Q:
    """``late`` as a query: the body still owes a response after its due day, or it was escalated for that."""
    return Q(state__in=[s.value for s in AWAITING_BODY], due_on__lt=today) | Q(
        state=State.ESCALATED.value
    )


def send_backs_filtered(user: Any, filters: SendBackFilters, today: Any) -> QuerySet[SendBack]:
    """The send backs ``user`` may see, narrowed by ``filters``, in the order they ask for."""
    found = send_backs_visible(user)
    if filters.state == OPEN:
        found = found.exclude(state=State.CLOSED.value)
    elif filters.state:
        found = found.filter(state=filters.state)
    if filters.urgency:
        found = found.filter(urgency=filters.urgency)
    if filters.body:
        found = found.filter(body__code=filters.body)
    if filters.overdue:
        found = found.filter(late_q(today))
    if filters.q:
        found = found.filter(sampled_case__case_ref__icontains=filters.q)
    return found.order_by(*SORTS.get(filters.sort, SORTS["due"])[1])


def bodies_of_send_backs(user: Any) -> list[tuple[str, str]]:
    """(code, name) of every body the user's send backs went to, by code: the body filter's choices."""
    return list(
        send_backs_visible(user)
        .values_list("body__code", "body__name")
        .distinct()
        .order_by("body__code")
    )


def send_backs_page(user: Any, filters: SendBackFilters, page: int) -> dict[str, Any]:
    """One page of the *Send backs* list: its rows (each marked overdue or not, by the rule the "Overdue only"
    filter narrows by: ``late``, so an escalated one is marked too) and the count that match.

    Three queries besides the user's scope, whatever the number of send backs: the count, the page's rows
    (with their body and case), and the bodies for the filter."""
    today = timezone.localdate()
    found = paged(send_backs_filtered(user, filters, today), page, filters.query())
    return {
        "page": found,
        "rows": [{"send_back": s, "overdue": late(s, today)} for s in found.rows],
    }


def dashboard(user: Any) -> dict[str, Any]:
    """For a lead inspector: open, overdue and closed send backs by body and urgency; days to first response."""
    today = timezone.localdate()
    rows: dict[tuple[str, str], dict[str, int]] = {}
    names: dict[str, str] = {}
    days: list[float] = []
    for s in SendBack.objects.filter(inspection__lead=user).select_related("body"):
        names[s.body.code] = s.body.name
        row = rows.setdefault((s.body.code, s.urgency), {"open": 0, "overdue": 0, "closed": 0})
        if State(s.state) in OPEN_STATES:
            row["open"] += 1
            if late(s, today):
                row["overdue"] += 1
        else:
            row["closed"] += 1
        if s.first_response_at:
            days.append((s.first_response_at - s.opened_at).total_seconds() / 86400)
    return {
        "rows": [
            {"body": b, "body_name": names[b], "urgency": u, **counts}
            for (b, u), counts in sorted(rows.items())
        ],
        "median_days_to_response": statistics.median(days) if days else None,
        "responses": len(days),
    }


def covers(send_backs: list[SendBack], said_at: Any) -> bool:
    """A yes given at ``said_at`` is covered by a send back of its case still open then or opened since.

    A send back closed before the yes was given does not cover it: the yes is a new judgement that the child
    is at risk.  (The one home for the rule: the lead's table, the report and publishing all read it.)
    """
    return any(s.closed_at is None or said_at is None or s.closed_at >= said_at for s in send_backs)


#: The urgency question's choices on a page (the words translated when the page draws them).
URGENCY_CHOICES: list[tuple[str, Promise]] = [
    (Urgency.IMMEDIATE.value, gettext_lazy("Immediate – the same working day")),
    (Urgency.PRIORITY.value, gettext_lazy("Priority – 5 working days")),
    (Urgency.ROUTINE.value, gettext_lazy("Routine – 20 working days")),
]


def sent_back_words(send_back: SendBack, case_ref: str) -> str:
    """ "Case X sent back to Northshire Police, immediate (same working day), due today 17:00": the banner's and
    the message's one wording, in words (the body's name, the urgency's words), not codes; in the page's
    language (it is only ever shown on a page)."""
    due = due_words(send_back.due_on, timezone.localdate(), language=active_language())
    urgency = words(Kind.URGENCY, send_back.urgency, gettext)
    body = send_back.body.name
    values = {
        "ref": case_ref,
        "body": body,
        "urgency": f"{urgency[:1].lower()}{urgency[1:]}",
        "due": due,
    }
    reachable = (
        BodyContact.objects.filter(
            body_id=send_back.body_id, kind=BodyContact.Kind.LIAISON, user__is_active=True
        )
        .exclude(user__email="")
        .exists()
    )
    if not reachable:  # the outbox had nobody to write to: say so while the sender can still act
        return (
            gettext(
                "Case %(ref)s sent back to %(body)s, %(urgency)s, due %(due)s. No liaison officer of %(body)s "
                "has an e-mail address, so nobody there was told: tell them another way"
            )
            % values
        )
    return gettext("Case %(ref)s sent back to %(body)s, %(urgency)s, due %(due)s") % values


def send_backs_listed(
    *, inspection_id: int | None = None, state: str | None = None
) -> list[dict[str, Any]]:
    """Send backs for the command line, oldest first; ``state`` "open" means every state but closed."""
    today = timezone.localdate()
    found = SendBack.objects.select_related("sampled_case", "body").order_by("opened_at", "id")
    if inspection_id is not None:
        found = found.filter(inspection_id=inspection_id)
    if state == "open":
        found = found.exclude(state=State.CLOSED.value)
    elif state is not None:
        found = found.filter(state=state)
    return [
        {
            "id": s.pk,
            "inspection_id": s.inspection_id,
            "body": s.body.code,
            "case_ref": s.sampled_case.case_ref,
            "urgency": s.urgency,
            "state": s.state,
            "opened_at": s.opened_at.isoformat(),
            "due": s.due_on.isoformat(),
            "overdue": late(s, today),
            "review_id": s.review_id,
        }
        for s in found
    ]


def actions_open_to(user: Any, send_back: SendBack, *, liaison: bool) -> list[str]:
    """The moves ``user`` may make on this send back now (``liaison``: they are its body's liaison officer), in
    the state machine's order: what the page offers a button for, and nothing else."""
    if liaison:
        actor = Actor.LIAISON
    elif user_roles(user) & {Role.INSPECTOR, Role.LEAD_INSPECTOR}:
        actor = (
            Actor.INSPECTORATE
        )  # who sent it, or leads its inspection (else it is not shown to them)
    else:
        return []
    return [
        action.value
        for (state, action), (who, _) in TRANSITIONS.items()
        if state.value == send_back.state and who is actor
    ]


def next_step_words(send_back: SendBack, *, liaison: bool) -> str:
    """What happens next to this send back, for someone who cannot act on it now (in the page's language)."""
    today = timezone.localdate()
    language = active_language()
    state = State(send_back.state)
    body = send_back.body.name
    if state is State.CLOSED:
        if send_back.closed_at:
            return gettext(
                "The inspectorate accepted the body's response and closed this send back on %(day)s. "
                "Nothing more happens to it."
            ) % {"day": uk_date(timezone.localtime(send_back.closed_at), language)}
        return gettext(
            "The inspectorate accepted the body's response and closed this send back. "
            "Nothing more happens to it."
        )
    if state is State.RESPONSE_SUBMITTED:
        if liaison:
            return gettext(
                "Your response is with the inspectorate. They accept it and close the send back, or return "
                "it saying what more is needed; you are told by e-mail if it comes back."
            )
        return gettext(
            "The inspectorate reads the body's response, then accepts it or returns it for more."
        )
    values = {"body": body, "due": due_words(send_back.due_on, today, language=language)}
    if state is State.ESCALATED:
        return (
            gettext(
                "%(body)s has not responded and the response is overdue (it was due %(due)s): it has been "
                "escalated to the lead inspector and the body's senior leads. The body's liaison officer "
                "can still respond."
            )
            % values
        )
    if overdue(state, send_back.due_on, today):
        return (
            gettext(
                "Waiting for %(body)s to respond. The response is overdue: it was due %(due)s. Its liaison "
                "officer says what was done. The inspector who sent it back and the lead inspector are "
                "told by e-mail when they respond."
            )
            % values
        )
    return (
        gettext(
            "Waiting for %(body)s to respond by %(due)s: its liaison officer says what was done. The "
            "inspector who sent it back and the lead inspector are told by e-mail when they respond."
        )
        % values
    )


def is_liaison_for(user: Any, send_back: SendBack) -> bool:
    """Whether ``user`` is a liaison officer of the body this send back went to (they respond to it)."""
    return BodyContact.objects.filter(
        body_id=send_back.body_id, user_id=user.pk or 0, kind=BodyContact.Kind.LIAISON
    ).exists()
