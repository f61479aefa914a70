"""Send backs: opened from a review, answered by the body, closed by the inspectorate, escalated when overdue."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from typer.testing import CliRunner

from casereview.cli import app
from casereview.web.journal.models import JournalEntry
from casereview.web.referrals.models import SendBack, SendBackEvent
from casereview.web.referrals.services import (
    AlreadyChanged,
    body_contact_add,
    sendback_act,
    sendback_open,
    sendbacks_escalate,
)
from casereview.web.registers.models import Body
from casereview.web.registers.services import body_add

from . import factories
from .conftest import verified_client

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()


@pytest.fixture
def world(body: Body, tmp_path: Path) -> dict[str, Any]:
    lead = factories.user("lead_inspector", "lead", email="lead@inspectorate.example")
    ina = factories.user("inspector", "ina")
    liaison = factories.user("liaison_officer", "liaison")
    senior = factories.user("liaison_officer", "senior", email="senior@force.example")
    factories.contact(body, liaison)
    factories.contact(body, senior, "senior_lead")
    inspection = factories.inspection(lead=lead)
    factories.sample(inspection, factories.register(tmp_path, rows=100), size=4)
    assignment = factories.assigned(inspection, [ina])[0]
    return {
        "lead": lead,
        "ina": ina,
        "liaison": liaison,
        "inspection": inspection,
        "assignment": assignment,
    }


def test_a_send_back_goes_from_review_to_closure_through_the_pages(world: dict[str, Any]) -> None:
    ina = verified_client(world["ina"])
    a = world["assignment"]
    start = JournalEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    # Only a submitted yes sends a case back (issue 18): the submission opens it.
    from casereview.importing.frameworks import load_framework
    from casereview.web.reviews.models import Review

    assert ina.get(f"/reviews/{a.pk}/").status_code == 200
    answers = {
        f"grade_{area.slug}": "inadequate" for area in load_framework("child-protection/1").areas
    }
    opened = ina.post(
        f"/reviews/{a.pk}/",
        {
            **answers,
            "overall": "inadequate",
            "action": "submit",
            "send_back": "yes",
            "send_back_reason": "Child still at the address",
            "send_back_urgency": "priority",
            "version": str(Review.objects.get(assignment=a).version),
        },
    )
    assert opened.status_code == 302
    send_back = SendBack.objects.get()
    assert send_back.state == "opened" and send_back.due_on >= timezone.localdate()
    entry = JournalEntry.objects.get(
        action="send_back_open", object_id=str(send_back.pk), seq__gt=start
    )
    assert (entry.operation, entry.recipient, entry.reason) == ("disclosure", "SYN", "priority")
    liaison = verified_client(world["liaison"])
    queue = liaison.get("/send-backs/").content.decode()
    assert f"Send back {send_back.pk}" in queue
    page = liaison.get(f"/send-backs/{send_back.pk}/").content.decode()
    assert "Child still at the address" in page and "overall" not in page.lower()
    url = f"/send-backs/{send_back.pk}/"
    assert liaison.post(url, {"action": "acknowledge", "version": "0"}).status_code == 302
    assert (
        liaison.post(url, {"action": "respond", "version": "1", "note": ""}).status_code == 400
    )  # must say what was done
    assert (
        liaison.post(
            url,
            {
                "action": "respond",
                "version": "1",
                "note": "Strategy meeting held; child safeguarded",
            },
        ).status_code
        == 302
    )
    assert (
        liaison.post(url, {"action": "accept", "version": "2"}).status_code == 400
    )  # only the inspectorate closes
    assert (
        ina.post(
            url, {"action": "return", "version": "2", "note": "Need the strategy minutes"}
        ).status_code
        == 302
    )
    assert (
        liaison.post(
            url, {"action": "respond", "version": "3", "note": "Minutes attached to the case"}
        ).status_code
        == 302
    )
    assert ina.post(url, {"action": "accept", "version": "4"}).status_code == 302
    send_back.refresh_from_db()
    assert send_back.state == "closed" and send_back.closed_at is not None
    assert list(
        SendBackEvent.objects.filter(send_back=send_back).values_list("action", flat=True)
    ) == [
        "open",
        "acknowledge",
        "respond",
        "return",
        "respond",
        "accept",
    ]
    assert liaison.post(url, {"action": "respond", "version": "5", "note": "x"}).status_code == 400
    dashboard = verified_client(world["lead"]).get("/send-backs/dashboard/").content.decode()
    assert "Median time to the body" in dashboard


def test_a_liaison_officer_sees_only_their_own_bodys_send_backs(
    world: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    send_back = sendback_open(
        sampled_case=world["assignment"].sampled_case,
        reason="r",
        urgency="routine",
        actor=world["ina"],
    )
    other_body = body_add(code="OTH", name="Other")
    stranger = make_user("liaison_officer", "stranger")
    body_contact_add(body=other_body, user=stranger, kind="liaison")
    client = verified_client(stranger)
    assert client.get(f"/send-backs/{send_back.pk}/").status_code == 404
    assert f"Send back {send_back.pk}" not in client.get("/send-backs/").content.decode()
    assert client.get(f"/reviews/{world['assignment'].pk}/").status_code == 404  # never grades


def test_two_people_acting_at_once_one_wins_and_nothing_is_applied_twice(
    world: dict[str, Any],
) -> None:
    send_back = sendback_open(
        sampled_case=world["assignment"].sampled_case,
        reason="r",
        urgency="routine",
        actor=world["ina"],
    )
    sendback_act(
        send_back=send_back,
        action="respond",
        actor=world["liaison"],
        expected_version=0,
        note="done",
    )
    send_back.refresh_from_db()
    results: list[str] = []
    barrier = threading.Barrier(2)

    def act(action: str) -> None:
        try:
            barrier.wait()
            sendback_act(
                send_back=SendBack.objects.get(pk=send_back.pk),
                action=action,
                actor=world["ina"],
                expected_version=1,
                note="more please",
            )
            results.append("won")
        except AlreadyChanged:
            results.append("lost")
        except Exception as exc:  # SQLite may refuse the second writer outright
            results.append(f"refused: {type(exc).__name__}")
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(a,)) for a in ("accept", "return")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("won") == 1
    send_back.refresh_from_db()
    assert send_back.version == 2
    assert (
        SendBackEvent.objects.filter(send_back=send_back)
        .exclude(action__in=["open", "respond"])
        .count()
        == 1
    )


def test_the_page_shows_what_happened_when_someone_acted_first(world: dict[str, Any]) -> None:
    send_back = sendback_open(
        sampled_case=world["assignment"].sampled_case,
        reason="r",
        urgency="routine",
        actor=world["ina"],
    )
    liaison = verified_client(world["liaison"])
    url = f"/send-backs/{send_back.pk}/"
    assert liaison.post(url, {"action": "acknowledge", "version": "0"}).status_code == 302
    late = liaison.post(url, {"action": "respond", "version": "0", "note": "x"})
    assert late.status_code == 409 and b"Someone else acted on this send back first" in late.content


def test_overdue_send_backs_escalate_once_and_email_the_lead_and_senior_lead(
    world: dict[str, Any],
) -> None:
    send_back = sendback_open(
        sampled_case=world["assignment"].sampled_case,
        reason="CASE-CONTENT-XYZ",
        urgency="immediate",
        actor=world["ina"],
    )
    assert sendbacks_escalate(today=send_back.due_on) == []  # due today: not yet overdue
    later = send_back.due_on + dt.timedelta(days=1)
    escalated = sendbacks_escalate(today=later)
    assert [s.pk for s in escalated] == [send_back.pk]
    # One message to each, through the outbox (sent when the escalation commits).
    assert sorted(to for m in mail.outbox for to in m.to) == [
        "lead@inspectorate.example",
        "senior@force.example",
    ]
    assert all(
        "CASE-CONTENT-XYZ" not in m.body and world["assignment"].sampled_case.case_ref not in m.body
        for m in mail.outbox
    )
    assert sendbacks_escalate(today=later) == []  # idempotent
    assert len(mail.outbox) == 2
    send_back.refresh_from_db()
    assert send_back.state == "escalated"
    sendback_act(
        send_back=send_back,
        action="respond",
        actor=world["liaison"],
        expected_version=send_back.version,
        note="late answer",
    )


def test_the_escalate_cli_lists_what_it_escalated(world: dict[str, Any]) -> None:
    send_back = sendback_open(
        sampled_case=world["assignment"].sampled_case,
        reason="r",
        urgency="immediate",
        actor=world["ina"],
    )
    SendBack.objects.filter(pk=send_back.pk).update(due_on=dt.date(2020, 1, 1))
    result = runner.invoke(app, ["send-backs", "escalate", "--json"])
    assert result.exit_code == 0
    assert [r["send_back_id"] for r in json.loads(result.stdout)["escalated"]] == [send_back.pk]
    again = runner.invoke(app, ["send-backs", "escalate", "--json"])
    assert json.loads(again.stdout) == {"escalated": []}
