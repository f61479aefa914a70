"""Sending back is part of submitting: a yes opens the send back in the submission's transaction, never twice silently."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from casereview.cli import app
from casereview.importing.frameworks import load_framework
from casereview.web.inspections.services import inspection_create
from casereview.web.journal.models import JournalEntry
from casereview.web.referrals.models import SendBack
from casereview.web.referrals.services import sendback_act
from casereview.web.reports.selectors import publication_problems
from casereview.web.reports.services import PublishError, report_publish
from casereview.web.reviews.models import Assignment, Review
from casereview.web.reviews.services import moderation_assign
from casereview.web.reviews.spreadsheets import reviews_import

from .conftest import latest_seq, verified_client

pytestmark = pytest.mark.django_db(transaction=True)
F = load_framework("child-protection/1")
runner = CliRunner()


def form(**over: str) -> dict[str, str]:
    data = {f"grade_{a.slug}": "inadequate" for a in F.areas}
    data.update({"overall": "inadequate", "send_back": "no", "version": "0", "action": "submit"})
    data.update(over)
    return data


def open_review(client: Any, assignment: Assignment) -> Review:
    assert client.get(f"/reviews/{assignment.pk}/").status_code == 200  # the page makes the draft
    return Review.objects.get(assignment=assignment)


def submit(client: Any, assignment: Assignment, **over: str) -> Any:
    review = open_review(client, assignment)
    return client.post(
        f"/reviews/{assignment.pk}/", form(version=str(review.version), **over), follow=True
    )


def test_a_yes_submitted_opens_the_send_back_with_the_review_and_says_so(
    world: dict[str, Any],
) -> None:
    ina, a = verified_client(world["ina"]), world["assignment"]
    start = latest_seq()
    page = submit(
        ina,
        a,
        send_back="yes",
        send_back_reason="Child still at the address",
        send_back_urgency="immediate",
    )
    review = Review.objects.get(assignment=a)
    send_back = SendBack.objects.get()
    assert review.state == "submitted" and review.send_back is True
    assert (
        send_back.review_id,
        send_back.sampled_case_id,
        send_back.urgency,
        send_back.reason,
    ) == (review.pk, a.sampled_case_id, "immediate", "Child still at the address")
    actions = list(
        JournalEntry.objects.filter(seq__gt=start).order_by("seq").values_list("action", flat=True)
    )
    assert actions.index("review_submit") < actions.index("send_back_open")
    body = page.content.decode()
    assert page.redirect_chain[-1][0].endswith("/reviews/")
    assert "govuk-notification-banner" in body
    assert (
        f"Case {a.sampled_case.case_ref} sent back to Synthetic Constabulary, "
        "immediate (same working day), due " in body
    )
    assert "sent back to SYN" not in body and ", immediate," not in body  # words, not codes
    # The body's only liaison officer has no e-mail address: the banner says nobody there was told.
    assert (
        "No liaison officer of Synthetic Constabulary has an e-mail address, so nobody there was told"
        in body
    )


def test_the_banner_says_nothing_of_unreachable_officers_when_one_can_be_mailed(
    world: dict[str, Any],
) -> None:
    world["liaison"].email = "liaison@force.example"
    world["liaison"].save()
    page = submit(
        verified_client(world["ina"]),
        world["assignment"],
        send_back="yes",
        send_back_reason="r",
        send_back_urgency="priority",
    )
    assert (
        "sent back to Synthetic Constabulary, priority (5 working days)" in page.content.decode()
        and "nobody there was told" not in page.content.decode()
    )


def test_a_yes_without_reason_or_urgency_is_an_error_and_nothing_is_submitted(
    world: dict[str, Any],
) -> None:
    ina, a = verified_client(world["ina"]), world["assignment"]
    page = submit(ina, a, send_back="yes")
    assert page.status_code == 400
    text = page.content.decode()
    assert 'href="#send_back_reason"' in text and 'href="#send_back_urgency"' in text
    assert Review.objects.get(assignment=a).state == "draft" and not SendBack.objects.exists()
    # The typed reason is kept as a draft answer when only the urgency is missing.
    review = Review.objects.get(assignment=a)
    again = ina.post(
        f"/reviews/{a.pk}/",
        form(version=str(review.version), send_back="yes", send_back_reason="Reason kept"),
    )
    assert again.status_code == 400 and "Reason kept" in again.content.decode()
    assert (
        Review.objects.get(assignment=a).send_back_reason == "Reason kept"
        and not SendBack.objects.exists()
    )


def test_a_failing_send_back_undoes_the_submission(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One transaction: if the send back cannot be written, the review is not submitted either."""
    import casereview.web.reviews.services as review_services

    def broken(**_: Any) -> None:
        raise RuntimeError("the send back could not be written")

    monkeypatch.setattr(review_services, "sendback_open", broken)
    ina, a = verified_client(world["ina"]), world["assignment"]
    review = open_review(ina, a)
    ina.raise_request_exception = False
    page = ina.post(
        f"/reviews/{a.pk}/",
        form(
            version=str(review.version),
            send_back="yes",
            send_back_reason="r",
            send_back_urgency="routine",
        ),
    )
    assert page.status_code == 500
    after = Review.objects.get(assignment=a)
    assert (after.state, after.version) == (
        "draft",
        review.version,
    ) and not SendBack.objects.exists()


