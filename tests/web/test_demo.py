"""The demo `make run` loads: a living system, part-way through an inspection, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone

from casereview.demo import DEMO_USERS, load_demo

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
    states = [
        (s.state, late(s, timezone.localdate()))
        for s in SendBack.objects.filter(inspection=current).order_by("id")
    ]
    assert states == [("opened", False), ("opened", True)]  # one open, one overdue
    assert journal_verify() is None
    again = load_demo(tmp_path, rows=500)
    assert not again["loaded"] and Inspection.objects.count() == 2
