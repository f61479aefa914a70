"""The send-back list and the published reports list: filters, search, sort, counts, pages, scope; the
send-back page's actions (a text box only with its button) and banners; and what they cost in queries.

Query counts use the two worlds of ``test_query_counts`` (4 and 24 sampled cases, two bodies side by side):
the same number of queries at both sizes, within the pin.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from casereview.web.core.paging import PAGE_SIZE
from casereview.web.referrals.models import SendBack
from casereview.web.referrals.services import sendback_act
from casereview.web.registers.models import Body
from casereview.web.reports.models import PublishedReport
from casereview.web.reports.services import report_publish

from . import factories
from .factories import verified_client
from .test_query_counts import assert_flat, both

pytestmark = pytest.mark.django_db


# Query counts -------------------------------------------------------------------------------------------------

LISTS: dict[str, tuple[int, str, Any]] = {
    # name: (bound, who, path)
    "send backs, unfiltered (liaison)": (7, "liaison", lambda w: "/send-backs/"),
    "send backs, unfiltered (lead)": (7, "lead", lambda w: "/send-backs/"),
    "send backs, filtered (liaison)": (
        7,
        "liaison",
        lambda w: (
            f"/send-backs/?state=acknowledged&urgency=routine&body={w['inspection'].body.code}"
            "&q=syn&sort=case"
        ),
    ),
    "send backs, filtered to overdue (lead)": (7, "lead", lambda w: "/send-backs/?overdue=yes"),
    "send backs, a page past the last (lead)": (7, "lead", lambda w: "/send-backs/?page=9"),
    # +2 since issue 23: the page's rows' pre-announcements, and the upcoming publications (one query each)
    "published reports (lead)": (9, "lead", lambda w: "/reports/"),
    "published reports, filtered (liaison)": (
        9,
        "liaison",
        lambda w: (
            f"/reports/?q=q1&body={w['inspection'].body.code}"
            f"&period={w['inspection'].period_end.isoformat()}"
        ),
    ),
    "published reports (analyst)": (9, "analyst", lambda w: "/reports/"),
}


@pytest.mark.parametrize("name", LISTS)
def test_a_list_makes_as_many_queries_for_24_cases_as_for_4(name: str, tmp_path: Path) -> None:
    bound, who, path = LISTS[name]

    def ask(made: dict[str, Any]) -> None:
        if (
            "analyst" not in made
        ):  # the first, unmeasured, visit: an analyst, and half the send backs overdue
            made["analyst"] = factories.user("analyst", f"{made['lead'].username}-analyst")
            sent = SendBack.objects.filter(inspection=made["inspection"]).order_by("id")
            SendBack.objects.filter(pk__in=list(sent.values_list("id", flat=True))[::2]).update(
                due_on=dt.date(2020, 1, 6)
            )
        key = f"client:{who}"
        if key not in made:
            made[key] = verified_client(made[who])
        response = made[key].get(path(made))
        assert response.status_code == 200, (path(made), response.status_code)
        assert listed(response.content), (
            f"{path(made)} lists nothing: the count would prove nothing"
        )

    assert_flat(bound, both(tmp_path, ask), name)


# Worlds for the lists -----------------------------------------------------------------------------------------


def sent_back_world(tmp_path: Path, *, size: int = 8) -> dict[str, Any]:
    """Two bodies, each with its own people and inspection; every case of SYN's sample sent back (urgencies in
    turn), one of OTH's."""
    factories.body("SYN", "Synthetic Constabulary")
    factories.body("OTH", "Other Constabulary")
    ours = factories.inspection_world(tmp_path, body_code="SYN", size=size)
    theirs = factories.inspection_world(tmp_path, body_code="OTH", size=2, prefix="o")
    urgencies = ["immediate", "priority", "routine"]
    ours["send_backs"] = [
        factories.sent_back(a, urgency=urgencies[n % 3], reason=f"reason {n}")
        for n, a in enumerate(ours["assignments"])
    ]
    ours["other"] = factories.sent_back(theirs["assignment"], urgency="routine")
    ours["theirs"] = theirs
    return ours


