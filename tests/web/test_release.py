"""Release practice: a publication scheduled for a pre-announced moment, with its pre-release access list,
goes out by itself (``publish_due``, ``casereview publish-due``) exactly once, or fails and says so."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from typer.testing import CliRunner

from casereview.cli import app
from casereview.domain.release import (
    FIGURES_CHANGED,
    MOST_ATTEMPTS,
    WENT_WRONG,
    ReleaseMoved,
    ReleaseRefused,
    ReleaseState,
    release_moment,
)
from casereview.domain.report_languages import differences
from casereview.web.journal.models import JournalEntry
from casereview.web.notifications.models import OutboxMessage
from casereview.web.registers.models import Body
from casereview.web.reports import release as release_module
from casereview.web.reports.models import PublishedReport, ScheduledPublication
from casereview.web.reports.release import (
    ReleaseError,
    _claim,
    publication_cancel,
    publication_reschedule,
    publication_schedule,
    publish_due,
)
from casereview.web.reports.release_selectors import scheduled_due

from . import factories
from .conftest import latest_seq, verified_client

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()
ACCESS = "Sam Patel, Head of Statistics, Ministry of Justice\nJo Bloggs, Press Officer, Home Office"
ROLES_OTHER = ("other_lead", "inspector", "analyst", "liaison", "admin")


def _ready(lead: Any, inspector: Any, tmp_path: Path, *, name: str, graded: bool, seed: int) -> Any:
    """An inspection of 4 cases, every one graded good (ready to publish) unless ``graded`` is false."""
    inspection = factories.inspection(lead=lead, name=name)
    register = factories.register(tmp_path, rows=100, seed=seed, name=f"{seed}.csv")
    factories.sample(inspection, register, size=4)
    assignments = factories.assigned(inspection, [inspector])
    if graded:
        for assignment in assignments:
            factories.submitted(assignment, "good")
    return inspection


@pytest.fixture
def world(body: Body, tmp_path: Path) -> dict[str, Any]:
    lead = factories.user("lead_inspector", "lead", email="lead@inspectorate.example")
    ina = factories.user("inspector", "ina", email="ina@inspectorate.example")
    liaison = factories.user("liaison_officer", "liaison", email="liaison@force.example")
    factories.contact(body, liaison)
    return {
        "lead": lead,
        "ina": ina,
        "liaison": liaison,
        "other_lead": factories.user("lead_inspector", "other-lead"),
        "inspector": ina,
        "analyst": factories.user("analyst", "ana"),
        "admin": factories.user("administrator", "admin"),
        "other_inspector": factories.user("inspector", "otto"),
        "ready": _ready(lead, ina, tmp_path, name="Q1 2024", graded=True, seed=1),
        "unready": _ready(lead, ina, tmp_path, name="Q2 2024", graded=False, seed=2),
        "second": _ready(lead, ina, tmp_path, name="Q3 2024", graded=True, seed=3),
    }


def _unready(inspection: Any, world: dict[str, Any]) -> None:
    """Make a ready inspection not ready: every case goes to a second marker who has not marked it."""
    factories.moderated(inspection, [world["other_inspector"]], share=1.0)


def _figures_change(inspection: Any) -> None:
    """Change a ready inspection's published figures, leaving it ready: a case is sent back."""
    factories.sent_back(factories.assignments(inspection)[0])


def soon(hours: int = 2) -> dt.datetime:
    return timezone.now().replace(microsecond=0) + dt.timedelta(hours=hours)


def actions(since: int, *names: str) -> list[str]:
    found = JournalEntry.objects.filter(seq__gt=since)
    if names:
        found = found.filter(action__in=names)
    return list(found.order_by("seq").values_list("action", flat=True))


# The services ------------------------------------------------------------------------------------------


def test_the_lead_schedules_and_publish_due_publishes_at_the_moment_not_before(
    world: dict[str, Any],
) -> None:
    inspection, lead = world["ready"], world["lead"]
    at = soon()
    start = latest_seq()
    scheduled = publication_schedule(
        inspection=inspection, actor=lead, release_at=at, pre_release_access=ACCESS
    )
    assert scheduled.state == "scheduled" and scheduled.scheduled_by == lead
    assert scheduled.pre_release_access == [
        {"name": "Sam Patel", "role": "Head of Statistics, Ministry of Justice"},
        {"name": "Jo Bloggs", "role": "Press Officer, Home Office"},
    ]
    entry = JournalEntry.objects.get(seq__gt=start, action="publication_schedule")
    assert entry.actor_name == "lead" and entry.detail["release_at"] == at.isoformat()
    assert entry.detail["pre_release_access"][0]["name"] == "Sam Patel"

    assert publish_due(now=at - dt.timedelta(seconds=1)) == []  # a second early: nothing
    assert not PublishedReport.objects.filter(inspection=inspection).exists()
    (done,) = publish_due(now=at + dt.timedelta(seconds=40))
    publication = PublishedReport.objects.get(inspection=inspection)
    assert done.publication == publication and not done.late
    assert publication.published_at == at  # as of the announced moment
    assert publication.published_by == lead and publication.as_of == timezone.localdate(at)
    # The journal keeps the real time of the run; the publication says the announced moment.
    published = JournalEntry.objects.get(seq__gt=start, action="report_publish")
    assert published.at == at + dt.timedelta(seconds=40)
    # The figures are those frozen when it was scheduled, and the announcement travels with the document.
    assert publication.figures_sha256 == scheduled.figures_sha256 != ""
    assert publication.data["reproducibility"]["figures_sha256"] == publication.figures_sha256
    assert publication.data["release"] == {
        "announced_for": timezone.localtime(at).isoformat(),
        "pre_release_access": scheduled.pre_release_access,
        "published_late": False,
    }
    # Every language's version carries it too: the same document but for its words (issue 25).
    assert publication.translations and all(
        differences(publication.data, document) == []
        for document in publication.translations.values()
    )
    scheduled.refresh_from_db()
    assert (scheduled.state, scheduled.publication) == ("published", publication)
    assert actions(start, "report_publish", "publication_release") == [
        "report_publish",
        "publication_release",
    ]
    release = JournalEntry.objects.get(seq__gt=start, action="publication_release")
    assert release.actor_name == "system" and release.recipient == "public"
    assert release.detail["publication"] == publication.pk and release.detail["late"] is False
    assert publish_due(now=at + dt.timedelta(minutes=1)) == []  # idempotent
    assert PublishedReport.objects.filter(inspection=inspection).count() == 1


