"""What each person's start page shows: the work of each role they hold.

Every figure is read for all of a person's inspections at once (grouped queries), so a start page costs the
same number of queries for 4 cases as for 400, for one inspection as for ten (``tests/web/test_start_pages.py``).
Scoping is the apps' own: an inspector's cases are the assignments made to them; a lead's inspections those
they lead; a liaison officer's send backs those of the bodies they are a liaison officer for
(``referrals.selectors.send_backs_visible``); an analyst's reports ``reports.selectors.publications_visible``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext

from casereview.domain.journal import JournalAction
from casereview.domain.referrals import AWAITING_BODY, State, Urgency, due_words
from casereview.domain.roles import LEADING_ROLES, Role
from casereview.domain.tasks import Progress, stage, task_list
from casereview.domain.words import Kind, words
from casereview.web.accounts.selectors import sign_in_locks
from casereview.web.core.access import user_roles
from casereview.web.core.phrases import active_language
from casereview.web.inspections.models import Inspection, SampledCase
from casereview.web.inspections.selectors import inspections_progress, led_q
from casereview.web.journal.models import JournalEntry
from casereview.web.journal.selectors import AnchorStatus, journal_anchor_status, journal_head
from casereview.web.notifications.models import OutboxMessage
from casereview.web.referrals.models import BodyContact
from casereview.web.referrals.selectors import late, send_backs_visible
from casereview.web.reports.models import PublishedReport
from casereview.web.reports.selectors import publications_visible
from casereview.web.reviews.models import Assignment, Review
from casereview.web.reviews.my_cases import case_groups, cases_to_do, next_of

#: Cases to do listed for each inspection on an inspector's start page (the rest are on *My cases*).
CASES_SHOWN = 10
#: Send backs listed on a liaison officer's start page, overdue and immediate first.
SEND_BACKS_SHOWN = 20
#: Published reports listed on an analyst's start page, latest first.
REPORTS_SHOWN = 5

NOT_STARTED, DRAFT, SUBMITTED = (
    "not_started",
    Review.State.DRAFT.value,
    Review.State.SUBMITTED.value,
)


# Inspector ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseToDo:
    assignment_id: int
    inspection_id: int
    case_ref: str
    stratum: str
    kind: str  # Assignment.Kind: "first" or "moderation"
    state: str  # NOT_STARTED or DRAFT


@dataclass(frozen=True)
class InspectionCases:
    """One current inspection's cases assigned to the inspector, counted by state; the first to do listed."""

    inspection_id: int
    name: str
    body: str
    not_started: int
    draft: int
    submitted: int
    to_do: list[CaseToDo] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.not_started + self.draft + self.submitted

    @property
    def remaining(self) -> int:
        return self.not_started + self.draft


@dataclass(frozen=True)
class InspectorWork:
    inspections: list[InspectionCases]
    next_case: CaseToDo | None
    #: Assigned cases in earlier inspections (published, nothing left to do): on *My cases* only.
    earlier: int


def _to_do(a: Any) -> CaseToDo:
    return CaseToDo(
        assignment_id=a.pk,
        inspection_id=a.sampled_case.sample.inspection_id,
        case_ref=a.sampled_case.case_ref,
        stratum=a.sampled_case.stratum,
        kind=a.kind,
        state=getattr(a, "state", NOT_STARTED),
    )


def inspector_work(user: Any) -> InspectorWork:
    """The current inspections' cases assigned to ``user``, in My cases' order (``reviews.my_cases``): the same
    inspections first, up to ``CASES_SHOWN`` cases to do of each, and the same next case.  An inspection is
    current until its report is published, or while a case of it is still to do (a reopened review); cases
    marked out of scope are no one's work and are not counted.  Three queries."""
    groups = case_groups(user)
    if not groups:
        return InspectorWork(inspections=[], next_case=None, earlier=0)
    published = set(
        PublishedReport.objects.filter(
            inspection_id__in=[g.inspection_id for g in groups]
        ).values_list("inspection_id", flat=True)
    )
    current = [g for g in groups if g.to_do or g.inspection_id not in published]
    rows = cases_to_do(user, current, CASES_SHOWN)
    following = next_of(rows)
    to_do = [_to_do(a) for a in rows]
    return InspectorWork(
        inspections=[
            InspectionCases(
                inspection_id=g.inspection_id,
                name=g.name,
                body=g.body,
                not_started=g.counts[NOT_STARTED],
                draft=g.counts[DRAFT],
                submitted=g.counts[SUBMITTED],
                to_do=[c for c in to_do if c.inspection_id == g.inspection_id],
            )
            for g in current
        ],
        next_case=None if following is None else _to_do(following),
        earlier=sum(g.total for g in groups if g not in current),
    )