def listed(content: bytes) -> list[int]:
    """The send backs (or publications) a list page links to, in its order."""
    return [int(n) for n in re.findall(rb'href="/(?:send-backs|reports)/(\d+)/"', content)]


def tagged_overdue(content: bytes) -> set[int]:
    """The send backs whose row on the list carries the Overdue tag."""
    return {
        int(n)
        for n, row in re.findall(rb'href="/send-backs/(\d+)/"(.*?)</tr>', content, re.S)
        if b">Overdue<" in row
    }


def matched(content: bytes) -> str:
    found = re.search(rb'id="matched"[^>]*>([^<]*)<', content)
    assert found, "no count on the page"
    return found[1].decode()


# The send-back list ---------------------------------------------------------------------------------------------


def test_the_send_back_list_filters_by_state_urgency_and_overdue_and_counts(
    tmp_path: Path,
) -> None:
    w = sent_back_world(tmp_path)
    ours = [s.pk for s in w["send_backs"]]
    first = w["send_backs"][0]
    sendback_act(send_back=first, action="acknowledge", actor=w["liaison"], expected_version=0)
    lead = verified_client(w["lead"])
    everything = lead.get("/send-backs/").content
    assert sorted(listed(everything)) == sorted(ours)
    assert matched(everything) == f"{len(ours)} send backs match"

    acknowledged = lead.get("/send-backs/", {"state": "acknowledged"}).content
    assert listed(acknowledged) == [first.pk]
    assert matched(acknowledged) == "1 send back matches"
    open_ones = lead.get("/send-backs/", {"state": "open"}).content
    assert sorted(listed(open_ones)) == sorted(ours)
    assert listed(lead.get("/send-backs/", {"state": "closed"}).content) == []

    routine = {s.pk for s in w["send_backs"] if s.urgency == "routine"}
    assert set(listed(lead.get("/send-backs/", {"urgency": "routine"}).content)) == routine

    # Overdue: past the due day with no response, or escalated.  Moving a due day back makes it so.
    SendBack.objects.filter(pk=w["send_backs"][1].pk).update(due_on=dt.date(2020, 1, 6))
    SendBack.objects.filter(pk=w["send_backs"][2].pk).update(state="escalated")
    SendBack.objects.filter(pk=w["send_backs"][3].pk).update(
        due_on=dt.date(2020, 1, 6), state="response_submitted"
    )  # answered: no longer overdue, however old its due day
    overdue = lead.get("/send-backs/", {"overdue": "yes"}).content
    assert sorted(listed(overdue)) == sorted(s.pk for s in w["send_backs"][1:3])
    assert matched(overdue) == "2 send backs match"
    # One rule for the filter and the tag: each row "Overdue only" lets through is tagged Overdue (the
    # escalated one too), and no other row is; the escalated one's own page says so as well.
    assert tagged_overdue(overdue) == set(listed(overdue))
    assert tagged_overdue(lead.get("/send-backs/").content) == set(listed(overdue))
    escalated = lead.get(f"/send-backs/{w['send_backs'][2].pk}/").content
    assert b'govuk-tag--red">Overdue<' in escalated