def test_a_no_submits_without_a_send_back_and_says_review_submitted(world: dict[str, Any]) -> None:
    ina, a = verified_client(world["ina"]), world["assignment"]
    page = submit(
        ina,
        a,
        send_back="no",
        send_back_reason="typed then changed my mind",
        send_back_urgency="routine",
    )
    assert Review.objects.get(assignment=a).state == "submitted" and not SendBack.objects.exists()
    assert "Review submitted" in page.content.decode()


def test_a_tampered_urgency_is_refused_whole(world: dict[str, Any]) -> None:
    ina, a = verified_client(world["ina"]), world["assignment"]
    review = open_review(ina, a)
    bad = ina.post(
        f"/reviews/{a.pk}/",
        form(
            version=str(review.version),
            send_back="yes",
            send_back_reason="r",
            send_back_urgency="whenever",
        ),
    )
    assert bad.status_code == 400 and Review.objects.get(assignment=a).version == review.version


def moderate(world: dict[str, Any]) -> Assignment:
    moderation_assign(inspection=world["inspection"], inspectors=[world["ben"]], share=1.0)
    return Assignment.objects.get(sampled_case=world["assignment"].sampled_case, kind="moderation")


def test_a_moderator_saying_yes_where_the_first_review_said_no_opens_a_send_back(
    world: dict[str, Any],
) -> None:
    submit(verified_client(world["ina"]), world["assignment"], send_back="no")
    second = moderate(world)
    page = submit(
        verified_client(world["ben"]),
        second,
        send_back="yes",
        send_back_reason="Missed risk",
        send_back_urgency="priority",
    )
    send_back = SendBack.objects.get()
    assert send_back.review.assignment.kind == "moderation" and send_back.urgency == "priority"
    assert "sent back to Synthetic Constabulary, priority (5 working days)" in page.content.decode()
    lead_page = (
        verified_client(world["lead"])
        .get(f"/inspections/{world['inspection'].pk}/moderation/")
        .content.decode()
    )
    section = lead_page[lead_page.index('id="at-risk"') :]
    assert "Not at risk" in section and "At risk<" in section  # the lead sees both answers
    assert f"/send-backs/{send_back.pk}/" in section


def reopened(world: dict[str, Any]) -> Assignment:
    """ina's yes sent the case back; the lead reopens her review: her page now has an open send back to name."""
    a = world["assignment"]
    submit(
        verified_client(world["ina"]),
        a,
        send_back="yes",
        send_back_reason="First",
        send_back_urgency="routine",
    )
    assert verified_client(world["lead"]).post(f"/reviews/{a.pk}/reopen/").status_code == 302
    return a


def test_a_second_yes_on_a_case_with_an_open_send_back_never_opens_another_silently(
    world: dict[str, Any],
) -> None:
    a = reopened(world)
    first = SendBack.objects.get()
    ina = verified_client(world["ina"])
    page = ina.get(f"/reviews/{a.pk}/").content.decode()
    assert (
        f"send back {first.pk} (routine, opened, due" in page and 'name="send_back_another"' in page
    )
    # A yes without the confirmation is covered by the open send back: submitted, named, no duplicate.
    review = Review.objects.get(assignment=a)
    done = ina.post(
        f"/reviews/{a.pk}/", form(version=str(review.version), send_back="yes"), follow=True
    )
    assert SendBack.objects.count() == 1 and Review.objects.get(assignment=a).state == "submitted"
    text = done.content.decode()
    assert f"is already sent back: send back {first.pk}" in text
    assert (
        "sent back to Synthetic Constabulary" not in text
    )  # the earlier yes's send back is not announced as this one's


