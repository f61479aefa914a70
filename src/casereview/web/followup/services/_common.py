"""What every follow-up service shares: the refusals, compare-and-set, history, journal and e-mail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.db import models

from casereview.domain.errors import Conflict, Refused
from casereview.domain.followup import (
    PLAN_WORKING_DAYS,
    FindingKind,
    FollowupActor,
)
from casereview.domain.journal import JournalAction, Operation
from casereview.domain.language import Phrase, gettext_lazy, gettext_noop
from casereview.web.core.users import User, person
from casereview.web.journal.services import journal_record
from casereview.web.notifications import messages as notices
from casereview.web.notifications.services import mail_queue
from casereview.web.referrals.models import BodyContact
from casereview.web.referrals.services import bank_holidays

from ..models import (
    FollowupEvent,
)
from ..selectors import actor_for, is_lead_of

M = TypeVar("M", bound=models.Model)


class FollowupError(Refused):
    """Refused: the person may not do this, or gave something that cannot be taken; the message says why (a
    Phrase: ``str()`` is the English for the API and the command line, a page translates it)."""


#: "Someone else changed this <what> first", a whole sentence for each thing (``FollowupChanged``).
_CHANGED: dict[str, str] = {
    "finding": gettext_noop("Someone else changed this finding first: read it again and decide"),
    "recommendation": gettext_noop(
        "Someone else changed this recommendation first: read it again and decide"
    ),
    "action plan": gettext_noop(
        "Someone else changed this action plan first: read it again and decide"
    ),
    "action": gettext_noop("Someone else changed this action first: read it again and decide"),
}


class FollowupChanged(Conflict):
    """Someone else changed it first; ``current`` is the object as it is now."""

    def __init__(self, current: Any, what: str) -> None:
        said = _CHANGED.get(what)
        super().__init__(
            Phrase(said)
            if said is not None
            else f"Someone else changed this {what} first: read it again and decide"
        )
        self.current = current


def plan_working_days() -> int:
    """Working days after publication by which the body's plan is due (``CASEREVIEW_ACTION_PLAN_WORKING_DAYS``)."""
    return int(getattr(settings, "CASEREVIEW_ACTION_PLAN_WORKING_DAYS", PLAN_WORKING_DAYS))


