"""The start page at ``/``: each role's work, scoped to that person, in as many queries for 24 cases as for 4.

Content first (what each role sees and what it must not), then the query counts at two sizes of data, in the
pattern of ``test_query_counts.py``: the small world built alone, the big one beside it, the same page asked
of both.
"""

from __future__ import annotations

import datetime as dt
import re
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casereview.web.inspections.services import inspection_create
from casereview.web.notifications.messages import Message
from casereview.web.notifications.services import mail_queue, notify_send
from casereview.web.referrals.models import SendBack
from casereview.web.referrals.services import sendback_act, sendback_open
from casereview.web.registers.selectors import body_by_code
from casereview.web.reports.services import report_publish
from casereview.web.reviews.models import Assignment
from casereview.web.reviews.services import resolution_record, review_start
from casereview.web.reviews.spreadsheets import reviews_import

from . import factories
from .factories import verified_client

pytestmark = pytest.mark.django_db

SMALL, BIG = 4, 24
SIZES = {"s": ("SML", SMALL), "b": ("BIG", BIG)}


def start_page(user: Any) -> str:
    response = verified_client(user).get("/")
    assert response.status_code == 200
    html: str = response.content.decode()
    assert html.count("<h1") == 1 and "<title>Home – casereview</title>" in html
    return html


def section(html: str, heading_id: str) -> str:
    """The part of the page from the heading with this id to the next h2 (or the end of main)."""
    start = html.index(f'id="{heading_id}"')
    rest = html[start:]
    end = rest.find("<h2", 1)
    return rest if end < 0 else rest[:end]


def refs(assignments: list[Assignment]) -> list[str]:
    return [a.sampled_case.case_ref for a in assignments]


# What each role sees ------------------------------------------------------------------------------------------


@pytest.fixture
def shared(db: None, tmp_path: Path) -> dict[str, Any]:
    """A lead, inspectors ina and ben sharing an inspection of 6 cases (3 each), the body's liaison officer,
    an analyst and an administrator."""
    factories.body()
    lead = factories.user("lead_inspector", "lead")
    ina, ben = factories.user("inspector", "ina"), factories.user("inspector", "ben")
    liaison = factories.user("liaison_officer", "liaison")
    factories.contact(body_by_code("SYN"), liaison)
    inspection = factories.inspection(lead=lead, name="Spring quarter")
    register = factories.register(tmp_path, rows=80, seed=4)
    factories.sample(inspection, register, size=6)
    factories.assigned(inspection, [ina, ben])
    first = factories.assignments(inspection)
    return {
        "lead": lead,
        "ina": ina,
        "ben": ben,
        "liaison": liaison,
        "analyst": factories.user("analyst", "ana"),
        "admin": factories.user("administrator", "admin"),
        "inspection": inspection,
        "register": register,
        "of_ina": [a for a in first if a.inspector_id == ina.pk],
        "of_ben": [a for a in first if a.inspector_id == ben.pk],
    }


def next_case(html: str) -> tuple[str, int] | None:
    """The start button's words and the assignment it opens."""
    found = re.search(
        r'<a class="govuk-button govuk-button--start"[^>]*href="/reviews/(\d+)/">(\w+) next case',
        html,
    )
    return (found.group(2), int(found.group(1))) if found else None


def test_an_inspector_sees_their_own_cases_counted_with_drafts_first_and_the_next_case(
    shared: dict[str, Any],
) -> None:
    ina_cases, ben_cases = shared["of_ina"], shared["of_ben"]
    assert len(ina_cases) == len(ben_cases) == 3
    done, not_started, draft = ina_cases
    factories.submitted(done, "good")
    review_start(assignment=draft)
    factories.submitted(ben_cases[0], "good")
    html = start_page(shared["ina"])
    mine = section(html, "your-cases")
    assert "1 not started, 1 draft, 1 submitted" in mine
    assert "Spring quarter – Synthetic Constabulary" in mine
    # The draft is the next case, and comes first in the list; the submitted case is not listed.
    assert next_case(mine) == ("Continue", draft.pk)
    listed = re.findall(
        r'<td class="govuk-table__cell"><a class="govuk-link" href="/reviews/(\d+)/">([^<]+)</a>',
        mine,
    )
    assert [int(pk) for pk, _ in listed] == [draft.pk, not_started.pk]
    assert done.sampled_case.case_ref not in [ref for _, ref in listed]
    # Scoping: none of ben's cases, nothing of the lead's or an administrator's.
    for ref in refs(ben_cases):
        assert ref not in html
    assert 'id="inspections-you-lead"' not in html and 'id="the-service"' not in html
    assert 'id="send-backs-to-you"' not in html and 'id="published-reports"' not in html

    factories.submitted(draft, "good")
    mine = section(start_page(shared["ina"]), "your-cases")
    assert "1 not started, 0 drafts, 2 submitted" in mine
    assert next_case(mine) == ("Start", not_started.pk)


