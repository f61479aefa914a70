"""E-mails in the recipient's language (issue 25): each person's stored choice, English for everyone else.

The Welsh words asserted here are the catalogue's (tests.welsh compiles the committed .po), so these tests read
Welsh only once the e-mails' entries are in it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from casereview.web.language.services import language_choose
from casereview.web.notifications import messages
from casereview.web.notifications.models import OutboxMessage
from casereview.web.notifications.services import mail_queue
from casereview.web.referrals.services import sendback_act, sendback_open, sendbacks_escalate
from casereview.web.reports import release
from casereview.web.reviews.services import assignments_balance
from tests.smtp import Mailbox
from tests.welsh import welsh  # noqa: F401 (a fixture)

from .test_notifications import REASON, WORKING_MORNING, assigned, world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)  # the outbox sends when the event commits

#: The footer every e-mail ends with, in each language: the mark of a message written in it.
FOOTER = {
    "en-gb": "This message holds no case content. Sign in to casereview to read the case.",
    "cy": "Nid oes unrhyw gynnwys achos yn y neges hon. Mewngofnodwch i casereview i ddarllen yr achos.",
}


def welsh_speaker(person: Any) -> Any:
    language_choose(user=person, language="cy")
    return person


# One event, each recipient in their own language ----------------------------------------------------------


def test_a_welsh_and_an_english_liaison_officer_get_the_same_send_back_each_in_their_own_language(
    welsh: Path,  # noqa: F811
    world: dict[str, Any],  # noqa: F811
    smtp: Mailbox,
) -> None:
    welsh_speaker(world["liaison"])
    case = assigned(world).sampled_case
    smtp.received.clear()
    with time_machine.travel(WORKING_MORNING, tick=True):
        sendback_open(sampled_case=case, reason=REASON, urgency="immediate", actor=world["ina"])
    [cymraeg] = smtp.to("liaison@example.org")
    [english] = smtp.to("liaison2@example.org")
    # A subject that is not ASCII is encoded and folded, which leaves a space ahead of it once read back.
    assert cymraeg["Subject"].strip() == (
        "casereview: Ar unwaith: achos wedi'i anfon yn ôl i SYN, i'w ateb erbyn "
        "heddiw 17:00 (dydd Mercher 11 Mawrth 2026)"
    )
    assert english["Subject"] == (
        "casereview: Immediate send back to SYN, due today 17:00 (Wednesday 11 March 2026)"
    )
    welsh_text, english_text = cymraeg.get_content(), english.get_content()
    assert "Mae'r arolygiaeth wedi anfon achos yn ôl i Synthetic Constabulary." in welsh_text
    assert "Brys: ar unwaith" in welsh_text and FOOTER["cy"] in welsh_text
    assert "Urgency: immediate" in english_text and FOOTER["en-gb"] in english_text
    assert FOOTER["en-gb"] not in welsh_text and FOOTER["cy"] not in english_text
    for text in (welsh_text, english_text):  # the same facts and the same link in both
        assert case.case_ref in text and REASON not in text
        assert "http://127.0.0.1:8000/send-backs/" in text
    opened = OutboxMessage.objects.filter(event="send_back_opened")
    assert sorted(opened.values_list("recipient", flat=True)) == [
        "liaison2@example.org",
        "liaison@example.org",
    ]


def test_mail_queue_writes_once_per_language_and_asks_everyone_s_language_in_one_query(
    welsh: Path,  # noqa: F811
    world: dict[str, Any],  # noqa: F811
    smtp: Mailbox,
) -> None:
    welsh_speaker(world["liaison"])
    welsh_speaker(world["senior"])
    written: list[str | None] = []

    def write() -> messages.Message:
        written.append(translation.get_language())
        return messages.action_plan_submitted(body=world["inspection"].body, plan_id=7)

    people = [world["liaison"], world["senior"], world["lead"], world["ina"], "plain@example.org"]
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        made = mail_queue(
            notice=messages.Message("action_plan_submitted", "", "", write=write),
            recipients=people,
            object_type="action_plan",
            object_id=7,
        )
    asked = [q["sql"] for q in queries.captured_queries if "language_languagechoice" in q["sql"]]
    assert len(asked) == 1
    assert sorted(written, key=str) == ["cy", "en-gb"]
    said = {m.recipient: m for m in made}
    for address in ("liaison@example.org", "senior@example.org"):
        assert said[address].subject == "casereview: mae SYN wedi cyflwyno ei gynllun gweithredu"
    for address in ("lead@example.org", "ina@example.org", "plain@example.org"):
        assert said[address].subject == "casereview: SYN submitted its action plan"
    assert {m.event for m in made} == {"action_plan_submitted"}


def test_a_plain_address_is_written_to_in_english_even_from_a_welsh_page(
    welsh: Path,  # noqa: F811
    world: dict[str, Any],  # noqa: F811
    smtp: Mailbox,
) -> None:
    notice = messages.action_plan_returned(body=world["inspection"].body, plan_id=3)
    with translation.override("cy"), transaction.atomic():
        [made] = mail_queue(
            notice=notice, recipients=["Someone@example.org"], object_type="t", object_id=1
        )
    assert made.subject == "casereview: action plan of SYN returned, more is needed"
    assert made.body.endswith(FOOTER["en-gb"] + "\n")


def test_with_welsh_off_everyone_gets_english_whatever_they_chose(
    welsh: Path,  # noqa: F811
    settings: Any,
    world: dict[str, Any],  # noqa: F811
    smtp: Mailbox,
) -> None:
    welsh_speaker(world["liaison"])
    settings.CASEREVIEW_WELSH = False
    case = assigned(world).sampled_case
    smtp.received.clear()
    with time_machine.travel(WORKING_MORNING, tick=True), translation.override("cy"):
        sendback_open(sampled_case=case, reason=REASON, urgency="routine", actor=world["ina"])
    [message] = smtp.to("liaison@example.org")
    assert message["Subject"].startswith("casereview: Routine send back to SYN, due ")
    assert FOOTER["en-gb"] in message.get_content()
    assert message.get_content() == smtp.to("liaison2@example.org")[0].get_content()


# Every e-mail, in Welsh, and still without case content -----------------------------------------------------


def test_answers_returns_and_escalations_in_welsh_carry_no_case_content(
    welsh: Path,  # noqa: F811
    world: dict[str, Any],  # noqa: F811
    smtp: Mailbox,
) -> None:
    for name in ("ina", "lead", "liaison", "liaison2", "senior"):
        welsh_speaker(world[name])
    case = assigned(world).sampled_case
    smtp.received.clear()
    OutboxMessage.objects.all().delete()  # the assignment's own mail
    send_back = sendback_open(
        sampled_case=case, reason=REASON, urgency="routine", actor=world["ina"]
    )
    send_back = sendback_act(
        send_back=send_back, action="acknowledge", actor=world["liaison"], expected_version=0
    )
    send_back = sendback_act(
        send_back=send_back,
        action="respond",
        actor=world["liaison"],
        expected_version=1,
        note="ANSWER-STRATEGY-MEETING-HELD",
    )
    sendback_act(
        send_back=send_back,
        action="return",
        actor=world["ina"],
        expected_version=2,
        note="NEED-THE-MINUTES",
    )
    sendbacks_escalate(today=send_back.due_on + dt.timedelta(days=1))
    events = sorted({m.event for m in OutboxMessage.objects.all()})
    assert events == [
        "send_back_escalated",
        "send_back_opened",
        "send_back_responded",
        "send_back_returned",
    ]
    # Two liaison officers, the inspector and the lead, the liaison officers again, the senior lead and the lead.
    assert len(smtp.received) == OutboxMessage.objects.count() == 8
    for _, message in smtp.received:
        text = message["Subject"] + message.get_content()
        assert FOOTER["cy"] in text and FOOTER["en-gb"] not in text
        for secret in (REASON, "ANSWER-STRATEGY-MEETING-HELD", "NEED-THE-MINUTES"):
            assert secret not in text
    [escalated] = smtp.to("senior@example.org")
    assert escalated["Subject"].strip() == (
        f"casereview: mae achos a anfonwyd yn ôl rhif {send_back.pk} i SYN yn hwyr"
    )
    assert case.case_ref not in escalated.get_content()


def test_an_inspector_who_chose_welsh_is_told_of_new_cases_in_welsh(
    welsh: Path,  # noqa: F811
    world: dict[str, Any],  # noqa: F811
    smtp: Mailbox,
) -> None:
    welsh_speaker(world["ina"])
    assignments_balance(inspection=world["inspection"], inspectors=[world["ina"], world["inb"]])
    [cymraeg] = smtp.to("ina@example.org")
    [english] = smtp.to("inb@example.org")
    assert cymraeg["Subject"] == "casereview: 3 achos newydd o SYN i'w hadolygu"
    assert "Gwelwch nhw o dan Fy achosion:" in cymraeg.get_content()
    assert english["Subject"] == "casereview: 3 new cases of SYN to review"


def _every_message() -> dict[str, Callable[[], messages.Message]]:
    """Each e-mail casereview writes, about synthetic facts."""
    body = SimpleNamespace(name="Synthetic Constabulary", code="SYN")
    send_back = SimpleNamespace(
        pk=12,
        body=body,
        urgency="priority",
        due_on=dt.date(2026, 10, 23),
        sampled_case=SimpleNamespace(case_ref="SYN-000123"),
    )
    today = dt.date(2026, 10, 16)
    return {
        "send_back_opened": lambda: messages.send_back_opened(send_back, today=today),
        "send_back_responded": lambda: messages.send_back_responded(send_back, today=today),
        "send_back_returned": lambda: messages.send_back_returned(send_back, today=today),
        "send_back_escalated": lambda: messages.send_back_escalated(send_back),
        "cases_assigned": lambda: messages.cases_assigned(body=body, kind="moderation", count=2),
        "publication_failed": lambda: messages.publication_failed(
            body=body,
            release_at=dt.datetime(2027, 1, 14, 9, 30, tzinfo=dt.UTC),
            draft_path="/reports/1/",
        ),
        "findings_published": lambda: messages.findings_published(
            body=body, recommendations=3, plan_due=dt.date(2026, 12, 4), plan_id=5
        ),
        "action_plan_submitted": lambda: messages.action_plan_submitted(body=body, plan_id=5),
        "action_plan_returned": lambda: messages.action_plan_returned(body=body, plan_id=5),
        "action_plan_escalated": lambda: messages.action_plan_escalated(
            body=body, plan_id=5, due_on=dt.date(2026, 12, 4)
        ),
        "plan_action_escalated": lambda: messages.plan_action_escalated(
            body=body, plan_id=5, recommendation=2, target_on=dt.date(2026, 12, 4)
        ),
    }


def test_every_e_mail_and_every_event_name_has_its_welsh(welsh: Path) -> None:  # noqa: F811
    written = _every_message()
    assert set(written) == set(messages.EVENTS)  # a new e-mail is added here too
    english_months = ("October", "December", "January", "Friday", "Thursday")
    for event, write in written.items():
        english = write()
        cymraeg = english.written_in("cy")
        assert (cymraeg.event, english.event) == (event, event)
        assert cymraeg.subject != english.subject, event
        assert cymraeg.body.endswith(FOOTER["cy"] + "\n"), event
        # Only the facts' own words (name, code, reference) stay; no English sentence, day or month is left.
        for line in cymraeg.body.splitlines():
            assert line not in english.body.splitlines() or line.startswith("http") or not line, (
                event,
                line,
            )
        assert not any(word in cymraeg.subject + cymraeg.body for word in english_months), event
        assert english.written_in("en-gb") == english
        with translation.override("en-gb"):
            name = str(messages.EVENTS[event])
        with translation.override("cy"):
            assert str(messages.EVENTS[event]) != name, event


def test_the_dates_in_welsh_e_mails_are_written_in_welsh(welsh: Path) -> None:  # noqa: F811
    written = {event: write().written_in("cy") for event, write in _every_message().items()}
    assert "dydd Gwener 23 Hydref 2026 17:00" in written["send_back_opened"].subject
    assert "23 Hydref 2026" in written["send_back_escalated"].body
    assert "09:30 ar 14 Ionawr 2027" in written["publication_failed"].subject
    assert "dydd Gwener 4 Rhagfyr 2026" in written["findings_published"].body


def test_every_reason_release_gives_for_a_failed_publication_is_one_the_e_mail_translates(
    welsh: Path,  # noqa: F811
) -> None:
    source = Path(release.__file__).read_text(encoding="utf-8")
    given = re.findall(r'\bwhy="([^"]+)"', source)
    assert given  # the test reads the reasons where release.py gives them
    for why in given:
        assert why in messages.PUBLICATION_FAILURE_REASONS, why
        english = messages.publication_failed(
            body=SimpleNamespace(name="Synthetic Constabulary", code="SYN"),
            release_at=dt.datetime(2027, 1, 14, 9, 30, tzinfo=dt.UTC),
            draft_path="/reports/1/",
            why=why,
        )
        assert why in english.body and why not in english.written_in("cy").body
