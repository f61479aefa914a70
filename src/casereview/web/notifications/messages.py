"""What every notification e-mail says, in one place.

The rule: **no case content in any e-mail.**  A message carries only the inspected body's name and code, a
case reference, an urgency, a due date, a count and a link into casereview; never the reason a case was sent
back, a response or note, a summary, a grade or a comment.  Mail leaves the service's control (it is journaled
as a disclosure when sent), so people sign in, with their second factor, to read the rest.  Every function
here builds its text from those fields alone; tests/web/test_notifications.py checks the content stays out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import reverse

from casereview.domain.referrals import due_words

#: Each event that sends mail, as the outbox page and `casereview notify list` name it.
EVENTS = {
    "send_back_opened": "New send back",
    "send_back_responded": "Send back answered",
    "send_back_returned": "Send back returned",
    "send_back_escalated": "Send back overdue",
    "cases_assigned": "Cases assigned",
    "publication_failed": "Scheduled publication not released",
    # Follow-up (issue 24): findings, recommendations and the body's action plan
    "findings_published": "Findings published, action plan due",
    "action_plan_submitted": "Action plan submitted",
    "action_plan_returned": "Action plan returned",
    "action_plan_escalated": "Action plan overdue",
    "plan_action_escalated": "Action overdue",
}

_FOOTER = "This message holds no case content. Sign in to casereview to read the case."


@dataclass(frozen=True)
class Message:
    event: str
    subject: str
    body: str


def link(path: str) -> str:
    """An address people can follow from their mail: the service's public address and ``path``."""
    return f"{settings.CASEREVIEW_BASE_URL}{path}"


def _send_back_link(send_back: Any) -> str:
    return link(reverse("referrals:detail", kwargs={"send_back_id": send_back.pk}))


def _send_back_facts(send_back: Any, today: dt.date) -> str:
    return (
        f"Inspected body: {send_back.body.name} ({send_back.body.code})\n"
        f"Case reference: {send_back.sampled_case.case_ref}\n"
        f"Urgency: {send_back.urgency}\n"
        f"Response due: {due_words(send_back.due_on, today, dated=True)}\n"
    )


def send_back_opened(send_back: Any, *, today: dt.date) -> Message:
    """To the body's liaison officers: a case is sent back to them; the subject says how soon."""
    subject = f"casereview: {send_back.urgency.capitalize()} send back to {send_back.body.code}, due {due_words(send_back.due_on, today, dated=True)}"
    body = (
        f"A case has been sent back to {send_back.body.name} by the inspectorate.\n\n"
        f"{_send_back_facts(send_back, today)}\n"
        f"Read why, and respond, in casereview:\n{_send_back_link(send_back)}\n\n{_FOOTER}\n"
    )
    return Message("send_back_opened", subject, body)


def send_back_responded(send_back: Any, *, today: dt.date) -> Message:
    """To the inspector who sent it back and the inspection's lead: the body has answered."""
    subject = f"casereview: {send_back.body.code} answered send back {send_back.pk}"
    body = (
        f"{send_back.body.name} has answered a case you sent back. Accept the answer, or return it for more.\n\n"
        f"{_send_back_facts(send_back, today)}\n"
        f"Read the answer in casereview:\n{_send_back_link(send_back)}\n\n{_FOOTER}\n"
    )
    return Message("send_back_responded", subject, body)


def send_back_returned(send_back: Any, *, today: dt.date) -> Message:
    """To the body's liaison officers: the inspectorate needs more before it can close the send back."""
    subject = (
        f"casereview: send back {send_back.pk} returned to {send_back.body.code}, more is needed"
    )
    body = (
        f"The inspectorate has returned a send back to {send_back.body.name}: more is needed before it can be closed.\n\n"
        f"{_send_back_facts(send_back, today)}\n"
        f"Read what is needed, and respond, in casereview:\n{_send_back_link(send_back)}\n\n{_FOOTER}\n"
    )
    return Message("send_back_returned", subject, body)


def send_back_escalated(send_back: Any) -> Message:
    """To the lead inspector and the body's senior leads, once, when the due day passes without an answer."""
    subject = f"casereview: send back {send_back.pk} to {send_back.body.code} is overdue"
    body = (
        f"Send back {send_back.pk} ({send_back.urgency}) to {send_back.body.name} was due on "
        f"{send_back.due_on:%d %B %Y} and has no response. Sign in to casereview to see it.\n\n"
        f"{_send_back_link(send_back)}\n\n{_FOOTER}\n"
    )
    return Message("send_back_escalated", subject, body)