# Lead inspector -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewerProgress:
    """One inspector's first reviews in an inspection."""

    inspector: str
    not_started: int
    draft: int
    submitted: int


@dataclass(frozen=True)
class LeadInspection:
    """An inspection the lead leads, and how far it has gone: its progress and stage are the task list's
    (``inspections.selectors.inspections_progress``, ``domain.tasks``), the same as the inspections list."""

    inspection_id: int
    name: str
    body: str
    period_end: dt.date
    progress: Progress
    stage: str  # a key of domain.tasks.STAGE_WORDS
    people: list[ReviewerProgress]

    @property
    def stage_words(self) -> str:
        """The stage in the page's language (``domain.words.STAGE_WORDS``)."""
        return words(Kind.STAGE, self.stage, gettext)

    @property
    def unassigned(self) -> int:
        """Cases in scope with no first reviewer yet."""
        return max(self.progress.sampled - self.progress.assigned, 0)

    @property
    def waiting(self) -> bool:
        """Something still waits on it: an overdue send back, or a case at risk not sent back."""
        return bool(self.progress.send_backs_overdue or self.progress.at_risk_unsent)


@dataclass(frozen=True)
class LeadWork:
    inspections: list[LeadInspection]
    #: Published inspections with nothing waiting (no overdue send back, no case at risk left unsent).
    finished: int


def _first_reviews_by_inspector(ids: list[int]) -> dict[int, list[ReviewerProgress]]:
    """Per inspection: each inspector's first reviews of cases in scope, by state (one query)."""
    people: dict[int, list[ReviewerProgress]] = defaultdict(list)
    rows = (
        Assignment.objects.filter(
            sampled_case__sample__inspection_id__in=ids,
            sampled_case__state=SampledCase.State.ACTIVE,
            kind=Assignment.Kind.FIRST,
        )
        .values("inspector__username", inspection=F("sampled_case__sample__inspection_id"))
        .annotate(
            not_started=Count("id", filter=Q(review__isnull=True)),
            draft=Count("id", filter=Q(review__state=DRAFT)),
            submitted=Count("id", filter=Q(review__state=SUBMITTED)),
        )
        .order_by("inspector__username")
    )
    for row in rows:
        people[row["inspection"]].append(
            ReviewerProgress(
                inspector=row["inspector__username"],
                not_started=row["not_started"],
                draft=row["draft"],
                submitted=row["submitted"],
            )
        )
    return people


def lead_work(user: Any) -> LeadWork:
    """Each inspection ``user`` leads with its progress; a published one only while something still waits on
    it (an overdue send back, a case at risk not sent back).  A few queries, whatever the number of
    inspections and cases."""
    if not user_roles(user) & set(LEADING_ROLES):
        return LeadWork(inspections=[], finished=0)
    # Those they may work on as lead (``led_q``): a lead inspector's inspections, a body auditor's own audits.
    led = list(
        Inspection.objects.filter(led_q(user)).select_related("body").order_by("-period_end", "-id")
    )
    if not led:
        return LeadWork(inspections=[], finished=0)
    progress = inspections_progress(led)
    people = _first_reviews_by_inspector([i.pk for i in led])
    shown: list[LeadInspection] = []
    for i in led:
        found = LeadInspection(
            inspection_id=i.pk,
            name=i.name,
            body=i.body.name,
            period_end=i.period_end,
            progress=progress[i.pk],
            stage=stage(task_list(progress[i.pk])),
            people=people.get(i.pk, []),
        )
        if not found.progress.published or found.waiting:
            shown.append(found)
    return LeadWork(inspections=shown, finished=len(led) - len(shown))


# Liaison officer ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendBackDue:
    send_back_id: int
    case_ref: str
    inspection: str
    body: str
    urgency: str
    state: str
    due_on: dt.date
    due: str  # in words: "today 17:00", "Monday 7 December 2026 17:00"
    late: bool


@dataclass(frozen=True)
class LiaisonWork:
    bodies: list[str]  # names of the bodies the user is a liaison officer for
    open: int
    overdue: int
    immediate: int
    awaiting_you: (
        int  # open send backs still waiting on the body (opened, acknowledged, returned, escalated)
    )
    queue: list[SendBackDue]


