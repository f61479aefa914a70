"""Every write to send backs: one transaction, one journal entry, never a transition applied twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import holidays as holiday_calendar
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from casereview.domain.errors import Conflict, Refused
from casereview.domain.journal import JournalAction, Operation
from casereview.domain.language import gettext_lazy
from casereview.domain.referrals import (
    DEFAULT_WORKING_DAYS,
    Action,
    Actor,
    SecondSendBack,
    State,
    Urgency,
    due_date,
    overdue,
    transition,
)
from casereview.domain.roles import Role
from casereview.web.core.access import user_roles
from casereview.web.core.users import User, person, signed_in
from casereview.web.inspections.models import SampledCase
from casereview.web.journal.services import journal_record
from casereview.web.notifications import messages as notices
from casereview.web.notifications.services import mail_queue

from .models import BodyContact, SendBack, SendBackEvent
from .selectors import open_send_backs


class SendBackError(Refused):
    """Refused; the message says why."""


class AlreadyChanged(Conflict):
    """Someone else acted first; ``send_back`` is what it is now."""

    def __init__(self, send_back: SendBack) -> None:
        super().__init__("someone else acted on this send back first")
        self.send_back = send_back


def bank_holidays(years: range) -> set[dt.date]:
    """Bank holidays of England and Wales (the inspected bodies' working calendar)."""
    return set(holiday_calendar.country_holidays("GB", subdiv="ENG", years=list(years)))


def working_days() -> dict[Urgency, int]:
    configured = getattr(settings, "CASEREVIEW_SEND_BACK_WORKING_DAYS", {})
    return {u: int(configured.get(u.value, d)) for u, d in DEFAULT_WORKING_DAYS.items()}


def body_contact_add(
    *, body: Any, user: Any, kind: str, actor: User | None = None, now: dt.datetime | None = None
) -> BodyContact:
    if kind not in BodyContact.Kind.values:
        raise SendBackError(f"kind must be one of {', '.join(BodyContact.Kind.values)}")
    if kind == BodyContact.Kind.AUDITOR and Role.BODY_AUDITOR not in user_roles(user):
        # A body's own auditor leads and grades its own audits: only someone with that role may be one.
        raise SendBackError(
            gettext_lazy(
                "%(username)s does not hold the body auditor role: give it first, then name them an "
                "auditor of the body",
                username=user.get_username(),
            )
        )
    with transaction.atomic():
        contact, _ = BodyContact.objects.get_or_create(body=body, user=user, kind=kind)
        journal_record(
            actor=actor,
            operation=Operation.ADMINISTRATION,
            action=JournalAction.BODY_CONTACT_ADD,
            object_type="body",
            object_id=body.code,
            detail={"user": user.get_username(), "kind": kind},
            at=now,
        )
    return contact


def body_contact_remove(*, body: Any, user: Any, kind: str, actor: User | None = None) -> bool:
    """Take a user off a body's contacts (a liaison officer moved or no longer one); False if they were not on."""
    with transaction.atomic():
        removed, _ = BodyContact.objects.filter(body=body, user=user, kind=kind).delete()
        if removed:
            journal_record(
                actor=actor,
                operation=Operation.ADMINISTRATION,
                action=JournalAction.BODY_CONTACT_REMOVE,
                object_type="body",
                object_id=body.code,
                detail={"user": user.get_username(), "kind": kind},
            )
    return bool(removed)


def _contacts(body: Any, kind: str) -> list[Any]:
    """The body's contacts of one kind (liaison officers, senior leads), as users."""
    return [c.user for c in BodyContact.objects.filter(body=body, kind=kind).select_related("user")]


def _event(
    send_back: SendBack,
    *,
    action: str,
    before: str,
    after: str,
    actor: User | None,
    at: Any,
    note: str,
) -> None:
    """The send back's own history: one row per move, with who made it (``system`` when nobody did)."""
    SendBackEvent.objects.create(
        send_back=send_back,
        action=action,
        from_state=before,
        to_state=after,
        by=person(actor),
        by_name=actor.get_username() if actor is not None else "system",
        at=at,
        note=note,
    )


def _tell(
    notice: Any, recipients: list[Any], send_back: SendBack, now: dt.datetime | None = None
) -> None:
    """Queue ``notice`` about ``send_back`` for ``recipients``; the outbox sends it after commit, written
    again in each recipient's language."""
    mail_queue(
        now=now,
        notice=notice,
        recipients=recipients,
        object_type="send_back",
        object_id=send_back.pk,
    )


def _due_on(level: Urgency, now: Any) -> dt.date:
    local = timezone.localtime(now).replace(tzinfo=None)
    return due_date(local, level, bank_holidays(range(local.year, local.year + 2)), working_days())


def _asked(reason: str, urgency: str) -> Urgency:
    """The urgency of a send back asked for with ``reason``; refused without a reason or a known urgency."""
    if not reason.strip():
        raise SendBackError(gettext_lazy("Say why the case is sent back"))
    try:
        return Urgency(urgency)
    except ValueError as exc:
        raise SendBackError(
            gettext_lazy("Choose the urgency: immediate, priority or routine")
        ) from exc


def sendback_open(
    *,
    sampled_case: SampledCase,
    reason: str,
    urgency: str,
    actor: User,
    confirm_another: bool = False,
    review: Any = None,
    now: dt.datetime | None = None,
) -> SendBack:
    """Send a case back to its body (a disclosure), with a due date in working days.

    A case that already has an open send back gets a second one only with
    ``confirm_another`` (``SecondSendBack`` names the open one otherwise): never a
    silent duplicate.  Call it inside a caller's transaction to open it together
    with the caller's own write (a review's submission passes ``review``).  ``now``: when it is opened
    (the real clock unless given).
    """
    level = _asked(reason, urgency)
    inspection = sampled_case.sample.inspection
    dated, now = now, now or timezone.now()
    due = _due_on(level, now)
    with transaction.atomic():
        # The case's row is the lock: two people answering yes at once cannot both find no open send back.
        SampledCase.objects.select_for_update().filter(pk=sampled_case.pk).exists()
        existing = open_send_backs(sampled_case)
        if existing and not confirm_another:
            raise SecondSendBack(sampled_case.case_ref, existing, timezone.localdate(now))
        send_back = SendBack.objects.create(
            inspection=inspection,
            sampled_case=sampled_case,
            body=inspection.body,
            reason=reason.strip(),
            urgency=level.value,
            state=State.OPENED.value,
            opened_by=signed_in(actor),
            opened_at=now,
            due_on=due,
            review=review,
        )
        _event(
            send_back,
            action="open",
            before="",
            after=State.OPENED.value,
            actor=actor,
            at=now,
            note=reason.strip(),
        )
        _opened_told(send_back, actor=actor, second=bool(existing), at=dated)
    return send_back


def _opened_told(
    send_back: SendBack, *, actor: User, second: bool, at: dt.datetime | None = None
) -> None:
    """Journal the disclosure of a send back just opened, and tell the body's liaison officers (after commit;
    the e-mail names the case, never the reason)."""
    journal_record(
        actor=actor,
        operation=Operation.DISCLOSURE,
        action=JournalAction.SEND_BACK_OPEN,
        object_type="send_back",
        object_id=send_back.pk,
        recipient=send_back.body.code,
        reason=send_back.urgency,
        detail={
            "sampled_case": send_back.sampled_case_id,
            "due_on": send_back.due_on.isoformat(),
            "review": send_back.review_id,
            "second": second,
        },
        at=at,
    )
    notice = notices.send_back_opened(send_back, today=timezone.localdate(send_back.opened_at))
    _tell(notice, _contacts(send_back.body, BodyContact.Kind.LIAISON), send_back, now=at)


def _actor_kind(user: Any, send_back: SendBack) -> Actor:
    roles = user_roles(user)
    if (
        Role.LIAISON_OFFICER in roles
        and BodyContact.objects.filter(
            body=send_back.body, user=user, kind=BodyContact.Kind.LIAISON
        ).exists()
    ):
        return Actor.LIAISON
    if roles & {Role.INSPECTOR, Role.LEAD_INSPECTOR}:
        return Actor.INSPECTORATE
    raise SendBackError(gettext_lazy("You cannot act on this send back"))


def sendback_act(
    *, send_back: SendBack, action: str, actor: User, expected_version: int, note: str = ""
) -> SendBack:
    """Apply one transition, only if nobody acted since the page was opened (``expected_version``)."""
    try:
        move = Action(action)
    except ValueError as exc:
        raise SendBackError(gettext_lazy("Unknown action")) from exc
    if move in (Action.RETURN, Action.RESPOND) and not note.strip():
        raise SendBackError(
            gettext_lazy("Say what was done")
            if move is Action.RESPOND
            else gettext_lazy("Say what more is needed")
        )
    who = _actor_kind(actor, send_back)
    target = transition(State(send_back.state), move, who)  # raises TransitionRefused
    now = timezone.now()
    with transaction.atomic():
        # The case's row is the lock a review's submission takes to read the open send backs: a yes is never
        # covered by a send back that is closing at that same moment.
        SampledCase.objects.select_for_update().filter(pk=send_back.sampled_case_id).exists()
        fields: dict[str, Any] = {"state": target.value, "version": send_back.version + 1}
        if move is Action.RESPOND and send_back.first_response_at is None:
            fields["first_response_at"] = now
        if target is State.CLOSED:
            fields["closed_at"] = now
        # Compare-and-set: of two people acting at once, exactly one update matches.
        changed = SendBack.objects.filter(
            pk=send_back.pk, version=expected_version, state=send_back.state
        ).update(**fields)
        if not changed:
            raise AlreadyChanged(SendBack.objects.get(pk=send_back.pk))
        _event(
            send_back,
            action=move.value,
            before=send_back.state,
            after=target.value,
            actor=actor,
            at=now,
            note=note.strip(),
        )
        journal_record(
            actor=actor,
            operation=Operation.DISCLOSURE if who is Actor.LIAISON else Operation.ALTERATION,
            action=JournalAction.send_back_move(move.value),
            object_type="send_back",
            object_id=send_back.pk,
            detail={"from": send_back.state, "to": target.value},
        )
        # Whoever acts next hears at once (after commit): an answer goes to the inspector who sent the case back
        # and the inspection's lead, a return to the body's liaison officers.  Never the note itself.
        if move is Action.RESPOND:
            notice = notices.send_back_responded(send_back, today=timezone.localdate(now))
            _tell(notice, [send_back.opened_by, send_back.inspection.lead], send_back)
        elif move is Action.RETURN:
            notice = notices.send_back_returned(send_back, today=timezone.localdate(now))
            _tell(notice, _contacts(send_back.body, BodyContact.Kind.LIAISON), send_back)
    return SendBack.objects.get(pk=send_back.pk)


def sendbacks_escalate(*, today: dt.date | None = None) -> list[SendBack]:
    """Escalate every overdue send back, once (idempotent), and tell the lead and the body's senior leads."""
    today = today or timezone.localdate()
    escalated: list[SendBack] = []
    for send_back in SendBack.objects.filter(
        state__in=[s.value for s in (State.OPENED, State.ACKNOWLEDGED, State.RETURNED)]
    ).select_related("inspection__lead", "body"):
        if not overdue(State(send_back.state), send_back.due_on, today):
            continue
        now = timezone.now()
        with transaction.atomic():
            changed = SendBack.objects.filter(pk=send_back.pk, version=send_back.version).update(
                state=State.ESCALATED.value, version=send_back.version + 1, escalated_at=now
            )
            if not changed:
                continue
            _event(
                send_back,
                action=Action.ESCALATE.value,
                before=send_back.state,
                after=State.ESCALATED.value,
                actor=None,
                at=now,
                note=f"due {send_back.due_on:%d/%m/%Y}",
            )
            journal_record(
                actor=None,
                operation=Operation.ALTERATION,
                action=JournalAction.SEND_BACK_ESCALATE,
                object_type="send_back",
                object_id=send_back.pk,
                detail={"due_on": send_back.due_on.isoformat()},
            )
            # The body's senior leads and the lead inspector, through the outbox with the escalation itself.
            senior = _contacts(send_back.body, BodyContact.Kind.SENIOR_LEAD)
            _tell(
                notices.send_back_escalated(send_back),
                [*senior, send_back.inspection.lead],
                send_back,
            )
        send_back.refresh_from_db()
        escalated.append(send_back)
    return escalated