def test_a_run_long_after_the_moment_publishes_at_the_real_time_and_says_it_was_late(
    world: dict[str, Any],
) -> None:
    at = soon()
    publication_schedule(inspection=world["ready"], actor=world["lead"], release_at=at)
    late = at + dt.timedelta(hours=3)
    (done,) = publish_due(now=late)
    assert done.late and done.publication is not None and done.publication.published_at == late
    entry = JournalEntry.objects.filter(action="publication_release").latest("seq")
    assert entry.detail["late"] is True


def test_a_report_no_longer_ready_fails_at_its_moment_is_journaled_and_the_lead_gets_one_email(
    world: dict[str, Any],
) -> None:
    inspection = world["ready"]
    case_refs = list(inspection.samples.get().cases.values_list("case_ref", flat=True))
    at = timezone.now() - dt.timedelta(minutes=1)  # announced an hour before; the moment has come
    scheduled = publication_schedule(
        inspection=inspection,
        actor=world["lead"],
        release_at=at,
        pre_release_access="",
        now=at - dt.timedelta(hours=1),
    )
    _unready(inspection, world)  # then every case went to a second marker
    start = latest_seq()
    mail.outbox.clear()
    (done,) = publish_due()  # the real clock: the outbox sends at once
    assert done.publication is None and done.reasons == ["4 moderation reviews are not submitted"]
    scheduled.refresh_from_db()
    assert scheduled.state == "failed" and scheduled.failure_reasons == done.reasons
    assert not PublishedReport.objects.filter(inspection=inspection).exists()
    assert actions(start, "publication_fail", "report_publish") == ["publication_fail"]
    failed = JournalEntry.objects.get(seq__gt=start, action="publication_fail")
    assert failed.detail["reasons"] == 1 and "moderation" not in json.dumps(failed.detail)
    assert [m.to for m in mail.outbox] == [["lead@inspectorate.example"]]
    message = mail.outbox[0]
    assert "was not published" in message.subject and "Synthetic Constabulary" in message.body
    assert f"/reports/inspection/{inspection.pk}/" in message.body
    assert "moderation" not in message.body
    assert not any(ref in message.body or ref in message.subject for ref in case_refs)
    assert OutboxMessage.objects.get(event="publication_failed").object_id == str(scheduled.pk)
    assert publish_due() == []  # failed once: never again by itself
    assert len(mail.outbox) == 1
    # The lead reads why on the report's page, and may schedule again.
    page = verified_client(world["lead"]).get(f"/reports/inspection/{inspection.pk}/")
    text = page.content.decode()
    assert "was not published" in text and "4 moderation reviews are not submitted" in text


def test_a_stale_list_of_due_publications_never_publishes_one_twice(
    world: dict[str, Any],
) -> None:
    """The claim itself (FOR UPDATE SKIP LOCKED on PostgreSQL, a conditional UPDATE on SQLite): a run that
    read the due list before another run published the publication claims nothing."""
    at = soon()
    scheduled = publication_schedule(inspection=world["ready"], actor=world["lead"], release_at=at)
    stale = scheduled_due(at)
    assert stale == [scheduled.pk]
    assert len(publish_due(now=at)) == 1
    with transaction.atomic():
        assert _claim(scheduled.pk, at) is None
    with transaction.atomic():  # and one not yet due is never claimed
        other = publication_schedule(
            inspection=world["second"], actor=world["lead"], release_at=at + dt.timedelta(hours=1)
        )
        assert _claim(other.pk, at) is None
    assert PublishedReport.objects.filter(inspection=world["ready"]).count() == 1


