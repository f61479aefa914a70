"""What every notification e-mail says, in one place, in each recipient's language.

The rule: **no case content in any e-mail.**  A message carries only the inspected body's name and code, a
case reference, an urgency, a due date, a count and a link into casereview; never the reason a case was sent
back, a response or note, a summary, a grade or a comment.  Mail leaves the service's control (it is journaled
as a disclosure when sent), so people sign in, with their second factor, to read the rest.  Every function
here builds its text from those fields alone; tests/web/test_notifications.py checks the content stays out.

Every word goes through the Welsh catalogue (gettext, in the language active when the function runs; never a
gettext call inside an f-string, which makemessages cannot see), and
every message remembers how it was written (``Message.write``), so that the outbox (``mail_queue``) writes it
again in each recipient's own language (docs/welsh.md).  Dates are written in that language too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy, gettext_noop, ngettext, pgettext

from casereview.domain.language import ENGLISH
from casereview.domain.referrals import due_words, long_date
from casereview.domain.release import UK
from casereview.domain.words import MONTHS, uk_date
from casereview.web.core.phrases import active_language

P = ParamSpec("P")

#: Each event that sends mail, as the outbox page and `casereview notify list` name it.
EVENTS = {
    "send_back_opened": gettext_lazy("New send back"),
    "send_back_responded": gettext_lazy("Send back answered"),
    "send_back_returned": gettext_lazy("Send back returned"),
    "send_back_escalated": gettext_lazy("Send back overdue"),
    "cases_assigned": gettext_lazy("Cases assigned"),
    "publication_failed": gettext_lazy("Scheduled publication not released"),
    # Follow-up (issue 24): findings, recommendations and the body's action plan
    "findings_published": gettext_lazy("Findings published, action plan due"),
    "action_plan_submitted": gettext_lazy("Action plan submitted"),
    "action_plan_returned": gettext_lazy("Action plan returned"),
    "action_plan_escalated": gettext_lazy("Action plan overdue"),
    "plan_action_escalated": gettext_lazy("Action overdue"),
}

#: Why a scheduled publication did not go out, as reports/release.py says it (its ``why``; the same English
#: here, marked, so that the e-mail can give it in Welsh: a ``why`` not listed here is written as given).
PUBLICATION_NOT_READY = gettext_noop(
    "casereview found it not ready, or its disclosure check failed"
)
PUBLICATION_FAILURE_REASONS = (
    PUBLICATION_NOT_READY,
    gettext_noop("the person who scheduled it can no longer publish it"),
    gettext_noop("its figures changed after pre-release access was given"),
    gettext_noop("something went wrong while publishing it"),
)


@dataclass(frozen=True)
class Message:
    """One e-mail's words.  ``write`` writes it again (the same event, the same facts) in the active language:
    the outbox calls it once per recipient language; None for a message written once for everyone."""

    event: str
    subject: str
    body: str
    write: Callable[[], Message] | None = field(default=None, compare=False, repr=False)

    def written_in(self, language: str) -> Message:
        """This message in ``language`` (itself when it cannot be written again)."""
        if self.write is None:
            return self
        with translation.override(language):
            return self.write()


def _rewritable(build: Callable[P, Message]) -> Callable[P, Message]:
    """``build``'s message, remembering how to write it again (the same arguments) in another language."""

    @functools.wraps(build)
    def built(*args: P.args, **kwargs: P.kwargs) -> Message:
        return dataclasses.replace(build(*args, **kwargs), write=lambda: build(*args, **kwargs))

    return built


def _footer() -> str:
    return gettext("This message holds no case content. Sign in to casereview to read the case.")


def link(path: str) -> str:
    """An address people can follow from their mail: the service's public address and ``path``."""
    return f"{settings.CASEREVIEW_BASE_URL}{path}"


def _send_back_link(send_back: Any) -> str:
    return link(reverse("referrals:detail", kwargs={"send_back_id": send_back.pk}))


def _urgency(code: str) -> str:
    """A send back's urgency as a sentence reads it ("immediate"); an unknown code as it is."""
    return {
        "immediate": pgettext("urgency", "immediate"),
        "priority": pgettext("urgency", "priority"),
        "routine": pgettext("urgency", "routine"),
    }.get(code, code)


def _due(send_back: Any, today: dt.date) -> str:
    return due_words(send_back.due_on, today, dated=True, language=active_language())


def _send_back_facts(send_back: Any, today: dt.date) -> str:
    body = send_back.body
    lines = (
        gettext("Inspected body: %(name)s (%(code)s)") % {"name": body.name, "code": body.code},
        gettext("Case reference: %(reference)s") % {"reference": send_back.sampled_case.case_ref},
        gettext("Urgency: %(urgency)s") % {"urgency": _urgency(send_back.urgency)},
        gettext("Response due: %(due)s") % {"due": _due(send_back, today)},
    )
    return "".join(f"{line}\n" for line in lines)


