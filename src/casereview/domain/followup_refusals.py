"""The follow-up's refusals of a move, as whole sentences (``casereview.domain.followup`` raises them).

One sentence per object and move ("A finding that is %(state)s cannot be published"), never one built from
an object's name and a past participle: Welsh words them otherwise than English (order, mutation), so each
is its own entry in the catalogue.  Marked with ``gettext_noop``; ``domain.followup`` makes each a Phrase (its
English is ``str()``, for the API, the command line and the journal; a page translates it).  Kept apart from
the state machines so that ``domain.followup`` stays a readable size.
"""

from __future__ import annotations

from collections.abc import Mapping

from casereview.domain.language import Phrase, gettext_lazy, gettext_noop

#: Who may make a move, in the refusal of anyone else: whole sentences, so that a translation need not be
#: built from a name (the page translates the Phrase; ``str()`` is the English).
ONLY: Mapping[str, str] = {
    "lead": gettext_noop("Only the lead inspector of the inspection can do that"),
    "body": gettext_noop(
        "Only the body's liaison officer or a senior lead of the body can do that"
    ),
    "system": gettext_noop("Only the daily escalation can do that"),
}

#: A move its object's state does not allow, by (object, move): "A finding that is published cannot be
#: published".  Whole sentences per object and move (Welsh words an object and a move otherwise than
#: English); the state is a Phrase of ``_IN_A_SENTENCE``.
CANNOT: Mapping[tuple[str, str], str] = {
    ("finding", "edit"): gettext_noop("A finding that is %(state)s cannot be changed"),
    ("finding", "publish"): gettext_noop("A finding that is %(state)s cannot be published"),
    ("finding", "withdraw"): gettext_noop("A finding that is %(state)s cannot be withdrawn"),
    ("recommendation", "edit"): gettext_noop(
        "A recommendation that is %(state)s cannot be changed"
    ),
    ("recommendation", "publish"): gettext_noop(
        "A recommendation that is %(state)s cannot be published"
    ),
    ("recommendation", "withdraw"): gettext_noop(
        "A recommendation that is %(state)s cannot be withdrawn"
    ),
    ("recommendation", "judge"): gettext_noop(
        "A recommendation that is %(state)s cannot be judged"
    ),
    ("action plan", "save"): gettext_noop("An action plan that is %(state)s cannot be saved"),
    ("action plan", "submit"): gettext_noop("An action plan that is %(state)s cannot be submitted"),
    ("action plan", "accept"): gettext_noop("An action plan that is %(state)s cannot be accepted"),
    ("action plan", "return"): gettext_noop("An action plan that is %(state)s cannot be returned"),
    ("action plan", "escalate"): gettext_noop(
        "An action plan that is %(state)s cannot be escalated"
    ),
    ("action plan", "reopen"): gettext_noop("An action plan that is %(state)s cannot be reopened"),
    ("action", "update"): gettext_noop(
        "An action that is %(state)s cannot be given a progress update"
    ),
    ("action", "complete"): gettext_noop("An action that is %(state)s cannot be marked done"),
    ("action", "withdraw"): gettext_noop("An action that is %(state)s cannot be withdrawn"),
    ("action", "escalate"): gettext_noop("An action that is %(state)s cannot be escalated"),
    ("action", "drop"): gettext_noop("An action that is %(state)s cannot be taken out of the plan"),
}

#: An object that is closed: nothing more can happen to it.
CLOSED: Mapping[str, str] = {
    "finding": gettext_noop("This finding is %(state)s; nothing more can happen to it"),
    "recommendation": gettext_noop(
        "This recommendation is %(state)s; nothing more can happen to it"
    ),
    "action plan": gettext_noop("This action plan is %(state)s; nothing more can happen to it"),
    "action": gettext_noop("This action is %(state)s; nothing more can happen to it"),
}

#: An action's move refused while its plan is not yet promised (``check_action_in_plan``).
NOT_YET_LIVE: Mapping[str, str] = {
    "update": gettext_noop(
        "The action plan is %(state)s: an action can be given a progress update only once the plan is "
        "submitted or accepted"
    ),
    "complete": gettext_noop(
        "The action plan is %(state)s: an action can be marked done only once the plan is submitted or "
        "accepted"
    ),
    "withdraw": gettext_noop(
        "The action plan is %(state)s: an action can be withdrawn only once the plan is submitted or "
        "accepted"
    ),
    "escalate": gettext_noop(
        "The action plan is %(state)s: an action can be escalated only once the plan is submitted or "
        "accepted"
    ),
}


#: A state as a refusal's sentence says it ("... that is <words>"), by the state's words in lower case; a
#: Phrase, translated with the sentence.
IN_A_SENTENCE: Mapping[str, Phrase] = {
    "draft": gettext_lazy("still a draft"),
    "awaiting the body's plan": gettext_lazy("still awaited"),
    "draft (not submitted)": gettext_lazy("not yet submitted"),
    "published": gettext_lazy("published"),
    "withdrawn": gettext_lazy("withdrawn"),
    "open": gettext_lazy("open"),
    "met": gettext_lazy("met"),
    "no longer relevant": gettext_lazy("no longer relevant"),
    "submitted": gettext_lazy("submitted"),
    "returned to the body": gettext_lazy("returned to the body"),
    "accepted": gettext_lazy("accepted"),
    "overdue and escalated": gettext_lazy("overdue and escalated"),
    "done": gettext_lazy("done"),
}
