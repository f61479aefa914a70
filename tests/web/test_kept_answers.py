"""No lost work: answers posted after the session ended are kept for their author alone, and come back once,
unsaved, after signing in again; the page asked for survives both sign-in steps; the keep-alive endpoint."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import signing
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from casereview.importing.frameworks import load_framework
from casereview.web.accounts.kept import USER_COOKIE, kept_message
from casereview.web.accounts.models import KeptAnswers
from casereview.web.journal.models import JournalEntry
from casereview.web.referrals.services import sendback_open
from casereview.web.reviews.models import Assignment, Review
from casereview.web.reviews.services import moderation_assign

from . import factories
from .conftest import PASSWORD, latest_seq, verified_client

pytestmark = pytest.mark.django_db
F = load_framework("child-protection/1")
HERE = "http://testserver"  # the test client's origin
KEPT = "You were signed out after 15 minutes without activity. Your answers were kept."


def device_of(user: Any) -> TOTPDevice:
    return factories.authenticator(user)


def browser_of(user: Any) -> Client:
    """A browser that signed in as ``user`` (both steps): its first page sets the signed cookie naming them."""
    device_of(user)
    client = verified_client(user)
    assert client.get("/").status_code == 200
    assert USER_COOKIE in client.cookies
    return client


def end_session(client: Client) -> None:
    """The session ends on the server, as after 15 idle minutes; the browser still holds its cookies."""
    Session.objects.filter(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value).delete()


def sign_in_again(client: Client, user: Any, next_url: str) -> Any:
    """Password then code, the way a browser follows the redirects; returns the last response."""
    device = device_of(user)
    response = client.post(
        "/login/", {"username": user.get_username(), "password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 302, response.content[:500]
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"].startswith("/login/two-factor/")
    return client.post(response["Location"], {"code": factories.totp_code(device)})


def review_form(**over: str) -> dict[str, str]:
    form = {f"grade_{a.slug}": "good" for a in F.areas}
    form.update(
        {"overall": "good", "send_back": "no", "version": "0", "csrfmiddlewaretoken": "stale-token"}
    )
    form.update(over)
    return form


def actions_since(seq: int) -> list[JournalEntry]:
    return list(JournalEntry.objects.filter(seq__gt=seq).order_by("seq"))


def test_a_review_posted_after_the_session_ended_comes_back_once_unsaved_after_signing_in_again(
    world: dict[str, Any],
) -> None:
    ina, assignment = world["ina"], world["assignment"]
    page = f"/reviews/{assignment.pk}/"
    browser = browser_of(ina)
    assert browser.get(page).status_code == 200  # the draft exists, empty
    before = Review.objects.get(assignment=assignment)
    end_session(browser)
    start = latest_seq()
    posted = browser.post(
        page,
        review_form(comment_initial_contact="Typed for twenty minutes", action="submit"),
        HTTP_ORIGIN=HERE,
    )
    assert (
        posted.status_code == 302
        and posted["Location"] == f"/login/?timeout=1&next=/reviews/{assignment.pk}/"
    )
    kept = KeptAnswers.objects.get()
    assert kept.user == ina and kept.path == page and "csrfmiddlewaretoken" not in kept.data
    assert kept.data["comment_initial_contact"] == ["Typed for twenty minutes"]
    (entry,) = [e for e in actions_since(start) if e.action == "answers_kept"]
    assert "Typed" not in json.dumps(entry.detail) and entry.object_id == page
    signin = browser.get(posted["Location"])
    assert KEPT in signin.content.decode()
    assert Review.objects.get(assignment=assignment).version == before.version  # nothing was saved

    landed = sign_in_again(browser, ina, page)
    assert landed.status_code == 302 and landed["Location"] == page
    shown = browser.get(page).content.decode()
    assert "Typed for twenty minutes" in shown and KEPT in shown
    assert Review.objects.get(assignment=assignment).version == before.version  # shown, not saved
    assert not KeptAnswers.objects.exists()
    assert "answers_restored" in [e.action for e in actions_since(start)]
    again = browser.get(page).content.decode()
    assert "Typed for twenty minutes" not in again and KEPT not in again  # once only


def test_a_send_back_response_is_kept_for_its_author_and_never_shown_to_another_user_of_that_browser(
    world: dict[str, Any],
) -> None:
    send_back = sendback_open(
        sampled_case=world["assignment"].sampled_case,
        reason="Child still at risk",
        urgency="priority",
        actor=world["ina"],
    )
    page = f"/send-backs/{send_back.pk}/"
    browser = browser_of(world["liaison"])
    end_session(browser)
    response = browser.post(
        page,
        {"note": "Officer visited the home", "action": "respond", "version": "0"},
        HTTP_ORIGIN=HERE,
    )
    assert (
        response.status_code == 302
        and KeptAnswers.objects.filter(user=world["liaison"], path=page).exists()
    )

    # The inspector who opened it signs in on the same browser: nothing of the liaison officer's shows.
    signin = browser.get(response["Location"]).content.decode()
    assert KEPT in signin  # the browser still names the liaison officer
    sign_in_again(browser, world["ina"], page)
    theirs = browser.get(page).content.decode()
    assert (
        theirs.count("Send back")
        and "Officer visited the home" not in theirs
        and KEPT not in theirs
    )
    assert KeptAnswers.objects.filter(user=world["liaison"], path=page).exists()

    other = browser_of(world["liaison"])
    mine = other.get(page).content.decode()
    # The response's box (issue 22: with its hint), holding the kept words.
    assert re.search(
        r'<textarea class="govuk-textarea" id="id_note" name="note"[^>]*>Officer visited the home</textarea>',
        mine,
    )
    assert KEPT in mine and not KeptAnswers.objects.exists()


def test_a_resolution_posted_after_the_session_ended_comes_back_in_its_own_form(
    world: dict[str, Any],
) -> None:
    inspection = world["inspection"]
    ina, ben = verified_client(world["ina"]), verified_client(world["ben"])
    first = world["assignment"]
    ina.get(f"/reviews/{first.pk}/")
    assert (
        ina.post(
            f"/reviews/{first.pk}/",
            review_form(overall="inadequate", grade_decision_making="inadequate", action="submit"),
        ).status_code
        == 302
    )
    moderation_assign(inspection=inspection, inspectors=[world["ina"], world["ben"]], share=0.0)
    second = Assignment.objects.get(kind="moderation", sampled_case=first.sampled_case)
    ben.get(f"/reviews/{second.pk}/")
    assert (
        ben.post(
            f"/reviews/{second.pk}/", review_form(overall="requires_improvement", action="submit")
        ).status_code
        == 302
    )

    lead = browser_of(world["lead"])
    end_session(lead)
    page = f"/inspections/{inspection.pk}/resolve/"
    lead.post(
        page,
        {
            "sampled_case": str(first.sampled_case_id),
            "final_overall": "inadequate",
            "rationale": "Risk to the child was never assessed",
        },
        HTTP_ORIGIN=HERE,
    )
    assert sign_in_again(lead, world["lead"], page)["Location"] == page
    shown = lead.get(page).content.decode()
    assert KEPT in shown and "Risk to the child was never assessed</textarea>" in shown
    assert (
        f'id="final-{first.sampled_case_id}-inadequate" name="final_overall" type="radio" value="inadequate" checked'
        in shown
    )
    from casereview.web.reviews.models import Resolution

    assert not Resolution.objects.exists()  # shown, not recorded
    assert (
        lead.get(page).status_code == 302
    )  # once only: then the address goes back to the inspection


def test_answers_are_not_kept_without_the_signed_cookie_naming_the_user(
    world: dict[str, Any],
) -> None:
    page = f"/reviews/{world['assignment'].pk}/"
    stranger = Client()
    response = stranger.post(page, review_form(comment_initial_contact="planted"), HTTP_ORIGIN=HERE)
    assert (
        response.status_code == 302
        and response["Location"] == f"/login/?next=/reviews/{world['assignment'].pk}/"
    )
    forged = Client()
    forged.cookies[USER_COOKIE] = signing.dumps({"id": world["ina"].pk}, salt="some other purpose")
    forged.post(page, review_form(comment_initial_contact="planted"), HTTP_ORIGIN=HERE)
    unsigned = Client()
    unsigned.cookies[USER_COOKIE] = json.dumps({"id": world["ina"].pk})
    unsigned.post(page, review_form(comment_initial_contact="planted"), HTTP_ORIGIN=HERE)
    assert not KeptAnswers.objects.exists()


def test_answers_are_not_kept_from_another_origin_nor_on_a_cross_origin_csrf_failure(
    world: dict[str, Any],
) -> None:
    page = f"/reviews/{world['assignment'].pk}/"
    browser = browser_of(world["ina"])
    end_session(browser)
    browser.post(page, review_form(), HTTP_ORIGIN="https://evil.example")
    browser.post(page, review_form(), HTTP_REFERER="https://evil.example/form")
    browser.post(page, review_form())  # neither Origin nor Referer: not provably this site
    assert not KeptAnswers.objects.exists()

    strict = Client(enforce_csrf_checks=True)
    strict.cookies = browser.cookies
    refused = strict.post(
        page, review_form(comment_initial_contact="forged"), HTTP_ORIGIN="https://evil.example"
    )
    assert refused.status_code == 403 and "This page had expired" in refused.content.decode()
    assert not KeptAnswers.objects.exists() and KEPT not in refused.content.decode()


def test_a_bare_csrf_failure_on_an_expired_form_says_so_and_keeps_the_answers(
    world: dict[str, Any],
) -> None:
    page = f"/reviews/{world['assignment'].pk}/"
    browser = browser_of(world["ina"])
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = browser.cookies
    expired = strict.post(
        page, review_form(comment_initial_contact="Kept anyway"), HTTP_ORIGIN=HERE
    )
    html = expired.content.decode()
    assert expired.status_code == 403 and "This page had expired" in html and KEPT in html
    assert f'href="{page}"' in html  # still signed in: straight back to the page
    assert KeptAnswers.objects.get().data["comment_initial_contact"] == ["Kept anyway"]
    shown = browser.get(page).content.decode()
    assert "Kept anyway" in shown and KEPT in shown
    other_page = strict.post("/users/password/", {"old_password": "x"}, HTTP_ORIGIN=HERE)
    assert (
        other_page.status_code == 403 and KEPT not in other_page.content.decode()
    )  # not a page worth keeping
    assert not KeptAnswers.objects.exists()


def test_kept_answers_and_the_cookie_last_a_day(world: dict[str, Any]) -> None:
    page = f"/reviews/{world['assignment'].pk}/"
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        browser = browser_of(world["ina"])
        end_session(browser)
        browser.post(page, review_form(comment_initial_contact="Yesterday's"), HTTP_ORIGIN=HERE)
        assert KeptAnswers.objects.get().expires_at == timezone.now() + dt.timedelta(days=1)
        clock.shift(dt.timedelta(days=1, seconds=1))
        assert KEPT not in browser.get(f"/login/?next={page}").content.decode()
        start = latest_seq()
        browser.post(
            page, review_form(comment_initial_contact="Too late"), HTTP_ORIGIN=HERE
        )  # the cookie is a day old
        assert not KeptAnswers.objects.filter(data__comment_initial_contact=["Too late"]).exists()
        fresh = browser_of(world["ina"])
        assert "Yesterday&#x27;s" not in fresh.get(page).content.decode()
        end_session(fresh)
        fresh.post(page, review_form(comment_initial_contact="Today's"), HTTP_ORIGIN=HERE)
        assert [k.data["comment_initial_contact"] for k in KeptAnswers.objects.all()] == [
            ["Today's"]
        ]
        assert "kept_answers_expired" in [e.action for e in actions_since(start)]


def test_the_latest_post_on_a_page_wins(world: dict[str, Any]) -> None:
    page = f"/reviews/{world['assignment'].pk}/"
    browser = browser_of(world["ina"])
    end_session(browser)
    for text in ("first try", "second try"):
        browser.post(page, review_form(comment_initial_contact=text), HTTP_ORIGIN=HERE)
    assert [k.data["comment_initial_contact"] for k in KeptAnswers.objects.all()] == [
        ["second try"]
    ]


def test_signing_out_on_purpose_ends_keeping_for_that_browser(world: dict[str, Any]) -> None:
    browser = browser_of(world["ina"])
    out = browser.post("/logout/")
    assert out.status_code == 302 and browser.cookies[USER_COOKIE].value == ""
    browser.post(f"/reviews/{world['assignment'].pk}/", review_form(), HTTP_ORIGIN=HERE)
    assert not KeptAnswers.objects.exists()


def test_the_12_hour_limit_keeps_a_posted_review_too(world: dict[str, Any]) -> None:
    page = f"/reviews/{world['assignment'].pk}/"
    with time_machine.travel(dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC), tick=False) as clock:
        browser = browser_of(world["ina"])
        for _ in range(12 * 6):
            clock.shift(dt.timedelta(minutes=10))
            browser.get("/")
        clock.shift(
            dt.timedelta(minutes=1)
        )  # 12 hours and a minute after signing in, a minute after the last page
        response = browser.post(
            page, review_form(comment_initial_contact="At the end of a long day"), HTTP_ORIGIN=HERE
        )
    assert response["Location"] == f"/login/?expired=1&next=/reviews/{world['assignment'].pk}/"
    assert KeptAnswers.objects.get().data["comment_initial_contact"] == ["At the end of a long day"]


def test_a_deep_link_survives_both_sign_in_steps(world: dict[str, Any]) -> None:
    deep = f"/reviews/{world['assignment'].pk}/?from=mail"
    browser = Client()
    device_of(world["ina"])
    asked = browser.get(deep)
    assert asked["Location"] == "/login/?next=" + "/reviews/{}/%3Ffrom%3Dmail".format(
        world["assignment"].pk
    )
    form = browser.get(asked["Location"]).content.decode()
    assert f'name="next" value="{deep}"' in form
    landed = sign_in_again(browser, world["ina"], deep)
    assert landed.status_code == 302 and landed["Location"] == deep
    assert browser.get(deep).status_code == 200


def test_a_deep_link_survives_enrolling_a_second_factor(world: dict[str, Any]) -> None:
    deep = f"/reviews/{world['assignment'].pk}/"
    browser = Client()
    response = browser.post("/login/", {"username": "ina", "password": PASSWORD, "next": deep})
    response = browser.get(response["Location"])
    assert (
        response["Location"] == f"/login/two-factor/setup/?next=/reviews/{world['assignment'].pk}/"
    )
    browser.get(response["Location"])
    device = TOTPDevice.objects.get(user=world["ina"], confirmed=False)
    done = browser.post(response["Location"], {"code": f"{TOTP(device.bin_key).token():06d}"})
    assert done.status_code == 200 and f'href="{deep}">Continue</a>' in done.content.decode()


@pytest.mark.parametrize(
    "outside",
    [
        "https://evil.example/",
        "//evil.example/",
        "javascript:alert(1)",
        "http://testserver.evil.example/",
        "/\\evil.example",
        "https:evil.example",
    ],
)
def test_a_next_outside_the_site_is_ignored_at_both_steps(
    world: dict[str, Any], outside: str
) -> None:
    browser = Client()
    device = device_of(world["ina"])
    after_password = browser.post(
        "/login/", {"username": "ina", "password": PASSWORD, "next": outside}
    )
    assert after_password["Location"] == "/"
    code = f"{TOTP(device.bin_key).token():06d}"
    from urllib.parse import quote

    after_code = browser.post(
        f"/login/two-factor/?next={quote(outside)}", {"code": code, "next": outside}
    )
    assert after_code.status_code == 302 and after_code["Location"] == "/"


def test_every_signed_in_page_says_when_its_session_really_ends(world: dict[str, Any]) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        browser = browser_of(world["ina"])
        clock.shift(dt.timedelta(seconds=30))  # within the minute: the session is not saved again
        page = browser.get("/")
        assert (
            'data-expires-in="870"' in page.content.decode()
            and page["X-Session-Expires-In"] == "870"
        )
        assert 'role="dialog" aria-modal="true"' in page.content.decode()
        assert (
            "will be kept for when you sign in again" not in page.content.decode()
        )  # nothing to keep here
        review = browser.get(f"/reviews/{world['assignment'].pk}/").content.decode()
        assert (
            "Answers on this page that you have not saved will be kept for when you sign in again"
            in review
        )
        clock.shift(dt.timedelta(seconds=40))  # a minute on: saved, the expiry moves on
        assert 'data-expires-in="900"' in browser.get("/").content.decode()
    assert (
        "timeout-warning" not in Client().get("/login/").content.decode()
    )  # signed-out pages have none


def test_the_keep_alive_moves_the_expiry_on_now_and_says_so(world: dict[str, Any]) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        browser = browser_of(world["ina"])
        key = browser.cookies[settings.SESSION_COOKIE_NAME].value
        clock.shift(dt.timedelta(seconds=20))
        browser.get("/")  # within the minute: not saved
        assert Session.objects.get(session_key=key).expire_date == timezone.now() - dt.timedelta(
            seconds=20
        ) + dt.timedelta(minutes=15)
        clock.shift(dt.timedelta(seconds=10))
        alive = browser.post("/session/keep-alive/")
        assert alive.status_code == 200 and alive.json() == {"signed_in": True, "expires_in": 900}
        assert Session.objects.get(session_key=key).expire_date == timezone.now() + dt.timedelta(
            minutes=15
        )
        assert browser.get("/session/keep-alive/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = browser.cookies
    assert strict.post("/session/keep-alive/").status_code == 403
    signed_out = Client().post("/session/keep-alive/")
    assert signed_out.status_code == 302 and signed_out["Location"].startswith("/login/")


def test_the_autosave_moves_the_expiry_on_and_says_so(world: dict[str, Any]) -> None:
    assignment = world["assignment"]
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        browser = browser_of(world["ina"])
        browser.get(f"/reviews/{assignment.pk}/")
        clock.shift(dt.timedelta(minutes=10))
        saved = browser.post(f"/reviews/{assignment.pk}/autosave/", review_form())
        assert saved.status_code == 200 and saved["X-Session-Expires-In"] == "900"
        key = browser.cookies[settings.SESSION_COOKIE_NAME].value
        assert Session.objects.get(session_key=key).expire_date == timezone.now() + dt.timedelta(
            minutes=15
        )


def test_the_pages_last_question_never_moves_the_expiry_and_keeps_what_it_held(
    world: dict[str, Any],
) -> None:
    page = f"/reviews/{world['assignment'].pk}/"
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        browser = browser_of(world["ina"])
        assert browser.get(page).status_code == 200
        clock.shift(dt.timedelta(minutes=14))
        still = browser.post(page, review_form(), HTTP_ORIGIN=HERE, HTTP_X_CASEREVIEW_TIMEOUT="1")
        assert still.json() == {
            "signed_in": True,
            "expires_in": 60,
        }  # another tab may have kept it: no
        assert not KeptAnswers.objects.exists()
        clock.shift(dt.timedelta(minutes=1, seconds=1))
        over = browser.post(
            page,
            review_form(comment_initial_contact="Kept at the end"),
            HTTP_ORIGIN=HERE,
            HTTP_X_CASEREVIEW_TIMEOUT="1",
        )
        assert over.json() == {"signed_in": False, "kept": True}
        assert KeptAnswers.objects.get().data["comment_initial_contact"] == ["Kept at the end"]
        assert Review.objects.get(assignment=world["assignment"]).version == 0  # the view never ran


def test_the_kept_message_names_the_idle_limit() -> None:
    assert kept_message() == KEPT
