"""The demo `make run` loads: a living system, part-way through an inspection, loaded once."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from casereview.demo import DEMO_USERS, load_demo

from .conftest import latest_seq

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_is_an_inspection_part_way_through(tmp_path: Path) -> None:
    from django.contrib.auth import get_user_model

    from casereview.web.inspections.models import Inspection
    from casereview.web.journal.services import journal_verify
    from casereview.web.referrals.models import BodyContact, SendBack
    from casereview.web.referrals.selectors import late
    from casereview.web.reports.models import Baseline, PublishedReport
    from casereview.web.reports.selectors import publication_problems
    from casereview.web.reviews.models import Review
    from casereview.web.reviews.selectors import disagreements

    made = load_demo(tmp_path, rows=500)
    assert made["loaded"] and made["password"]
    assert set(get_user_model().objects.values_list("username", flat=True)) == {
        u for u, _ in DEMO_USERS
    }
    assert BodyContact.objects.filter(body__code="DEMO", user__username="liaison").exists()
    earlier, current = (Inspection.objects.get(pk=pk) for pk in made["inspections"])
    assert earlier.period_end < current.period_start
    assert (
        PublishedReport.objects.filter(inspection=earlier).count() == 1
        and Baseline.objects.count() == 1
    )
    submitted = Review.objects.filter(
        assignment__sampled_case__sample__inspection=current,
        assignment__kind="first",
        state="submitted",
    ).count()
    assert 0 < submitted < current.samples.get().cases.filter(state="active").count()
    assert [d.resolution for d in disagreements(current)] == [
        None
    ]  # one disagreement waiting for the lead
    assert any("disagreement" in p for p in publication_problems(current))
    assert set(SendBack.objects.filter(inspection=current).values_list("pk", flat=True)) == set(
        made["send_backs"]
    )
    states = [
        (s.state, late(s, timezone.localdate()))
        for s in (SendBack.objects.get(pk=pk) for pk in made["send_backs"])
    ]
    assert states == [("opened", False), ("opened", True)]  # one open, one overdue
    assert journal_verify() is None
    again = load_demo(tmp_path, rows=500)
    # Last quarter's, this quarter's, the body's own audit and its calibration: loaded once.
    assert not again["loaded"] and Inspection.objects.count() == 4


def _all_times(after_seq: int) -> dict[str, list[dt.datetime]]:
    """Every stored moment of the demo's story, by where it is kept (None left out; the journal's from
    ``after_seq`` on, as the suite never empties the journal).  The journal's anchors are not story: they keep
    the real clock (see `_anchored_by_the_real_clock`)."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from casereview.web.inspections.models import Inspection, Sample, SampleLinks
    from casereview.web.journal.models import JournalEntry
    from casereview.web.notifications.models import OutboxMessage
    from casereview.web.referrals.models import SendBack, SendBackEvent
    from casereview.web.registers.models import Body, Register
    from casereview.web.reports.models import Baseline, PublishedReport
    from casereview.web.reviews.models import Assignment, Resolution, Review

    fields = {
        "user joined": (get_user_model(), "date_joined"),
        "body": (Body, "created_at"),
        "baseline": (Baseline, "created_at"),
        "inspection created": (Inspection, "created_at"),
        "seed committed": (Inspection, "committed_at"),
        "register imported": (Register, "imported_at"),
        "sample drawn": (Sample, "drawn_at"),
        "links computed": (SampleLinks, "computed_at"),
        "authenticator set up": (TOTPDevice, "created_at"),
        "assigned": (Assignment, "assigned_at"),
        "review saved": (Review, "updated_at"),
        "review submitted": (Review, "submitted_at"),
        "resolution": (Resolution, "at"),
        "send back opened": (SendBack, "opened_at"),
        "send back move": (SendBackEvent, "at"),
        "e-mail queued": (OutboxMessage, "created_at"),
        "published": (PublishedReport, "published_at"),
        "journal entry": (JournalEntry, "at"),
    }
    made = {
        name: [t for t in model.objects.values_list(field, flat=True) if t is not None]
        for name, (model, field) in fields.items()
    }
    made["journal entry"] = list(
        JournalEntry.objects.filter(seq__gt=after_seq).values_list("at", flat=True)
    )
    return made


