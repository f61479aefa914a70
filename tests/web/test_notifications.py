"""Notifications reach people through a real mail server (aiosmtpd, started here on 127.0.0.1).

Mail is written to the outbox with its event and sent when the event commits; a server that refuses or is
not there loses nothing and never fails the event; `casereview notify send` retries with back-off and never
sends a message twice; every message sent is journaled as a disclosure; no e-mail carries case content.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone
from typer.testing import CliRunner

from casereview.cli import app
from casereview.web.accounts.services import user_create
from casereview.web.journal.models import JournalEntry
from casereview.web.notifications.messages import Message
from casereview.web.notifications.models import OutboxMessage
from casereview.web.notifications.services import (
    NotificationError,
    mail_queue,
    notify_send,
    retry_delay,
)
from casereview.web.referrals.services import sendback_act, sendback_open
from casereview.web.registers.models import Body
from casereview.web.reviews.models import Assignment
from casereview.web.reviews.services import assignments_balance
from tests.smtp import Mailbox, free_port

from . import factories
from .conftest import PASSWORD, latest_seq, verified_client

pytestmark = pytest.mark.django_db(
    transaction=True
)  # the outbox sends when the event's transaction commits
runner = CliRunner()
LONDON = ZoneInfo("Europe/London")
#: A Wednesday morning in term time, no bank holiday: an immediate send back is due the same day.
WORKING_MORNING = dt.datetime(2026, 3, 11, 10, 0, tzinfo=LONDON)
REASON = "REASON-CHILD-STILL-AT-THE-ADDRESS"


# The people and an inspection ---------------------------------------------------------------------------------


@pytest.fixture
def world(body: Body, tmp_path: Path) -> dict[str, Any]:
    def person(role: str, name: str) -> Any:
        return factories.user(role, name, email=f"{name}@example.org")

    people = {
        "lead": person("lead_inspector", "lead"),
        "ina": person("inspector", "ina"),
        "inb": person("inspector", "inb"),
        "liaison": person("liaison_officer", "liaison"),
        "liaison2": person("liaison_officer", "liaison2"),
        "senior": person("liaison_officer", "senior"),
    }
    for name in ("liaison", "liaison2"):
        factories.contact(body, people[name])
    factories.contact(body, people["senior"], "senior_lead")
    inspection = factories.inspection(lead=people["lead"])
    factories.sample(inspection, factories.register(tmp_path, rows=30), size=6)
    return {**people, "inspection": inspection}


def assigned(world: dict[str, Any]) -> Assignment:
    return factories.assigned(world["inspection"], [world["ina"]])[0]


def notify(*args: str) -> Any:
    result = runner.invoke(app, ["notify", *args])
    assert result.exit_code == 0, result.output
    return result


# Who is told what ---------------------------------------------------------------------------------------------


def test_a_new_send_back_mails_each_liaison_officer_at_once_with_the_urgency_and_never_the_reason(
    world: dict[str, Any],
    smtp: Mailbox,
) -> None:
    case = assigned(world).sampled_case
    smtp.received.clear()
    start = latest_seq()
    with time_machine.travel(WORKING_MORNING, tick=True):
        send_back = sendback_open(
            sampled_case=case, reason=REASON, urgency="immediate", actor=world["ina"]
        )
    assert sorted(rcpt[0] for rcpt, _ in smtp.received) == [
        "liaison2@example.org",
        "liaison@example.org",
    ]
    [message] = smtp.to("liaison@example.org")
    assert (
        "Immediate" in message["Subject"]
        and "today" in message["Subject"]
        and "SYN" in message["Subject"]
    )
    text = message.get_content()
    assert case.case_ref in text and f"http://127.0.0.1:8000/send-backs/{send_back.pk}/" in text
    assert REASON not in text and REASON not in message["Subject"]
    assert not smtp.to("senior@example.org") and not smtp.to(
        "ina@example.org"
    )  # the senior lead hears on escalation
    sent = JournalEntry.objects.filter(seq__gt=start, action="mail_sent").order_by("seq")
    assert [(e.operation, e.recipient, e.object_type, e.object_id) for e in sent] == [
        ("disclosure", address, "send_back", str(send_back.pk))
        for address in ("liaison@example.org", "liaison2@example.org")
    ]
    for entry in sent:  # recipient and event, never the content
        assert entry.detail["event"] == "send_back_opened"
        assert REASON not in json.dumps(entry.detail) and case.case_ref not in json.dumps(
            entry.detail
        )
        assert "Subject" not in json.dumps(entry.detail) and entry.reason == ""
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"sent"}


def test_a_priority_send_back_says_its_urgency_and_its_due_day_not_today(
    world: dict[str, Any], smtp: Mailbox
) -> None:
    case = assigned(world).sampled_case
    smtp.received.clear()
    with time_machine.travel(WORKING_MORNING, tick=True):
        sendback_open(sampled_case=case, reason=REASON, urgency="priority", actor=world["ina"])
    [message] = smtp.to("liaison@example.org")
    assert "Priority" in message["Subject"] and "today" not in message["Subject"]
    assert "Wednesday 18 March 2026" in message["Subject"]  # five working days on


def test_an_answer_mails_the_inspector_who_sent_it_and_the_lead_and_a_return_mails_the_liaison_officers(
    world: dict[str, Any],
    smtp: Mailbox,
) -> None:
    case = assigned(world).sampled_case
    send_back = sendback_open(
        sampled_case=case, reason=REASON, urgency="routine", actor=world["ina"]
    )
    smtp.received.clear()
    send_back = sendback_act(
        send_back=send_back, action="acknowledge", actor=world["liaison"], expected_version=0
    )
    assert smtp.received == []  # an acknowledgement tells nobody
    send_back = sendback_act(
        send_back=send_back,
        action="respond",
        actor=world["liaison"],
        expected_version=1,
        note="ANSWER-STRATEGY-MEETING-HELD",
    )
    assert sorted(rcpt[0] for rcpt, _ in smtp.received) == ["ina@example.org", "lead@example.org"]
    for _, message in smtp.received:
        assert "answered" in message["Subject"]
        assert (
            case.case_ref in message.get_content()
            and "ANSWER-STRATEGY-MEETING-HELD" not in message.get_content()
        )
        assert REASON not in message.get_content()
    smtp.received.clear()
    sendback_act(
        send_back=send_back,
        action="return",
        actor=world["ina"],
        expected_version=2,
        note="NEED-THE-MINUTES",
    )
    assert sorted(rcpt[0] for rcpt, _ in smtp.received) == [
        "liaison2@example.org",
        "liaison@example.org",
    ]
    [message] = smtp.to("liaison@example.org")
    assert "returned" in message["Subject"] and "NEED-THE-MINUTES" not in message.get_content()


def test_assignments_mail_each_inspector_once_per_run_however_many_cases_they_got(
    world: dict[str, Any], smtp: Mailbox
) -> None:
    assert (
        assignments_balance(inspection=world["inspection"], inspectors=[world["ina"], world["inb"]])
        == 6
    )
    assert sorted(rcpt[0] for rcpt, _ in smtp.received) == ["ina@example.org", "inb@example.org"]
    for address in ("ina@example.org", "inb@example.org"):
        [message] = smtp.to(address)
        assert "3 new cases of SYN" in message["Subject"]
        assert "http://127.0.0.1:8000/reviews/" in message.get_content()
        refs = Assignment.objects.values_list("sampled_case__case_ref", flat=True)
        assert not any(ref in message.get_content() for ref in refs)  # a count, not a list of cases
    assert (
        assignments_balance(inspection=world["inspection"], inspectors=[world["ina"], world["inb"]])
        == 0
    )
    assert len(smtp.received) == 2  # nothing new, nobody told again
    # A case moved to another inspector is a new assignment for them: one message, to them only.
    from casereview.web.reviews.services import assignment_move

    moved = Assignment.objects.filter(inspector=world["ina"]).order_by("id").first()
    assert moved is not None
    assignment_move(assignment=moved, to=world["inb"], actor=world["lead"])
    assert (
        len(smtp.received) == 3 and "1 new case of SYN" in smtp.to("inb@example.org")[-1]["Subject"]
    )


def test_escalation_goes_through_the_outbox_to_the_lead_and_senior_leads(
    world: dict[str, Any], smtp: Mailbox
) -> None:
    from casereview.web.referrals.services import sendbacks_escalate

    case = assigned(world).sampled_case
    send_back = sendback_open(
        sampled_case=case, reason=REASON, urgency="immediate", actor=world["ina"]
    )
    smtp.received.clear()
    assert [s.pk for s in sendbacks_escalate(today=send_back.due_on + dt.timedelta(days=1))] == [
        send_back.pk
    ]
    assert sorted(rcpt[0] for rcpt, _ in smtp.received) == [
        "lead@example.org",
        "senior@example.org",
    ]
    [message] = smtp.to("senior@example.org")
    assert "overdue" in message["Subject"] and case.case_ref not in message.get_content()
    assert set(
        OutboxMessage.objects.filter(event="send_back_escalated").values_list("state", flat=True)
    ) == {"sent"}


# Nothing lost -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "refusal", ["451 4.3.0 Mailbox busy, try again later", "550 5.1.1 Mailbox unavailable"]
)
def test_a_refusing_server_loses_nothing_and_notify_send_delivers_it_once_when_it_accepts(
    world: dict[str, Any],
    smtp: Mailbox,
    refusal: str,
) -> None:
    case = assigned(world).sampled_case
    world["liaison2"].is_active = False  # one liaison officer only, to follow one message
    world["liaison2"].save()
    smtp.received.clear()
    smtp.refuse = refusal
    start = latest_seq()
    with time_machine.travel(timezone.now(), tick=True) as clock:
        send_back = sendback_open(
            sampled_case=case, reason=REASON, urgency="routine", actor=world["ina"]
        )
        assert send_back.pk and smtp.received == []
        listed = json.loads(notify("list", "--json").stdout)
        assert [set(row) for row in listed] == [
            {
                "id",
                "event",
                "recipient",
                "state",
                "attempts",
                "next_attempt_at",
                "last_error",
                "created_at",
            }
        ]
        [row] = listed
        assert (row["event"], row["recipient"], row["state"], row["attempts"]) == (
            "send_back_opened",
            "liaison@example.org",
            "pending",
            1,
        )
        assert refusal in row["last_error"] and REASON not in json.dumps(listed)
        assert "Sent 0, failed 0, pending 1" in notify("send").stdout  # not due for a minute yet
        smtp.refuse = ""
        clock.shift(dt.timedelta(minutes=1, seconds=1))
        assert "Sent 1, failed 0, pending 0" in notify("send").stdout
        assert "Sent 0, failed 0, pending 0" in notify("send").stdout
    assert len(smtp.to("liaison@example.org")) == 1
    assert json.loads(notify("list", "--json").stdout) == []
    assert (
        JournalEntry.objects.filter(
            seq__gt=start, action="mail_sent", recipient="liaison@example.org"
        ).count()
        == 1
    )


def test_a_closed_port_never_fails_the_request_and_mail_is_failed_after_the_last_try_then_sent_again_on_request(
    world: dict[str, Any],
    smtp: Mailbox,
    settings: Any,
) -> None:
    send_back = sendback_open(
        sampled_case=assigned(world).sampled_case,
        reason=REASON,
        urgency="routine",
        actor=world["ina"],
    )
    smtp.received.clear()
    settings.EMAIL_PORT = free_port()  # nothing listens there
    settings.CASEREVIEW_EMAIL_MAX_ATTEMPTS = 3
    with time_machine.travel(timezone.now(), tick=True) as clock:
        page = verified_client(world["liaison"]).post(
            f"/send-backs/{send_back.pk}/", {"action": "respond", "version": "0", "note": "done"}
        )
        assert page.status_code == 302  # the answer is saved although the mail could not go
        messages = OutboxMessage.objects.filter(event="send_back_responded").order_by("recipient")
        assert [(m.recipient, m.state, m.attempts) for m in messages] == [
            ("ina@example.org", "pending", 1),
            ("lead@example.org", "pending", 1),
        ]
        first = messages[0]
        assert "cannot reach the mail server" in first.last_error
        assert (
            dt.timedelta(seconds=55)
            < first.next_attempt_at - timezone.now()
            <= dt.timedelta(minutes=1)
        )
        clock.shift(dt.timedelta(minutes=1, seconds=1))
        assert "Sent 0, failed 2, pending 2" in notify("send").stdout
        first.refresh_from_db()
        assert first.attempts == 2 and dt.timedelta(
            seconds=115
        ) < first.next_attempt_at - timezone.now() <= dt.timedelta(minutes=2)
        clock.shift(dt.timedelta(minutes=2, seconds=1))
        assert "Sent 0, failed 2, pending 0" in notify("send").stdout
        assert [row["state"] for row in json.loads(notify("list", "--json").stdout)] == [
            "failed",
            "failed",
        ]
        admin = user_create(username="admin", role="administrator", password=PASSWORD)
        outbox = verified_client(admin).get("/notifications/").content.decode()
        assert (
            "E-mail outbox – casereview" in outbox
            and "ina@example.org" in outbox
            and "Failed" in outbox
        )
        assert "cannot reach the mail server" in outbox and REASON not in outbox
        clock.shift(dt.timedelta(hours=3))
        assert (
            "Sent 0, failed 0, pending 0" in notify("send").stdout
        )  # failed mail waits for a person
        settings.EMAIL_PORT = smtp.port
        assert (
            verified_client(admin).post("/notifications/", {"retry": str(first.pk)}).status_code
            == 302
        )
        assert (
            "1 failed message will be sent" in notify("retry", "--all-failed").stdout
        )  # the other one
        assert "Sent 2, failed 0, pending 0" in notify("send").stdout
    assert sorted(rcpt[0] for rcpt, _ in smtp.received) == ["ina@example.org", "lead@example.org"]
    assert JournalEntry.objects.filter(action="mail_retry").count() >= 2


QUEUE_FORTY = """
import sys
from unittest import mock
import django
django.setup()
from django.db import transaction
from casereview.web.notifications.messages import Message
from casereview.web.notifications.services import mail_queue

