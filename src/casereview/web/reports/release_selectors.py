"""Reading scheduled publications (release practice, ``domain.release``): the one an inspection has
announced, its latest that did not go out, the pre-announcement behind each published report, and the
upcoming publications a person may know of."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext

from casereview.domain import release as rules
from casereview.domain.words import uk_date
from casereview.web.core.phrases import active_language

from .models import ScheduledPublication
from .readers import readers_q


def publication_scheduled(inspection: Any) -> ScheduledPublication | None:
    """The inspection's announced publication still to go out, or None (there is at most one)."""
    return (
        ScheduledPublication.objects.filter(
            inspection=inspection, state=ScheduledPublication.State.SCHEDULED
        )
        .select_related("scheduled_by")
        .first()
    )


def publication_schedule_failed(inspection: Any) -> ScheduledPublication | None:
    """The inspection's latest scheduled publication when that one did not go out (else None): its reasons
    stay on the lead's page until it is published, scheduled again or a later one is cancelled."""
    latest = (
        ScheduledPublication.objects.filter(inspection=inspection)
        .order_by("-scheduled_at", "-id")
        .first()
    )
    if latest is None or latest.state != ScheduledPublication.State.FAILED:
        return None
    if inspection.publications.filter(published_at__gt=latest.finished_at).exists():
        return None
    return latest


def pre_announcements(publication_ids: Iterable[int]) -> dict[int, ScheduledPublication]:
    """{published report id: its pre-announcement} for those that went out by schedule (one query)."""
    ids = list(publication_ids)
    if not ids:
        return {}
    return {
        s.publication_id: s
        for s in ScheduledPublication.objects.filter(publication_id__in=ids)
        if s.publication_id is not None
    }


def scheduled_due(now: Any) -> list[int]:
    """The ids of scheduled publications whose moment has come, earliest first."""
    return list(
        ScheduledPublication.objects.filter(
            state=ScheduledPublication.State.SCHEDULED, release_at__lte=now
        )
        .order_by("release_at", "id")
        .values_list("id", flat=True)
    )


def announcement_words(scheduled: ScheduledPublication, publication: Any = None) -> dict[str, str]:
    """A scheduled publication in words: when ("09:30 on 14 January 2027"), who had pre-release access, how
    it was changed before release ("Originally announced for …; changed because …", or ""), and, for its
    published report, "Published late, at …" when it went out later than ``ON_TIME`` (else "").

    In the page's language: the same words as ``domain.release``'s ``release_words``, ``late_words``,
    ``pre_release_words`` and ``changed_words`` (which the command line and the journal keep in English).
    """
    late = ""
    if publication is not None and (publication.data.get("release") or {}).get("published_late"):
        late = gettext("Published late, at %(when)s") % {
            "when": _release_words(publication.published_at)
        }
    people = scheduled.pre_release_access
    return {
        "when": _release_words(scheduled.release_at),
        "access": "; ".join(f"{p['name']} ({p['role']})" for p in people)
        if people
        else gettext("no one was given access before release"),
        "changed": _changed_words(scheduled.changes, scheduled.release_at),
        "late": late,
    }


def _release_words(release_at: dt.datetime) -> str:
    """ "09:30 on 14 January 2027" (the moment in UK time), in the page's language."""
    local = release_at.astimezone(rules.UK)
    return gettext("%(time)s on %(date)s") % {
        "time": f"{local:%H:%M}",
        "date": uk_date(local.date(), active_language()),
    }


def _changed_words(changes: list[dict[str, str]], release_at: dt.datetime) -> str:
    """How an announcement was changed before release (``domain.release.changed_words``), in the page's
    language; the reasons are the lead's own words, as given."""
    if not changes:
        return ""
    reasons = changes[0]["reason"]
    for change in changes[1:]:
        reasons = gettext("%(reasons)s; then because %(reason)s") % {
            "reasons": reasons,
            "reason": change["reason"],
        }
    first = dt.datetime.fromisoformat(changes[0]["from"])
    if first != release_at:
        return gettext("Originally announced for %(when)s; changed because %(reasons)s") % {
            "when": _release_words(first),
            "reasons": reasons,
        }
    return gettext("The announcement was changed because %(reasons)s") % {"reasons": reasons}


def publications_upcoming(user: Any) -> list[dict[str, str]]:
    """The announced publications still to go out that ``user`` may know of, soonest first, in words
    (inspection, body, date and time; never a figure).  Scoped as ``selectors.publications_visible``: analysts
    all, a lead inspector the inspections they lead, a liaison officer their body's."""
    allowed = readers_q(user)
    found = (
        ScheduledPublication.objects.filter(allowed, state=ScheduledPublication.State.SCHEDULED)
        .select_related("inspection__body")
        .order_by("release_at", "id")
    )
    return [
        {
            "inspection": s.inspection.name,
            "body": f"{s.inspection.body.name} ({s.inspection.body.code})",
            "when": _release_words(s.release_at),
        }
        for s in found
    ]