@pytest.fixture
def frequent_anchors(settings: Any) -> None:
    """Anchors every 20 entries, so that the demo makes several of its own (the suite's journal is long)."""
    settings.CASEREVIEW_JOURNAL_ANCHOR_AUTOMATIC = True
    settings.CASEREVIEW_JOURNAL_ANCHOR_EVERY_ENTRIES = 20


def _anchored_by_the_real_clock(after_seq: int, started: dt.datetime) -> None:
    """The demo's entries carry story time, but an anchor says when the chain was seen and signed: each anchor
    of the demo's entries is dated by the real clock, while the demo loaded, and the last one is fresh (the
    administrator's start page does not call it stale right after `make run`)."""
    from casereview.web.journal.models import JournalAnchor
    from casereview.web.journal.selectors import journal_anchor_status

    anchored = list(JournalAnchor.objects.filter(seq__gt=after_seq).values_list("at", flat=True))
    ended = timezone.now()
    assert len(anchored) >= 2, "the demo made too few anchors to tell"
    assert all(started <= at <= ended for at in anchored), (started, anchored, ended)
    assert not journal_anchor_status().stale


def _story_holds(made: dict[str, Any], now: dt.datetime, after_seq: int) -> None:
    """The demo tells one story: every event in order, none after ``now``, the journal whole (the demo's
    entries are those after ``after_seq``)."""
    from casereview.domain.journal import JournalAction
    from casereview.web.inspections.models import Inspection
    from casereview.web.journal.models import JournalEntry
    from casereview.web.journal.services import journal_verify
    from casereview.web.referrals.models import SendBack
    from casereview.web.reports.models import PublishedReport
    from casereview.web.reviews.models import Assignment, Resolution, Review

    assert journal_verify() is None
    times = _all_times(after_seq)
    for name in ("user joined", "inspection created", "review submitted", "journal entry"):
        assert times[name], name
    future = {name: max(ts) for name, ts in times.items() if ts and max(ts) > now}
    assert future == {}, f"dated after {now}: {future}"
    # The journal was appended in story order: its times never go back along the chain.
    chain = list(
        JournalEntry.objects.filter(seq__gt=after_seq).order_by("seq").values_list("at", flat=True)
    )
    assert chain == sorted(chain)
    assert chain[0] == min(
        t for ts in times.values() for t in ts
    )  # nothing happened before the first entry
    earlier, current = (Inspection.objects.get(pk=pk) for pk in made["inspections"])
    for inspection in (earlier, current):
        sample = inspection.samples.get()
        assert (
            timezone.localdate(inspection.created_at) > inspection.period_end
        )  # inspected after the quarter
        assert (
            inspection.created_at
            <= inspection.committed_at
            <= sample.register.imported_at
            <= sample.drawn_at
        )
        assert not sample.late_commitment
        reviews = Review.objects.filter(assignment__sampled_case__sample=sample)
        for review in reviews:
            assert review.submitted_at is not None and review.submitted_at > sample.drawn_at
            assert review.submitted_at == review.updated_at
            assert review.assignment.assigned_at <= review.submitted_at
            entry = JournalEntry.objects.get(
                seq__gt=after_seq, action=JournalAction.REVIEW_SUBMIT, object_id=str(review.pk)
            )
            assert entry.at == review.submitted_at
        moderated = reviews.filter(assignment__kind=Assignment.Kind.MODERATION)
        firsts = reviews.filter(assignment__kind=Assignment.Kind.FIRST)
        assert moderated and all(
            m.submitted_at > f.submitted_at for m in moderated for f in firsts
        )  # moderation comes after the first reviews
    # The earlier quarter was resolved, then published, all before the current quarter began.
    publication = PublishedReport.objects.get(inspection=earlier)
    last_review = max(
        r.submitted_at
        for r in Review.objects.filter(assignment__sampled_case__sample__inspection=earlier)
    )
    resolutions = [
        r.at for r in Resolution.objects.filter(sampled_case__sample__inspection=earlier)
    ]
    assert (
        last_review < min(resolutions, default=publication.published_at) <= publication.published_at
    )
    assert max(resolutions, default=last_review) < publication.published_at < current.created_at
    assert publication.as_of == timezone.localdate(publication.published_at)
    # Every send back: opened when its review was submitted, its history starting there, in order.
    assert set(SendBack.objects.values_list("pk", flat=True)) == set(made["send_backs"])
    for send_back in SendBack.objects.all():
        history = list(send_back.events.order_by("id"))
        assert history and history[0].action == "open"
        assert send_back.opened_at == history[0].at == send_back.review.submitted_at
        assert [e.at for e in history] == sorted(e.at for e in history)
        assert all(e.at <= now for e in history)
        opened = JournalEntry.objects.get(
            seq__gt=after_seq, action=JournalAction.SEND_BACK_OPEN, object_id=str(send_back.pk)
        )
        assert opened.at == send_back.opened_at


