"""Release practice: scheduling a publication for a pre-announced moment, with its pre-release access list,
and publishing it at that moment (``publish_due``, run every minute by ``casereview publish-due``).

The Code of Practice for Statistics asks that official statistics go out at a time announced in advance, that
the people given access before release are listed, and that their access is to the final statistics.  The lead
inspector of an inspection announces the moment (Europe/London; 09:30 unless they say otherwise, at least
``MINIMUM_NOTICE`` ahead) and the list, once the report is ready: scheduling freezes the published version's
``figures_sha256`` (as of the release day).  While it is scheduled they may change it or cancel it, each with a
reason.  At the moment, ``publish_due`` publishes it through ``report_publish`` (the same checks and disclosure
audit as "Publish now"), exactly once however many runs overlap: on PostgreSQL each run locks the row it
works on and skips rows another run holds (``SELECT … FOR UPDATE SKIP LOCKED``); on SQLite a conditional
UPDATE claims the row (and SQLite lets one writer in at a time, so the claim holds the database's write lock
while the report is built: docs/deployment.md).  It is *failed* instead (reasons on the lead's page, journaled,
the lead told by e-mail without the reasons) when it is refused, when its figures differ from the frozen ones,
when the person who scheduled it can no longer publish it, or when ``MOST_ATTEMPTS`` runs went wrong on it; a
run that goes wrong on one publication logs the error and carries on with the others.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation

from casereview.domain import publication as publication_rules
from casereview.domain import release as rules
from casereview.domain.errors import Refused
from casereview.domain.journal import JournalAction, Operation
from casereview.domain.language import ENGLISH, gettext_lazy, joined
from casereview.web.core.users import User, person, signed_in
from casereview.web.journal.services import journal_record
from casereview.web.notifications import messages as notices
from casereview.web.notifications.services import mail_queue

from .models import PublishedReport, ScheduledPublication
from .release_selectors import publication_scheduled, scheduled_due
from .selectors import inspection_report, publication_problems
from .services import PublishError, report_links_refresh, report_publish

logger = logging.getLogger(__name__)
State = ScheduledPublication.State


class ReleaseError(Refused):
    """Refused; the message (a Phrase, in the reader's language on the page) says why."""


@dataclass(frozen=True)
class Released:
    """What ``publish_due`` did with one scheduled publication: published it (``publication``) or not
    (``reasons``); ``late`` when it went out more than ``rules.ON_TIME`` after its announced moment."""

    scheduled: ScheduledPublication
    publication: PublishedReport | None = None
    reasons: list[str] = field(default_factory=list)
    late: bool = False
    #: The run went wrong on it (an error, logged): still scheduled for the next run unless this was the
    #: last attempt (then it is failed, with ``reasons``).
    crashed: bool = False


class DueRun(list[Released]):
    """What one run of ``publish_due`` did (one ``Released`` each), and what it left: ``taken``, due
    publications another run had claimed first; ``busy``, those the database was too busy to claim (SQLite),
    which the next run takes."""

    def __init__(self) -> None:
        super().__init__()
        self.taken = 0
        self.busy = 0

    @property
    def skipped(self) -> int:
        return self.taken + self.busy


class _FiguresChanged(Exception):  # noqa: N818 - undoes a release whose figures are not the frozen ones
    pass


def _lead_only(inspection: Any, actor: User | None) -> None:
    who = person(actor)
    if who is None or who.pk != inspection.lead_id:
        raise ReleaseError(
            gettext_lazy(
                "Only the lead inspector of this inspection can schedule, change or cancel its "
                "publication"
            )
        )


def _people(pre_release_access: str | list[rules.PreReleasePerson]) -> list[dict[str, str]]:
    """The pre-release access list as stored; typed text is read (and refused with every line's problem)."""
    if isinstance(pre_release_access, str):
        people, problems = rules.pre_release_list(pre_release_access)
        if problems:
            raise rules.ReleaseRefused(joined(problems))
    else:
        people = pre_release_access
    return [p.to_json() for p in people]


def _checked(release_at: dt.datetime, now: dt.datetime) -> dt.datetime:
    problem = rules.release_problem(release_at, now)
    if problem is not None:
        raise rules.ReleaseRefused(problem)
    return release_at


def _reason(reason: str, doing: str) -> str:
    problem = rules.reason_problem(reason, doing)
    if problem is not None:
        raise rules.ReleaseRefused(problem)
    return reason.strip()


def frozen_figures(inspection: Any, release_at: dt.datetime) -> str:
    """The ``figures_sha256`` the inspection's published report would have if published at ``release_at``
    (as of its UK day), by the same path as ``report_publish``; refused when the report is not ready or its
    disclosure check fails, since pre-release access must be to the final statistics."""
    problems = publication_problems(inspection)
    if problems:
        raise ReleaseError(  # the problems are in the active language already (publication_problems)
            gettext_lazy(
                "The report must be ready to publish before it is scheduled, so that the people given "
                "pre-release access see the final figures: %(problems)s",
                problems=joined(problems),
            )
        )
    report_links_refresh(inspection=inspection)
    made = publication_rules.publish(
        inspection_report(inspection, as_of=rules.release_day(release_at))
    )
    if not made.audit.passed:
        raise ReleaseError(
            gettext_lazy(
                "The published version fails its disclosure check, so it cannot be scheduled: "
                "%(reasons)s",
                reasons=joined(made.audit.reason_phrases()),
            )
        )
    return str(made.document["reproducibility"]["figures_sha256"])


def _detail(scheduled: ScheduledPublication, **more: Any) -> dict[str, Any]:
    return {
        "scheduled": scheduled.pk,
        "release_at": scheduled.release_at.isoformat(),
        "pre_release_access": scheduled.pre_release_access,
        "figures_sha256": scheduled.figures_sha256,
        **more,
    }


def publication_schedule(
    *,
    inspection: Any,
    actor: User,
    release_at: dt.datetime,
    pre_release_access: str | list[rules.PreReleasePerson] = "",
    now: dt.datetime | None = None,
) -> ScheduledPublication:
    """Announce the inspection's publication for ``release_at`` (aware, in the future) with its pre-release
    access list (typed lines or people).  One at a time: change or cancel the one already announced."""
    _lead_only(inspection, actor)
    now = now or timezone.now()
    _checked(release_at, now)
    people = _people(pre_release_access)
    existing = publication_scheduled(inspection)
    if existing is not None:
        raise ReleaseError(
            gettext_lazy(
                "This report is already scheduled for %(when)s: change or cancel that publication",
                when=rules.release_phrase(existing.release_at),
            )
        )
    figures = frozen_figures(inspection, release_at)
    try:
        with transaction.atomic():
            made = ScheduledPublication.objects.create(
                inspection=inspection,
                release_at=release_at,
                pre_release_access=people,
                figures_sha256=figures,
                scheduled_by=signed_in(actor),
                scheduled_at=now,
            )
            journal_record(
                actor=actor,
                operation=Operation.COLLECTION,
                action=JournalAction.PUBLICATION_SCHEDULE,
                object_type="inspection",
                object_id=inspection.pk,
                detail=_detail(made),
                at=now,
            )
    except IntegrityError as exc:  # someone scheduled it in the same moment
        raise ReleaseError(
            gettext_lazy(
                "This report was scheduled by someone else just now: change or cancel that "
                "publication"
            )
        ) from exc
    return made


def _moved(scheduled: ScheduledPublication, action: rules.ReleaseAction) -> None:
    """Refuse ``action`` on a publication that left the scheduled state (it went out, or was cancelled)."""
    scheduled.refresh_from_db()
    rules.transition(rules.ReleaseState(scheduled.state), action)
    raise rules.ReleaseMoved(
        gettext_lazy("This scheduled publication changed just now: read it again")
    )


def publication_reschedule(
    *,
    scheduled: ScheduledPublication,
    actor: User,
    release_at: dt.datetime,
    reason: str,
    pre_release_access: str | list[rules.PreReleasePerson] = "",
    now: dt.datetime | None = None,
) -> ScheduledPublication:
    """Change the announced moment and the pre-release access list, while it is still scheduled, for a
    reason (journaled, and shown with the published report); the figures are frozen again."""
    _lead_only(scheduled.inspection, actor)
    now = now or timezone.now()
    rules.transition(rules.ReleaseState(scheduled.state), rules.ReleaseAction.CHANGE)
    _checked(release_at, now)
    why = _reason(reason, "changing")
    people = _people(pre_release_access)
    before = {
        "release_at": scheduled.release_at.isoformat(),
        "pre_release_access": scheduled.pre_release_access,
        "figures_sha256": scheduled.figures_sha256,
    }
    figures = frozen_figures(scheduled.inspection, release_at)
    change = {
        "from": scheduled.release_at.isoformat(),
        "to": release_at.isoformat(),
        "reason": why,
        "at": now.isoformat(),
    }
    with transaction.atomic():
        changed = ScheduledPublication.objects.filter(
            pk=scheduled.pk, state=State.SCHEDULED
        ).update(
            release_at=release_at,
            pre_release_access=people,
            figures_sha256=figures,
            changes=[*scheduled.changes, change],
            changed_at=now,
        )
        if not changed:
            _moved(scheduled, rules.ReleaseAction.CHANGE)
        scheduled.refresh_from_db()
        journal_record(
            actor=actor,
            operation=Operation.ALTERATION,
            action=JournalAction.PUBLICATION_RESCHEDULE,
            object_type="inspection",
            object_id=scheduled.inspection_id,
            detail=_detail(scheduled, before=before),
            reason=why,
            at=now,
        )
    return scheduled


def publication_cancel(
    *,
    scheduled: ScheduledPublication,
    actor: User,
    reason: str,
    now: dt.datetime | None = None,
) -> ScheduledPublication:
    """Cancel an announced publication that has not gone out, for a reason (journaled): nothing is
    published."""
    _lead_only(scheduled.inspection, actor)
    now = now or timezone.now()
    rules.transition(rules.ReleaseState(scheduled.state), rules.ReleaseAction.CANCEL)
    why = _reason(reason, "cancelling")
    with transaction.atomic():
        changed = ScheduledPublication.objects.filter(
            pk=scheduled.pk, state=State.SCHEDULED
        ).update(state=State.CANCELLED, finished_at=now, cancel_reason=why)
        if not changed:
            _moved(scheduled, rules.ReleaseAction.CANCEL)
        scheduled.refresh_from_db()
        journal_record(
            actor=actor,
            operation=Operation.ALTERATION,
            action=JournalAction.PUBLICATION_CANCEL,
            object_type="inspection",
            object_id=scheduled.inspection_id,
            detail=_detail(scheduled),
            reason=why,
            at=now,
        )
    return scheduled


def _claim(pk: int, now: dt.datetime) -> ScheduledPublication | None:
    """Inside the caller's transaction: the scheduled publication ``pk`` for this run alone, or None when it
    is not due, no longer scheduled, or another run holds it."""
    due = ScheduledPublication.objects.filter(pk=pk, state=State.SCHEDULED, release_at__lte=now)
    if connection.features.has_select_for_update_skip_locked:
        return due.select_for_update(skip_locked=True).first()
    # The conditional UPDATE is the claim: it matches only while the row is still scheduled, and SQLite lets
    # one writing transaction in at a time, so a second run finds it published (or failed) and moves on.
    if not due.update(finished_at=now):
        return None
    return ScheduledPublication.objects.get(pk=pk)


def _cannot_publish(scheduled: ScheduledPublication) -> str | None:
    """Why the person who scheduled it can no longer publish it (their account was deactivated, or someone
    else leads the inspection now), or None."""
    who = scheduled.scheduled_by
    if not who.is_active:
        return (
            "The person who scheduled it no longer has an active account: the inspection's lead "
            "inspector must schedule it again"
        )
    if scheduled.inspection.lead_id != who.pk:
        return (
            "The person who scheduled it no longer leads this inspection: its lead inspector must "
            "schedule it again"
        )
    return None


def _release_key(scheduled: ScheduledPublication, late: bool) -> dict[str, Any]:
    """The announcement as the published document carries it (its top-level "release" key), for every
    download; outside ``figures_sha256`` and the audit, which were computed before it was added."""
    return {
        "announced_for": scheduled.release_at.astimezone(rules.UK).isoformat(),
        "pre_release_access": list(scheduled.pre_release_access),
        "published_late": late,
    }


def _release(scheduled: ScheduledPublication, now: dt.datetime) -> Released:
    """Publish ``scheduled`` (claimed by the caller's transaction) or record why it cannot go out."""
    inspection = scheduled.inspection
    moment, late = rules.published_as_of(scheduled.release_at, now)
    gone = _cannot_publish(scheduled)
    if gone is not None:
        return _failed(
            scheduled,
            now,
            [gone],
            late=late,
            cause="scheduler",
            why="the person who scheduled it can no longer publish it",
        )
    try:
        with transaction.atomic():  # a refusal undoes whatever publishing had begun
            made = report_publish(
                inspection=inspection,
                actor=scheduled.scheduled_by,
                as_of=rules.release_day(scheduled.release_at),
                now=now,  # the journal keeps the real time of the run
                published_at=moment,
            )
            if made.figures_sha256 != scheduled.figures_sha256:
                raise _FiguresChanged
            # The release's facts, in every language's version alike (the same document but for its words).
            release = _release_key(scheduled, late)
            made.data = {**made.data, "release": release}
            made.translations = {
                language: {**document, "release": release}
                for language, document in (made.translations or {}).items()
            }
            made.save(update_fields=["data", "translations"])
    except _FiguresChanged:
        return _failed(
            scheduled,
            now,
            [rules.FIGURES_CHANGED],
            late=late,
            cause="figures_changed",
            why="its figures changed after pre-release access was given",
        )
    except PublishError as exc:
        reasons = [
            str(problem) for problem in exc.problems
        ]  # stored in English, as the journal has it
    except Refused as exc:
        reasons = [str(exc)]
    else:
        rules.transition(rules.ReleaseState(scheduled.state), rules.ReleaseAction.PUBLISH)
        ScheduledPublication.objects.filter(pk=scheduled.pk).update(
            state=State.PUBLISHED, publication=made, finished_at=now
        )
        scheduled.refresh_from_db()
        journal_record(
            actor=None,
            operation=Operation.DISCLOSURE,
            action=JournalAction.PUBLICATION_RELEASE,
            object_type="inspection",
            object_id=inspection.pk,
            recipient="public",
            detail=_detail(
                scheduled,
                publication=made.pk,
                published_at=made.published_at.isoformat(),
                late=late,
            ),
            at=now,
        )
        return Released(scheduled, publication=made, late=late)
    return _failed(scheduled, now, reasons, late=late, cause="refused")


def _failed(
    scheduled: ScheduledPublication,
    now: dt.datetime,
    reasons: list[str],
    *,
    late: bool = False,
    cause: str,
    why: str | None = None,
) -> Released:
    """Mark ``scheduled`` not published with ``reasons`` (for the lead's page only), journal it (how many
    reasons and their kind, never the reasons: an audit's may describe hidden counts) and tell the
    inspection's lead by e-mail (no reasons, no case content)."""
    inspection = scheduled.inspection
    rules.transition(rules.ReleaseState(scheduled.state), rules.ReleaseAction.FAIL)
    ScheduledPublication.objects.filter(pk=scheduled.pk).update(
        state=State.FAILED, failure_reasons=reasons, finished_at=now
    )
    scheduled.refresh_from_db()
    journal_record(
        actor=None,
        operation=Operation.ALTERATION,
        action=JournalAction.PUBLICATION_FAIL,
        object_type="inspection",
        object_id=inspection.pk,
        detail={
            "scheduled": scheduled.pk,
            "release_at": scheduled.release_at.isoformat(),
            "reasons": len(reasons),
            "cause": cause,
            "attempts": scheduled.attempts,
        },
        at=now,
    )
    words = {"why": why} if why else {}
    # Written in the lead's language by the outbox (``why`` is one of the reasons messages.py translates).
    notice = notices.publication_failed(
        body=inspection.body,
        release_at=scheduled.release_at,
        draft_path=reverse("reports:draft", kwargs={"inspection_id": inspection.pk}),
        **words,
    )
    mail_queue(
        now=now,
        notice=notice,
        recipients=[inspection.lead],
        object_type="scheduled_publication",
        object_id=scheduled.pk,
    )
    return Released(scheduled, reasons=reasons, late=late)


def _went_wrong(pk: int, now: dt.datetime, exc: Exception) -> Released | None:
    """After a run went wrong on scheduled publication ``pk`` (its work undone): count the attempt and keep
    the error on the row; at the ``MOST_ATTEMPTS``th, fail it.  None when it is no longer scheduled."""
    with transaction.atomic():
        rows = ScheduledPublication.objects.filter(pk=pk, state=State.SCHEDULED)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        found = rows.first()
        if found is None:
            return None
        error = f"{type(exc).__name__}: {exc}"[:300]
        rows.update(attempts=F("attempts") + 1, last_error=error)
        found.refresh_from_db()
        if found.attempts >= rules.MOST_ATTEMPTS:
            failed = _failed(
                found,
                now,
                [rules.WENT_WRONG],
                cause="error",
                why="something went wrong while publishing it",
            )
            return Released(failed.scheduled, reasons=failed.reasons, crashed=True)
        return Released(found, crashed=True)


def _busy(exc: OperationalError) -> bool:
    """SQLite's refusal of a second writer (another run holds the database), not a fault."""
    return "locked" in str(exc) or "busy" in str(exc)


@translation.override(ENGLISH)  # the failure reasons it stores are English, whoever runs it
def publish_due(*, now: dt.datetime | None = None) -> DueRun:
    """Publish every scheduled publication whose moment has come (at or before ``now``, the real clock unless
    given), each exactly once however many runs overlap; safe to run every minute.  What each became is
    returned (nothing when nothing is due), with how many due ones were left to another run.  A run that
    goes wrong on one publication (an error, not a refusal) logs it, counts the attempt and carries on."""
    now = now or timezone.now()
    run = DueRun()
    try:
        due = scheduled_due(now)
    except OperationalError as exc:
        if not _busy(exc):
            raise
        logger.warning("The database was busy; the next run will publish what is due")
        run.busy += 1
        return run
    for pk in due:
        try:
            with transaction.atomic():
                claimed = _claim(pk, now)
                if claimed is None:
                    run.taken += 1
                    continue
                run.append(_release(claimed, now))
        except OperationalError as exc:
            if not _busy(exc):
                _record_error(run, pk, now, exc)
                continue
            # SQLite: another run held the database past its busy timeout
            logger.warning("Scheduled publication %s was busy; the next run will take it", pk)
            run.busy += 1
        except Exception as exc:  # noqa: BLE001 - one publication going wrong must not stop the others
            _record_error(run, pk, now, exc)
    return run


def _record_error(run: DueRun, pk: int, now: dt.datetime, exc: Exception) -> None:
    logger.exception("Scheduled publication %s could not be published", pk, exc_info=exc)
    try:
        went = _went_wrong(pk, now, exc)
    except Exception:  # noqa: BLE001 - the database itself is failing: the next run tries again
        logger.exception("Scheduled publication %s: its failed attempt could not be recorded", pk)
        return
    if went is not None:
        run.append(went)