def test_the_send_back_list_searches_case_references_in_any_case_and_sorts(
    tmp_path: Path,
) -> None:
    w = sent_back_world(tmp_path)
    lead = verified_client(w["lead"])
    target = w["send_backs"][3]
    ref = target.sampled_case.case_ref
    found = lead.get("/send-backs/", {"q": ref.lower()[2:]}).content
    assert target.pk in listed(found)
    assert all(
        ref.lower()[2:] in SendBack.objects.get(pk=pk).sampled_case.case_ref.lower()
        for pk in listed(found)
    )
    nothing = lead.get("/send-backs/", {"q": "no-such-reference"}).content
    assert listed(nothing) == [] and matched(nothing) == "No send backs match"

    by_case = listed(lead.get("/send-backs/", {"sort": "case"}).content)
    refs = [SendBack.objects.get(pk=pk).sampled_case.case_ref for pk in by_case]
    assert refs == sorted(refs) and len(refs) == len(w["send_backs"])
    by_due = listed(lead.get("/send-backs/").content)
    dues = [SendBack.objects.get(pk=pk).due_on for pk in by_due]
    assert dues == sorted(dues)
    latest_first = listed(lead.get("/send-backs/", {"sort": "due_last"}).content)
    assert [SendBack.objects.get(pk=pk).due_on for pk in latest_first] == sorted(dues, reverse=True)
    newest = listed(lead.get("/send-backs/", {"sort": "newest"}).content)
    assert newest == sorted(by_due, reverse=True)  # opened one after another, in id order


def test_a_liaison_officer_sees_only_their_bodys_send_backs_whatever_the_filters(
    tmp_path: Path,
) -> None:
    w = sent_back_world(tmp_path)
    other = w["other"]
    liaison = verified_client(w["liaison"])
    page_ = liaison.get("/send-backs/").content
    assert other.pk not in listed(page_) and len(listed(page_)) == len(w["send_backs"])
    assert b'value="OTH"' not in page_  # the body filter offers only their own body
    # Asking for the other body, or its case reference, shows nothing of it.
    for query in (
        {"body": "OTH"},
        {"q": other.sampled_case.case_ref},
        {"body": "OTH", "state": "opened", "urgency": "routine"},
        {"overdue": "yes", "body": "OTH"},
    ):
        assert other.pk not in listed(liaison.get("/send-backs/", query).content), query
    # And their own lead sees only their inspection's; the other body's lead only theirs.
    assert other.pk not in listed(verified_client(w["lead"]).get("/send-backs/").content)
    theirs = listed(
        verified_client(w["theirs"]["lead"]).get("/send-backs/", {"body": "SYN"}).content
    )
    assert theirs == [other.pk]
    # An inspector sees the send backs they opened, not a colleague's.
    assert listed(verified_client(w["ben"]).get("/send-backs/").content) == []


def test_the_send_back_list_pages_with_previous_and_next_keeping_the_filters(
    tmp_path: Path,
) -> None:
    w = sent_back_world(tmp_path, size=PAGE_SIZE + 5)
    lead = verified_client(w["lead"])
    first = lead.get("/send-backs/", {"state": "opened", "sort": "oldest"}).content.decode()
    assert matched(first.encode()) == f"{PAGE_SIZE + 5} send backs match, showing 1 to {PAGE_SIZE}"
    assert 'rel="prev"' not in first
    link = re.search(r'href="(\?[^"]*)" rel="next"', first)
    assert link and "state=opened" in link[1] and "sort=oldest" in link[1] and "page=2" in link[1]
    second = lead.get("/send-backs/" + link[1].replace("&amp;", "&")).content.decode()
    assert 'rel="next"' not in second and 'rel="prev"' in second
    shown = listed(first.encode()) + listed(second.encode())
    assert shown == sorted(s.pk for s in w["send_backs"])  # every one once, oldest first
    assert len(listed(second.encode())) == 5
    # A page past the end shows the last page; nonsense shows the first.
    assert listed(
        lead.get("/send-backs/", {"state": "opened", "sort": "oldest", "page": "99"}).content
    ) == listed(second.encode())
    assert (
        listed(lead.get("/send-backs/", {"page": "x"}).content)[:3]
        == listed(lead.get("/send-backs/").content)[:3]
    )