def liaison_work(user: Any) -> LiaisonWork:
    """The open send backs of the bodies ``user`` is a liaison officer for: overdue first, then immediate ones,
    then soonest due.  Three queries."""
    if Role.LIAISON_OFFICER not in user_roles(user):
        return LiaisonWork(bodies=[], open=0, overdue=0, immediate=0, awaiting_you=0, queue=[])
    contacts = list(
        BodyContact.objects.filter(user=user, kind=BodyContact.Kind.LIAISON)
        .select_related("body")
        .order_by("body__name")
    )
    body_ids = [c.body_id for c in contacts]
    today = timezone.localdate()
    owing = [s.value for s in AWAITING_BODY]
    is_late = Q(state=State.ESCALATED.value) | Q(state__in=owing, due_on__lt=today)
    mine = (
        send_backs_visible(user)
        .filter(body_id__in=body_ids)
        .exclude(state=State.CLOSED.value)
        .annotate(
            late_first=Case(
                When(is_late, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
            immediate_first=Case(
                When(urgency=Urgency.IMMEDIATE.value, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
    )
    counted = mine.aggregate(
        open=Count("id"),
        overdue=Count("id", filter=is_late),
        immediate=Count("id", filter=Q(urgency=Urgency.IMMEDIATE.value)),
        awaiting=Count("id", filter=Q(state__in=[*owing, State.ESCALATED.value])),
    )
    queue = [
        SendBackDue(
            send_back_id=s.pk,
            case_ref=s.sampled_case.case_ref,
            inspection=s.inspection.name,
            body=s.body.name,
            urgency=s.urgency,
            state=s.state,
            due_on=s.due_on,
            due=due_words(s.due_on, today, language=active_language()),
            late=late(s, today),
        )
        for s in mine.order_by("late_first", "immediate_first", "due_on", "id")[:SEND_BACKS_SHOWN]
    ]
    return LiaisonWork(
        bodies=[c.body.name for c in contacts],
        open=counted["open"],
        overdue=counted["overdue"],
        immediate=counted["immediate"],
        awaiting_you=counted["awaiting"],
        queue=queue,
    )


# Analyst ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnalystWork:
    published: int
    latest: list[Any]  # PublishedReport rows with inspection and body


def analyst_work(user: Any) -> AnalystWork:
    """The reports ``user`` may read, latest first (two queries)."""
    visible = publications_visible(user)
    return AnalystWork(
        published=visible.count(),
        latest=list(visible.order_by("-published_at", "-id")[:REPORTS_SHOWN]),
    )


# Administrator ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """The last ``casereview journal verify``: when, whether the chain was intact, what it checked."""

    at: dt.datetime
    ok: bool
    entries: int
    anchors: int
    break_seq: int | None


def last_verification() -> Verification | None:
    """The journal's latest verification entry (``JournalAction.JOURNAL_VERIFY``), read from the index on
    (action, seq); None when the chain was never verified."""
    entry = (
        JournalEntry.objects.filter(action=JournalAction.JOURNAL_VERIFY)
        .order_by("-seq")
        .only("seq", "at", "detail")
        .first()
    )
    if entry is None:
        return None
    detail = entry.detail or {}
    return Verification(
        at=entry.at,
        ok=bool(detail.get("ok")),
        entries=int(detail.get("entries", 0)),
        anchors=int(detail.get("anchors", 0)),
        break_seq=detail.get("break_seq"),
    )


@dataclass(frozen=True)
class AdminWork:
    users: int
    users_inactive: int
    locked: int
    mail_failed: int
    mail_pending: int
    journal_entries: int
    anchor: AnchorStatus
    verified: Verification | None


def admin_work() -> AdminWork:
    """Users, sign-in locks in force, the outbox's failures, and the journal's head and last anchor."""
    people = get_user_model().objects.aggregate(
        active=Count("id", filter=Q(is_active=True)),
        inactive=Count("id", filter=Q(is_active=False)),
    )
    outbox = OutboxMessage.objects.aggregate(
        failed=Count("id", filter=Q(state=OutboxMessage.State.FAILED)),
        pending=Count("id", filter=Q(state=OutboxMessage.State.PENDING)),
    )
    return AdminWork(
        users=people["active"],
        users_inactive=people["inactive"],
        locked=len(sign_in_locks()),
        mail_failed=outbox["failed"],
        mail_pending=outbox["pending"],
        journal_entries=journal_head()["seq"],
        anchor=journal_anchor_status(),
        verified=last_verification(),
    )