def holidays_ahead(start: dt.date, working_days: int = PLAN_WORKING_DAYS) -> set[dt.date]:
    """Bank holidays of England and Wales from ``start``'s year, far enough ahead to count ``working_days``."""
    return bank_holidays(range(start.year, start.year + 2 + working_days // 200))


# --- Shared steps ------------------------------------------------------------------------------------------


def add_history(
    object_type: str,
    object_id: int,
    *,
    action: str,
    before: str,
    after: str,
    actor: User | None,
    at: dt.datetime,
    note: str = "",
) -> None:
    """One line of the object's history (``FollowupEvent``), inside the caller's transaction."""
    FollowupEvent.objects.create(
        object_type=object_type,
        object_id=object_id,
        action=action,
        from_state=before,
        to_state=after,
        by=person(actor),
        by_name=actor.get_username() if actor is not None else "system",
        at=at,
        note=note,
    )


def add_journal(
    actor: User | None,
    action: JournalAction,
    object_type: str,
    object_id: int,
    detail: dict[str, Any],
    *,
    operation: Operation = Operation.ALTERATION,
    recipient: str = "",
    at: dt.datetime | None = None,
) -> None:
    """The journal entry of a service (``at``: None is the journal's own clock, read under its lock)."""
    journal_record(
        actor=actor,
        operation=operation,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
        recipient=recipient,
        at=at,
    )


#: The history names a plan and an action shortly; the journal (and the e-mails) by their tables' names.
_JOURNAL_NAMES = {"plan": "action_plan", "action": "plan_action"}


def record_move(
    object_type: str,
    object_id: int,
    *,
    move: str,
    before: str,
    after: str,
    actor: User | None,
    at: dt.datetime,
    journal: JournalAction,
    detail: dict[str, Any],
    note: str = "",
    operation: Operation = Operation.ALTERATION,
    recipient: str = "",
    journal_at: dt.datetime | None = None,
) -> None:
    """A service's move, recorded twice inside its transaction: a line of the object's history (``move``,
    ``before`` -> ``after``, at ``at``) and the service's one journal entry (``journal`` with ``detail``).
    ``journal_at`` is None unless the caller was given its time (the demo): the journal then reads its own
    clock under its lock, so that the chain's times stay in order."""
    add_history(
        object_type,
        object_id,
        action=move,
        before=before,
        after=after,
        actor=actor,
        at=at,
        note=note,
    )
    add_journal(
        actor,
        journal,
        _JOURNAL_NAMES.get(object_type, object_type),
        object_id,
        detail,
        operation=operation,
        recipient=recipient,
        at=journal_at,
    )


def swap(model: type[M], obj: Any, expected_version: int, what: str, **fields: Any) -> None:
    """Compare-and-set: write ``fields`` (and the next version) only if nobody moved the object since
    ``expected_version``; else ``FollowupChanged`` with the object as it is now."""
    changed = model._default_manager.filter(
        pk=obj.pk, version=expected_version, state=obj.state
    ).update(version=expected_version + 1, **fields)
    if not changed:
        raise FollowupChanged(model._default_manager.get(pk=obj.pk), what)


def fresh(model: type[M], obj: Any, expected_version: int, what: str) -> Any:
    """The object as stored now; ``FollowupChanged`` at once if the page's version is not its version."""
    current: Any = model._default_manager.get(pk=obj.pk)
    if current.version != expected_version:
        raise FollowupChanged(current, what)
    return current


def contacts_of(body_id: int, *kinds: str) -> list[Any]:
    """The users who are the body's contacts of these kinds, in the order they were named."""
    return [
        c.user
        for c in BodyContact.objects.filter(body_id=body_id, kind__in=kinds)
        .select_related("user")
        .order_by("id")
    ]


def tell(
    notice: notices.Message,
    recipients: Sequence[Any],
    object_type: str,
    pk: int,
    now: dt.datetime | None = None,
) -> None:
    """Queue ``notice`` to ``recipients`` through the outbox, about the object (no case content), written
    again in each recipient's language."""
    mail_queue(
        now=now,
        notice=notice,
        recipients=recipients,
        object_type=object_type,
        object_id=pk,
    )


def required(text: str, message: Phrase | str) -> str:
    """``text`` stripped; ``FollowupError`` with ``message`` when it is blank or not text."""
    if not isinstance(text, str) or not text.strip():
        raise FollowupError(message)
    return text.strip()


#: "Only the lead inspector of this inspection can …", a whole sentence for each move (``lead_only``).
_LEAD_ONLY: dict[str, str] = {
    "add findings": gettext_noop("Only the lead inspector of this inspection can add findings"),
    "change its findings": gettext_noop(
        "Only the lead inspector of this inspection can change its findings"
    ),
    "publish its findings": gettext_noop(
        "Only the lead inspector of this inspection can publish its findings"
    ),
    "withdraw its findings": gettext_noop(
        "Only the lead inspector of this inspection can withdraw its findings"
    ),
    "add recommendations": gettext_noop(
        "Only the lead inspector of this inspection can add recommendations"
    ),
    "change its recommendations": gettext_noop(
        "Only the lead inspector of this inspection can change its recommendations"
    ),
    "publish its recommendations": gettext_noop(
        "Only the lead inspector of this inspection can publish its recommendations"
    ),
    "withdraw its recommendations": gettext_noop(
        "Only the lead inspector of this inspection can withdraw its recommendations"
    ),
    "judge recommendations at it": gettext_noop(
        "Only the lead inspector of this inspection can judge recommendations at it"
    ),
}


def lead_only(actor: User, inspection: Any, what: str) -> None:
    """``FollowupError`` unless ``actor`` is the inspection's lead inspector (``what``: the move, a key of
    ``_LEAD_ONLY``, whose sentence the refusal says)."""
    if not is_lead_of(actor, inspection):
        said = _LEAD_ONLY.get(what)
        raise FollowupError(
            Phrase(said)
            if said is not None
            else f"Only the lead inspector of this inspection can {what}"
        )


def acting_as(actor: User, inspection: Any, body_id: int, refusal: Phrase) -> FollowupActor:
    """The lead of the inspection or the body; anyone else is refused with ``refusal`` (a page has already
    given them 404)."""
    found = actor_for(actor, inspection, body_id)
    if found is None:
        raise FollowupError(refusal)
    return found


# --- Findings ----------------------------------------------------------------------------------------------


def finding_kind(kind: str) -> FindingKind:
    """The kind of finding a form or the API named; ``FollowupError`` for anything else."""
    try:
        return FindingKind(kind)
    except ValueError as exc:
        raise FollowupError(
            gettext_lazy(
                "Choose the kind of finding: a cause of concern or an area for improvement"
            )
        ) from exc