def test_an_inspectors_published_inspection_leaves_the_start_page_for_my_cases(
    shared: dict[str, Any],
) -> None:
    for a in [*shared["of_ina"], *shared["of_ben"]]:
        factories.submitted(a, "good")
    before = section(start_page(shared["ina"]), "your-cases")
    assert "0 not started, 0 drafts, 3 submitted" in before
    assert "Nothing left to do here" in before and "Start next case" not in before
    report_publish(inspection=shared["inspection"], actor=shared["lead"])
    after = section(start_page(shared["ina"]), "your-cases")
    assert "Spring quarter" not in after
    assert "No cases of a current inspection are assigned to you" in after
    assert "with 3 cases of earlier inspections" in after and 'href="/reviews/"' in after


def _imported_yes(shared: dict[str, Any], tmp_path: Path) -> tuple[Any, str]:
    """A second inspection whose one review, kept in a spreadsheet, says yes: submitted with no send back."""
    inspection = inspection_create(
        body_code="SYN",
        name="Summer quarter",
        period_start=dt.date(2024, 4, 1),
        period_end=dt.date(2024, 6, 30),
        lead=shared["lead"],
    )
    ref = shared["of_ina"][0].sampled_case.case_ref
    path = tmp_path / "reviews.csv"
    path.write_text(f"case_ref,reviewer,kind,overall,send_back\n{ref},ina,first,Inadequate,yes\n")
    reviews_import(inspection=inspection, path=path, register=shared["register"])
    return inspection, ref


def test_a_lead_sees_each_inspection_they_lead_with_its_progress(
    shared: dict[str, Any], tmp_path: Path
) -> None:
    inspection = shared["inspection"]
    ina_cases, ben_cases = shared["of_ina"], shared["of_ben"]
    factories.submitted(
        ina_cases[0], "inadequate", send_back=True, reason="Still at risk", urgency="routine"
    )
    factories.submitted(ina_cases[1], "good")
    review_start(assignment=ben_cases[0])
    # A send back opened six weeks ago and never answered: overdue.
    sendback_open(
        sampled_case=ben_cases[1].sampled_case,
        reason="Reopen the investigation",
        urgency="priority",
        actor=shared["ben"],
        now=timezone.now() - dt.timedelta(days=42),
    )
    seconds = factories.moderated(inspection, [shared["ben"]], share=0.0)
    assert [s.sampled_case_id for s in seconds] == [ina_cases[0].sampled_case_id]
    factories.submitted(seconds[0], "good")  # disagrees with ina's Inadequate
    imported, at_risk_ref = _imported_yes(shared, tmp_path)
    other_lead = factories.user("lead_inspector", "other-lead")
    factories.inspection(lead=other_lead, name="Someone else's quarter", committed=False)

    html = start_page(shared["lead"])
    led = section(html, "inspections-you-lead")
    assert "Someone else" not in html
    # Latest period first: the summer's inspection, then the spring's.
    summer, card = led[: led.index("Spring quarter")], led[led.index("Spring quarter") :]
    assert "Summer quarter" in summer
    assert f'href="/inspections/{inspection.pk}/"' in card
    assert "2 of 6 cases submitted" in card  # ina's two first reviews; ben's moderation is not one
    rows = dict(
        (name, [int(n) for n in counts])
        for name, *counts in re.findall(
            r'<th scope="row" class="govuk-table__header">(\w+)</th>\s*'
            r"<td[^>]*>(\d+)</td>\s*<td[^>]*>(\d+)</td>\s*<td[^>]*>(\d+)</td>",
            card,
        )
    )
    assert rows == {"ben": [2, 1, 0], "ina": [1, 0, 2]}  # not started, draft, submitted
    assert "1 of 1 done" in card  # moderation
    assert (
        f'href="/inspections/{inspection.pk}/moderation/">1' in card
    )  # one disagreement to resolve
    assert "2 open" in card and "1 overdue" in card
    summer = led[led.index("Summer quarter") :]
    assert (
        "1 case</strong>" in summer and f'href="/inspections/{imported.pk}/moderation/"' in summer
    )
    assert at_risk_ref not in html  # the start page counts; the moderation page names the cases
    assert 'href="/send-backs/dashboard/"' in led and 'href="/reports/national-trend/"' in led
    assert 'id="your-cases"' not in html and 'id="send-backs-to-you"' not in html

    resolution_record(
        sampled_case=ina_cases[0].sampled_case,
        final_overall="inadequate",
        rationale="The key area was inadequate",
        actor=shared["lead"],
    )
    card = section(start_page(shared["lead"]), "inspections-you-lead")
    card = card[card.index("Spring quarter") :]
    assert 'Disagreements to resolve</dt><dd class="govuk-summary-list__value">None' in card