def test_states_and_urgencies_read_as_words_on_the_list_and_the_dashboard(tmp_path: Path) -> None:
    w = sent_back_world(tmp_path, size=3)
    s = w["send_backs"][0]
    sendback_act(send_back=s, action="respond", actor=w["liaison"], expected_version=0, note="x")
    lead = verified_client(w["lead"])
    page_ = lead.get("/send-backs/").content.decode()
    assert ">Response submitted</strong>" in page_
    assert "Immediate (same working day)" in page_ and "Routine (20 working days)" in page_
    table = page_.split("<table")[1]  # (the filters' options carry the codes as their values)
    for code in ("response_submitted", "Responsesubmitted", ">immediate<", ">routine<"):
        assert code not in table, code
    dashboard = lead.get("/send-backs/dashboard/").content.decode()
    assert "Priority (5 working days)" in dashboard and "Synthetic Constabulary" in dashboard
    assert ">priority<" not in dashboard.lower()


# The send-back page ---------------------------------------------------------------------------------------------


def boxes_and_buttons(content: bytes) -> tuple[int, list[str]]:
    text = content.decode()
    return text.count("<textarea"), re.findall(r'name="action" value="(\w+)"', text)


def test_a_text_box_shows_only_with_the_button_that_uses_it_for_who_may_act_now(
    tmp_path: Path,
) -> None:
    w = sent_back_world(tmp_path, size=1)
    s = w["send_backs"][0]
    url = f"/send-backs/{s.pk}/"
    liaison, ina, lead = (verified_client(w[k]) for k in ("liaison", "ina", "lead"))

    # Opened: the body acts; the inspectorate waits and is told what happens next.
    assert boxes_and_buttons(liaison.get(url).content) == (1, ["acknowledge", "respond"])
    for client in (ina, lead):
        page_ = client.get(url).content
        assert boxes_and_buttons(page_) == (0, [])
        assert b"What happens next" in page_ and b"Waiting for Synthetic Constabulary" in page_

    assert liaison.post(url, {"action": "acknowledge", "version": "0"}).status_code == 302
    assert boxes_and_buttons(liaison.get(url).content) == (1, ["respond"])
    assert boxes_and_buttons(ina.get(url).content) == (0, [])

    assert (
        liaison.post(url, {"action": "respond", "version": "1", "note": "Done"}).status_code == 302
    )
    mine = liaison.get(url).content
    assert boxes_and_buttons(mine) == (0, []) and b"Your response is with the inspectorate" in mine
    assert boxes_and_buttons(ina.get(url).content) == (1, ["accept", "return"])
    assert boxes_and_buttons(lead.get(url).content) == (1, ["accept", "return"])

    assert ina.post(url, {"action": "accept", "version": "2"}).status_code == 302
    for client in (liaison, ina, lead):
        closed = client.get(url).content
        assert boxes_and_buttons(closed) == (0, []) and b"Nothing more happens to it" in closed


def test_each_move_confirms_itself_with_a_banner(tmp_path: Path) -> None:
    w = sent_back_world(tmp_path, size=1)
    s = w["send_backs"][0]
    url = f"/send-backs/{s.pk}/"
    liaison, ina = verified_client(w["liaison"]), verified_client(w["ina"])

    def banner(client: Client, data: dict[str, str]) -> str:
        done = client.post(url, data, follow=True)
        assert done.status_code == 200 and done.redirect_chain[-1][0] == url
        found = re.search(
            r'govuk-notification-banner--success.*?__heading">([^<]*)<', done.content.decode(), re.S
        )
        assert found, data
        return found[1]

    assert banner(liaison, {"action": "acknowledge", "version": "0"}).startswith(
        f"Send back {s.pk} acknowledged"
    )
    assert "is submitted" in banner(liaison, {"action": "respond", "version": "1", "note": "Seen"})
    returned = banner(ina, {"action": "return", "version": "2", "note": "The minutes, please"})
    assert returned.startswith(f"Send back {s.pk} returned to Synthetic Constabulary")
    banner(liaison, {"action": "respond", "version": "3", "note": "Minutes attached"})
    assert (
        banner(ina, {"action": "accept", "version": "4"}) == f"Send back {s.pk} accepted and closed"
    )


