"""No lost work, in Chromium: the timeout warning on a controlled clock (never real minutes), answers typed
into a page whose session has ended kept through both sign-in steps, and a deep link that survives them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import expect

from casereview.web.accounts.models import KeptAnswers
from casereview.web.reviews.models import Assignment, Review

from .conftest import assigned_case, axe_violations, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
KEPT = "You were signed out after 15 minutes without activity. Your answers were kept."


def end_sessions() -> None:
    """The session ends on the server, as after 15 idle minutes (called only while the browser waits)."""
    Session.objects.all().delete()


@pytest.fixture
def case(tmp_path: Path) -> Assignment:
    return assigned_case(tmp_path)  # type: ignore[no-any-return]


def test_the_timeout_warning_comes_two_minutes_before_and_stay_signed_in_keeps_the_session(
    live_server: Any,
    page: Any,
    case: Assignment,
) -> None:
    page.clock.install()  # the page's clock is the test's: minutes pass in a moment
    page.goto(live_server.url + "/")
    sign_in(page, "ina")
    warning = page.get_by_role("dialog", name="You will be signed out soon")
    expect(warning).to_be_hidden()
    page.clock.fast_forward("12:50")
    expect(warning).to_be_hidden()
    page.clock.fast_forward("00:15")  # 13 minutes and 5 seconds: 1 minute 55 seconds left
    expect(warning).to_be_visible()
    expect(warning).to_have_attribute("aria-modal", "true")
    expect(warning).to_contain_text("you will be signed out in 2 minutes")
    stay = warning.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()  # focus moved into the dialog; the page behind is inert
    screenshot(page, "no-lost-work-timeout-warning")
    Session.objects.update(
        expire_date=timezone.now() + dt.timedelta(minutes=2)
    )  # the server's 13 minutes
    page.keyboard.press("Enter")
    expect(warning).to_be_hidden()
    assert Session.objects.get().expire_date > timezone.now() + dt.timedelta(
        minutes=14
    )  # moved on now

    page.clock.fast_forward("13:05")  # the count started again from "Stay signed in"
    expect(warning).to_be_visible()
    page.clock.fast_forward("01:00")
    expect(warning).to_contain_text("you will be signed out in 55 seconds")
    Session.objects.update(expire_date=timezone.now() + dt.timedelta(seconds=55))
    page.keyboard.press("Escape")  # Escape also means "Stay signed in"
    expect(warning).to_be_hidden()
    assert Session.objects.get().expire_date > timezone.now() + dt.timedelta(minutes=14)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")  # still here, signed in

    end_sessions()
    page.clock.fast_forward(
        "15:01"
    )  # nothing done for 15 minutes: the page goes to sign in and says why
    expect(page).to_have_url(re.compile(r"/login/\?timeout=1&next=%2F$"))
    expect(
        page.get_by_text("You were signed out after 15 minutes without activity.")
    ).to_be_visible()
    assert page.console_errors == []


def test_the_timeout_warning_passes_axe(live_server: Any, axe_page: Any, case: Assignment) -> None:
    page = axe_page
    page.clock.install()
    page.goto(live_server.url + "/")
    sign_in(page, "ina")
    page.clock.fast_forward("13:30")
    expect(page.get_by_role("dialog", name="You will be signed out soon")).to_be_visible()
    assert axe_violations(page) == []


def test_a_review_typed_into_an_ended_session_is_kept_through_both_sign_in_steps(
    live_server: Any,
    page: Any,
    case: Assignment,
) -> None:
    review_url = f"{live_server.url}/reviews/{case.pk}/"
    page.goto(review_url)
    sign_in(page, "ina")  # the deep link survives both steps
    expect(page).to_have_url(review_url)
    page.locator("#grade-initial_contact-requires_improvement").check()
    page.locator("#comment-initial_contact").fill(
        "Typed over twenty minutes, after the session had ended"
    )
    end_sessions()
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_text(KEPT)).to_be_visible()
    screenshot(page, "no-lost-work-signed-out-answers-kept")
    sign_in(page, "ina")
    expect(page).to_have_url(review_url)
    expect(page.get_by_text(KEPT)).to_be_visible()
    expect(page.locator("#comment-initial_contact")).to_have_value(
        "Typed over twenty minutes, after the session had ended"
    )
    expect(page.locator("#grade-initial_contact-requires_improvement")).to_be_checked()
    screenshot(page, "no-lost-work-answers-restored")
    review = Review.objects.get(assignment=case)
    assert (
        review.version == 0 and review.area_comments == {}
    )  # shown again, not saved behind the person's back
    assert not KeptAnswers.objects.exists()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text(KEPT)).to_be_hidden()
    expect(page.locator("#comment-initial_contact")).to_have_value(
        "Typed over twenty minutes, after the session had ended"
    )
    assert Review.objects.get(assignment=case).area_comments == {
        "initial_contact": "Typed over twenty minutes, after the session had ended"
    }
    assert page.console_errors == []


def test_a_page_left_to_time_out_keeps_what_was_typed_in_it(
    live_server: Any, page: Any, case: Assignment
) -> None:
    review_url = f"{live_server.url}/reviews/{case.pk}/"
    page.clock.install()
    page.goto(review_url)
    sign_in(page, "ina")
    page.locator("#comment-initial_contact").fill("Typed, then the phone rang")
    end_sessions()
    page.clock.fast_forward("15:01")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_text(KEPT)).to_be_visible()
    sign_in(page, "ina")
    expect(page).to_have_url(review_url)
    expect(page.locator("#comment-initial_contact")).to_have_value("Typed, then the phone rang")


def test_a_deep_link_survives_both_sign_in_steps(
    live_server: Any, page: Any, case: Assignment
) -> None:
    deep = f"{live_server.url}/send-backs/?from=mail"
    page.goto(deep)
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    sign_in(page, "ina")
    expect(page).to_have_url(deep)
    page.goto(
        f"{live_server.url}/login/?next=https://evil.example/"
    )  # signed in already: never sent away
    expect(page).to_have_url(f"{live_server.url}/")