def test_a_leads_inspection_says_its_stage_until_its_cases_are_assigned(
    db: None, tmp_path: Path
) -> None:
    factories.body()
    lead = factories.user("lead_inspector", "lead")

    def stage() -> str:
        found = re.search(
            r'Stage</dt><dd class="govuk-summary-list__value">([^<]+)<', start_page(lead)
        )
        assert found is not None
        return found.group(1)

    inspection = factories.inspection(lead=lead, name="Autumn quarter", committed=False)
    assert stage() == "Seed not committed"
    from casereview.web.inspections.services import seed_commit

    seed_commit(inspection=inspection)
    assert stage() == "Waiting for the register"
    factories.sample(inspection, factories.register(tmp_path, rows=60, seed=6), size=4)
    assert stage() == "Assigning cases"
    assert "0 of 4 cases submitted; 4 not assigned yet" in start_page(lead)
    html = start_page(lead)
    assert 'id="your-cases"' not in html  # a lead with no cases of their own to review
    # A lead may review too: given cases of their own, their cases show beside their inspections.
    factories.assigned(inspection, [lead])
    assert stage() == "Reviewing"
    html = start_page(lead)
    assert 'id="your-cases"' in html and "4 not started, 0 drafts, 0 submitted" in html


def test_a_liaison_officer_sees_only_their_bodys_open_send_backs_overdue_and_immediate_first(
    shared: dict[str, Any], tmp_path: Path
) -> None:
    ina_cases = shared["of_ina"]
    routine = factories.sent_back(ina_cases[0], urgency="routine")
    immediate = factories.sent_back(ina_cases[1], urgency="immediate")
    overdue = sendback_open(
        sampled_case=ina_cases[2].sampled_case,
        reason="Reopen",
        urgency="priority",
        actor=shared["ina"],
        now=timezone.now() - dt.timedelta(days=42),
    )
    closed = factories.sent_back(shared["of_ben"][0], urgency="routine")
    closed = sendback_act(
        send_back=closed, action="respond", actor=shared["liaison"], expected_version=0, note="ok"
    )
    sendback_act(send_back=closed, action="accept", actor=shared["lead"], expected_version=1)
    # Another body's send back, with its own liaison officer.
    factories.body("OTH", "Other Constabulary")
    other = factories.inspection_world(tmp_path, body_code="OTH", rows=60, size=2, prefix="o")
    theirs = factories.sent_back(other["assignment"], urgency="immediate")

    html = start_page(shared["liaison"])
    queue = section(html, "send-backs-to-you")
    assert "Send backs to Synthetic Constabulary" in queue
    assert "3 open send backs: 1 overdue, 1 immediate" in queue
    listed = [int(pk) for pk in re.findall(r'href="/send-backs/(\d+)/"', queue)]
    assert listed == [overdue.pk, immediate.pk, routine.pk]
    assert theirs.pk not in listed and closed.pk not in listed
    assert f'href="/send-backs/{theirs.pk}/"' not in html
    assert "Overdue</strong> was due" in queue and "Immediate (same working day)" in queue
    assert not re.search(r"\d{4}-\d{2}-\d{2}", queue) and "immediate<" not in queue
    # Never grades, reviews or anyone's cases to review.
    assert 'id="your-cases"' not in html and "/reviews/" not in html
    assert "Other Constabulary" not in html
    assert SendBack.objects.filter(body__code="OTH").count() == 1