def test_confirming_a_second_send_back_needs_its_reason_and_then_opens_it(
    world: dict[str, Any],
) -> None:
    a = reopened(world)
    ina = verified_client(world["ina"])
    review = Review.objects.get(assignment=a)
    missing = ina.post(
        f"/reviews/{a.pk}/",
        form(
            version=str(review.version),
            send_back="yes",
            send_back_reason="",
            send_back_another="yes",
        ),
    )
    assert missing.status_code == 400 and SendBack.objects.count() == 1
    review = Review.objects.get(assignment=a)
    ok = ina.post(
        f"/reviews/{a.pk}/",
        form(
            version=str(review.version),
            send_back="yes",
            send_back_another="yes",
            send_back_reason="Another child at risk",
            send_back_urgency="immediate",
        ),
    )
    assert ok.status_code == 302 and SendBack.objects.count() == 2
    assert SendBack.objects.order_by("id").last().review_id == review.pk  # type: ignore[union-attr]


def test_moderation_stays_blind_to_send_backs_and_a_covered_yes_offers_its_reason_after(
    world: dict[str, Any],
) -> None:
    submit(
        verified_client(world["ina"]),
        world["assignment"],
        send_back="yes",
        send_back_reason="First",
        send_back_urgency="routine",
    )
    first = SendBack.objects.get()
    second = moderate(world)
    ben = verified_client(world["ben"])
    page = ben.get(f"/reviews/{second.pk}/").content.decode()
    assert f"send back {first.pk}" not in page.lower() and 'name="send_back_another"' not in page
    assert "Send backs of this case" not in page and "already sent back" not in page
    # Blind, the moderator's yes needs its own reason and urgency, as if no send back were open.
    missing = submit(ben, second, send_back="yes")
    assert missing.status_code == 400 and 'href="#send_back_reason"' in missing.content.decode()
    review = Review.objects.get(assignment=second)
    done = ben.post(
        f"/reviews/{second.pk}/",
        form(
            version=str(review.version),
            send_back="yes",
            send_back_reason="A second concern",
            send_back_urgency="priority",
        ),
        follow=True,
    )
    # The open send back covers it (no silent duplicate); the banner names it and says the reason was not sent.
    assert (
        SendBack.objects.count() == 1 and Review.objects.get(assignment=second).state == "submitted"
    )
    text = done.content.decode()
    assert (
        f"is already sent back: send back {first.pk}" in text and "Your reason was not sent" in text
    )
    after = ben.get(f"/reviews/{second.pk}/").content.decode()
    offer = after[after.index('id="send-back-again"') :]
    assert offer.startswith('id="send-back-again" open') and "A second concern</textarea>" in offer
    assert 'id="urgency-priority" name="urgency" type="radio" value="priority" checked' in offer
    sent = ben.post(
        f"/send-backs/from-review/{second.pk}/",
        {"reason": "A second concern", "urgency": "priority", "confirm_another": "yes"},
    )
    assert sent.status_code == 302 and SendBack.objects.count() == 2


def test_a_yes_after_the_last_send_back_closed_is_at_risk_until_sent_again(
    world: dict[str, Any],
) -> None:
    a = world["assignment"]
    submit(
        verified_client(world["ina"]),
        a,
        send_back="yes",
        send_back_reason="First",
        send_back_urgency="routine",
    )
    first = SendBack.objects.get()
    first = sendback_act(
        send_back=first,
        action="respond",
        actor=world["liaison"],
        expected_version=first.version,
        note="done",
    )
    sendback_act(
        send_back=first, action="accept", actor=world["lead"], expected_version=first.version
    )
    from casereview.web.reviews.selectors import at_risk_not_sent_back

    assert (
        at_risk_not_sent_back(world["inspection"]) == []
    )  # the yes was covered: its send back closed after it
    # A yes given after the close is a new judgement that the closed send back does not cover (as an imported
    # review arrives: submitted, with no send back of its own).
    Review.objects.filter(assignment=a).update(submitted_at=timezone.now())
    assert at_risk_not_sent_back(world["inspection"]) == [a.sampled_case.case_ref]
    page = (
        verified_client(world["lead"])
        .get(f"/inspections/{world['inspection'].pk}/moderation/")
        .content.decode()
    )
    assert "At risk, not sent back" in page[page.index('id="at-risk"') :]