with mock.patch("casereview.web.notifications.services.transaction.on_commit"), transaction.atomic():  # due, unsent
    mail_queue(notice=Message("cases_assigned", "s", "b"), recipients=[f"person{i}@example.org" for i in range(40)],
               object_type="test", object_id=1)
"""


def test_two_senders_at_once_send_each_message_exactly_once(
    scratch_database: Callable[[str], str],
    smtp: Mailbox,
    tmp_path: Path,
) -> None:
    """Two `casereview notify send` processes on one database of their own; the mail server holds the first
    message until the second sender has connected, so both are sending at the same time."""
    env = {
        **os.environ,
        "DATABASE_URL": scratch_database("senders"),
        "DJANGO_SETTINGS_MODULE": "casereview.web.settings.dev",
        "CASEREVIEW_VAR_DIR": str(tmp_path / "var"),
        "CASEREVIEW_EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
    }
    cli = [sys.executable, "-m", "casereview.cli"]
    assert (
        subprocess.run(
            [*cli, "migrate"], env=env, capture_output=True, timeout=300, check=False
        ).returncode
        == 0
    )
    queued = subprocess.run(
        [sys.executable, "-c", QUEUE_FORTY],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert queued.returncode == 0, queued.stderr[-2000:]
    smtp.hold_until_senders = 2
    senders = [
        subprocess.Popen(
            [*cli, "notify", "send", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = []
    for sender in senders:
        stdout, stderr = sender.communicate(timeout=300)
        assert sender.returncode == 0, stderr[-2000:]
        results.append(json.loads(stdout))
    assert sum(r["sent"] for r in results) == 40 and all(r["sent"] > 0 for r in results), results
    assert sorted(rcpt[0] for rcpt, _ in smtp.received) == sorted(
        f"person{i}@example.org" for i in range(40)
    )


@pytest.mark.django_db  # the test's own transaction: queued mail waits for the sender, never sent on commit
def test_a_sender_that_loses_every_race_for_its_first_batch_goes_on_to_the_next(
    smtp: Mailbox,
) -> None:
    """Another sender claims every message of the first batch read, between that read and the claims (made
    here on the same real database, just before the first claim, through Django's execute_wrapper): the messages
    still due are read again and sent, and those the other sender holds are left alone."""
    with transaction.atomic():
        mail_queue(
            notice=Message("cases_assigned", "s", "b"),
            recipients=[f"person{i}@example.org" for i in range(30)],
            object_type="test",
            object_id=1,
        )
    first = list(OutboxMessage.objects.order_by("next_attempt_at", "id")[:20])
    raced: list[bool] = []

    def other_sender(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if not raced and sql.lstrip().upper().startswith("UPDATE") and "outbox" in sql:
            raced.append(
                True
            )  # the batch is read; before its first claim, the other sender claims it all
            OutboxMessage.objects.filter(pk__in=[m.pk for m in first]).update(
                attempts=1, next_attempt_at=timezone.now() + dt.timedelta(minutes=10)
            )
        return execute(sql, params, many, context)

    with connection.execute_wrapper(other_sender):
        result = notify_send()
    assert raced
    assert (result.sent, result.failed, result.pending) == (10, 0, 20), result
    held = {m.recipient for m in first}
    assert {rcpt[0] for rcpt, _ in smtp.received} == {
        f"person{i}@example.org" for i in range(30)
    } - held
    assert len(smtp.received) == 10


def test_mail_is_written_with_its_event_and_undone_with_it(smtp: Mailbox) -> None:
    with pytest.raises(NotificationError, match="inside the transaction"):
        mail_queue(
            notice=Message("x", "s", "b"),
            recipients=["a@example.org"],
            object_type="t",
            object_id=1,
        )
    with pytest.raises(RuntimeError, match="event undone"), transaction.atomic():
        mail_queue(
            notice=Message("x", "s", "b"),
            recipients=["a@example.org"],
            object_type="t",
            object_id=1,
        )
        raise RuntimeError("event undone")
    assert not OutboxMessage.objects.exists() and smtp.received == []


def test_people_without_an_address_or_no_longer_active_are_skipped_and_each_address_is_told_once(
    world: dict[str, Any],
    smtp: Mailbox,
) -> None:
    world["liaison2"].email = ""
    world["liaison2"].save()
    with transaction.atomic():
        made = mail_queue(
            notice=Message("x", "s", "b"),
            recipients=[world["liaison"], world["liaison2"], None, "LIAISON@example.org"],
            object_type="t",
            object_id=1,
        )
    assert [m.recipient for m in made] == ["liaison@example.org"]
    assert len(smtp.received) == 1


def test_back_off_doubles_from_one_minute_and_waits_at_most_an_hour() -> None:
    assert [retry_delay(n).total_seconds() / 60 for n in range(1, 10)] == [
        1,
        2,
        4,
        8,
        16,
        32,
        60,
        60,
        60,
    ]
    assert retry_delay(500) == dt.timedelta(hours=1)


# Configuration ------------------------------------------------------------------------------------------------


def settings_in_subprocess(
    module: str, env: dict[str, str], tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CASEREVIEW_", "DJANGO_", "DATABASE_URL"))
    }
    code = f"import {module} as s; print(s.EMAIL_BACKEND, getattr(s, 'EMAIL_HOST', ''), s.DEFAULT_FROM_EMAIL, s.CASEREVIEW_BASE_URL)"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**keep, "CASEREVIEW_HOME": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


PRODUCTION = {
    "DJANGO_SECRET_KEY": "k" * 60,
    "CASEREVIEW_ALLOWED_HOSTS": "casereview.example.org",
    "CASEREVIEW_PSEUDONYM_KEY": "p" * 40,
    "CASEREVIEW_JOURNAL_ANCHOR_KEY": "a" * 40,
    "CASEREVIEW_EMAIL_URL": "smtp+tls://casereview:secret-password@smtp.example.org:587",
    "CASEREVIEW_EMAIL_FROM": "casereview@example.org",
    "CASEREVIEW_BASE_URL": "https://casereview.example.org",
    "CASEREVIEW_PROXY_COUNT": "1",
}


# The proxies (CASEREVIEW_TRUSTED_PROXIES or CASEREVIEW_PROXY_COUNT): test_sign_in.py.
@pytest.mark.parametrize(
    "missing", ["CASEREVIEW_EMAIL_URL", "CASEREVIEW_EMAIL_FROM", "CASEREVIEW_BASE_URL"]
)
def test_production_refuses_to_start_without_the_mail_server_the_sender_or_its_address(
    missing: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = settings_in_subprocess("casereview.web.settings.production", env, tmp_path)
    assert (
        result.returncode != 0
        and f"ImproperlyConfigured: {missing} must be set in production" in result.stderr
    )


def test_production_starts_with_them_and_a_bad_address_is_refused_without_its_password(
    tmp_path: Path,
) -> None:
    result = settings_in_subprocess("casereview.web.settings.production", PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        "casereview@example.org",
        "https://casereview.example.org",
    ]
    bad = {
        **PRODUCTION,
        "CASEREVIEW_EMAIL_URL": "smtps://casereview:secret-password@smtp.example.org",
    }
    refused = settings_in_subprocess("casereview.web.settings.production", bad, tmp_path)
    assert (
        refused.returncode != 0
        and "ImproperlyConfigured: CASEREVIEW_EMAIL_URL must start smtp://" in refused.stderr
    )
    assert "secret-password" not in refused.stderr


def test_development_prints_mail_unless_a_server_is_named(tmp_path: Path) -> None:
    printed = settings_in_subprocess("casereview.web.settings.dev", {}, tmp_path)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.split()[0] == "django.core.mail.backends.console.EmailBackend"
    assert printed.stdout.split()[-1] == "http://127.0.0.1:8000"
    named = settings_in_subprocess(
        "casereview.web.settings.dev", {"CASEREVIEW_EMAIL_URL": "smtp://127.0.0.1:1025"}, tmp_path
    )
    assert named.stdout.split()[:2] == ["django.core.mail.backends.smtp.EmailBackend", "127.0.0.1"]