def test_two_runs_at_once_publish_exactly_once(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs overlap for certain: the first holds its claim (inside the publishing) until the second has
    run.  On PostgreSQL the second skips the row the first has locked (it saw it claimed); on SQLite, which
    lets one writer in at a time, the database refuses the second writer and the run leaves the row to the
    next one.  Either way exactly one publication, and the claim itself is covered on both by
    ``test_a_stale_list_of_due_publications_never_publishes_one_twice``."""
    at = soon()
    publication_schedule(inspection=world["ready"], actor=world["lead"], release_at=at)
    start = latest_seq()
    claimed, second_ran = threading.Event(), threading.Event()
    real = release_module.report_publish

    def publish_holding_the_claim(**kwargs: Any) -> Any:
        claimed.set()
        second_ran.wait(timeout=60)
        return real(**kwargs)

    monkeypatch.setattr(release_module, "report_publish", publish_holding_the_claim)
    results: dict[str, Any] = {}

    def first() -> None:
        try:
            results["first"] = publish_due(now=at)
        finally:
            connection.close()

    def second() -> None:
        try:
            assert claimed.wait(timeout=60)
            results["second"] = publish_due(now=at)
        except Exception as exc:  # noqa: BLE001 - reported by the assertions below
            results["second"] = exc
        finally:
            second_ran.set()
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (published,) = results["first"]
    assert published.publication is not None, results
    loser = results["second"]
    assert isinstance(loser, list) and len(loser) == 0, results
    if connection.vendor == "postgresql":  # it saw the row locked by the first run, and skipped it
        assert (loser.taken, loser.busy) == (1, 0)
    else:  # the database held the second writer off: left to the next run, never published twice
        assert (loser.taken, loser.busy) == (0, 1)
    assert PublishedReport.objects.filter(inspection=world["ready"]).count() == 1
    assert actions(start, "report_publish", "publication_release") == [
        "report_publish",
        "publication_release",
    ]


@pytest.mark.parametrize("state", ["scheduled", "published", "cancelled", "failed"])
@pytest.mark.parametrize("action", ["change", "cancel", "publish_due"])
def test_each_state_allows_only_its_moves(world: dict[str, Any], state: str, action: str) -> None:
    """Every state × every move, by the lead through the services: only a scheduled publication moves."""
    scheduled = _in_state(world, state)
    at = scheduled.release_at
    start = latest_seq()
    if action == "publish_due":
        done = publish_due(now=at + dt.timedelta(hours=5))
        assert (len(done) == 1) == (state == "scheduled")
    elif state == "scheduled":
        if action == "change":
            publication_reschedule(
                scheduled=scheduled,
                actor=world["lead"],
                release_at=soon(30),
                reason="The minister's statement moved",
                pre_release_access="",
            )
        else:
            publication_cancel(scheduled=scheduled, actor=world["lead"], reason="Withdrawn")
    else:
        with pytest.raises(ReleaseMoved, match=f"is {_words(state)} already"):
            if action == "change":
                publication_reschedule(
                    scheduled=scheduled, actor=world["lead"], release_at=soon(30), reason="Moved"
                )
            else:
                publication_cancel(scheduled=scheduled, actor=world["lead"], reason="Withdrawn")
    after = ScheduledPublication.objects.get(pk=scheduled.pk).state
    expected = {
        ("scheduled", "change"): "scheduled",
        ("scheduled", "cancel"): "cancelled",
        ("scheduled", "publish_due"): "published",
    }.get((state, action), state)
    assert after == expected
    journaled = {
        "change": ["publication_reschedule"],
        "cancel": ["publication_cancel"],
        "publish_due": ["report_publish", "publication_release"],
    }[action]
    assert actions(start, *journaled, "publication_fail") == (
        journaled if state == "scheduled" else []
    )


def _words(state: str) -> str:
    return "not published" if state == "failed" else state


def _in_state(world: dict[str, Any], state: str) -> ScheduledPublication:
    inspection = world["ready"]
    at = soon()
    scheduled = publication_schedule(inspection=inspection, actor=world["lead"], release_at=at)
    if state == "failed":
        _figures_change(inspection)
    if state in ("published", "failed"):
        publish_due(now=at)
    elif state == "cancelled":
        publication_cancel(scheduled=scheduled, actor=world["lead"], reason="Withdrawn")
    scheduled.refresh_from_db()
    assert scheduled.state == state
    return scheduled


def test_only_the_inspections_lead_may_schedule_change_or_cancel(world: dict[str, Any]) -> None:
    at = soon()
    for role in ROLES_OTHER:
        with pytest.raises(ReleaseError, match="Only the lead inspector of this inspection"):
            publication_schedule(inspection=world["ready"], actor=world[role], release_at=at)
    scheduled = publication_schedule(inspection=world["ready"], actor=world["lead"], release_at=at)
    for role in ROLES_OTHER:
        with pytest.raises(ReleaseError):
            publication_reschedule(
                scheduled=scheduled, actor=world[role], release_at=soon(3), reason="Moved"
            )
        with pytest.raises(ReleaseError):
            publication_cancel(scheduled=scheduled, actor=world[role], reason="Withdrawn")
    scheduled.refresh_from_db()
    assert scheduled.state == "scheduled" and scheduled.release_at == at


def test_one_announcement_at_a_time_in_the_future_with_a_valid_list(world: dict[str, Any]) -> None:
    inspection, lead = world["ready"], world["lead"]
    with pytest.raises(ReleaseRefused, match="must be in the future"):
        publication_schedule(inspection=inspection, actor=lead, release_at=timezone.now())
    with pytest.raises(ReleaseRefused, match="Line 1: give the name"):
        publication_schedule(
            inspection=inspection, actor=lead, release_at=soon(), pre_release_access="Sam Patel"
        )
    publication_schedule(inspection=inspection, actor=lead, release_at=soon())
    with pytest.raises(ReleaseError, match="already scheduled for"):
        publication_schedule(inspection=inspection, actor=lead, release_at=soon(4))
    assert ScheduledPublication.objects.filter(inspection=inspection).count() == 1


# The pages ---------------------------------------------------------------------------------------------


def _form(day: dt.date, time: str = "", access: str = ACCESS, **more: Any) -> dict[str, Any]:
    return {
        "release_day": str(day.day),
        "release_month": str(day.month),
        "release_year": str(day.year),
        "release_time": time,
        "pre_release_access": access,
        **more,
    }


def test_the_lead_schedules_changes_and_cancels_on_the_pages(world: dict[str, Any]) -> None:
    inspection = world["ready"]
    lead = verified_client(world["lead"])
    draft = lead.get(f"/reports/inspection/{inspection.pk}/").content.decode()
    assert "Publish now" in draft and "Schedule the publication" in draft
    assert 'id="release-day"' in draft and 'value="09:30"' in draft  # the default time
    day = timezone.localdate() + dt.timedelta(days=10)
    made = lead.post(f"/reports/inspection/{inspection.pk}/schedule/", _form(day), follow=True)
    scheduled = ScheduledPublication.objects.get(inspection=inspection)
    assert scheduled.release_at == release_moment(day, dt.time(9, 30))  # blank time: 09:30
    words = f"09:30 on {day.day} {day:%B %Y}"
    text = made.content.decode()
    assert f"is scheduled for publication at {words}" in text  # the banner
    assert f"Scheduled for {words}; pre-release access: Sam Patel (Head of Statistics" in text
    assert "Change or cancel<span" in text

    change = lead.get(f"/reports/inspection/{inspection.pk}/schedule/").content.decode()
    assert "Change the scheduled publication" in change and f'value="{day.year}"' in change
    assert "Sam Patel, Head of Statistics, Ministry of Justice" in change
    later = day + dt.timedelta(days=1)
    no_reason = lead.post(
        f"/reports/inspection/{inspection.pk}/schedule/",
        _form(later, "10:15", "Sam Patel, Statistician", scheduled=scheduled.pk),
    )
    assert no_reason.status_code == 400
    assert (
        '<a href="#change-reason">Give the reason for changing the announced publication'
        in no_reason.content.decode()
    )
    changed = lead.post(
        f"/reports/inspection/{inspection.pk}/schedule/",
        _form(
            later,
            "10:15",
            "Sam Patel, Statistician",
            scheduled=scheduled.pk,
            reason="The minister's statement moved",
        ),
        follow=True,
    )
    assert f"is now scheduled for publication at 10:15 on {later.day}" in changed.content.decode()
    scheduled.refresh_from_db()
    assert scheduled.release_at == release_moment(later, dt.time(10, 15))
    assert scheduled.pre_release_access == [{"name": "Sam Patel", "role": "Statistician"}]
    assert ScheduledPublication.objects.filter(inspection=inspection).count() == 1

    page = lead.get(f"/reports/inspection/{inspection.pk}/schedule/").content.decode()
    assert (
        f"Originally announced for {words}; changed because The minister&#x27;s statement moved"
        in page
    )
    no_reason = lead.post(
        f"/reports/inspection/{inspection.pk}/schedule/cancel/", {"scheduled": scheduled.pk}
    )
    assert no_reason.status_code == 400
    assert (
        '<a href="#cancel-reason">Give the reason for cancelling the announced publication'
        in no_reason.content.decode()
    )
    cancelled = lead.post(
        f"/reports/inspection/{inspection.pk}/schedule/cancel/",
        {"scheduled": scheduled.pk, "reason": "The inspection is to be reviewed again"},
        follow=True,
    )
    assert "is cancelled: nothing was published" in cancelled.content.decode()
    scheduled.refresh_from_db()
    assert scheduled.state == "cancelled" and not inspection.publications.exists()
    assert scheduled.cancel_reason == "The inspection is to be reviewed again"
    journaled = JournalEntry.objects.filter(action="publication_cancel").latest("seq")
    assert journaled.reason == "The inspection is to be reviewed again"
    assert actions(0, "publication_schedule", "publication_reschedule", "publication_cancel")[
        -3:
    ] == ["publication_schedule", "publication_reschedule", "publication_cancel"]


def test_the_form_lists_every_error_at_once(world: dict[str, Any]) -> None:
    lead = verified_client(world["lead"])
    url = f"/reports/inspection/{world['ready'].pk}/schedule/"
    bad = lead.post(
        url,
        {
            "release_day": "31",
            "release_month": "2",
            "release_year": "2027",
            "release_time": "25:00",
            "pre_release_access": "Sam Patel\nJo, Press",
        },
    )
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "<title>Error: Schedule the publication" in text
    for message, anchor in (
        ("The release date must be a real date", "release-day"),
        ("Enter the release time in hours and minutes, like 09:30 or 9:30am", "release-time"),
        ("Line 1: give the name, a comma", "pre-release-access"),
    ):
        assert f'<a href="#{anchor}">{message}' in text, message
    missing = lead.post(url, {"release_day": "1", "release_time": "09:30"}).content.decode()
    assert "The release date must include a month and year" in missing
    past = timezone.localdate() - dt.timedelta(days=1)
    assert "must be in the future" in lead.post(url, _form(past)).content.decode()
    assert not ScheduledPublication.objects.exists()


def test_a_stale_change_or_cancel_changes_nothing(world: dict[str, Any]) -> None:
    inspection = world["ready"]
    scheduled = publication_schedule(inspection=inspection, actor=world["lead"], release_at=soon())
    publish_due(now=scheduled.release_at)  # it went out while the lead had the form open
    lead = verified_client(world["lead"])
    start = latest_seq()
    day = timezone.localdate() + dt.timedelta(days=3)
    changed = lead.post(
        f"/reports/inspection/{inspection.pk}/schedule/",
        _form(day, scheduled=scheduled.pk, reason="Moved"),
    )
    assert changed.status_code == 409 and "published or cancelled since you opened it" in (
        changed.content.decode()
    )
    cancelled = lead.post(
        f"/reports/inspection/{inspection.pk}/schedule/cancel/",
        {"scheduled": scheduled.pk, "reason": "Withdrawn"},
        follow=True,
    )
    assert "published or cancelled already: nothing was changed" in cancelled.content.decode()
    assert ScheduledPublication.objects.get().state == "published"
    assert (
        actions(start, "publication_schedule", "publication_reschedule", "publication_cancel") == []
    )


def test_publish_now_waits_for_the_announced_time(world: dict[str, Any]) -> None:
    """Releasing before the announced time would break the announcement: change or cancel it first."""
    inspection = world["ready"]
    scheduled = publication_schedule(inspection=inspection, actor=world["lead"], release_at=soon())
    lead = verified_client(world["lead"])
    draft = lead.get(f"/reports/inspection/{inspection.pk}/").content.decode()
    assert "Publish the report</button>" not in draft and "change or cancel that" in draft
    refused = lead.post(f"/reports/inspection/{inspection.pk}/publish/", follow=True)
    assert "change or cancel that first. Nothing was published" in refused.content.decode()
    assert not inspection.publications.exists()
    publication_cancel(scheduled=scheduled, actor=world["lead"], reason="Publishing now instead")
    assert lead.post(f"/reports/inspection/{inspection.pk}/publish/").status_code == 302
    assert inspection.publications.count() == 1


@pytest.mark.parametrize("role", ROLES_OTHER)
def test_nobody_but_the_lead_reaches_the_schedule_pages(world: dict[str, Any], role: str) -> None:
    inspection = world["ready"]
    scheduled = publication_schedule(inspection=inspection, actor=world["lead"], release_at=soon())
    client = verified_client(world[role])
    day = timezone.localdate() + dt.timedelta(days=3)
    url = f"/reports/inspection/{inspection.pk}/schedule/"
    assert client.get(url).status_code == 404
    assert client.post(url, _form(day, scheduled=scheduled.pk)).status_code == 404
    assert client.post(f"{url}cancel/", {"scheduled": scheduled.pk}).status_code == 404
    scheduled.refresh_from_db()
    assert scheduled.state == "scheduled" and scheduled.changed_at is None


def test_scheduling_needs_csrf(world: dict[str, Any]) -> None:
    lead = verified_client(world["lead"])
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = lead.cookies
    day = timezone.localdate() + dt.timedelta(days=3)
    url = f"/reports/inspection/{world['ready'].pk}/schedule/"
    assert strict.post(url, _form(day)).status_code == 403
    scheduled = publication_schedule(
        inspection=world["ready"], actor=world["lead"], release_at=soon()
    )
    assert strict.post(f"{url}cancel/", {"scheduled": scheduled.pk}).status_code == 403
    assert ScheduledPublication.objects.get().state == "scheduled"


def test_readers_see_the_pre_announcement_and_the_pre_release_list(world: dict[str, Any]) -> None:
    at = soon()
    publication_schedule(
        inspection=world["ready"], actor=world["lead"], release_at=at, pre_release_access=ACCESS
    )
    (done,) = publish_due(now=at)
    assert done.publication is not None
    local = timezone.localtime(at)
    words = f"{local:%H:%M} on {local.day} {local:%B %Y}"
    for who in ("analyst", "liaison", "lead"):
        client = verified_client(world[who])
        page = client.get(f"/reports/{done.publication.pk}/").content.decode()
        assert f"Pre-announced for {words}." in page, who
        assert (
            "Pre-release access: Sam Patel (Head of Statistics, Ministry of Justice); "
            "Jo Bloggs (Press Officer, Home Office)."
        ) in page
        listing = client.get("/reports/").content.decode()
        assert f"Pre-announced for {words}; pre-release access: Sam Patel" in listing, who


# The command -------------------------------------------------------------------------------------------


def test_publish_due_on_the_command_line(world: dict[str, Any]) -> None:
    nothing = runner.invoke(app, ["publish-due"])
    assert nothing.exit_code == 0 and "Nothing is due for publication." in nothing.stdout
    past = timezone.now() - dt.timedelta(minutes=2)
    # Announced earlier (now = an hour before the moment), so the moment has come when the command runs.
    made = publication_schedule(
        inspection=world["ready"],
        actor=world["lead"],
        release_at=past,
        pre_release_access=ACCESS,
        now=past - dt.timedelta(hours=1),
    )
    failing = publication_schedule(
        inspection=world["second"],
        actor=world["lead"],
        release_at=past,
        now=past - dt.timedelta(hours=1),
    )
    _figures_change(world["second"])
    ran = runner.invoke(app, ["publish-due"])
    assert ran.exit_code == 1, ran.output  # one could not be published
    publication = PublishedReport.objects.get(inspection=world["ready"])
    local = timezone.localtime(past)
    words = f"{local:%H:%M} on {local.day} {local:%B %Y}"
    assert (
        f"Published Q1 2024 (Synthetic Constabulary), announced for {words}, as published report "
        f"{publication.pk}." in ran.stdout
    )
    assert "Not published: Q3 2024 (Synthetic Constabulary)" in ran.stdout
    assert "1 reason" in ran.stdout and "figures changed after" not in ran.stdout
    again = runner.invoke(app, ["publish-due", "--json"])
    assert again.exit_code == 0 and json.loads(again.stdout) == {"released": [], "skipped": 0}
    made.refresh_from_db()
    failing.refresh_from_db()
    assert (made.state, failing.state) == ("published", "failed")
    assert PublishedReport.objects.count() == 1


# What the review found ---------------------------------------------------------------------------------


def _crash_for(monkeypatch: pytest.MonkeyPatch, inspection: Any) -> None:
    """``report_publish`` goes wrong (an error, not a refusal) for ``inspection`` only."""
    real = release_module.report_publish

    def publish(**kwargs: Any) -> Any:
        if kwargs["inspection"].pk == inspection.pk:
            raise RuntimeError("the disk is full")
        return real(**kwargs)

    monkeypatch.setattr(release_module, "report_publish", publish)


def test_one_publication_going_wrong_does_not_stop_the_others(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    at = soon()
    first = publication_schedule(inspection=world["ready"], actor=world["lead"], release_at=at)
    second = publication_schedule(
        inspection=world["second"], actor=world["lead"], release_at=at + dt.timedelta(minutes=1)
    )
    _crash_for(monkeypatch, world["ready"])
    start = latest_seq()
    mail.outbox.clear()
    done = publish_due(now=at + dt.timedelta(minutes=2))
    assert [(r.scheduled.pk, r.crashed, r.publication is None) for r in done] == [
        (first.pk, True, True),
        (second.pk, False, False),
    ]
    assert "Scheduled publication" in caplog.text and "the disk is full" in caplog.text
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.attempts) == ("scheduled", 1)
    assert first.last_error == "RuntimeError: the disk is full"
    assert second.state == "published"
    assert not PublishedReport.objects.filter(inspection=world["ready"]).exists()
    assert PublishedReport.objects.filter(inspection=world["second"]).count() == 1
    released = JournalEntry.objects.filter(
        seq__gt=start, action__in=("report_publish", "publication_release")
    )
    assert {e.object_id for e in released} == {str(world["second"].pk)}
    assert mail.outbox == []  # not yet: the next run tries again
    # The next runs try again; at the third failure it is not published, journaled, and the lead told.
    later = at + dt.timedelta(minutes=3)
    (again,) = publish_due(now=later)
    assert again.crashed and again.scheduled.state == "scheduled" and again.scheduled.attempts == 2
    (last,) = publish_due(now=later)
    assert last.crashed and last.scheduled.state == "failed" and last.reasons == [WENT_WRONG]
    assert last.scheduled.attempts == MOST_ATTEMPTS
    failed = JournalEntry.objects.get(seq__gt=start, action="publication_fail")
    assert failed.detail["cause"] == "error" and "disk" not in json.dumps(failed.detail)
    message = OutboxMessage.objects.get(event="publication_failed", object_id=str(first.pk))
    assert "something went wrong while publishing it" in message.body
    assert "disk" not in message.body
    assert publish_due(now=later) == []
    assert not PublishedReport.objects.filter(inspection=world["ready"]).exists()


def test_the_command_exits_1_when_a_run_went_wrong(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    past = timezone.now() - dt.timedelta(minutes=2)
    publication_schedule(
        inspection=world["ready"],
        actor=world["lead"],
        release_at=past,
        now=past - dt.timedelta(hours=1),
    )
    _crash_for(monkeypatch, world["ready"])
    ran = runner.invoke(app, ["publish-due"])
    assert ran.exit_code == 1, ran.output
    assert "Could not publish Q1 2024 (Synthetic Constabulary)" in ran.stdout
    assert f"attempt 1 of {MOST_ATTEMPTS}" in ran.stdout and "disk" not in ran.stdout


def test_scheduling_needs_a_ready_report(world: dict[str, Any]) -> None:
    with pytest.raises(ReleaseError, match="must be ready to publish before it is scheduled"):
        publication_schedule(inspection=world["unready"], actor=world["lead"], release_at=soon())
    assert not ScheduledPublication.objects.exists()
    lead = verified_client(world["lead"])
    draft = lead.get(f"/reports/inspection/{world['unready'].pk}/").content.decode()
    assert 'id="schedule-not-ready"' in draft and 'id="release-day"' not in draft
    page = lead.get(f"/reports/inspection/{world['unready'].pk}/schedule/").content.decode()
    assert "not ready to publish yet" in page and "have no submitted review" in page
    day = timezone.localdate() + dt.timedelta(days=3)
    refused = lead.post(f"/reports/inspection/{world['unready'].pk}/schedule/", _form(day))
    assert refused.status_code == 409 and "must be ready to publish" in refused.content.decode()


def test_figures_changed_after_pre_release_access_stop_the_release(
    world: dict[str, Any],
) -> None:
    inspection = world["ready"]
    at = soon()
    scheduled = publication_schedule(
        inspection=inspection, actor=world["lead"], release_at=at, pre_release_access=ACCESS
    )
    frozen = scheduled.figures_sha256
    assert len(frozen) == 64
    _figures_change(inspection)
    start = latest_seq()
    (done,) = publish_due(now=at)
    assert done.publication is None and done.reasons == [FIGURES_CHANGED]
    assert not PublishedReport.objects.filter(inspection=inspection).exists()
    assert actions(start, "report_publish", "publication_release", "publication_fail") == [
        "publication_fail"
    ]
    failed = JournalEntry.objects.get(seq__gt=start, action="publication_fail")
    assert failed.detail["cause"] == "figures_changed"
    message = OutboxMessage.objects.get(event="publication_failed")
    assert "its figures changed after pre-release access was given" in message.body
    # Scheduled again, the new figures are frozen and go out.
    again = publication_schedule(inspection=inspection, actor=world["lead"], release_at=soon(3))
    assert again.figures_sha256 not in ("", frozen)
    (out,) = publish_due(now=again.release_at)
    assert out.publication is not None and out.publication.figures_sha256 == again.figures_sha256


def test_a_change_freezes_the_figures_again_and_is_journaled_with_its_reason(
    world: dict[str, Any],
) -> None:
    inspection = world["ready"]
    scheduled = publication_schedule(inspection=inspection, actor=world["lead"], release_at=soon())
    _figures_change(inspection)
    with pytest.raises(ReleaseRefused, match="Give the reason for changing"):
        publication_reschedule(
            scheduled=scheduled, actor=world["lead"], release_at=soon(3), reason="  "
        )
    first = scheduled.release_at
    changed = publication_reschedule(
        scheduled=scheduled,
        actor=world["lead"],
        release_at=soon(3),
        reason="Figures corrected",
        pre_release_access=ACCESS,
    )
    assert changed.figures_sha256 != scheduled.figures_sha256 or changed.figures_sha256
    assert changed.changes == [
        {
            "from": first.isoformat(),
            "to": changed.release_at.isoformat(),
            "reason": "Figures corrected",
            "at": changed.changed_at.isoformat(),  # type: ignore[union-attr]
        }
    ]
    entry = JournalEntry.objects.filter(action="publication_reschedule").latest("seq")
    assert entry.reason == "Figures corrected"
    assert entry.detail["figures_sha256"] == changed.figures_sha256
    (done,) = publish_due(now=changed.release_at)
    assert done.publication is not None  # the figures frozen by the change are those published
    page = verified_client(world["analyst"]).get(f"/reports/{done.publication.pk}/")
    local = timezone.localtime(first)
    assert (
        f"Originally announced for {local:%H:%M} on {local.day} {local:%B %Y}; changed because "
        "Figures corrected." in page.content.decode()
    )


def test_a_release_needs_an_hours_notice(world: dict[str, Any]) -> None:
    lead = world["lead"]
    with pytest.raises(ReleaseRefused, match="at least 1 hour from now"):
        publication_schedule(
            inspection=world["ready"],
            actor=lead,
            release_at=timezone.now() + dt.timedelta(minutes=59),
        )
    scheduled = publication_schedule(inspection=world["ready"], actor=lead, release_at=soon())
    with pytest.raises(ReleaseRefused, match="at least 1 hour from now"):
        publication_reschedule(
            scheduled=scheduled,
            actor=lead,
            release_at=timezone.now() + dt.timedelta(minutes=30),
            reason="Sooner",
        )


def test_a_late_release_says_so_on_the_published_page_and_in_the_document(
    world: dict[str, Any],
) -> None:
    at = soon()
    publication_schedule(inspection=world["ready"], actor=world["lead"], release_at=at)
    late = at + dt.timedelta(hours=3, minutes=7)
    (done,) = publish_due(now=late)
    assert done.publication is not None and done.publication.data["release"]["published_late"]
    local = timezone.localtime(late)
    page = verified_client(world["analyst"]).get(f"/reports/{done.publication.pk}/")
    assert (
        f"Published late, at {local:%H:%M} on {local.day} {local:%B %Y}." in page.content.decode()
    )
    on_time = world["second"]
    publication_schedule(inspection=on_time, actor=world["lead"], release_at=at)
    (prompt,) = publish_due(now=at + dt.timedelta(minutes=4))
    assert prompt.publication is not None
    text = verified_client(world["analyst"]).get(f"/reports/{prompt.publication.pk}/")
    assert "Published late" not in text.content.decode()


def test_the_release_key_leaves_the_figures_digest_and_report_check_alone(
    world: dict[str, Any], tmp_path: Path
) -> None:
    at = soon()
    publication_schedule(
        inspection=world["ready"], actor=world["lead"], release_at=at, pre_release_access=ACCESS
    )
    (done,) = publish_due(now=at)
    publication = done.publication
    assert publication is not None
    download = verified_client(world["analyst"]).get(f"/reports/{publication.pk}/download/")
    data = json.loads(download.content)
    assert data["release"]["pre_release_access"][0] == {
        "name": "Sam Patel",
        "role": "Head of Statistics, Ministry of Justice",
    }
    assert data["reproducibility"]["figures_sha256"] == publication.figures_sha256
    assert publication.audit["sha256"] == data["disclosure"]["audit"]["sha256"]
    reader = verified_client(world["analyst"])
    for fmt in ("csv", "xlsx", "ods", "html", "pdf"):  # every download is made from the document
        got = reader.get(f"/reports/{publication.pk}/download/?format={fmt}")
        assert got.status_code == 200, fmt
    saved = tmp_path / "published.json"
    saved.write_bytes(download.content)
    checked = runner.invoke(app, ["report", str(world["ready"].pk), "--check", str(saved)])
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["same_figures"] is True


@pytest.mark.parametrize("who", ["inactive", "not_lead"])
def test_a_release_whose_scheduler_can_no_longer_publish_fails_and_tells_the_lead(
    world: dict[str, Any], who: str
) -> None:
    inspection = world["ready"]
    at = soon()
    publication_schedule(inspection=inspection, actor=world["lead"], release_at=at)
    if who == "inactive":
        world["lead"].is_active = False
        world["lead"].save(update_fields=["is_active"])
        expected = "no longer has an active account"
        told: list[str] = []  # the lead is the one deactivated: no mail goes to an inactive account
    else:
        new_lead = factories.user("lead_inspector", "new-lead", email="new@inspectorate.example")
        inspection.lead = new_lead
        inspection.save(update_fields=["lead"])
        expected = "no longer leads this inspection"
        told = [
            "new@inspectorate.example"
        ]  # the inspection's lead now, not the one who scheduled it
    start = latest_seq()
    (done,) = publish_due(now=at)
    assert done.publication is None and expected in done.reasons[0]
    assert not PublishedReport.objects.filter(inspection=inspection).exists()
    assert actions(start, "report_publish", "publication_fail") == ["publication_fail"]
    messages = OutboxMessage.objects.filter(event="publication_failed")
    assert [m.recipient for m in messages] == told
    assert all("the person who scheduled it can no longer publish it" in m.body for m in messages)


def test_the_form_reads_times_as_people_write_them_and_refuses_odd_digits(
    world: dict[str, Any],
) -> None:
    lead = verified_client(world["lead"])
    url = f"/reports/inspection/{world['ready'].pk}/schedule/"
    day = timezone.localdate() + dt.timedelta(days=5)
    superscript = lead.post(url, {**_form(day), "release_day": "²"})
    assert superscript.status_code == 400  # "²".isdigit() is true, but it is no day
    assert "The release date must be a real date" in superscript.content.decode()
    long_year = lead.post(url, {**_form(day), "release_year": "020271"})
    assert long_year.status_code == 400 and "Ensure this value" not in long_year.content.decode()
    assert "The release date must be a real date" in long_year.content.decode()
    for typed, time in (("9:30am", "09:30"), ("9.30am", "09:30"), ("14:00", "14:00")):
        made = lead.post(url, _form(day, typed))
        assert made.status_code == 302, (typed, made.content.decode()[:2000])
        scheduled = ScheduledPublication.objects.get(state="scheduled")
        assert f"{timezone.localtime(scheduled.release_at):%H:%M}" == time, typed
        publication_cancel(scheduled=scheduled, actor=world["lead"], reason="Trying times")
    tampered = lead.post(url, {**_form(day), "scheduled": "abc", "reason": "Moved"})
    assert tampered.status_code == 409
    text = tampered.content.decode()
    assert "published or cancelled since you opened it" in text and "whole number" not in text


def test_a_time_the_clocks_skip_is_refused_on_the_time_field(world: dict[str, Any]) -> None:
    lead = verified_client(world["lead"])
    url = f"/reports/inspection/{world['ready'].pk}/schedule/"
    year = timezone.localdate().year + 1
    # The last Sunday of March: the clocks go forward at 01:00.
    march_end = dt.date(year, 3, 31)
    sunday = march_end - dt.timedelta(days=(march_end.weekday() + 1) % 7)
    refused = lead.post(url, _form(sunday, "01:30"))
    text = refused.content.decode()
    assert refused.status_code == 400
    assert '<a href="#release-time">01:30 on' in text and "the clocks go forward" in text


def test_upcoming_publications_are_listed_for_those_who_may_read_them(
    world: dict[str, Any], tmp_path: Path
) -> None:
    at = soon(30)
    publication_schedule(inspection=world["ready"], actor=world["lead"], release_at=at)
    elsewhere = factories.body("OTH", "Other Constabulary")
    other_lead = world["other_lead"]
    theirs = factories.inspection(lead=other_lead, name="Other Q1", body_code=elsewhere.code)
    register = factories.register(
        tmp_path, rows=100, seed=9, name="9.csv", body_code=elsewhere.code
    )
    factories.sample(theirs, register, size=4)
    for assignment in factories.assigned(theirs, [world["ina"]]):
        factories.submitted(assignment, "good")
    publication_schedule(inspection=theirs, actor=other_lead, release_at=soon(40))
    local = timezone.localtime(at)
    words = f"{local:%H:%M} on {local.day} {local:%B %Y}"
    seen = {}
    for who in ("analyst", "liaison", "lead", "other_lead"):
        page = verified_client(world[who]).get("/reports/").content.decode()
        table = page.split('id="upcoming"', 1)[1]
        seen[who] = ("Q1 2024" in table, "Other Q1" in table)
        assert "%" not in table  # never a figure
    assert seen == {
        "analyst": (True, True),
        "liaison": (True, False),  # their body's only
        "lead": (True, False),
        "other_lead": (False, True),
    }
    page = verified_client(world["liaison"]).get("/reports/").content.decode()
    assert f'Synthetic Constabulary (SYN)</td><td class="govuk-table__cell">{words}' in page


def test_the_command_prints_names_as_they_are_and_says_when_a_run_found_nothing_to_take(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    inspection = world["ready"]
    inspection.name = "Q1 [/] [bold]2024"
    inspection.save(update_fields=["name"])
    past = timezone.now() - dt.timedelta(minutes=2)
    scheduled = publication_schedule(
        inspection=inspection,
        actor=world["lead"],
        release_at=past,
        now=past - dt.timedelta(hours=1),
    )
    ran = runner.invoke(app, ["publish-due"])
    assert ran.exit_code == 0, ran.output
    assert "Published Q1 [/] [bold]2024 (Synthetic Constabulary)" in ran.stdout
    # A run whose list still held it (another run published it first) does not say nothing was due.
    monkeypatch.setattr(release_module, "scheduled_due", lambda now: [scheduled.pk])
    stale = runner.invoke(app, ["publish-due"])
    assert stale.exit_code == 0, stale.output
    assert "Nothing was published by this run" in stale.stdout
    assert "Nothing is due" not in stale.stdout
    assert json.loads(runner.invoke(app, ["publish-due", "--json"]).stdout) == {
        "released": [],
        "skipped": 1,
    }


def test_the_model_lists_the_domains_states() -> None:
    assert ScheduledPublication.State is ReleaseState
    field = ScheduledPublication._meta.get_field("state")
    assert [value for value, _ in field.choices] == [s.value for s in ReleaseState]  # type: ignore[union-attr]