def test_the_send_back_form_refuses_a_duplicate_unless_confirmed_naming_the_open_one(
    world: dict[str, Any],
) -> None:
    ina, a = verified_client(world["ina"]), world["assignment"]
    submit(ina, a, send_back="yes", send_back_reason="First", send_back_urgency="priority")
    first = SendBack.objects.get()
    refused = ina.post(
        f"/send-backs/from-review/{a.pk}/", {"reason": "again", "urgency": "routine"}
    )
    assert refused.status_code == 400 and SendBack.objects.count() == 1
    assert f"send back {first.pk} (priority, opened, due" in refused.content.decode()
    confirmed = ina.post(
        f"/send-backs/from-review/{a.pk}/",
        {"reason": "again", "urgency": "routine", "confirm_another": "yes"},
    )
    assert confirmed.status_code == 302 and SendBack.objects.count() == 2
    # A closed send back does not block a new one.
    liaison = world["liaison"]
    for s in SendBack.objects.all():
        s = sendback_act(
            send_back=s, action="respond", actor=liaison, expected_version=s.version, note="done"
        )
        sendback_act(send_back=s, action="accept", actor=world["ina"], expected_version=s.version)
    third = ina.post(
        f"/send-backs/from-review/{a.pk}/", {"reason": "new concern", "urgency": "routine"}
    )
    assert third.status_code == 302 and SendBack.objects.count() == 3


def test_the_review_page_lists_the_cases_send_backs_in_words(world: dict[str, Any]) -> None:
    ina, a = verified_client(world["ina"]), world["assignment"]
    submit(
        ina,
        a,
        send_back="yes",
        send_back_reason="Child still at the address",
        send_back_urgency="priority",
    )
    send_back = SendBack.objects.get()
    liaison = world["liaison"]
    sendback_act(
        send_back=send_back,
        action="respond",
        actor=liaison,
        expected_version=send_back.version,
        note="done",
    )
    page = ina.get(f"/reviews/{a.pk}/").content.decode()
    listing = page[page.index('id="case-send-backs"') : page.index("From the register")]
    assert f'href="/send-backs/{send_back.pk}/"' in listing
    assert (
        "Response submitted" in listing
        and "Priority" in listing
        and "response_submitted" not in listing
    )


def imported_yes(world: dict[str, Any], tmp_path: Path) -> str:
    """A review kept in a spreadsheet that says yes: it arrives submitted, with no send back."""
    inspection = inspection_create(
        body_code="SYN",
        name="Q2",
        period_start=dt.date(2024, 4, 1),
        period_end=dt.date(2024, 6, 30),
        lead=world["lead"],
    )
    ref = world["assignment"].sampled_case.case_ref
    path = tmp_path / "reviews.csv"
    path.write_text(f"case_ref,reviewer,kind,overall,send_back\n{ref},ina,first,Inadequate,yes\n")
    reviews_import(
        inspection=inspection, path=path, register=world["assignment"].sampled_case.sample.register
    )
    world["imported"] = inspection
    return ref


def test_an_imported_yes_shows_as_at_risk_not_sent_back_and_blocks_publishing(
    world: dict[str, Any], tmp_path: Path
) -> None:
    ref = imported_yes(world, tmp_path)
    inspection = world["imported"]
    lead = verified_client(world["lead"])
    page = lead.get(f"/inspections/{inspection.pk}/moderation/").content.decode()
    row = page[page.index('id="at-risk"') :]
    assert "At risk, not sent back" in row and ref in row
    assignment = Assignment.objects.get(sampled_case__sample__inspection=inspection)
    assert f'href="/reviews/{assignment.pk}/#send-back-again"' in row
    report = lead.get(f"/reports/inspection/{inspection.pk}/").content.decode()
    assert "1 case a review says is at risk has not been sent back" in report
    problems = publication_problems(inspection)
    assert any("at risk has not been sent back" in p and ref in p for p in problems)
    with pytest.raises(PublishError):
        report_publish(inspection=inspection, actor=world["lead"])
    # The lead sends it from the review page; the mark goes, and publishing no longer names it.
    sent = lead.post(
        f"/send-backs/from-review/{assignment.pk}/",
        {"reason": "From the imported review", "urgency": "priority"},
    )
    assert sent.status_code == 302
    page = lead.get(f"/inspections/{inspection.pk}/moderation/").content.decode()
    assert "At risk, not sent back" not in page
    assert not any("at risk" in p for p in publication_problems(inspection))