@_rewritable
def send_back_opened(send_back: Any, *, today: dt.date) -> Message:
    """To the body's liaison officers: a case is sent back to them; the subject says how soon."""
    urgency = _urgency(send_back.urgency)
    subject = gettext("casereview: %(urgency)s send back to %(code)s, due %(due)s") % {
        "urgency": urgency[:1].upper() + urgency[1:],
        "code": send_back.body.code,
        "due": _due(send_back, today),
    }
    opening = gettext("A case has been sent back to %(name)s by the inspectorate.") % {
        "name": send_back.body.name
    }
    follow = gettext("Read why, and respond, in casereview:")
    body = (
        f"{opening}\n\n{_send_back_facts(send_back, today)}\n"
        f"{follow}\n{_send_back_link(send_back)}\n\n"
        f"{_footer()}\n"
    )
    return Message("send_back_opened", subject, body)


@_rewritable
def send_back_responded(send_back: Any, *, today: dt.date) -> Message:
    """To the inspector who sent it back and the inspection's lead: the body has answered."""
    subject = gettext("casereview: %(code)s answered send back %(number)s") % {
        "code": send_back.body.code,
        "number": send_back.pk,
    }
    opening = gettext(
        "%(name)s has answered a case you sent back. Accept the answer, or return it for more."
    ) % {"name": send_back.body.name}
    follow = gettext("Read the answer in casereview:")
    body = (
        f"{opening}\n\n{_send_back_facts(send_back, today)}\n"
        f"{follow}\n{_send_back_link(send_back)}\n\n{_footer()}\n"
    )
    return Message("send_back_responded", subject, body)


@_rewritable
def send_back_returned(send_back: Any, *, today: dt.date) -> Message:
    """To the body's liaison officers: the inspectorate needs more before it can close the send back."""
    subject = gettext("casereview: send back %(number)s returned to %(code)s, more is needed") % {
        "number": send_back.pk,
        "code": send_back.body.code,
    }
    opening = gettext(
        "The inspectorate has returned a send back to %(name)s: more is needed before it can be closed."
    ) % {"name": send_back.body.name}
    follow = gettext("Read what is needed, and respond, in casereview:")
    body = (
        f"{opening}\n\n{_send_back_facts(send_back, today)}\n"
        f"{follow}\n{_send_back_link(send_back)}\n\n"
        f"{_footer()}\n"
    )
    return Message("send_back_returned", subject, body)


def _padded_date(day: dt.date) -> str:
    """ "05 March 2026" ("05 Mawrth 2026"): the escalation's date, as it has always been written."""
    months = MONTHS.get(active_language(), MONTHS[ENGLISH])
    return f"{day:%d} {months[day.month - 1]} {day.year}"


@_rewritable
def send_back_escalated(send_back: Any) -> Message:
    """To the lead inspector and the body's senior leads, once, when the due day passes without an answer."""
    subject = gettext("casereview: send back %(number)s to %(code)s is overdue") % {
        "number": send_back.pk,
        "code": send_back.body.code,
    }
    text = gettext(
        "Send back %(number)s (%(urgency)s) to %(name)s was due on %(due)s and has no response. "
        "Sign in to casereview to see it."
    ) % {
        "number": send_back.pk,
        "urgency": _urgency(send_back.urgency),
        "name": send_back.body.name,
        "due": _padded_date(send_back.due_on),
    }
    body = f"{text}\n\n{_send_back_link(send_back)}\n\n{_footer()}\n"
    return Message("send_back_escalated", subject, body)


@_rewritable
def cases_assigned(*, body: Any, kind: str, count: int) -> Message:
    """To an inspector given cases in one assignment run: how many, of which body, for which kind of review."""
    facts = {"count": count, "code": body.code, "name": body.name}
    if kind == "moderation":
        subject = ngettext(
            "casereview: %(count)s case of %(code)s to second-mark",
            "casereview: %(count)s cases of %(code)s to second-mark",
            count,
        )
        given = ngettext(
            "You have been given %(count)s case of %(name)s (%(code)s) to second-mark, blind (moderation).",
            "You have been given %(count)s cases of %(name)s (%(code)s) to second-mark, blind (moderation).",
            count,
        )
    else:
        subject = ngettext(
            "casereview: %(count)s new case of %(code)s to review",
            "casereview: %(count)s new cases of %(code)s to review",
            count,
        )
        given = ngettext(
            "You have been given %(count)s new case of %(name)s (%(code)s) to review.",
            "You have been given %(count)s new cases of %(name)s (%(code)s) to review.",
            count,
        )
    follow = gettext("See them under My cases:")
    body_text = f"{given % facts}\n\n{follow}\n{link(reverse('reviews:mine'))}\n\n{_footer()}\n"
    return Message("cases_assigned", subject % facts, body_text)


def _release_words(release_at: dt.datetime) -> str:
    """ "09:30 on 14 January 2027" (casereview.domain.release.release_words), in the message's language."""
    local = release_at.astimezone(UK)
    return gettext("%(time)s on %(date)s") % {
        "time": f"{local:%H:%M}",
        "date": uk_date(local.date(), active_language()),
    }