def test_an_analyst_sees_the_latest_published_reports_and_the_national_trend(
    shared: dict[str, Any],
) -> None:
    html = start_page(shared["analyst"])
    assert "No report has been published yet" in section(html, "published-reports")
    for a in [*shared["of_ina"], *shared["of_ben"]]:
        factories.submitted(a, "good")
    publication = report_publish(inspection=shared["inspection"], actor=shared["lead"])
    html = start_page(shared["analyst"])
    reports = section(html, "published-reports")
    assert "1 published report" in reports
    assert f'href="/reports/{publication.pk}/"' in reports
    assert "Spring quarter – Synthetic Constabulary" in reports
    assert 'href="/reports/national-trend/"' in reports and 'href="/reports/"' in reports
    for ref in refs([*shared["of_ina"], *shared["of_ben"]]):
        assert ref not in html
    assert 'id="your-cases"' not in html and 'id="inspections-you-lead"' not in html


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_an_administrator_sees_users_locked_sign_ins_mail_failures_and_the_journal(
    shared: dict[str, Any], settings: Any
) -> None:
    service = section(start_page(shared["admin"]), "the-service")
    assert "6 active" in service  # lead, ina, ben, liaison, ana and admin
    assert "Locked sign-ins</dt>" in service and "None" in service
    # (The journal outlives each test, so its anchors are asked about only after this test makes one.)
    assert "No failures" in service
    # Five wrong passwords lock the username; a message the mail server never takes fails.
    for _ in range(5):
        Client().post("/login/", {"username": "ben", "password": "not the password at all"})
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()
    settings.CASEREVIEW_EMAIL_MAX_ATTEMPTS = 1
    mail_queue(
        notice=Message("test", "A subject", "A body"),
        recipients=["someone@example.org"],
        object_type="test",
        object_id=1,
    )
    notify_send()
    from casereview.web.journal.services import journal_anchor

    anchor = journal_anchor(actor=shared["admin"])
    service = section(start_page(shared["admin"]), "the-service")
    assert "1 locked</strong>" in service
    assert "1 failed</strong>" in service
    assert f"Last anchor at entry {anchor.seq:,}" in service
    assert "casereview journal verify" in service
    for name in ("accounts:users", "accounts:locked", "notifications:outbox", "journal:index"):
        from django.urls import reverse

        assert f'href="{reverse(name)}"' in service


def test_the_help_pages_answer_for_everyone_signed_in(shared: dict[str, Any]) -> None:
    for who in ("lead", "ina", "liaison", "analyst", "admin"):
        client = verified_client(shared[who])
        index = client.get("/help/").content.decode()
        for path, words in (
            ("/help/sample/", "casereview sample verify"),
            ("/help/grades/", "95% interval"),
            ("/help/send-backs/", "20 working days"),
        ):
            assert f'href="{path}"' in index
            html = client.get(path).content.decode()
            assert words in html and html.count("<h1") == 1, (who, path)
    assert Client().get("/help/sample/").status_code == 302  # signed out: to sign in


# Query counts -------------------------------------------------------------------------------------------------