def test_send_backs_list_on_the_command_line(world: dict[str, Any]) -> None:
    ina, a = verified_client(world["ina"]), world["assignment"]
    submit(ina, a, send_back="yes", send_back_reason="r", send_back_urgency="immediate")
    send_back = SendBack.objects.get()
    listed = runner.invoke(app, ["send-backs", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert len(rows) == 1
    row = rows[0]
    assert {
        "id",
        "inspection_id",
        "case_ref",
        "urgency",
        "state",
        "opened_at",
        "due",
        "overdue",
    } <= set(row)
    assert (
        row["id"],
        row["inspection_id"],
        row["case_ref"],
        row["urgency"],
        row["state"],
        row["overdue"],
    ) == (
        send_back.pk,
        world["inspection"].pk,
        a.sampled_case.case_ref,
        "immediate",
        "opened",
        False,
    )
    assert row["due"] == send_back.due_on.isoformat() and "reason" not in row
    assert (
        json.loads(runner.invoke(app, ["send-backs", "list", "--json", "--state", "closed"]).stdout)
        == []
    )
    assert (
        len(
            json.loads(
                runner.invoke(app, ["send-backs", "list", "--json", "--state", "open"]).stdout
            )
        )
        == 1
    )
    assert (
        json.loads(
            runner.invoke(
                app,
                ["send-backs", "list", "--json", "--inspection", str(world["inspection"].pk + 1)],
            ).stdout
        )
        == []
    )
    assert runner.invoke(app, ["send-backs", "list", "--state", "lost"]).exit_code == 2
    text = runner.invoke(app, ["send-backs", "list"])
    assert text.exit_code == 0 and a.sampled_case.case_ref in text.output


def test_the_at_risk_table_and_the_review_page_read_a_fixed_number_of_queries(
    world: dict[str, Any],
) -> None:
    """Pinned: the lead's at-risk table costs the same with one case at risk as with four (no query per row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lead, ina = verified_client(world["lead"]), verified_client(world["ina"])
    inspection_page = f"/inspections/{world['inspection'].pk}/moderation/"
    assignments = list(Assignment.objects.filter(kind="first").order_by("id"))

    def cost(path: str, client: Any) -> int:
        client.get(path)  # warm: the first view of a page makes its draft or computes its links
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    submit(ina, assignments[0], send_back="yes", send_back_reason="r", send_back_urgency="routine")
    one = cost(inspection_page, lead)
    review_one = cost(f"/reviews/{assignments[0].pk}/", ina)
    for a in assignments[1:]:
        submit(ina, a, send_back="yes", send_back_reason="r", send_back_urgency="routine")
    assert (
        len(
            verified_client(world["lead"]).get(inspection_page).content.decode().split("Send back ")
        )
        > 4
    )
    assert cost(inspection_page, lead) == one
    assert cost(f"/reviews/{assignments[0].pk}/", ina) == review_one


def test_two_yeses_submitted_at_once_open_exactly_one_send_back(world: dict[str, Any]) -> None:
    """The first review and the moderation say yes at the same moment, case after case: the case's lock lets
    exactly one open the send back and the other be covered by it.  (The test's in-memory SQLite refuses a
    second writer outright instead of waiting; then the refused one is simply not submitted.)"""
    import threading

    from django.db import OperationalError, connection

    from casereview.domain.grading import ReviewAnswers
    from casereview.web.reviews.services import review_save, review_start

    moderation_assign(inspection=world["inspection"], inspectors=[world["ben"]], share=1.0)
    answers = ReviewAnswers(
        area_grades={a.slug: "inadequate" for a in F.areas},
        overall="inadequate",
        send_back=True,
        send_back_reason="At risk",
        send_back_urgency="immediate",
    )
    firsts = list(Assignment.objects.filter(kind="first").order_by("id"))
    assert len(firsts) == 4
    refused: list[str] = []
    for first in firsts:
        second = Assignment.objects.get(sampled_case=first.sampled_case, kind="moderation")
        reviews = [review_start(assignment=first), review_start(assignment=second)]
        barrier = threading.Barrier(2)

        def submit_now(review: Review, actor: Any, barrier: threading.Barrier = barrier) -> None:
            try:
                barrier.wait()
                review_save(
                    review=review,
                    answers=answers,
                    base_version=review.version,
                    submit=True,
                    actor=actor,
                )
            except OperationalError as exc:
                refused.append(str(exc))
            finally:
                connection.close()

        threads = [
            threading.Thread(target=submit_now, args=(r, a))
            for r, a in zip(reviews, (world["ina"], world["ben"]), strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        submitted = Review.objects.filter(pk__in=[r.pk for r in reviews], state="submitted").count()
        assert submitted >= 1
        assert (
            SendBack.objects.filter(sampled_case=first.sampled_case).count() == 1
        )  # never two, never none
    if connection.vendor == "postgresql":
        assert refused == [] and Review.objects.filter(state="submitted").count() == 8