def test_a_response_without_words_is_refused_at_its_box_and_a_refusal_keeps_what_was_typed(
    tmp_path: Path,
) -> None:
    w = sent_back_world(tmp_path, size=1)
    s = w["send_backs"][0]
    url = f"/send-backs/{s.pk}/"
    liaison = verified_client(w["liaison"])
    empty = liaison.post(url, {"action": "respond", "version": "0", "note": "  "})
    text = empty.content.decode()
    assert empty.status_code == 400
    assert (
        'href="#id_note"' in text and 'id="id_note-error"' in text
    )  # in the summary and at the box
    assert "Say what was done" in text and "<title>Error: " in text
    # Acted on by someone else first: nothing applied, what was typed is still there.
    assert liaison.post(url, {"action": "acknowledge", "version": "0"}).status_code == 302
    late = liaison.post(
        url, {"action": "respond", "version": "0", "note": "Strategy <b>meeting</b>"}
    )
    assert late.status_code == 409
    assert "Strategy &lt;b&gt;meeting&lt;/b&gt;</textarea>" in late.content.decode()
    # A button that is no action is refused, said in the summary.
    odd = liaison.post(url, {"action": "escalate", "version": "1"})
    assert odd.status_code == 400 and b"Choose what to do with this send back" in odd.content
    s.refresh_from_db()
    assert (s.state, s.version) == ("acknowledged", 1)


# The published reports list -----------------------------------------------------------------------------------


def published_world(tmp_path: Path) -> dict[str, Any]:
    """Two bodies, each with a graded inspection published (SYN's twice, a correction); and an analyst."""
    factories.body("SYN", "Synthetic Constabulary")
    factories.body("OTH", "Other Constabulary")
    ours = factories.inspection_world(tmp_path, body_code="SYN", size=2)
    theirs = factories.inspection_world(tmp_path, body_code="OTH", size=2, prefix="o")
    for made in (ours, theirs):
        for assignment in made["assignments"]:
            factories.submitted(assignment, "good")
    ours["first"] = report_publish(inspection=ours["inspection"], actor=ours["lead"])
    ours["theirs"] = report_publish(inspection=theirs["inspection"], actor=theirs["lead"])
    ours["second"] = report_publish(inspection=ours["inspection"], actor=ours["lead"])
    ours["analyst"] = factories.user("analyst", "ana")
    ours["other_inspection"] = theirs["inspection"]
    return ours


def test_published_reports_are_newest_first_searched_and_filtered_by_body_and_period(
    tmp_path: Path,
) -> None:
    w = published_world(tmp_path)
    PublishedReport.objects.filter(pk=w["theirs"].pk).update(
        published_at=w["first"].published_at + dt.timedelta(days=2)
    )
    analyst = verified_client(w["analyst"])
    everything = analyst.get("/reports/").content
    ids = [pk for pk in listed(everything)]
    assert ids == [w["theirs"].pk, w["second"].pk, w["first"].pk]
    assert matched(everything) == "3 published reports match, newest first"
    syn = analyst.get("/reports/", {"body": "SYN"}).content
    assert listed(syn) == [w["second"].pk, w["first"].pk]
    assert matched(syn).startswith("2 published reports match")
    assert listed(analyst.get("/reports/", {"q": "other con"}).content) == [w["theirs"].pk]
    assert listed(analyst.get("/reports/", {"q": "nothing like it"}).content) == []
    period = w["inspection"].period_end.isoformat()
    assert len(listed(analyst.get("/reports/", {"period": period}).content)) == 3
    assert (
        listed(analyst.get("/reports/", {"period": "1999-12-31"}).content) == ids
    )  # no such choice
    start, end = w["inspection"].period_start, w["inspection"].period_end
    label = f"{start.day} {start:%B %Y} to {end.day} {end:%B %Y}"
    assert f'<option value="{period}">{label}</option>' in everything.decode()