def world(directory: Path, prefix: str) -> dict[str, Any]:
    """An earlier inspection graded and published, and a current one part-way: ina's cases a quarter submitted
    Inadequate and sent back, a quarter Good, a quarter drafts, the rest not started; ben moderates the
    Inadequate ones and disagrees; one send back overdue.  More of everything as it grows."""
    code, size = SIZES[prefix]
    factories.body(code, f"{code} Constabulary")
    lead = factories.user("lead_inspector", f"{prefix}lead")
    ina, ben = (
        factories.user("inspector", f"{prefix}ina"),
        factories.user("inspector", f"{prefix}ben"),
    )
    liaison = factories.user("liaison_officer", f"{prefix}liaison")
    factories.contact(body_by_code(code), liaison)
    for n in range(1 + size // 12):
        earlier = factories.inspection(
            lead=lead,
            body_code=code,
            name=f"{prefix} earlier {n}",
            period_start=dt.date(2023, 1, 1),
            period_end=dt.date(2023, 3, 31),
        )
        drawn = factories.register(
            directory, rows=40, seed=10 + n, name=f"{prefix}e{n}.csv", body_code=code
        )
        factories.sample(earlier, drawn, size=4)
        for a in factories.assigned(earlier, [ina, ben]):
            factories.submitted(a, "good")
        report_publish(inspection=earlier, actor=lead)
    current = factories.inspection(lead=lead, body_code=code, name=f"{prefix} current")
    register = factories.register(directory, rows=100, name=f"{prefix}.csv", body_code=code)
    factories.sample(current, register, size=size)
    first = factories.assigned(current, [ina])
    for n in range(size // 4):
        factories.user("inspector", f"{prefix}extra{n}")
    for n, a in enumerate(first):
        if n % 4 == 0:
            factories.submitted(
                a, "inadequate", send_back=True, reason="Still at risk", urgency="routine"
            )
        elif n % 4 == 1:
            factories.submitted(a, "good")
        elif n % 4 == 2:
            review_start(assignment=a)
    sendback_open(
        sampled_case=first[3].sampled_case,
        reason="Reopen",
        urgency="immediate",
        actor=ina,
        now=timezone.now() - dt.timedelta(days=42),
    )
    for second in factories.moderated(current, [ben], share=0.0):
        factories.submitted(second, "good")
    return {
        "lead": lead,
        "ina": ina,
        "ben": ben,
        "liaison": liaison,
        "analyst": factories.user("analyst", f"{prefix}analyst"),
        "admin": factories.user("administrator", f"{prefix}admin"),
    }


def both(directory: Path, who: str) -> tuple[list[int], list[str]]:
    """The queries the start page of ``who`` makes in the small world (alone) and in the big one (beside it)."""
    counts, pages = [], []
    for prefix in SIZES:
        made = world(directory, prefix)
        client = verified_client(made[who])
        client.get("/")  # the first visit settles the session
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/")
        assert response.status_code == 200
        counts.append(len(queries))
        pages.append(response.content.decode())
    return counts, pages


#: who -> (pinned queries, what the big world's page must show, so that the count proves something).  The pins
#: are the counts measured on SQLite plus one (the session's own reads are five of them).
START_PAGES: dict[str, tuple[int, Callable[[str], bool]]] = {
    "ina": (10, lambda html: "6 not started, 6 drafts, 12 submitted" in html),
    "lead": (17, lambda html: "12 of 24 cases submitted" in html and "1 overdue" in html),
    "liaison": (10, lambda html: "7 open send backs: 1 overdue, 1 immediate" in html),
    "analyst": (8, lambda html: "4 published reports" in html),
    "admin": (13, lambda html: "Last anchor" in html or "Never anchored" in html),
}


@pytest.mark.parametrize("who", START_PAGES)
def test_each_roles_start_page_makes_as_many_queries_for_24_cases_as_for_4(
    who: str, tmp_path: Path
) -> None:
    bound, shows = START_PAGES[who]
    (small, big), pages = both(tmp_path, who)
    print(f"start page ({who}): {small} queries with {SMALL} cases, {big} with {BIG}")
    assert shows(pages[1]), f"the big world's start page ({who}) does not show its work"
    assert big == small, (
        f"start page ({who}): {small} queries with {SMALL} cases but {big} with {BIG}"
    )
    assert small <= bound, f"start page ({who}): {small} queries, pinned at {bound}"


# One order with My cases; cases out of scope; the lead's block from the task list's rules --------------------


def listed_cases(html: str) -> list[int]:
    return [
        int(pk)
        for pk in re.findall(
            r'<td class="govuk-table__cell"><a class="govuk-link" href="/reviews/(\d+)/">', html
        )
    ]


def test_each_current_inspection_lists_its_own_cases_in_my_cases_order_with_the_same_next_case(
    db: None, tmp_path: Path
) -> None:
    """An older inspection (made first) with 12 cases to do, a newer one with 12 not started: both list their
    cases (the older one's do not crowd the newer one out), the newer first, and "Start next case" is My
    cases' next case."""
    from casereview.web.home.selectors import CASES_SHOWN
    from casereview.web.reviews.my_cases import my_cases

    factories.body()
    lead = factories.user("lead_inspector", "lead")
    ina = factories.user("inspector", "ina")
    older = factories.inspection(
        lead=lead,
        name="Autumn 2023",
        period_start=dt.date(2023, 10, 1),
        period_end=dt.date(2023, 12, 31),
    )
    factories.sample(older, factories.register(tmp_path, rows=80, seed=4, name="o.csv"), size=14)
    old_cases = factories.assigned(older, [ina])
    newer = factories.inspection(lead=lead, name="Spring 2024")
    factories.sample(newer, factories.register(tmp_path, rows=80, seed=5, name="n.csv"), size=12)
    new_cases = factories.assigned(newer, [ina])
    assert older.pk < newer.pk and len(old_cases) == 14 and len(new_cases) == 12
    for a in old_cases[:2]:
        factories.submitted(a, "good")

    def shown() -> tuple[str, str, tuple[str, int] | None]:
        mine = section(start_page(ina), "your-cases")
        assert "Nothing left to do here" not in mine
        assert mine.index("Spring 2024 – ") < mine.index("Autumn 2023 – ")  # latest period first
        return (
            mine[mine.index("Spring 2024 – ") : mine.index("Autumn 2023 – ")],
            mine[mine.index("Autumn 2023 – ") :],
            next_case(mine),
        )

    def expected(inspection: Any) -> list[int]:
        """My cases' cases to do of the inspection, in its order, drafts first."""
        rows = my_cases(ina, state="to_do", inspection=str(inspection.pk)).groups[0].rows
        drafts = [a.pk for a in rows if a.state == "draft"]
        return (drafts + [a.pk for a in rows if a.state != "draft"])[:CASES_SHOWN]

    spring, autumn, offered = shown()
    assert "12 not started, 0 drafts, 0 submitted" in spring
    assert "12 not started, 0 drafts, 2 submitted" in autumn
    assert listed_cases(spring) == expected(newer) and len(listed_cases(spring)) == CASES_SHOWN
    assert listed_cases(autumn) == expected(older) and len(listed_cases(autumn)) == CASES_SHOWN
    assert "12 still to do in all" in spring and "12 still to do in all" in autumn
    next_in_my_cases = my_cases(ina).next_case
    assert next_in_my_cases is not None and next_in_my_cases.pk in {a.pk for a in new_cases}
    assert offered == ("Start", next_in_my_cases.pk)

    # A draft in the older inspection is the next case on both pages (finish what was started).
    draft = old_cases[9]
    review_start(assignment=draft)
    spring, autumn, offered = shown()
    next_in_my_cases = my_cases(ina).next_case
    assert next_in_my_cases is not None and next_in_my_cases.pk == draft.pk
    assert offered == ("Continue", draft.pk)
    assert listed_cases(autumn)[0] == draft.pk and listed_cases(autumn) == expected(older)


def test_a_case_marked_out_of_scope_is_no_longer_to_do_nor_the_next_case(
    shared: dict[str, Any],
) -> None:
    from casereview.web.inspections.services import sample_replace
    from casereview.web.reviews.my_cases import my_cases

    ina = shared["ina"]
    done, first_to_do, draft = shared["of_ina"]
    factories.submitted(done, "good")
    review_start(assignment=draft)
    assert next_case(section(start_page(ina), "your-cases")) == ("Continue", draft.pk)
    sample_replace(
        inspection=shared["inspection"],
        case_ref=draft.sampled_case.case_ref,
        reason="Not a case of the period",
        actor=shared["lead"],
    )
    mine = section(start_page(ina), "your-cases")
    assert "1 not started, 0 drafts, 1 submitted" in mine
    assert listed_cases(mine) == [first_to_do.pk]
    assert next_case(mine) == ("Start", first_to_do.pk)
    cases = my_cases(ina)
    assert cases.counts == {"not_started": 1, "draft": 0, "submitted": 1}
    assert cases.next_case is not None and cases.next_case.pk == first_to_do.pk
    html = verified_client(ina).get("/reviews/").content.decode()
    assert f'href="/reviews/{draft.pk}/"' not in html and "2 cases" in html
    # Once the last case in scope is submitted, nothing is left to do.
    factories.submitted(first_to_do, "good")
    mine = section(start_page(ina), "your-cases")
    assert "Nothing left to do here" in mine and next_case(mine) is None


def test_the_leads_block_counts_as_the_task_list_does_and_says_the_inspections_lists_stage(
    shared: dict[str, Any],
) -> None:
    """A case marked out of scope keeps its assignments; the lead's block, like the task list, no longer
    counts them (moderation 5 of 5, not 5 of 6), and its stage is the inspections list's."""
    from casereview.domain.tasks import stage_words
    from casereview.web.inspections.selectors import inspection_tasks, inspections_with_stage
    from casereview.web.inspections.services import sample_replace

    inspection = shared["inspection"]
    for a in [*shared["of_ina"], *shared["of_ben"]]:
        factories.submitted(a, "good")
    seconds = factories.moderated(inspection, [factories.user("inspector", "cat")], share=1.0)
    assert len(seconds) == 6
    for a in seconds[:5]:
        factories.submitted(a, "good")
    gone = seconds[5].sampled_case
    sample_replace(
        inspection=inspection,
        case_ref=gone.case_ref,
        reason="Out of the period",
        actor=shared["lead"],
    )
    card = section(start_page(shared["lead"]), "inspections-you-lead")
    assert "5 of 5 done" in card  # moderation: the case out of scope is not counted
    tasks = {t.step.value: t for t in inspection_tasks(inspection)}
    assert str(tasks["moderate"].hint) == "5 of 5 submitted"
    # First reviews: 5 of the 6 cases in scope (the replacement not assigned yet).
    assert "5 of 6 cases submitted; 1 not assigned yet" in card
    rows = dict(
        (name, [int(n) for n in counts])
        for name, *counts in re.findall(
            r'<th scope="row" class="govuk-table__header">(\w+)</th>\s*'
            r"<td[^>]*>(\d+)</td>\s*<td[^>]*>(\d+)</td>\s*<td[^>]*>(\d+)</td>",
            card,
        )
    )
    assert sum(r[2] for r in rows.values()) == 5 and set(rows) == {"ina", "ben"}
    listed = inspections_with_stage(shared["lead"]).rows
    stage = next(r.stage for r in listed if r.inspection.pk == inspection.pk)
    assert stage == "assign"
    found = re.search(r'Stage</dt><dd class="govuk-summary-list__value">([^<]+)<', card)
    assert found is not None and found.group(1) == stage_words(stage)


def test_the_administrator_sees_when_the_journal_was_last_verified_and_how(
    shared: dict[str, Any],
) -> None:
    from typer.testing import CliRunner

    from casereview.cli import app
    from casereview.web.journal.selectors import journal_head

    service = section(start_page(shared["admin"]), "the-service")
    head = journal_head()["seq"]
    result = CliRunner().invoke(app, ["journal", "verify"])
    assert result.exit_code in (0, 1), result.output
    when = timezone.localtime()
    service = section(start_page(shared["admin"]), "the-service")
    found = re.search(r"Last verified: ([^,]+), ([^.<]+)", service)
    assert found is not None, service
    from casereview.domain.words import uk_date

    assert found.group(1) in (
        f"{uk_date(when)} {when:%H:%M}",
        f"{uk_date(when)} {(when - dt.timedelta(minutes=1)):%H:%M}",
    )
    if result.exit_code == 0:
        assert found.group(2).startswith(f"chain intact ({head:,} entr")
    else:
        assert "chain broken" in service
    assert not re.search(r"\d{4}-\d{2}-\d{2}", found.group(0))