def cases_assigned(*, body: Any, kind: str, count: int) -> Message:
    """To an inspector given cases in one assignment run: how many, of which body, for which kind of review."""
    cases = "case" if count == 1 else "cases"
    if kind == "moderation":
        subject = f"casereview: {count} {cases} of {body.code} to second-mark"
        what = f"{count} {cases} of {body.name} ({body.code}) to second-mark, blind (moderation)"
    else:
        subject = f"casereview: {count} new {cases} of {body.code} to review"
        what = f"{count} new {cases} of {body.name} ({body.code}) to review"
    body_text = f"You have been given {what}.\n\nSee them under My cases:\n{link(reverse('reviews:mine'))}\n\n{_FOOTER}\n"
    return Message("cases_assigned", subject, body_text)


def publication_failed(
    *,
    body: Any,
    release_words: str,
    draft_path: str,
    why: str = "casereview found it not ready, or its disclosure check failed",
) -> Message:
    """To the lead inspector: a publication pre-announced for ``release_words`` did not go out.  Never the
    reasons (the disclosure audit's may describe hidden counts): the report's page gives them."""
    subject = (
        f"casereview: the report on {body.code} scheduled for {release_words} was not published"
    )
    body_text = (
        f"The report on {body.name} ({body.code}) was scheduled for publication at {release_words}, "
        f"and was not published: {why}. "
        "Nothing has been released.\n\n"
        f"Sign in to casereview to read why, then publish it or schedule it again:\n{link(draft_path)}\n\n"
        f"{_FOOTER}\n"
    )
    return Message("publication_failed", subject, body_text)


# Follow-up (issue 24) ------------------------------------------------------------------------------------
# Only the body's name and code, a recommendation's number, a due date, a count and a link: never a finding's,
# a recommendation's or an action's text, an owner, a note or a rationale.


def _plan_link(plan_id: int) -> str:
    return link(f"/recommendations/plans/{plan_id}/")


def _long_date(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def findings_published(
    *, body: Any, recommendations: int, plan_due: dt.date, plan_id: int
) -> Message:
    """To the body's liaison officers and senior leads: recommendations were published; the plan is due."""
    noun = "recommendation" if recommendations == 1 else "recommendations"
    subject = f"casereview: {recommendations} {noun} for {body.code}, action plan due {_long_date(plan_due)}"
    text = (
        f"The inspectorate has published {recommendations} {noun} for {body.name} ({body.code}).\n\n"
        f"The body's action plan is due by {_long_date(plan_due)}.\n\n"
        f"Read them, and write the plan, in casereview:\n{_plan_link(plan_id)}\n\n{_FOOTER}\n"
    )
    return Message("findings_published", subject, text)


def action_plan_submitted(*, body: Any, plan_id: int) -> Message:
    """To the inspection's lead: the body submitted its action plan (accept it, or return it for more)."""
    subject = f"casereview: {body.code} submitted its action plan"
    text = (
        f"{body.name} ({body.code}) has submitted its action plan. Accept it, or return it saying what more "
        f"is needed.\n\n{_plan_link(plan_id)}\n\n{_FOOTER}\n"
    )
    return Message("action_plan_submitted", subject, text)


def action_plan_returned(*, body: Any, plan_id: int) -> Message:
    """To the body's liaison officers: the lead returned the plan; more is needed."""
    subject = f"casereview: action plan of {body.code} returned, more is needed"
    text = (
        f"The inspectorate has returned the action plan of {body.name} ({body.code}): more is needed before "
        f"it can be accepted.\n\nRead what is needed in casereview:\n{_plan_link(plan_id)}\n\n{_FOOTER}\n"
    )
    return Message("action_plan_returned", subject, text)


def action_plan_escalated(*, body: Any, plan_id: int, due_on: dt.date) -> Message:
    """To the lead inspector and the body's senior leads, once, when the plan's due day passes without it."""
    subject = f"casereview: action plan of {body.code} is overdue"
    text = (
        f"The action plan of {body.name} ({body.code}) was due on {_long_date(due_on)} and has not been "
        f"submitted. Sign in to casereview to see it.\n\n{_plan_link(plan_id)}\n\n{_FOOTER}\n"
    )
    return Message("action_plan_escalated", subject, text)


def plan_action_escalated(
    *, body: Any, plan_id: int, recommendation: int, target_on: dt.date
) -> Message:
    """To the lead inspector and the body's senior leads, once, when an action's target date passes open."""
    subject = f"casereview: an action of {body.code} on R{recommendation} is overdue"
    text = (
        f"An action in the plan of {body.name} ({body.code}) answering recommendation R{recommendation} "
        f"was due on {_long_date(target_on)} and is not done. Sign in to casereview to see it.\n\n"
        f"{_plan_link(plan_id)}\n\n{_FOOTER}\n"
    )
    return Message("plan_action_escalated", subject, text)