def test_a_liaison_officer_lists_only_their_bodys_reports_whatever_the_filters(
    tmp_path: Path,
) -> None:
    w = published_world(tmp_path)
    liaison = verified_client(w["liaison"])
    mine = [w["second"].pk, w["first"].pk]
    assert listed(liaison.get("/reports/").content) == mine
    page_ = liaison.get("/reports/").content
    assert b'value="OTH"' not in page_
    for query in ({"body": "OTH"}, {"q": "Other"}, {"q": "OTH", "body": "OTH"}):
        assert w["theirs"].pk not in listed(liaison.get("/reports/", query).content), query


def test_the_published_reports_list_pages_newest_first(tmp_path: Path) -> None:
    w = published_world(tmp_path)
    for _ in range(PAGE_SIZE):
        report_publish(inspection=w["inspection"], actor=w["lead"])
    lead = verified_client(w["lead"])
    first = lead.get("/reports/", {"body": "SYN"}).content.decode()
    assert matched(first.encode()).startswith(f"{PAGE_SIZE + 2} published reports match")
    link = re.search(r'href="(\?[^"]*)" rel="next"', first)
    assert link and "body=SYN" in link[1]
    second = lead.get("/reports/" + link[1].replace("&amp;", "&")).content
    both_pages = listed(first.encode()) + listed(second)
    assert both_pages == sorted(both_pages, reverse=True) and len(set(both_pages)) == PAGE_SIZE + 2


def test_publishing_confirms_itself_with_a_banner(tmp_path: Path) -> None:
    w = published_world(tmp_path)
    lead = verified_client(w["lead"])
    done = lead.post(f"/reports/inspection/{w['inspection'].pk}/publish/", follow=True)
    assert done.status_code == 200
    text = done.content.decode()
    assert "govuk-notification-banner--success" in text and "Q1 is published, as of" in text


# Feedback on the accounts, tokens and outbox pages ------------------------------------------------------------


def test_adding_a_user_lists_every_problem_at_once_and_keeps_the_answers(body: Body) -> None:
    admin = verified_client(factories.user("administrator", "admin"))
    factories.user("inspector", "taken")
    refused = admin.post(
        "/users/",
        {
            "username": "taken",
            "email": "not an address",
            "role": "liaison_officer",
            "password": "short",
        },
    )
    text = refused.content.decode()
    assert refused.status_code == 400
    summary = text.split('govuk-error-summary__list">')[1].split("</ul>")[0]
    for field in ("username", "email", "body", "password"):
        assert f'href="#{field}"' in summary, field
    assert "already exists" in summary and "e-mail address like" in summary
    assert "too short" in summary
    assert (
        'value="not an address"' in text
        and 'id="role-liaison_officer" name="role" type="radio" value="liaison_officer" checked'
        in text
    )
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(email="not an address").exists()


def test_tokens_made_and_revoked_confirm_themselves_with_a_banner(make_user: Any) -> None:
    client = verified_client(make_user("inspector", "ina"))
    made = client.post("/users/tokens/", {"name": "nightly sync", "scopes": ["read"], "days": "30"})
    text = made.content.decode()
    assert made.status_code == 200 and "govuk-notification-banner--success" in text
    assert "Token “nightly sync” made; it works until" in text
    from casereview.web.api.models import ApiToken

    token = ApiToken.objects.get(name="nightly sync")
    revoked = client.post(f"/users/tokens/{token.pk}/revoke/", follow=True)
    assert "Token “nightly sync” is revoked" in revoked.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_an_unlock_that_names_nothing_says_so(make_user: Any) -> None:
    admin = verified_client(make_user("administrator", "admin"))
    said = admin.post("/users/locked/", {}, follow=True).content.decode()
    assert "Nothing was unlocked" in said and "govuk-notification-banner--success" not in said
    bad = admin.post("/users/locked/", {"address": "not-an-ip"}, follow=True).content.decode()
    assert "Nothing was unlocked" in bad and "is not an IP address" in bad