def test_every_demo_event_is_dated_as_it_would_have_happened(
    tmp_path: Path, frequent_anchors: None
) -> None:
    """A send back "sent 22 October" whose history says it was opened the day the demo was loaded contradicts
    itself: every event is dated in the story, in order, and the pages say the same dates."""
    from casereview.domain.words import uk_date
    from casereview.web.referrals.models import SendBack
    from casereview.web.referrals.selectors import late
    from tests.web.factories import verified_client

    before, started = latest_seq(), timezone.now()
    made = load_demo(tmp_path, rows=500)
    now = timezone.now()
    _story_holds(made, now, before)
    _anchored_by_the_real_clock(before, started)
    fresh, overdue = (SendBack.objects.get(pk=pk) for pk in made["send_backs"])
    today = timezone.localdate()
    assert (today - timezone.localdate(overdue.opened_at)).days >= 40 and late(overdue, today)
    assert 2 <= (today - timezone.localdate(fresh.opened_at)).days < 7 and not late(fresh, today)
    # The pages say the same: the send back's "sent back" day is its history's, and no other day (such as the
    # day the demo was loaded) is written on it but the day it is due.
    liaison = verified_client(get_user_model().objects.get(username="liaison"))
    for send_back in (fresh, overdue):
        page = liaison.get(f"/send-backs/{send_back.pk}/")
        assert page.status_code == 200
        text = page.content.decode()
        opened = timezone.localdate(send_back.opened_at)
        assert (
            text.count(uk_date(opened)) + text.count(f"{opened:%-d %b %Y}") >= 2
        )  # summary and history
        assert f"{timezone.localtime(send_back.opened_at):%H:%M}" in text
        written = {
            dt.date(int(year), _MONTHS[month], int(day))
            for day, month, year in re.findall(
                rf"\b(\d{{1,2}}) ({'|'.join(_MONTHS)}) (\d{{4}})\b", text
            )
        }
        assert written <= {opened, send_back.due_on}, written
    queue = liaison.get("/send-backs/").content.decode()
    assert all(uk_date(timezone.localdate(s.opened_at)) in queue for s in (fresh, overdue))


#: Months as pages write them, in full ("October") or short ("Oct"): their numbers.
_MONTHS = {
    **{name: i for i, name in enumerate(calendar.month_name) if name},
    **{name: i for i, name in enumerate(calendar.month_abbr) if name},
}


@pytest.mark.parametrize(
    "loaded",
    [
        dt.datetime(
            2025, 10, 2, 8, 0
        ),  # two days after a quarter ends: the story is of the one before
        dt.datetime(2025, 12, 29, 9, 0),  # between Christmas and the new year (bank holidays)
    ],
    ids=["just-after-a-quarter", "christmas"],
)
def test_the_story_fits_whenever_the_demo_is_loaded(
    tmp_path: Path, loaded: dt.datetime, frequent_anchors: None
) -> None:
    """Loaded on any day (told the moment through ``now``, not a frozen clock): the same one story."""
    from casereview.web.referrals.models import SendBack
    from casereview.web.referrals.selectors import late

    now = timezone.make_aware(loaded, timezone.get_default_timezone())
    before, started = latest_seq(), timezone.now()
    made = load_demo(tmp_path, rows=500, now=now)
    _story_holds(made, now, before)
    _anchored_by_the_real_clock(before, started)
    today = timezone.localdate(now)
    fresh, overdue = (SendBack.objects.get(pk=pk) for pk in made["send_backs"])
    assert late(overdue, today) and not late(fresh, today)