@_rewritable
def publication_failed(
    *,
    body: Any,
    release_at: dt.datetime,
    draft_path: str,
    why: str = PUBLICATION_NOT_READY,
) -> Message:
    """To the lead inspector: a publication pre-announced for ``release_at`` did not go out.  Never the
    reasons (the disclosure audit's may describe hidden counts): the report's page gives them.  ``why`` is
    one of PUBLICATION_FAILURE_REASONS (in English; written in the reader's language)."""
    when = _release_words(release_at)
    subject = gettext(
        "casereview: the report on %(code)s scheduled for %(when)s was not published"
    ) % {"code": body.code, "when": when}
    text = gettext(
        "The report on %(name)s (%(code)s) was scheduled for publication at %(when)s, and was not "
        "published: %(why)s. Nothing has been released."
    ) % {"name": body.name, "code": body.code, "when": when, "why": gettext(why)}
    again = gettext("Sign in to casereview to read why, then publish it or schedule it again:")
    body_text = f"{text}\n\n{again}\n{link(draft_path)}\n\n{_footer()}\n"
    return Message("publication_failed", subject, body_text)


# Follow-up (issue 24) ------------------------------------------------------------------------------------
# Only the body's name and code, a recommendation's number, a due date, a count and a link: never a finding's,
# a recommendation's or an action's text, an owner, a note or a rationale.


def _plan_link(plan_id: int) -> str:
    return link(f"/recommendations/plans/{plan_id}/")


def _long_date(day: dt.date) -> str:
    return long_date(day, active_language())


@_rewritable
def findings_published(
    *, body: Any, recommendations: int, plan_due: dt.date, plan_id: int
) -> Message:
    """To the body's liaison officers and senior leads: recommendations were published; the plan is due."""
    facts = {
        "count": recommendations,
        "code": body.code,
        "name": body.name,
        "due": _long_date(plan_due),
    }
    subject = ngettext(
        "casereview: %(count)s recommendation for %(code)s, action plan due %(due)s",
        "casereview: %(count)s recommendations for %(code)s, action plan due %(due)s",
        recommendations,
    )
    published = ngettext(
        "The inspectorate has published %(count)s recommendation for %(name)s (%(code)s).",
        "The inspectorate has published %(count)s recommendations for %(name)s (%(code)s).",
        recommendations,
    )
    due = gettext("The body's action plan is due by %(due)s.") % facts
    follow = gettext("Read them, and write the plan, in casereview:")
    text = f"{published % facts}\n\n{due}\n\n{follow}\n{_plan_link(plan_id)}\n\n{_footer()}\n"
    return Message("findings_published", subject % facts, text)


@_rewritable
def action_plan_submitted(*, body: Any, plan_id: int) -> Message:
    """To the inspection's lead: the body submitted its action plan (accept it, or return it for more)."""
    subject = gettext("casereview: %(code)s submitted its action plan") % {"code": body.code}
    said = gettext(
        "%(name)s (%(code)s) has submitted its action plan. Accept it, or return it saying what more is "
        "needed."
    ) % {"name": body.name, "code": body.code}
    text = f"{said}\n\n{_plan_link(plan_id)}\n\n{_footer()}\n"
    return Message("action_plan_submitted", subject, text)


@_rewritable
def action_plan_returned(*, body: Any, plan_id: int) -> Message:
    """To the body's liaison officers: the lead returned the plan; more is needed."""
    subject = gettext("casereview: action plan of %(code)s returned, more is needed") % {
        "code": body.code
    }
    said = gettext(
        "The inspectorate has returned the action plan of %(name)s (%(code)s): more is needed before it "
        "can be accepted."
    ) % {"name": body.name, "code": body.code}
    follow = gettext("Read what is needed in casereview:")
    text = f"{said}\n\n{follow}\n{_plan_link(plan_id)}\n\n{_footer()}\n"
    return Message("action_plan_returned", subject, text)


@_rewritable
def action_plan_escalated(*, body: Any, plan_id: int, due_on: dt.date) -> Message:
    """To the lead inspector and the body's senior leads, once, when the plan's due day passes without it."""
    subject = gettext("casereview: action plan of %(code)s is overdue") % {"code": body.code}
    said = gettext(
        "The action plan of %(name)s (%(code)s) was due on %(due)s and has not been submitted. Sign in "
        "to casereview to see it."
    ) % {"name": body.name, "code": body.code, "due": _long_date(due_on)}
    text = f"{said}\n\n{_plan_link(plan_id)}\n\n{_footer()}\n"
    return Message("action_plan_escalated", subject, text)


@_rewritable
def plan_action_escalated(
    *, body: Any, plan_id: int, recommendation: int, target_on: dt.date
) -> Message:
    """To the lead inspector and the body's senior leads, once, when an action's target date passes open."""
    subject = gettext("casereview: an action of %(code)s on R%(number)s is overdue") % {
        "code": body.code,
        "number": recommendation,
    }
    said = gettext(
        "An action in the plan of %(name)s (%(code)s) answering recommendation R%(number)s was due on "
        "%(due)s and is not done. Sign in to casereview to see it."
    ) % {
        "name": body.name,
        "code": body.code,
        "number": recommendation,
        "due": _long_date(target_on),
    }
    text = f"{said}\n\n{_plan_link(plan_id)}\n\n{_footer()}\n"
    return Message("plan_action_escalated", subject, text)