def test_the_demo_tells_the_earlier_quarter_s_follow_up_in_story_order(tmp_path: Path) -> None:
    """Last quarter's findings rest on its report's own counts; the body's plan is submitted, accepted and
    reported on, every step dated after the publication and before the current quarter opened; nothing is
    judged yet (the tour does that), and the current quarter's evidence is there to judge with."""
    from casereview.web.followup.evidence import recommendation_evidence, sample_counts
    from casereview.web.followup.models import FollowupEvent, ProgressUpdate, Recommendation
    from casereview.web.followup.selectors import plan_actions
    from casereview.web.inspections.models import Inspection
    from casereview.web.reports.selectors import report_published_on

    made = load_demo(tmp_path, rows=500)
    earlier, current = (Inspection.objects.get(pk=pk) for pk in made["inspections"])
    recommendations = list(
        Recommendation.objects.filter(pk__in=made["followup"]["recommendations"])
        .select_related("finding", "finding__inspection")
        .order_by("number")
    )
    assert [r.number for r in recommendations] == [1, 2]
    counts = sample_counts(earlier)
    for rec in recommendations:
        assert rec.state == "open" and not rec.last_judgement and rec.finding.state == "published"
        assert rec.finding.inspection_id == earlier.pk
        for item in rec.finding.basis:
            assert (item["count"], item["total"]) == counts[item["kind"], item["code"]]
    plan = recommendations[0].finding.inspection.action_plans.get()
    assert plan.state == "accepted"
    assert {a.recommendation_id for a in plan_actions(plan)} == {r.pk for r in recommendations}
    assert ProgressUpdate.objects.filter(action__plan=plan).count() == 1
    published = report_published_on(earlier)
    assert published is not None
    events = list(FollowupEvent.objects.order_by("id"))
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert timezone.localdate(events[0].at) == published
    assert events[-1].at < current.created_at
    evidence = recommendation_evidence(current, recommendations)
    assert set(evidence) == {r.pk for r in recommendations}
    assert all(e.items for e in evidence.values())


def test_the_demo_calibrates_the_body_s_own_audit_before_last_quarter_s_inspection(
    tmp_path: Path,
) -> None:
    """The body's own audit, graded kindly by its own auditor, and the inspectorate's blind re-grading of a
    stratified sample of it: completed before last quarter's inspection opened, its figures frozen, the body's
    audit more favourable than the inspectorate; neither counts as an inspection of the body."""
    from casereview.web.calibration.models import Calibration
    from casereview.web.inspections.models import Inspection
    from casereview.web.reports.selectors import publication_problems
    from casereview.web.reports.trend_selectors import national_trend

    made = load_demo(tmp_path, rows=500)
    calibration = Calibration.objects.select_related("own_audit", "inspection").get(
        pk=made["calibration"]["calibration"]
    )
    earlier = Inspection.objects.get(pk=made["inspections"][0])
    assert calibration.state == "complete" and calibration.result
    assert (
        calibration.own_audit.kind == "own_audit" and calibration.inspection.kind == "calibration"
    )
    assert calibration.own_audit.lead.get_username() == "auditor"
    assert calibration.completed_at < earlier.created_at
    bias = calibration.result["figures"]["overall"]["bias"]
    assert bias["difference"] > 0  # the body's own audit grades more favourably
    assert publication_problems(calibration.own_audit) and publication_problems(
        calibration.inspection
    )
    trend = json.dumps(national_trend(), default=str)
    assert earlier.name in trend and calibration.own_audit.name not in trend
